import { DetectorMetrics } from '../../../src/health/metrics';
import { HealthServer } from '../../../src/health/server';
import { buildStatus, RateWindow, type StatusInputs } from '../../../src/health/status';

const base: StatusInputs = {
  groupJoined: true,
  sinkReachable: true,
  messagesPerSecond: 10,
  pointsPerSecond: 60,
  anomaliesPerMinute: 0.5,
  lastMessageAt: 9_000,
  activeSeries: 12,
  lag: [{ topic: 'metrics', partition: 0, lag: 5 }],
  dlqByReason: { invalid_json: 2, oversized: 1 },
  sinkPending: 0,
  sinkWriteErrors: 0,
  sinkRejected: 0,
  sinkLastError: '',
  backpressure: false,
  startedAt: 0,
  now: 10_000,
};

describe('RateWindow', () => {
  it('averages events per second over the full seconds of its window', () => {
    let now = 1_000_000;
    const w = new RateWindow(11, () => now);
    for (let s = 0; s < 10; s++) {
      w.add(5);
      now += 1000;
    }
    expect(w.perSecond()).toBe(5);
    now += 20_000;
    expect(w.perSecond()).toBe(0);
  });
});

describe('buildStatus', () => {
  it('is ok with the stream healthy, and sums lag and dead letters', () => {
    const s = buildStatus(base);
    expect(s).toMatchObject({
      status: 'ok',
      problems: [],
      lastMessageAgeSeconds: 1,
      consumerLag: { total: 5 },
      dlq: { total: 3 },
      uptimeSeconds: 10,
    });
  });

  it('is down without the group or the sink, naming why', () => {
    const s = buildStatus({
      ...base,
      groupJoined: false,
      sinkReachable: false,
      sinkLastError: 'ECONNREFUSED',
    });
    expect(s.status).toBe('down');
    expect(s.problems).toEqual([
      'not a member of the consumer group',
      'remote-write endpoint unreachable: ECONNREFUSED',
    ]);
  });

  it('is degraded when lagging or paused by backpressure', () => {
    const s = buildStatus({
      ...base,
      lag: [{ topic: 'metrics', partition: 0, lag: 20_000 }],
      backpressure: true,
    });
    expect(s.status).toBe('degraded');
    expect(s.problems).toEqual(['consumer lag 20000 messages', 'consumption paused: sink backlog full']);
    expect(buildStatus({ ...base, lastMessageAt: 0 }).lastMessageAgeSeconds).toBeNull();
  });
});

describe('HealthServer', () => {
  it('serves /metrics, /healthz, /readyz and /api/status', async () => {
    const metrics = new DetectorMetrics(false);
    metrics.messagesInvalid.inc({ topic: 'metrics', reason: 'invalid_json' });
    let ready = false;
    const server = new HealthServer({
      registry: metrics.registry,
      ready: () => ({ ready, reasons: ready ? [] : ['consumer group not joined'] }),
      status: () => buildStatus(base),
    });
    const port = await server.listen(0, '127.0.0.1');
    const get = (path: string) => fetch(`http://127.0.0.1:${port}${path}`);
    try {
      const m = await get('/metrics');
      expect(m.headers.get('content-type')).toMatch(/^text\/plain/);
      expect(await m.text()).toContain(
        'anomalylens_detector_messages_invalid_total{topic="metrics",reason="invalid_json"} 1'
      );
      expect((await get('/healthz')).status).toBe(200);
      const notReady = await get('/readyz');
      expect([notReady.status, await notReady.text()]).toEqual([
        503,
        'not ready: consumer group not joined\n',
      ]);
      ready = true;
      expect((await get('/readyz')).status).toBe(200);
      const status = (await (await get('/api/status')).json()) as { status: string; dlq: { total: number } };
      expect(status).toMatchObject({ status: 'ok', dlq: { total: 3 } });
      expect((await get('/nope')).status).toBe(404);
      expect((await fetch(`http://127.0.0.1:${port}/metrics`, { method: 'POST' })).status).toBe(405);
    } finally {
      await server.close();
    }
  });

  it('names every self-metric with the anomalylens_detector_ prefix', async () => {
    const metrics = new DetectorMetrics(true);
    const names = (await metrics.registry.getMetricsAsJSON()).map((m) => m.name);
    expect(names.every((n) => n.startsWith('anomalylens_detector_'))).toBe(true);
    for (const n of [
      'messages_consumed_total',
      'messages_invalid_total',
      'points_scored_total',
      'anomalies_total',
      'consumer_lag',
      'sink_write_duration_seconds',
      'sink_write_failures_total',
      'active_series',
      'model_fits_total',
      'last_message_timestamp_seconds',
    ]) {
      expect(names).toContain(`anomalylens_detector_${n}`);
    }
  });
});
