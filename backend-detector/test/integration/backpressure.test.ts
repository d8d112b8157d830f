import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DetectorService } from '../../src/pipeline/service';
import {
  committedCount,
  createTopics,
  produce,
  PROMETHEUS,
  promSum,
  requireServices,
  startDetector,
  uniqueId,
  waitFor,
} from '../support/services';

jest.setTimeout(120_000);

/**
 * A loopback pass-through to Prometheus's remote-write receiver that the test can take
 * down (503, like an overloaded or restarting receiver) and bring back.
 */
async function switchableProxy() {
  let up = false;
  let refused = 0;
  const target = new URL(`${PROMETHEUS}/api/v1/write`);
  const server = http.createServer((req, res) => {
    if (!up) {
      refused++;
      req.resume();
      res.writeHead(503).end('receiver down (test)');
      return;
    }
    const fwd = http.request(target, { method: 'POST', headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    fwd.on('error', () => res.writeHead(502).end());
    req.pipe(fwd);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/write`,
    setUp: (v: boolean) => (up = v),
    refused: () => refused,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

describe('backpressure and commit-after-acknowledgement (real Kafka + Prometheus)', () => {
  const run = uniqueId('bp');
  const topic = `${run}-in`;
  const group = `${run}-g`;
  const services: DetectorService[] = [];

  beforeAll(async () => {
    await requireServices();
    await createTopics([topic], 2);
  });
  afterAll(async () => {
    for (const s of services) await s.stop();
  });

  it('pauses consumption while the receiver is down, commits nothing unacknowledged, and loses nothing', async () => {
    const proxy = await switchableProxy();
    const total = 3000;
    const t0 = Date.now() - 3_600_000;
    const messages = Array.from({ length: total }, (_, i) => ({
      key: `h${i % 4}`,
      value: JSON.stringify({
        ts: t0 + Math.floor(i / 4) * 1000,
        metric: 'bp_probe',
        value: i % 10,
        labels: { run, host: `h${i % 4}` },
      }),
    }));
    await produce(topic, messages);

    const env = {
      ANOMALYLENS_INPUT_TOPICS: topic,
      ANOMALYLENS_KAFKA_GROUP_ID: group,
      ANOMALYLENS_REMOTE_WRITE_URL: proxy.url,
      ANOMALYLENS_REMOTE_WRITE_BATCH_SAMPLES: '300',
      ANOMALYLENS_REMOTE_WRITE_MAX_PENDING_SAMPLES: '900',
      ANOMALYLENS_RETRY_INITIAL_MS: '50',
      ANOMALYLENS_RETRY_MAX_MS: '200',
    };
    const first = (await startDetector(env)).service;
    services.push(first);

    // Receiver down: the backlog fills to its cap, then consumption stops.
    await waitFor('backpressure', () => (first.status().sink.backpressure ? true : undefined), 20_000, 50);
    await new Promise((r) => setTimeout(r, 1500));
    const scoredWhileDown = first.pointsScored;
    const status = first.status();
    expect(scoredWhileDown).toBeLessThan(total / 2);
    expect(status.sink.pendingSamples).toBeLessThanOrEqual(900 + 6 * 10);
    expect(status.sinkReachable).toBe(false);
    expect(status.status).toBe('down');
    expect(first.readiness().ready).toBe(false);
    expect(proxy.refused()).toBeGreaterThan(1);
    expect(await committedCount(group, topic)).toBe(0);
    // Lag comes from the brokers, so it shows the backlog even though no batch completes.
    await waitFor(
      'lag to show the backlog',
      () => (first.status().consumerLag.total > total / 2 ? true : undefined),
      15_000,
      200
    );
    await new Promise((r) => setTimeout(r, 1000));
    expect(first.pointsScored).toBe(scoredWhileDown);

    // Receiver back: everything is written exactly once and all offsets are committed.
    proxy.setUp(true);
    await waitFor(
      'all offsets committed',
      async () => ((await committedCount(group, topic)) === total ? true : undefined),
      60_000,
      250
    );
    expect(await promSum(`count_over_time(anomalylens_observed{run="${run}"}[3h])`)).toBe(total);
    expect(await promSum(`count_over_time(anomalylens_score{run="${run}"}[3h])`)).toBe(total);
    expect(first.readiness().ready).toBe(true);
    await waitFor(
      'lag back to zero',
      () => (first.status().consumerLag.total === 0 ? true : undefined),
      15_000,
      200
    );

    // A restart with the same group reads nothing again: the commits stuck.
    await first.stop();
    services.pop();
    const second = (await startDetector(env)).service;
    services.push(second);
    await waitFor(
      'the restarted detector to join',
      () => (second.status().groupJoined ? true : undefined),
      20_000,
      100
    );
    await new Promise((r) => setTimeout(r, 1500));
    expect(second.pointsScored).toBe(0);
    await proxy.close();
  });
});
