import {
  buildEvents,
  eventWindows,
  matchesFilter,
  peakScore,
  reachesSeverity,
  severityOf,
  summarizeEvents,
} from './events';
import { parseMatrix } from './prometheusResponse';

const STEP = 15_000;
const T0 = Date.UTC(2026, 10, 24, 10, 0, 0);
const at = (step: number) => T0 + step * STEP;
const flags = (values: Array<number | null>) => values.flatMap((v, i) => (v === null ? [] : [{ t: at(i), v }]));

describe('eventWindows', () => {
  it('closes an event at the first 0 sample after it', () => {
    const windows = eventWindows(flags([0, 1, 1, 1, 0, 0]), { stepMs: STEP, rangeEndMs: at(10) });
    expect(windows).toEqual([{ startMs: at(1), endMs: at(4), open: false }]);
  });

  it('keeps an event open when it is still flagged at the end of the range', () => {
    const windows = eventWindows(flags([0, 0, 1, 1]), { stepMs: STEP, rangeEndMs: at(3) + 5_000 });
    expect(windows).toEqual([{ startMs: at(2), endMs: at(3) + 5_000, open: true }]);
  });

  it('splits separate runs and ends a run one step after the last flag when the series goes silent', () => {
    // Only flagged samples, as `anomalylens_anomalous > 0` returns them.
    const windows = eventWindows(flags([1, 1, null, null, null, 1, null, null, null, null]), {
      stepMs: STEP,
      rangeEndMs: at(9),
    });
    expect(windows).toEqual([
      { startMs: at(0), endMs: at(2), open: false },
      { startMs: at(5), endMs: at(6), open: false },
    ]);
  });

  it('bridges jitter within one and a half steps but not a missing step', () => {
    const jittered = [
      { t: at(0), v: 1 },
      { t: at(1) + 6_000, v: 1 },
      { t: at(2) + 3_000, v: 1 },
    ];
    expect(eventWindows(jittered, { stepMs: STEP, rangeEndMs: at(20) })).toHaveLength(1);
    const missing = [
      { t: at(0), v: 1 },
      { t: at(2), v: 1 },
    ];
    expect(eventWindows(missing, { stepMs: STEP, rangeEndMs: at(20) })).toHaveLength(2);
  });

  it('ignores NaN flags and sorts unsorted input', () => {
    const samples = [
      { t: at(2), v: 1 },
      { t: at(1), v: NaN },
      { t: at(3), v: 0 },
    ];
    expect(eventWindows(samples, { stepMs: STEP, rangeEndMs: at(9) })).toEqual([
      { startMs: at(2), endMs: at(3), open: false },
    ]);
  });

  it('rejects a non-positive step', () => {
    expect(() => eventWindows([], { stepMs: 0, rangeEndMs: at(1) })).toThrow(/stepMs must be positive/);
  });
});

describe('peakScore', () => {
  it('takes the highest finite score inside the window only', () => {
    const scores = [
      { t: at(0), v: 9 },
      { t: at(1), v: 1.2 },
      { t: at(2), v: Infinity },
      { t: at(3), v: 2.4 },
      { t: at(5), v: 7 },
    ];
    expect(peakScore(scores, at(1), at(4))).toBe(2.4);
    expect(peakScore(scores, at(10), at(11))).toBeNull();
  });
});

