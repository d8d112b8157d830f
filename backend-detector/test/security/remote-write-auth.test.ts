/**
 * Remote write to a real Prometheus behind TLS (test CA) and basic auth (bcrypt), and to a
 * bearer-token gateway in front of it. Refused credentials are reported (metric, log, /readyz,
 * /api/status) and lose nothing: the points stay uncommitted until a detector with the right
 * password writes them.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import { selfMetric, waitFor } from '../support/services';
import { CapturedDetector, leaks, points, secret, SecureStack } from '../support/security-stack';

jest.setTimeout(120_000);

const stack = new SecureStack();
let seq = 0;
const unique = (what: string) => `${what}-${Date.now().toString(36)}-${++seq}`;

beforeAll(() => stack.start(), 120_000);
afterAll(() => stack.stop());

/** Kafka over its PLAINTEXT listener: this file is about the remote-write side. */
async function detectorFor(run: string, env: Record<string, string>): Promise<CapturedDetector> {
  const d = new CapturedDetector({
    ANOMALYLENS_KAFKA_BROKERS: stack.kafka.bootstrap,
    ANOMALYLENS_INPUT_TOPICS: `${run}-in`,
    ANOMALYLENS_DLQ_TOPIC: `${run}-dlq`,
    ANOMALYLENS_KAFKA_GROUP_ID: `${run}-g`,
    ANOMALYLENS_SHUTDOWN_TIMEOUT_MS: '1000',
    ...env,
  });
  await d.service.start();
  return d;
}

async function topicWithPoints(run: string, n: number): Promise<number> {
  await stack.createTopic(`${run}-in`);
  const sent = points(run, n);
  await stack.produce(`${run}-in`, sent);
  return sent.length;
}

