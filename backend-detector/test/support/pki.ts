/**
 * A throwaway PKI made with openssl at test time: a test CA, a server certificate for
 * 127.0.0.1/localhost (Kafka and Prometheus), a client certificate for mutual TLS (plain and
 * passphrase-encrypted key), and an unrelated "rogue" CA that signed nothing we serve.
 * EC P-256 keys: generated in milliseconds, accepted by Java, Go and Node alike.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export interface TestPki {
  dir: string;
  caCert: string;
  /** A CA that signed none of the certificates below. */
  rogueCaCert: string;
  serverCert: string;
  serverKey: string;
  /** Private key + certificate chain in one PEM file (Kafka's PEM keystore). */
  serverKeystore: string;
  clientCert: string;
  clientKey: string;
  /** The client key encrypted with `clientKeyPassphrase`. */
  clientKeyEncrypted: string;
  clientKeyPassphrase: string;
}

function openssl(args: string[], cwd: string): void {
  const res = spawnSync('openssl', args, { cwd, encoding: 'utf8' });
  if (res.status !== 0) throw new Error(`openssl ${args.join(' ')} failed: ${res.stderr}`);
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

function selfSignedCa(cwd: string, name: string, cn: string): void {
  openssl(
    [
      'req',
      '-x509',
      ...EC,
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.crt`,
      '-days',
      '2',
      '-subj',
      `/CN=${cn}`,
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ],
    cwd
  );
}

function issue(cwd: string, name: string, cn: string, extensions: string): void {
  openssl(['req', '-new', ...EC, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`], cwd);
  fs.writeFileSync(path.join(cwd, `${name}.ext`), extensions);
  openssl(
    [
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-days',
      '2',
      '-out',
      `${name}.crt`,
      '-extfile',
      `${name}.ext`,
    ],
    cwd
  );
}

export function createTestPki(): TestPki {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'anomalylens-pki-'));
  selfSignedCa(dir, 'ca', 'Anomaly Lens test CA');
  selfSignedCa(dir, 'rogue-ca', 'Somebody else');
  issue(
    dir,
    'server',
    'localhost',
    'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature\n'
  );
  issue(
    dir,
    'client',
    'anomaly-lens-detector',
    'extendedKeyUsage=clientAuth\nkeyUsage=critical,digitalSignature\n'
  );
  const clientKeyPassphrase = 'pki-passphrase-Zq81';
  openssl(
    [
      'pkcs8',
      '-topk8',
      '-in',
      'client.key',
      '-v2',
      'aes-256-cbc',
      '-passout',
      `pass:${clientKeyPassphrase}`,
      '-out',
      'client-encrypted.key',
    ],
    dir
  );
  const p = (f: string) => path.join(dir, f);
  // openssl 3 writes PKCS#8 keys ("BEGIN PRIVATE KEY"), which Kafka's PEM keystore requires.
  fs.writeFileSync(
    p('server-keystore.pem'),
    fs.readFileSync(p('server.key'), 'utf8') + fs.readFileSync(p('server.crt'), 'utf8')
  );
  return {
    dir,
    caCert: p('ca.crt'),
    rogueCaCert: p('rogue-ca.crt'),
    serverCert: p('server.crt'),
    serverKey: p('server.key'),
    serverKeystore: p('server-keystore.pem'),
    clientCert: p('client.crt'),
    clientKey: p('client.key'),
    clientKeyEncrypted: p('client-encrypted.key'),
    clientKeyPassphrase,
  };
}
