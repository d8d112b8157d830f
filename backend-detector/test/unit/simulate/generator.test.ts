import { ANOMALY_KINDS, generateSeries, SeriesSpec, windowHalfWidth } from '../../../src/simulate/generator';
import { METRIC_KINDS } from '../../../src/simulate/metrics';

const DAY = 86_400_000;
const base: Omit<SeriesSpec, 'metric' | 'anomalies'> = {
  length: 4032,
  stepMs: 300_000,
  startMs: Date.UTC(2026, 0, 5),
};

describe('generateSeries', () => {
  it('is deterministic per seed and differs across seeds', () => {
    const spec: SeriesSpec = {
      ...base,
      metric: 'cpu_utilization',
      anomalies: [{ kind: 'spike' }, { kind: 'drift' }],
    };
    const a = generateSeries(spec, 42);
    const b = generateSeries(spec, 42);
    const c = generateSeries(spec, 43);
    expect(Array.from(a.values)).toEqual(Array.from(b.values));
    expect(a.anomalies).toEqual(b.anomalies);
    expect(Array.from(a.values)).not.toEqual(Array.from(c.values));
  });

  it('spaces timestamps by the step from the start', () => {
    const s = generateSeries({ ...base, metric: 'request_rate', anomalies: [] }, 1);
    expect(s.timestamps[0]).toBe(base.startMs);
    expect((s.timestamps[4031] as number) - (s.timestamps[4030] as number)).toBe(300_000);
    expect(s.anomalies).toEqual([]);
    expect(Array.from(s.values)).toEqual(Array.from(s.clean));
  });

  it.each(METRIC_KINDS)('%s stays within physical bounds and shows daily seasonality', (metric) => {
    const s = generateSeries({ ...base, metric, anomalies: [] }, 3);
    for (const v of s.values) {
      expect(Number.isFinite(v)).toBe(true);
      expect(v).toBeGreaterThanOrEqual(0);
      if (metric.endsWith('percent') || metric === 'cpu_utilization') expect(v).toBeLessThanOrEqual(100);
    }
    // Same hour on consecutive weekdays correlates more than 12 hours apart (daily cycle),
    // except for disk usage whose daily shape is a saw-tooth with a trend.
    if (metric !== 'disk_used_percent') {
      const perDay = DAY / base.stepMs;
      const mean = (xs: number[]): number => xs.reduce((p, x) => p + x, 0) / xs.length;
      const diffAt = (lag: number): number => {
        const d: number[] = [];
        for (let i = 0; i + lag < 5 * perDay; i++)
          d.push(Math.abs((s.values[i + lag] as number) - (s.values[i] as number)));
        return mean(d);
      };
      expect(diffAt(perDay)).toBeLessThan(diffAt(perDay / 2));
    }
  });

  it.each(['cpu_utilization', 'request_rate', 'network_in_bytes'] as const)(
    '%s is lower on weekends',
    (metric) => {
      const s = generateSeries({ ...base, metric, anomalies: [] }, 11);
      let weekday = 0;
      let weekend = 0;
      let nWeekday = 0;
      let nWeekend = 0;
      s.timestamps.forEach((t, i) => {
        // Compare the same UTC hours (10:00–20:00) so that time zones do not blur the cycle.
        const d = new Date(t);
        if (d.getUTCHours() < 10 || d.getUTCHours() >= 20) return;
        const day = d.getUTCDay();
        if (day === 0 || day === 6) {
          weekend += s.values[i] as number;
          nWeekend++;
        } else {
          weekday += s.values[i] as number;
          nWeekday++;
        }
      });
      expect(weekend / nWeekend).toBeLessThan(weekday / nWeekday);
    }
  );

  it.each(ANOMALY_KINDS)('%s changes the data inside its window and nowhere else', (kind) => {
    for (const metric of METRIC_KINDS) {
      for (const seed of [1, 2, 3]) {
        const s = generateSeries({ ...base, metric, anomalies: [{ kind }] }, seed);
        expect(s.anomalies).toHaveLength(1);
        const a = s.anomalies[0]!;
        expect(a.kind).toBe(kind);
        let changedInside = 0;
        for (let i = 0; i < s.values.length; i++) {
          const changed = s.values[i] !== s.clean[i];
          const inside = i >= a.window[0] && i <= a.window[1];
          if (changed && !inside)
            throw new Error(`${metric} seed ${seed}: row ${i} changed outside ${a.window}`);
          if (changed) {
            expect(i).toBeGreaterThanOrEqual(a.start);
            expect(i).toBeLessThanOrEqual(a.end);
            changedInside++;
          }
        }
        expect(changedInside).toBeGreaterThan(0);
      }
    }
  });

  it('builds well-formed NAB windows: width per NAB convention, centred, ordered, disjoint, after probation', () => {
    for (let seed = 0; seed < 20; seed++) {
      const kinds = ANOMALY_KINDS.slice(seed % 5, (seed % 5) + 3);
      const s = generateSeries(
        { ...base, metric: 'latency_p95_ms', anomalies: kinds.map((kind) => ({ kind })) },
        seed
      );
      const half = windowHalfWidth(4032, kinds.length);
      expect(half).toBe(Math.floor(Math.floor(403.2 / kinds.length) / 2));
      let prevEnd = -1;
      for (const a of s.anomalies) {
        expect(a.window).toEqual([a.start - half, a.start + half]);
        expect(a.window[0]).toBeGreaterThan(prevEnd);
        expect(a.start).toBeGreaterThanOrEqual(Math.ceil(0.15 * 4032));
        expect(a.end).toBeLessThanOrEqual(a.window[1]);
        expect(a.window[1]).toBeLessThan(4032);
        prevEnd = a.window[1];
      }
    }
  });

  it('honours an explicit anomaly position', () => {
    const s = generateSeries(
      { ...base, metric: 'cpu_utilization', anomalies: [{ kind: 'spike', at: 2000 }] },
      9
    );
    expect(s.anomalies[0]!.start).toBe(2000);
    expect(s.values[2000]).toBeGreaterThan(s.clean[2000] as number);
  });

  it('rejects specs it cannot satisfy with a clear reason', () => {
    expect(() => generateSeries({ ...base, metric: 'cpu_utilization', length: 5, anomalies: [] }, 1)).toThrow(
      /length/
    );
    expect(() =>
      generateSeries(
        {
          ...base,
          metric: 'cpu_utilization',
          length: 12,
          anomalies: ANOMALY_KINDS.map((kind) => ({ kind })),
        },
        1
      )
    ).toThrow(/non-overlapping windows/);
  });
});
