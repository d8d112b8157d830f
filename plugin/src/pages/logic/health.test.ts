import { HEALTH_QUERIES, HEALTH_THRESHOLDS, HealthResults, assessHealth, toSnapshot } from './health';
import { InstantSample } from './prometheusResponse';

const T = 1764000000000;
const sample = (v: number, labels: Record<string, string> = {}): InstantSample => ({ labels, t: T, v });

function results(overrides: Partial<HealthResults> = {}): HealthResults {
  const empty = Object.fromEntries(Object.keys(HEALTH_QUERIES).map((k) => [k, []])) as unknown as HealthResults;
  return { ...empty, ...overrides };
}

const healthy = results({
  messagesPerSec: [sample(1200)],
  pointsPerSec: [sample(1200)],
  lastMessageAgeSeconds: [sample(0.4)],
  lagByPartition: [sample(12, { topic: 'metrics', partition: '1' }), sample(30, { topic: 'metrics', partition: '0' })],
  invalidByReason: [sample(0, { reason: 'bad_json' })],
  sinkFailuresByReason: [],
  activeSeries: [sample(480)],
});

describe('toSnapshot', () => {
  it('folds query results into figures, worst partition and reason first', () => {
    const s = toSnapshot(
      results({
        ...healthy,
        invalidByReason: [sample(0.1, { reason: 'bad_json' }), sample(0.5, { reason: 'nan_value' })],
      })
    );
    expect(s.messagesPerSec).toBe(1200);
    expect(s.lagTotal).toBe(42);
    expect(s.lagByPartition.map((p) => p.partition)).toEqual(['0', '1']);
    expect(s.invalidPerSec).toBeCloseTo(0.6);
    expect(s.invalidByReason.map((r) => r.reason)).toEqual(['nan_value', 'bad_json']);
    expect(s.sinkFailuresPerSec).toBeNull();
    expect(s.activeSeries).toBe(480);
  });

  it('treats NaN results (e.g. a quantile over no samples) as no data', () => {
    expect(toSnapshot(results({ sinkLatencyP99Seconds: [sample(NaN)] })).sinkLatencyP99Seconds).toBeNull();
  });
});

describe('assessHealth', () => {
  it('is ok when messages flow, lag is low and nothing fails', () => {
    expect(assessHealth(toSnapshot(healthy))).toEqual({ level: 'ok', findings: [] });
  });

  it('reports missing self-metrics as unknown', () => {
    const a = assessHealth(toSnapshot(results()));
    expect(a.level).toBe('unknown');
    expect(a.findings[0].title).toBe('No detector metrics');
  });

  it('flags a stall past the alert threshold as critical', () => {
    const stalled = results({ ...healthy, lastMessageAgeSeconds: [sample(HEALTH_THRESHOLDS.stalledAfterSeconds + 1)] });
    const a = assessHealth(toSnapshot(stalled));
    expect(a.level).toBe('critical');
    expect(a.findings.map((f) => f.title)).toEqual(['Detector stalled']);
    const atThreshold = results({ ...healthy, lastMessageAgeSeconds: [sample(HEALTH_THRESHOLDS.stalledAfterSeconds)] });
    expect(assessHealth(toSnapshot(atThreshold)).level).toBe('ok');
  });

  it('orders findings worst first and names the lagging partition and failing reasons', () => {
    const bad = results({
      ...healthy,
      lagByPartition: [sample(HEALTH_THRESHOLDS.lagHigh + 500, { topic: 'metrics', partition: '2' })],
      invalidByReason: [sample(0.2, { reason: 'bad_json' })],
      sinkFailuresByReason: [sample(1, { kind: 'http_503' })],
    });
    const a = assessHealth(toSnapshot(bad));
    expect(a.level).toBe('critical');
    expect(a.findings.map((f) => f.level)).toEqual(['critical', 'warning', 'warning']);
    expect(a.findings[0].detail).toContain('http_503');
    expect(a.findings[1].detail).toContain('metrics/2');
    expect(a.findings[2].detail).toContain('bad_json');
  });
});
