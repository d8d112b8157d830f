import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConfigError, describeConfig, loadConfig, redactUrl } from '../../../src/config/load';
import { createTestPki, type TestPki } from '../../support/pki';

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env, undefined);
    return [];
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
}

describe('config: TLS files are checked before any connection', () => {
  let pki: TestPki;
  beforeAll(() => (pki = createTestPki()));
  afterAll(() => fs.rmSync(pki.dir, { recursive: true, force: true }));

  const mtls = (over: Record<string, string> = {}) => ({
    ANOMALYLENS_KAFKA_TLS: 'true',
    ANOMALYLENS_KAFKA_TLS_CA_FILE: pki.caCert,
    ANOMALYLENS_KAFKA_TLS_CERT_FILE: pki.clientCert,
    ANOMALYLENS_KAFKA_TLS_KEY_FILE: pki.clientKey,
    ...over,
  });

  it('accepts a CA bundle, a client certificate and its key, plain or with the right passphrase', () => {
    expect(problems(mtls())).toEqual([]);
    expect(
      problems(
        mtls({
          ANOMALYLENS_KAFKA_TLS_KEY_FILE: pki.clientKeyEncrypted,
          ANOMALYLENS_KAFKA_TLS_KEY_PASSPHRASE: pki.clientKeyPassphrase,
        })
      )
    ).toEqual([]);
  });

  it('names the passphrase setting when it is missing or wrong, without echoing it', () => {
    expect(problems(mtls({ ANOMALYLENS_KAFKA_TLS_KEY_FILE: pki.clientKeyEncrypted }))).toEqual([
      `kafkaTlsKeyFile: '${pki.clientKeyEncrypted}' is encrypted; set ANOMALYLENS_KAFKA_TLS_KEY_PASSPHRASE`,
    ]);
    const wrong = 'Wr0ng-Passphrase-7731';
    const p = problems(
      mtls({
        ANOMALYLENS_KAFKA_TLS_KEY_FILE: pki.clientKeyEncrypted,
        ANOMALYLENS_KAFKA_TLS_KEY_PASSPHRASE: wrong,
      })
    );
    expect(p).toEqual([
      `kafkaTlsKeyPassphrase: does not decrypt kafkaTlsKeyFile '${pki.clientKeyEncrypted}'`,
    ]);
    expect(p.join('\n')).not.toContain(wrong);
  });

  it('calls every wrong passphrase wrong, also the ones that leave valid-looking padding', () => {
    // About one wrong passphrase in 300 decrypts to garbage with valid padding, and OpenSSL
    // then reports a decoding error instead of a bad decrypt: 1,500 tries meet one ~99 % of runs.
    const seen = new Set<string>();
    for (let i = 0; i < 1500; i++) {
      const p = problems(
        mtls({
          ANOMALYLENS_KAFKA_TLS_KEY_FILE: pki.clientKeyEncrypted,
          ANOMALYLENS_KAFKA_TLS_KEY_PASSPHRASE: `wrong-${i}`,
        })
      );
      seen.add(p.join('\n'));
    }
    expect([...seen]).toEqual([
      `kafkaTlsKeyPassphrase: does not decrypt kafkaTlsKeyFile '${pki.clientKeyEncrypted}'`,
    ]);
  });

  it('rejects a key that does not belong to the certificate, and files that are not PEM', () => {
    expect(problems(mtls({ ANOMALYLENS_KAFKA_TLS_KEY_FILE: pki.serverKey }))[0]).toMatch(
      /^kafkaTlsCertFile\/kafkaTlsKeyFile: the key in '.*server\.key' does not belong to the certificate/
    );
    const junk = path.join(pki.dir, 'junk.pem');
    fs.writeFileSync(junk, 'not a certificate\n');
    expect(problems(mtls({ ANOMALYLENS_KAFKA_TLS_CA_FILE: junk }))).toEqual([
      `kafkaTlsCaFile: '${junk}' holds no PEM certificate (-----BEGIN CERTIFICATE-----)`,
    ]);
    expect(problems({ ANOMALYLENS_REMOTE_WRITE_TLS_CA_FILE: pki.clientKey })).toEqual([
      `remoteWriteTlsCaFile: '${pki.clientKey}' holds no PEM certificate (-----BEGIN CERTIFICATE-----)`,
    ]);
    expect(problems(mtls({ ANOMALYLENS_KAFKA_TLS_CERT_FILE: junk }))[0]).toMatch(
      /^kafkaTlsCertFile\/kafkaTlsKeyFile: '.*junk\.pem' and '.*client\.key' are not a PEM certificate and key/
    );
  });

  it('refuses TLS files while TLS is off (they would be silently ignored)', () => {
    expect(problems({ ANOMALYLENS_KAFKA_TLS_CA_FILE: pki.caCert })).toEqual([
      'kafkaTls: is false, but Kafka TLS files or a key passphrase are set; set ANOMALYLENS_KAFKA_TLS=true to use them',
    ]);
    expect(problems({ ANOMALYLENS_KAFKA_TLS: 'true', ANOMALYLENS_KAFKA_TLS_KEY_PASSPHRASE: 'x' })).toEqual([
      'kafkaTlsKeyPassphrase: set, but there is no kafkaTlsKeyFile to decrypt',
    ]);
  });
});

describe('config: credentials in URLs', () => {
  it('masks the password of a URL with user info', () => {
    expect(redactUrl('https://detector:pa55@prom.example:9090/api/v1/write')).toBe(
      'https://detector:<redacted>@prom.example:9090/api/v1/write'
    );
    expect(redactUrl('http://127.0.0.1:9090/api/v1/write')).toBe('http://127.0.0.1:9090/api/v1/write');
    expect(redactUrl('https://user@host/')).toBe('https://user@host/');
  });

  it('keeps a URL password out of the startup description and out of URL errors', () => {
    const c = loadConfig({
      ANOMALYLENS_REMOTE_WRITE_URL: 'https://detector:Url-Secret-991@prom:9090/api/v1/write',
    });
    expect(JSON.stringify(describeConfig(c))).not.toContain('Url-Secret-991');
    expect(describeConfig(c).remoteWriteUrl).toBe('https://detector:<redacted>@prom:9090/api/v1/write');
    const p = problems({ ANOMALYLENS_REMOTE_WRITE_URL: 'ftp://detector:Url-Secret-991@prom/write' });
    expect(p.join('\n')).not.toContain('Url-Secret-991');
  });
});
