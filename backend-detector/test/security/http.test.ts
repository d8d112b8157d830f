/**
 * The detector's HTTP endpoints are read-only and listen where they are told: GET/HEAD only
 * (405 + Allow otherwise, the request body never read), loopback unless configured otherwise,
 * and an internal error never echoes what went wrong.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { loadConfig } from '../../src/config/load';
import { DetectorMetrics } from '../../src/health/metrics';
import { HealthServer, type HealthSource } from '../../src/health/server';
import { buildStatus } from '../../src/health/status';

const PATHS = ['/metrics', '/healthz', '/readyz', '/api/status', '/elsewhere'];

function source(over: Partial<HealthSource> = {}): HealthSource {
  const now = Date.now();
  return {
    registry: new DetectorMetrics(false).registry,
    ready: () => ({ ready: true, reasons: [] }),
    status: () =>
      buildStatus({
        groupJoined: true,
        sinkReachable: true,
        messagesPerSecond: 0,
        pointsPerSecond: 0,
        anomaliesPerMinute: 0,
        lastMessageAt: 0,
        activeSeries: 0,
        lag: [],
        dlqByReason: {},
        sinkPending: 0,
        sinkWriteErrors: 0,
        sinkRejected: 0,
        sinkLastError: '',
        backpressure: false,
        startedAt: now,
        now,
      }),
    ...over,
  };
}

async function withServer<T>(host: string, fn: (port: number) => Promise<T>, src = source()): Promise<T> {
  const server = new HealthServer(src);
  const port = await server.listen(0, host);
  try {
    return await fn(port);
  } finally {
    await server.close();
  }
}

/** Raw HTTP over a socket: what was answered, and whether the server closed the connection. */
function raw(port: number, request: string, waitMs = 3000): Promise<{ response: string; closed: boolean }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port }, () => socket.write(request));
    let response = '';
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ response, closed: false });
    }, waitMs);
    socket.on('data', (d) => (response += d.toString('latin1')));
    socket.on('end', () => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ response, closed: true });
    });
    socket.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

function connects(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port }, () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });
}

describe('HTTP endpoints are read-only', () => {
  it.each(['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'])(
    '%s on every path: 405 with Allow: GET, HEAD',
    (method) =>
      withServer('127.0.0.1', async (port) => {
        for (const p of PATHS) {
          const res = await fetch(`http://127.0.0.1:${port}${p}`, {
            method,
            body: method === 'OPTIONS' ? undefined : 'x=1',
          });
          expect([p, res.status, res.headers.get('allow')]).toEqual([p, 405, 'GET, HEAD']);
          expect(await res.text()).toBe(
            `method ${method} not allowed: the endpoints are read-only (GET, HEAD)\n`
          );
        }
      })
  );

  it('answers GET and HEAD (HEAD without a body), with nosniff on every response', () =>
    withServer('127.0.0.1', async (port) => {
      for (const p of PATHS.slice(0, 4)) {
        const get = await fetch(`http://127.0.0.1:${port}${p}`);
        expect([p, get.status]).toEqual([p, 200]);
        expect(get.headers.get('x-content-type-options')).toBe('nosniff');
        const head = await raw(port, `HEAD ${p} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
        expect(head.response).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
        expect(head.response.split('\r\n\r\n')[1]).toBe('');
      }
      expect((await fetch(`http://127.0.0.1:${port}/nope`)).headers.get('x-content-type-options')).toBe(
        'nosniff'
      );
    }));

  it('refuses a write without reading its body: 405 at once and the connection closed', () =>
    withServer('127.0.0.1', async (port) => {
      // 100 MB announced, 1 KB sent: the answer must not wait for the rest.
      const big = await raw(
        port,
        `POST /api/status HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 104857600\r\n\r\n${'{'.repeat(1024)}`
      );
      expect(big.response).toMatch(/^HTTP\/1\.1 405 Method Not Allowed\r\n/);
      expect(big.response).toMatch(/\r\nAllow: GET, HEAD\r\n/);
      expect(big.response).toMatch(/\r\nConnection: close\r\n/);
      expect(big.closed).toBe(true);
      // A chunked body that never ends: same.
      const chunked = await raw(
        port,
        'PUT /metrics HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n400\r\n' + 'a'.repeat(1024)
      );
      expect(chunked.response).toMatch(/^HTTP\/1\.1 405 /);
      expect(chunked.closed).toBe(true);
    }));

  it('an internal error answers 500 without echoing what went wrong', () => {
    const leaky = source({
      status: () => {
        throw new Error('boom: remote-write password is Int3rnal-S3cret');
      },
    });
    return withServer(
      '127.0.0.1',
      async (port) => {
        const res = await fetch(`http://127.0.0.1:${port}/api/status`);
        expect(res.status).toBe(500);
        expect(await res.text()).toBe('internal error\n');
      },
      leaky
    );
  });
});

describe('HTTP bind address', () => {
  it('defaults to loopback: not reachable on another address of the machine', async () => {
    const host = loadConfig({}).httpHost;
    expect(host).toBe('127.0.0.1');
    await withServer(host, async (port) => {
      expect(await connects('127.0.0.1', port)).toBe(true);
      // 127.0.0.2 is this machine too (all of 127/8 is loopback), but not the bound address.
      expect(await connects('127.0.0.2', port)).toBe(false);
    });
  });

  it('listens on every interface when told to (ANOMALYLENS_HTTP_HOST=0.0.0.0)', async () => {
    const host = loadConfig({ ANOMALYLENS_HTTP_HOST: '0.0.0.0' }).httpHost;
    await withServer(host, async (port) => {
      expect(await connects('127.0.0.1', port)).toBe(true);
      expect(await connects('127.0.0.2', port)).toBe(true);
    });
  });

  it('the container image and the compose stack set 0.0.0.0, so published ports work', () => {
    const root = path.join(__dirname, '..', '..', '..');
    const dockerfile = fs.readFileSync(path.join(root, 'backend-detector', 'Dockerfile'), 'utf8');
    const runtime = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    expect(runtime).toMatch(/^ENV ANOMALYLENS_HTTP_HOST=0\.0\.0\.0$/m);
    const compose = fs.readFileSync(path.join(root, 'docker-compose.yml'), 'utf8');
    expect(compose).toMatch(/^\s+ANOMALYLENS_HTTP_HOST: 0\.0\.0\.0$/m);
  });
});