describe('buildEvents', () => {
  // Shaped like real query_range responses for the two output series of two input series.
  const matrix = (series: Array<{ metric: Record<string, string>; values: Array<[number, string]> }>) =>
    parseMatrix({ status: 'success', data: { resultType: 'matrix', result: series } });
  const sec = (step: number) => at(step) / 1000;

  const flagSeries = matrix([
    {
      metric: { __name__: 'anomalylens_anomalous', metric: 'cpu_utilization', host: 'web-1', region: 'eu' },
      values: [
        [sec(1), '1'],
        [sec(2), '1'],
      ],
    },
    {
      metric: { __name__: 'anomalylens_anomalous', metric: 'latency_ms', host: 'db-1' },
      values: [
        [sec(6), '1'],
        [sec(7), '1'],
        [sec(8), '1'],
      ],
    },
  ]);
  const scoreSeries = matrix([
    {
      metric: { __name__: 'anomalylens_score', host: 'web-1', region: 'eu', metric: 'cpu_utilization' },
      values: [
        [sec(1), '1.4'],
        [sec(2), '3.6'],
      ],
    },
    {
      metric: { __name__: 'anomalylens_score', metric: 'latency_ms', host: 'db-1' },
      values: [
        [sec(6), '1.1'],
        [sec(8), '1.3'],
      ],
    },
  ]);

  it('derives one event per run, with labels, duration and the peak score of the same series', () => {
    const events = buildEvents(flagSeries, scoreSeries, { stepMs: STEP, rangeEndMs: at(8) });
    expect(events).toHaveLength(2);
    const [open, closed] = events;
    expect(open).toMatchObject({
      labels: { metric: 'latency_ms', host: 'db-1' },
      open: true,
      startMs: at(6),
      durationMs: at(8) - at(6),
      peakScore: 1.3,
    });
    expect(closed).toMatchObject({
      labels: { metric: 'cpu_utilization', host: 'web-1', region: 'eu' },
      open: false,
      startMs: at(1),
      endMs: at(3),
      durationMs: 2 * STEP,
      peakScore: 3.6,
    });
    expect(closed.labels).not.toHaveProperty('__name__');
  });

  it('summarizes open, affected series, worst score and critical events', () => {
    const summary = summarizeEvents(buildEvents(flagSeries, scoreSeries, { stepMs: STEP, rangeEndMs: at(8) }));
    expect(summary).toEqual({ open: 1, total: 2, seriesAffected: 2, worstScore: 3.6, critical: 1 });
  });

  it('marks events already going at the start of the range', () => {
    const events = buildEvents(flagSeries, scoreSeries, { stepMs: STEP, rangeStartMs: at(1), rangeEndMs: at(8) });
    expect(events.map((e) => [e.labels.host, e.startedBeforeRange])).toEqual([
      ['db-1', false],
      ['web-1', true],
    ]);
  });

  it('leaves the peak unknown when a series has no score samples', () => {
    const events = buildEvents(flagSeries, [], { stepMs: STEP, rangeEndMs: at(30) });
    expect(events.every((e) => e.peakScore === null && !e.open)).toBe(true);
    expect(summarizeEvents(events).worstScore).toBeNull();
  });
});

describe('severityOf and matchesFilter', () => {
  it('splits severity like the alert rule label', () => {
    expect(severityOf(1)).toBe('minor');
    expect(severityOf(1.49)).toBe('minor');
    expect(severityOf(1.5)).toBe('major');
    expect(severityOf(2.99)).toBe('major');
    expect(severityOf(3)).toBe('critical');
    expect(severityOf(null)).toBe('unknown');
  });

  it('filters by a severity floor', () => {
    expect(reachesSeverity({ peakScore: 1.2 }, 'minor')).toBe(true);
    expect(reachesSeverity({ peakScore: 1.2 }, 'major')).toBe(false);
    expect(reachesSeverity({ peakScore: 1.5 }, 'major')).toBe(true);
    expect(reachesSeverity({ peakScore: 2.9 }, 'critical')).toBe(false);
    expect(reachesSeverity({ peakScore: 3.1 }, 'critical')).toBe(true);
    expect(reachesSeverity({ peakScore: null }, 'minor')).toBe(true);
    expect(reachesSeverity({ peakScore: null }, 'major')).toBe(false);
  });

  it('matches every term against name=value pairs, case-insensitively', () => {
    const labels = { metric: 'cpu_utilization', host: 'web-1', region: 'eu-west-1' };
    expect(matchesFilter(labels, '')).toBe(true);
    expect(matchesFilter(labels, 'WEB')).toBe(true);
    expect(matchesFilter(labels, 'host=web cpu')).toBe(true);
    expect(matchesFilter(labels, 'host=db')).toBe(false);
    expect(matchesFilter(labels, 'cpu memory')).toBe(false);
  });
});
