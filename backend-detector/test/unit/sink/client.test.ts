import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as os from 'node:os';
import * as path from 'node:path';
import type { AddressInfo } from 'node:net';
import { uncompressSync } from 'snappy';
import { NetworkError, RemoteWriteClient } from '../../../src/sink/client';
import { decodeWriteRequest } from '../../../src/sink/proto';

/** A loopback HTTP server standing in for a remote-write receiver, recording requests. */
async function receiver(status: number) {
  const seen: Array<{ headers: http.IncomingHttpHeaders; body: Buffer }> = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ headers: req.headers, body: Buffer.concat(chunks) });
      res.writeHead(status, { 'Retry-After': '2' }).end(status >= 400 ? 'bad sample' : '');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/write`;
  return { seen, url, close: () => new Promise((r) => server.close(r)) };
}

describe('RemoteWriteClient', () => {
  it('posts a snappy-compressed protobuf WriteRequest with the protocol 1.0 headers', async () => {
    const r = await receiver(204);
    const client = new RemoteWriteClient({ url: r.url, timeoutMs: 2000, bearerToken: 'tok' });
    const ts = [
      {
        labels: [
          { name: '__name__', value: 'anomalylens_score' },
          { name: 'host', value: 'a' },
        ],
        samples: [{ value: 0.5, timestamp: 1795000000123 }],
      },
    ];
    await expect(client.write(ts)).resolves.toMatchObject({ status: 204 });
    const { headers, body } = r.seen[0];
    expect(headers['content-encoding']).toBe('snappy');
    expect(headers['content-type']).toBe('application/x-protobuf');
    expect(headers['x-prometheus-remote-write-version']).toBe('0.1.0');
    expect(headers.authorization).toBe('Bearer tok');
    expect(decodeWriteRequest(uncompressSync(body) as Buffer).timeseries).toEqual(ts);
    client.close();
    await r.close();
  });

  it('sends basic auth and returns the status, body and Retry-After of failures', async () => {
    const r = await receiver(429);
    const client = new RemoteWriteClient({ url: r.url, timeoutMs: 2000, username: 'u', password: 'p' });
    await expect(client.write([])).resolves.toEqual({ status: 429, body: 'bad sample', retryAfter: '2' });
    expect(r.seen[0].headers.authorization).toBe(`Basic ${Buffer.from('u:p').toString('base64')}`);
    client.close();
    await r.close();
  });

  it('rejects with a NetworkError when nothing listens', async () => {
    const r = await receiver(204);
    await r.close();
    const client = new RemoteWriteClient({ url: r.url, timeoutMs: 2000 });
    await expect(client.write([])).rejects.toBeInstanceOf(NetworkError);
    client.close();
  });
});

describe('RemoteWriteClient over https', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'al-rw-tls-'));
  const cert = path.join(dir, 'cert.pem');
  const key = path.join(dir, 'key.pem');
  let server: https.Server;
  let url = '';

  beforeAll(async () => {
    // A self-signed certificate for 127.0.0.1, made with the system's openssl.
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        key,
        '-out',
        cert,
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
      ],
      { stdio: 'ignore' }
    );
    server = https.createServer({ key: fs.readFileSync(key), cert: fs.readFileSync(cert) }, (req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(204).end());
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/write`;
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
    fs.rmSync(dir, { recursive: true });
  });

  it('trusts the configured CA bundle', async () => {
    const client = new RemoteWriteClient({ url, timeoutMs: 2000, tlsCaFile: cert });
    await expect(client.write([])).resolves.toMatchObject({ status: 204 });
    client.close();
  });

  it('refuses an untrusted certificate unless verification is turned off', async () => {
    const strict = new RemoteWriteClient({ url, timeoutMs: 2000 });
    await expect(strict.write([])).rejects.toBeInstanceOf(NetworkError);
    strict.close();
    const lax = new RemoteWriteClient({ url, timeoutMs: 2000, tlsRejectUnauthorized: false });
    await expect(lax.write([])).resolves.toMatchObject({ status: 204 });
    lax.close();
  });
});
