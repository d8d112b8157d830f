/**
 * Secrets never leave the process: `anomaly-lens run` as users start it (a child process at
 * debug level), given distinctive values for every secret setting, scores over SASL_SSL into a
 * TLS + basic-auth Prometheus; its whole stdout/stderr, /api/status, /metrics, /readyz, `--help`
 * and every configuration error about those settings are searched for the values (and for the
 * base64 of `user:password`, the Authorization header's form).
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { waitFor } from '../support/services';
import { BIN, BUILT, leaks, points, secret, SecureStack } from '../support/security-stack';

jest.setTimeout(120_000);

const stack = new SecureStack();
const run = `secrets-${Date.now().toString(36)}`;
const topic = `${run}-in`;

beforeAll(async () => {
  if (!fs.existsSync(BUILT)) throw new Error('the CLI is not built: run `npm run build` first');
  await stack.start();
}, 120_000);
afterAll(() => stack.stop());

/** Every secret setting, with the values that work against the stack. */
function secretEnv(): Record<string, string> {
  return {
    ANOMALYLENS_KAFKA_BROKERS: stack.saslSslBroker,
    ANOMALYLENS_KAFKA_TLS: 'true',
    ANOMALYLENS_KAFKA_TLS_CA_FILE: stack.pki.caCert,
    // The SASL_SSL listener does not ask for a client certificate, but the encrypted key is
    // still loaded (and decrypted) with the passphrase.
    ANOMALYLENS_KAFKA_TLS_CERT_FILE: stack.pki.clientCert,
    ANOMALYLENS_KAFKA_TLS_KEY_FILE: stack.pki.clientKeyEncrypted,
    ANOMALYLENS_KAFKA_TLS_KEY_PASSPHRASE: stack.pki.clientKeyPassphrase,
    ANOMALYLENS_KAFKA_SASL_MECHANISM: 'scram-sha-512',
    ANOMALYLENS_KAFKA_SASL_USERNAME: stack.creds.scram512.username,
    ANOMALYLENS_KAFKA_SASL_PASSWORD: stack.creds.scram512.password,
    ANOMALYLENS_REMOTE_WRITE_URL: stack.remoteWriteUrl,
    ANOMALYLENS_REMOTE_WRITE_TLS_CA_FILE: stack.pki.caCert,
    ANOMALYLENS_REMOTE_WRITE_USERNAME: stack.creds.remoteWrite.username,
    ANOMALYLENS_REMOTE_WRITE_PASSWORD: stack.creds.remoteWrite.password,
  };
}

function secrets(): string[] {
  return [
    stack.creds.scram512.password,
    stack.creds.remoteWrite.password,
    `${stack.creds.remoteWrite.username}:${stack.creds.remoteWrite.password}`,
    stack.pki.clientKeyPassphrase,
  ];
}

/** A clean environment: only PATH/HOME from ours, so no unrelated ANOMALYLENS_* leaks in. */
function cliEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: process.env.HOME, ...env };
}