describe('remote write with basic auth over TLS', () => {
  it('a wrong password is reported as refused credentials and loses no point', async () => {
    const run = unique('rw401');
    const total = await topicWithPoints(run, 50);
    const wrong = secret('wrong-rw');
    let held = 0;
    const bad = await detectorFor(run, {
      ANOMALYLENS_REMOTE_WRITE_URL: stack.remoteWriteUrl,
      ANOMALYLENS_REMOTE_WRITE_TLS_CA_FILE: stack.pki.caCert,
      ANOMALYLENS_REMOTE_WRITE_USERNAME: stack.creds.remoteWrite.username,
      ANOMALYLENS_REMOTE_WRITE_PASSWORD: wrong,
    });
    try {
      const port = bad.service.port;
      await waitFor(
        'an auth failure on the metric',
        async () =>
          (await selfMetric(port, 'anomalylens_detector_sink_write_failures_total', 'kind="http_auth"')) >= 2
            ? true
            : undefined,
        30_000
      );
      expect(await selfMetric(port, 'anomalylens_detector_points_scored_total')).toBe(total);
      // Nothing was dropped as "rejected", nothing acknowledged, so nothing committed.
      expect(await selfMetric(port, 'anomalylens_detector_sink_samples_rejected_total')).toBe(0);
      // Every output sample of every point is held (up to 6 per point: a series' first point
      // has no expected range yet).
      held = bad.service.status().sink.pendingSamples;
      expect(held).toBeGreaterThanOrEqual(total * 6 - 2 * 3);
      expect(held).toBeLessThanOrEqual(total * 6);
      await waitFor(
        'the backlog gauge to show every held sample',
        async () =>
          (await selfMetric(port, 'anomalylens_detector_sink_pending_samples')) === held ? true : undefined,
        10_000
      );
      const ready = await bad.get('/readyz');
      expect(ready.status).toBe(503);
      expect(await ready.text()).toMatch(
        /remote-write endpoint not reachable \(HTTP 401: Unauthorized \(credentials refused: check the remote-write username\/password or bearer token\)\)/
      );
      const status = (await (await bad.get('/api/status')).json()) as {
        status: string;
        sink: { lastError: string };
      };
      expect(status.status).toBe('down');
      expect(status.sink.lastError).toMatch(/^HTTP 401: Unauthorized \(credentials refused/);
      expect(bad.text).toMatch(/remote write failed, retrying: HTTP 401: Unauthorized \(credentials refused/);
      expect(leaks(await bad.everythingShown(), [wrong, stack.creds.remoteWrite.password])).toEqual([]);
      expect(await stack.committed(`${run}-g`, `${run}-in`)).toBe(0);
      expect(await stack.count('anomalylens_score', run)).toBe(0);
    } finally {
      await bad.service.stop();
    }

    // The operator fixes the password: the same group re-reads everything and writes it all.
    const good = await detectorFor(run, {
      ANOMALYLENS_REMOTE_WRITE_URL: stack.remoteWriteUrl,
      ANOMALYLENS_REMOTE_WRITE_TLS_CA_FILE: stack.pki.caCert,
      ANOMALYLENS_REMOTE_WRITE_USERNAME: stack.creds.remoteWrite.username,
      ANOMALYLENS_REMOTE_WRITE_PASSWORD: stack.creds.remoteWrite.password,
    });
    try {
      await waitFor(
        'every point in Prometheus',
        async () => ((await stack.count('anomalylens_score', run)) === total ? true : undefined),
        30_000,
        500
      );
      expect(await stack.count('anomalylens_observed', run)).toBe(total);
      // Exactly what the refused detector held, no more, no less.
      expect(await selfMetric(good.service.port, 'anomalylens_detector_sink_samples_written_total')).toBe(
        held
      );
      await waitFor(
        'offsets committed',
        async () => ((await stack.committed(`${run}-g`, `${run}-in`)) === total ? true : undefined),
        10_000
      );
      expect((await good.get('/readyz')).status).toBe(200);
    } finally {
      await good.service.stop();
    }
  });

  it('a server certificate from an unknown CA is a clear TLS error on /readyz, retried', async () => {
    const run = unique('rwca');
    await topicWithPoints(run, 5);
    const d = await detectorFor(run, {
      ANOMALYLENS_REMOTE_WRITE_URL: stack.remoteWriteUrl,
      ANOMALYLENS_REMOTE_WRITE_TLS_CA_FILE: stack.pki.rogueCaCert,
      ANOMALYLENS_REMOTE_WRITE_USERNAME: stack.creds.remoteWrite.username,
      ANOMALYLENS_REMOTE_WRITE_PASSWORD: stack.creds.remoteWrite.password,
    });
    try {
      await waitFor(
        'a failed write on the metric',
        async () =>
          (await selfMetric(
            d.service.port,
            'anomalylens_detector_sink_write_failures_total',
            'kind="network"'
          )) > 0
            ? true
            : undefined,
        20_000
      );
      const ready = await d.get('/readyz');
      expect(ready.status).toBe(503);
      expect(await ready.text()).toMatch(
        /remote-write endpoint not reachable \(UNABLE_TO_VERIFY_LEAF_SIGNATURE: unable to verify the first certificate\)/
      );
      expect(d.text).toMatch(/remote write failed, retrying: UNABLE_TO_VERIFY_LEAF_SIGNATURE/);
      expect(await stack.committed(`${run}-g`, `${run}-in`)).toBe(0);
    } finally {
      await d.service.stop();
    }
  });
});

/**
 * Prometheus cannot check bearer tokens, so a small HTTPS gateway (the test CA's server
 * certificate) checks the header and forwards the request to Prometheus with basic auth — the
 * shape of a real auth proxy in front of a receiver.
 */
class BearerGateway {
  readonly seen: string[] = [];
  private server?: https.Server;
  port = 0;

  constructor(private readonly token: string) {}

  async start(): Promise<void> {
    const upstream = new URL(stack.remoteWriteUrl);
    const ca = fs.readFileSync(stack.pki.caCert);
    const auth = `${stack.creds.remoteWrite.username}:${stack.creds.remoteWrite.password}`;
    this.server = https.createServer(
      { cert: fs.readFileSync(stack.pki.serverCert), key: fs.readFileSync(stack.pki.serverKey) },
      (req, res) => {
        const header = req.headers.authorization ?? '';
        this.seen.push(header);
        if (header !== `Bearer ${this.token}`) {
          req.resume();
          res.writeHead(401).end('bad token');
          return;
        }
        const headers = { ...req.headers };
        delete headers.authorization;
        delete headers.host;
        const fwd = https.request(
          upstream,
          { method: 'POST', ca, auth, headers },
          (up: http.IncomingMessage) => {
            res.writeHead(up.statusCode ?? 502, up.headers);
            up.pipe(res);
          }
        );
        fwd.on('error', () => res.writeHead(502).end());
        req.pipe(fwd);
      }
    );
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  get url(): string {
    return `https://127.0.0.1:${this.port}/api/v1/write`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

describe('remote write with a bearer token', () => {
  it('sends `Authorization: Bearer <token>` on every request and never shows the token', async () => {
    const token = secret('bearer');
    const gateway = new BearerGateway(token);
    await gateway.start();
    const run = unique('rwbearer');
    const total = await topicWithPoints(run, 40);
    const d = await detectorFor(run, {
      ANOMALYLENS_REMOTE_WRITE_URL: gateway.url,
      ANOMALYLENS_REMOTE_WRITE_TLS_CA_FILE: stack.pki.caCert,
      ANOMALYLENS_REMOTE_WRITE_BEARER_TOKEN: token,
    });
    try {
      await waitFor(
        'every point in Prometheus through the gateway',
        async () => ((await stack.count('anomalylens_score', run)) === total ? true : undefined),
        30_000,
        500
      );
      expect(gateway.seen.length).toBeGreaterThan(0);
      expect(new Set(gateway.seen)).toEqual(new Set([`Bearer ${token}`]));
      expect(leaks(await d.everythingShown(), [token])).toEqual([]);
    } finally {
      await d.service.stop();
      await gateway.stop();
    }
  });
});
