import { DetectorMetrics } from '../../../src/health/metrics';
import { buildStatus, type StatusInputs } from '../../../src/health/status';
import { SeriesGuard } from '../../../src/pipeline/series-guard';

describe('SeriesGuard (the cardinality guard)', () => {
  it('reports "reached" once per episode and counts each refused series once', () => {
    let now = 1000;
    const g = new SeriesGuard(3, 100, () => now);
    expect(g.state).toEqual({ max: 3, reached: false, refusedSeries: 0, reachedAt: 0 });
    expect(g.refuse('a')).toBe('reached');
    now = 2000;
    expect(g.refuse('a')).toBeUndefined();
    expect(g.refuse('b')).toBeUndefined();
    expect(g.state).toEqual({ max: 3, reached: true, refusedSeries: 2, reachedAt: 1000 });
  });

  it('clears when active series fall below the cap, and a new episode counts series again', () => {
    const g = new SeriesGuard(3);
    g.refuse('a');
    expect(g.update(3)).toBeUndefined();
    expect(g.state.reached).toBe(true);
    expect(g.update(2)).toBe('cleared');
    expect(g.update(1)).toBeUndefined();
    expect(g.state).toMatchObject({ reached: false, refusedSeries: 1 });
    expect(g.refuse('a')).toBe('reached');
    expect(g.state.refusedSeries).toBe(2);
  });

  it('stays bounded: past rememberUpTo distinct series it forgets and may count one again', () => {
    const g = new SeriesGuard(1, 10);
    for (let i = 0; i < 10; i++) g.refuse(`s${i}`);
    g.refuse('s0');
    expect(g.state.refusedSeries).toBe(10);
    g.refuse('s10'); // the 11th: memory cleared, s10 remembered
    g.refuse('s0');
    expect(g.state.refusedSeries).toBe(12);
  });

  it('tells 100k distinct label-explosion series apart (53-bit hash, no collisions here)', () => {
    const g = new SeriesGuard(1, 1_000_000);
    for (let i = 0; i < 100_000; i++) g.refuse(`http_requests\u0000pod\u0001api-7d9f8-${i.toString(36)}`);
    expect(g.state.refusedSeries).toBe(100_000);
  });
});

describe('cardinality guard exposure', () => {
  const base: StatusInputs = {
    groupJoined: true,
    sinkReachable: true,
    messagesPerSecond: 1,
    pointsPerSecond: 1,
    anomaliesPerMinute: 0,
    lastMessageAt: 1000,
    activeSeries: 5,
    lag: [],
    dlqByReason: {},
    sinkPending: 0,
    sinkWriteErrors: 0,
    sinkRejected: 0,
    sinkLastError: '',
    backpressure: false,
    startedAt: 0,
    now: 2000,
  };

  it('is in /api/status and makes the stream degraded while the cap is reached', () => {
    const reachedAt = Date.UTC(2026, 10, 24, 10, 0, 0);
    const s = buildStatus({
      ...base,
      seriesLimit: { max: 5, reached: true, refusedSeries: 42, reachedAt },
    });
    expect(s.status).toBe('degraded');
    expect(s.problems).toEqual([
      'series cap of 5 reached: points of new series are dropped (42 series refused so far)',
    ]);
    expect(s.seriesLimit).toEqual({
      max: 5,
      reached: true,
      refusedSeries: 42,
      reachedAt: '2026-11-24T10:00:00.000Z',
    });
    const ok = buildStatus({
      ...base,
      seriesLimit: { max: 5, reached: false, refusedSeries: 42, reachedAt },
    });
    expect(ok.status).toBe('ok');
  });

  it('has its own self-metrics', async () => {
    const m = new DetectorMetrics(false);
    m.maxSeries.set(5);
    m.seriesRefused.inc(3);
    m.seriesLimitReached.set(1);
    const text = await m.registry.metrics();
    expect(text).toMatch(/^anomalylens_detector_max_series 5$/m);
    expect(text).toMatch(/^anomalylens_detector_series_refused_total 3$/m);
    expect(text).toMatch(/^anomalylens_detector_series_limit_reached 1$/m);
  });
});