function runSync(args: string[], env: Record<string, string>) {
  const res = spawnSync(process.execPath, [BIN, ...args], {
    env: cliEnv(env),
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { status: res.status, output: `${res.stdout}${res.stderr}` };
}

it('`anomaly-lens run` scores with every secret set and shows none of them anywhere', async () => {
  await stack.createTopic(topic);
  const sent = points(run, 40);
  await stack.produce(topic, sent);
  const child = spawn(process.execPath, [BIN, 'run'], {
    env: cliEnv({
      ...secretEnv(),
      ANOMALYLENS_INPUT_TOPICS: topic,
      ANOMALYLENS_DLQ_TOPIC: `${run}-dlq`,
      ANOMALYLENS_KAFKA_GROUP_ID: `${run}-g`,
      ANOMALYLENS_KAFKA_FROM_BEGINNING: 'true',
      ANOMALYLENS_HTTP_PORT: '0',
      ANOMALYLENS_LOG_LEVEL: 'debug',
    }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let shown = '';
  try {
    const port = await waitFor(
      'the HTTP port in the startup log',
      () => /"port":(\d+),[^\n]*HTTP server listening/.exec(out)?.[1],
      30_000,
      50
    );
    await waitFor(
      'every point in Prometheus',
      async () => ((await stack.count('anomalylens_score', run)) === sent.length ? true : undefined),
      60_000,
      500
    );
    for (const p of ['/api/status', '/metrics', '/readyz', '/healthz']) {
      const res = await fetch(`http://127.0.0.1:${port}${p}`);
      expect([p, res.status]).toEqual([p, 200]);
      shown += `${await res.text()}\n`;
    }
  } finally {
    child.kill('SIGTERM');
  }
  expect(await exited).toBe(0);
  // The startup log describes the config, secrets masked.
  expect(out).toMatch(/"kafkaSaslPassword":"<redacted>"/);
  expect(out).toMatch(/"remoteWritePassword":"<redacted>"/);
  expect(out).toMatch(/"kafkaTlsKeyPassphrase":"<redacted>"/);
  expect(leaks(`${out}\n${shown}`, secrets())).toEqual([]);
});

it('a wrong SASL password: the process exits 1 saying authentication failed, password nowhere', () => {
  const wrong = secret('wrong-sasl');
  const r = runSync(['run'], {
    ...secretEnv(),
    ANOMALYLENS_KAFKA_SASL_PASSWORD: wrong,
    ANOMALYLENS_INPUT_TOPICS: topic,
    ANOMALYLENS_HTTP_PORT: '0',
  });
  expect(r.status).toBe(1);
  expect(r.output).toMatch(/failed to start/);
  expect(r.output).toMatch(/SASL SCRAM SHA512 authentication failed/);
  expect(leaks(r.output, [wrong, ...secrets()])).toEqual([]);
});

it('`run --help` with every secret in the environment prints none of them', () => {
  const bearer = secret('bearer');
  const r = runSync(['run', '--help'], { ...secretEnv(), ANOMALYLENS_REMOTE_WRITE_BEARER_TOKEN: bearer });
  expect(r.status).toBe(0);
  expect(r.output).toContain('ANOMALYLENS_KAFKA_SASL_PASSWORD');
  expect(leaks(r.output, [bearer, ...secrets()])).toEqual([]);
});

describe('configuration errors about secret settings name the setting, never the value', () => {
  const cases: Array<[string, (s: string) => Record<string, string>, RegExp]> = [
    [
      'SASL password without a username',
      (s) => ({ ANOMALYLENS_KAFKA_SASL_MECHANISM: 'scram-sha-256', ANOMALYLENS_KAFKA_SASL_PASSWORD: s }),
      /kafkaSaslUsername\/kafkaSaslPassword: required when kafkaSaslMechanism is scram-sha-256/,
    ],
    [
      'bearer token together with basic auth',
      (s) => ({
        ANOMALYLENS_REMOTE_WRITE_BEARER_TOKEN: s,
        ANOMALYLENS_REMOTE_WRITE_USERNAME: 'u',
        ANOMALYLENS_REMOTE_WRITE_PASSWORD: `${s}-pw`,
      }),
      /remoteWriteBearerToken: cannot be combined with basic auth/,
    ],
    [
      'remote-write password without a username',
      (s) => ({ ANOMALYLENS_REMOTE_WRITE_PASSWORD: s }),
      /remoteWriteUsername\/remoteWritePassword: basic auth needs both/,
    ],
    [
      'a key passphrase that does not decrypt the key',
      (s) => ({
        ANOMALYLENS_KAFKA_TLS: 'true',
        ANOMALYLENS_KAFKA_TLS_CERT_FILE: stack.pki.clientCert,
        ANOMALYLENS_KAFKA_TLS_KEY_FILE: stack.pki.clientKeyEncrypted,
        ANOMALYLENS_KAFKA_TLS_KEY_PASSPHRASE: s,
      }),
      /kafkaTlsKeyPassphrase: does not decrypt kafkaTlsKeyFile/,
    ],
    [
      'a remote-write URL with a password that does not parse',
      (s) => ({ ANOMALYLENS_REMOTE_WRITE_URL: `http://detector:${s}@[prometheus:9090/api/v1/write` }),
      /remoteWriteUrl \(ANOMALYLENS_REMOTE_WRITE_URL\): not a URL: 'http:\/\/detector:<redacted>@\[prometheus/,
    ],
  ];

  it.each(cases)('%s', (_name, env, expected) => {
    const s = secret('config');
    const r = runSync(['run'], env(s));
    expect(r.status).toBe(2);
    expect(r.output).toMatch(expected);
    expect(leaks(r.output, [s, `${s}-pw`])).toEqual([]);
  });

  it('a config file holding secrets and a mistake: the mistake is named, the secrets are not shown', () => {
    const s = secret('file');
    const file = path.join(stack.pki.dir, 'detector.json');
    fs.writeFileSync(
      file,
      JSON.stringify({
        kafkaSaslMechanism: 'scram-sha-256',
        kafkaSaslUsername: 'detector',
        kafkaSaslPassword: s,
        remoteWriteBearerToken: { token: s },
        maxSeries: 'lots',
      })
    );
    const r = runSync(['run', '--config', file], {});
    expect(r.status).toBe(2);
    expect(r.output).toMatch(/remoteWriteBearerToken \(config file\): must be a string/);
    expect(r.output).toMatch(/maxSeries \(config file\): expected a number, got 'lots'/);
    expect(leaks(r.output, [s])).toEqual([]);
  });
});
