import {
  createSeriesDetector,
  decodeDetectorState,
  encodeDetectorState,
  resolveDetectorConfig,
  SeriesDetectorOutput,
  StreamingDetector,
} from '../../../src/model';
import { Prng } from '../../../src/model/iforest';

const FIVE_MIN = 300_000;
const DAY = 288;
const START = Date.UTC(2026, 0, 5); // a Monday

/** Standard normal draws (Box–Muller) from the project's seeded PRNG. */
function gaussian(rng: Prng): number {
  const u = Math.max(rng.next(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.next());
}

/** 100 + 10·sin(daily) + N(0, 1) every 5 minutes: a CPU- or request-rate-like series. */
function seasonal(n: number, seed = 1): number[] {
  const rng = new Prng(seed);
  return Array.from({ length: n }, (_, i) => 100 + 10 * Math.sin((2 * Math.PI * i) / DAY) + gaussian(rng));
}

function run(
  values: number[],
  config = {},
  d: StreamingDetector = createSeriesDetector(config)
): SeriesDetectorOutput[] {
  return values.map((v, i) =>
    Number.isNaN(v) ? d.gap(START + i * FIVE_MIN) : d.update(START + i * FIVE_MIN, v)
  );
}

const flagged = (out: SeriesDetectorOutput[], from: number, to: number): number =>
  out.slice(from, to).filter((o) => o.isAnomaly).length;

describe('streaming series detector', () => {
  it('warms up before scoring, then reports expected values', () => {
    const out = run(seasonal(300));
    expect(out[0]).toMatchObject({ warmingUp: true, score: 0, score01: 0, isAnomaly: false });
    expect(Number.isNaN(out[0].expected)).toBe(true);
    expect(out[299].warmingUp).toBe(false);
    expect(out[299].lower).toBeLessThan(out[299].expected);
    expect(out[299].upper).toBeGreaterThan(out[299].expected);
  });

  it('flags a three-point spike and a dip of 80 on a noisy daily series, quiet elsewhere', () => {
    const values = seasonal(3600);
    for (let k = 0; k < 3; k++) {
      values[2400 + k] += 80;
      values[3000 + k] -= 80;
    }
    const out = run(values);
    expect(out[2400].isAnomaly).toBe(true);
    expect(out[3000].isAnomaly).toBe(true);
    expect(out[2400].score).toBeGreaterThan(3);
    expect(out[2400].value).toBeGreaterThan(out[2400].upper);
    expect(out[3000].value).toBeLessThan(out[3000].lower);
    // False alarms on the 7.3 normal days before the spike: at most two a day with the
    // defaults (docs/detector.md reports the measured rate on anomaly-free series).
    expect(flagged(out, DAY, 2390)).toBeLessThanOrEqual(14);
  });

  it('scores a larger excursion higher: the score does not saturate', () => {
    const scoreOf = (size: number): number => {
      const values = seasonal(2000, 5);
      values[1500] += size;
      return run(values)[1500].score;
    };
    const s20 = scoreOf(20);
    const s80 = scoreOf(80);
    const s800 = scoreOf(800);
    expect(s80).toBeGreaterThan(s20 * 2);
    expect(s800).toBeGreaterThan(s80 * 5);
  });

  it('ranks a one-unit blip on a sparse count below a 40× burst', () => {
    const rng = new Prng(3);
    const values: number[] = Array.from({ length: 2000 }, () => (rng.next() < 0.03 ? 1 : 0));
    values[1200] = 1;
    values[1800] = 40;
    const out = run(values);
    expect(out[1200].isAnomaly).toBe(false);
    expect(out[1800].isAnomaly).toBe(true);
  });

  it('stops flagging an event that recurs at the same time every day', () => {
    const values = seasonal(DAY * 8, 2);
    // A nightly job: +30 for 30 minutes at 02:00 every day.
    for (let d = 0; d < 8; d++) for (let k = 0; k < 6; k++) values[d * DAY + 24 + k] += 30;
    const out = run(values);
    const peak = (d: number): number =>
      Math.max(...out.slice(d * DAY + 24, d * DAY + 30).map((o) => o.score));
    expect(peak(0)).toBeGreaterThan(5); // new on its first night...
    // ...from the second night its size is masked by the night before; the forest, which
    // sees the jump itself, takes its history of ~2 days to learn it is routine.
    expect(peak(4)).toBeLessThan(peak(0) / 4);
    expect(flagged(out, 6 * DAY, 8 * DAY)).toBe(0);
  });

  it('announces an incident once: a repeat within the holdoff is not flagged, one after it is', () => {
    const values = seasonal(DAY * 6);
    const at = DAY * 4;
    // 20 minutes after and 10 hours after (holdoff 8 h by default).
    for (const i of [at, at + 4, at + 120]) values[i] += 60;
    const out = run(values);
    expect(out[at].isAnomaly).toBe(true);
    expect(out[at + 4].isAnomaly).toBe(false);
    expect(out[at + 120].isAnomaly).toBe(true);
    // Without the holdoff and the refractory damping the repeat is reported again.
    expect(run(values, { holdoffMinutes: 0, refractoryMinutes: 1e-3 })[at + 4].isAnomaly).toBe(true);
  });

  it('holds off in time, not in points: an hourly series pages at the same rate', () => {
    const hourly = (holdoffMinutes: number): boolean => {
      const d = createSeriesDetector({ holdoffMinutes, refractoryMinutes: 1e-3 });
      const rng = new Prng(4);
      let second = false;
      for (let i = 0; i < 400; i++) {
        const v = 50 + gaussian(rng) + (i === 300 ? 40 : i === 305 ? 30 : 0);
        const o = d.update(START + i * 3_600_000, v);
        if (i === 305) second = o.isAnomaly;
      }
      return second;
    };
    // Five hours later: inside a 6 h holdoff, outside a 4 h one.
    expect(hourly(360)).toBe(false);
    expect(hourly(240)).toBe(true);
  });

  it('on a 10-second series the holdoff lasts as many points as it would at a 2-minute interval', () => {
    const tenSeconds = (gap: number): boolean => {
      const d = createSeriesDetector({ refractoryMinutes: 1e-3 });
      const rng = new Prng(8);
      let second = false;
      for (let i = 0; i < 1200; i++) {
        const v = 50 + gaussian(rng) + (i === 600 ? 40 : i === 600 + gap ? 30 : 0);
        const o = d.update(START + i * 10_000, v);
        if (i === 600 + gap) second = o.isAnomaly;
      }
      return second;
    };
    // 8 h holdoff = 240 points at 2 minutes: 100 points later (17 min) is held off,
    // 400 points later (67 min, well inside 8 h) is a new page.
    expect(tenSeconds(100)).toBe(false);
    expect(tenSeconds(400)).toBe(true);
  });

  it('flags a noisy gauge that freezes at one value, once per freeze', () => {
    const values = seasonal(DAY * 3, 9);
    const at = DAY * 2;
    for (let i = at; i < at + 60; i++) values[i] = values[at - 1];
    const out = run(values);
    const onsets = out.filter((o, i) => o.isAnomaly && !out[i - 1]?.isAnomaly).map((o) => o.timestamp);
    const inFreeze = onsets.filter((t) => t >= START + at * FIVE_MIN && t < START + (at + 60) * FIVE_MIN);
    expect(inFreeze).toHaveLength(1);
    // Found within a few points: equal readings of a noisy float gauge are improbable.
    expect(inFreeze[0]).toBeLessThanOrEqual(START + (at + 4) * FIVE_MIN);
    expect(
      run(values, { stuckEvidence: 0 })
        .slice(at, at + 60)
        .some((o) => o.isAnomaly)
    ).toBe(false);
  });

  it('does not flag runs of zeros on a sparse count whose zeros are common', () => {
    const rng = new Prng(10);
    // Errors per 5 minutes: mostly 0, sometimes 1–3; runs of zeros of every length up to dozens.
    const values = Array.from({ length: DAY * 4 }, () =>
      rng.next() < 0.08 ? 1 + Math.floor(rng.next() * 3) : 0
    );
    for (let i = DAY * 3; i < DAY * 3 + 30; i++) values[i] = 0;
    const out = run(values);
    expect(flagged(out, DAY * 3, DAY * 3 + 30)).toBe(0);
  });

  it('treats a gap as no point: empty score, nothing learned', () => {
    const values = seasonal(1500, 6);
    const withGaps = [...values];
    for (const i of [700, 701, 702, 1100]) withGaps[i] = NaN;
    const gapped = run(withGaps);
    expect(Number.isNaN(gapped[700].score)).toBe(true);
    expect(gapped[700].isAnomaly).toBe(false);
    // The same detector fed only the rows that have values gives the same outputs there.
    const d = createSeriesDetector();
    const kept = withGaps.map((v, i) => [v, i] as const).filter(([v]) => !Number.isNaN(v));
    const direct = kept.map(([v, i]) => d.update(START + i * FIVE_MIN, v));
    expect(kept.map(([, i]) => gapped[i])).toEqual(direct);
  });

  it('keeps anomaly_score in [0, 1) and monotone in the score', () => {
    const values = seasonal(2000);
    values[1500] -= 80;
    for (const o of run(values)) {
      expect(o.score01).toBeGreaterThanOrEqual(0);
      expect(o.score01).toBeLessThan(1);
      expect(o.score01).toBeCloseTo(o.score / (1 + o.score), 12);
    }
  });

  it('is deterministic, and its output for a prefix is the prefix of its output', () => {
    const values = seasonal(2500, 3);
    values[2000] *= 3;
    const whole = run(values);
    expect(run(values)).toEqual(whole);
    expect(run(values.slice(0, 1234))).toEqual(whole.slice(0, 1234));
  });

  it('continues identically after its binary state is decoded, holdoff included', () => {
    const values = seasonal(3000, 4);
    for (const i of [2600, 2610]) values[i] += 50;
    const whole = run(values);
    for (const cut of [1, 30, 1777, 2605]) {
      const a = createSeriesDetector();
      run(values.slice(0, cut), {}, a);
      const b = decodeDetectorState(encodeDetectorState(a), resolveDetectorConfig()) as StreamingDetector;
      const rest = values.slice(cut).map((v, i) => b.update(START + (cut + i) * FIVE_MIN, v));
      expect(rest).toEqual(whole.slice(cut));
    }
  });

  it('takes out-of-order timestamps in arrival order', () => {
    const d = createSeriesDetector();
    d.update(START + FIVE_MIN, 1);
    expect(() => d.update(START, 1)).not.toThrow();
  });

  it('rejects non-finite values (a missing value is a gap, not a number)', () => {
    const d = createSeriesDetector();
    expect(() => d.update(START, Number.NaN)).toThrow(/finite/);
    expect(() => d.update(Number.NaN, 1)).toThrow(/timestamp/);
  });

  it('fails fast on bad config, naming the field', () => {
    expect(() => createSeriesDetector({ trees: 0 })).toThrow(/'trees'/);
    expect(() => createSeriesDetector({ tailProbability: 2 })).toThrow(/'tailProbability'/);
    expect(() => createSeriesDetector({ magnitude: 0 })).toThrow(/'magnitude'/);
    expect(() => createSeriesDetector({ damping: -1 })).toThrow(/'damping'/);
    expect(() => createSeriesDetector({ holdoffMinutes: -1 })).toThrow(/'holdoffMinutes'/);
    expect(() => createSeriesDetector({ refractoryMinutes: 0 })).toThrow(/'refractoryMinutes'/);
    expect(() => createSeriesDetector({ holdoffMargin: 0.5 })).toThrow(/'holdoffMargin'/);
    expect(() => createSeriesDetector({ events: { closeAfter: 0 } as never })).toThrow(/closeAfter/);
    expect(() => createSeriesDetector({ stuckTail: 1 } as never)).toThrow(/unknown setting 'stuckTail'/);
  });

  it('keeps its state bounded however long the series runs', () => {
    const d = createSeriesDetector();
    const rng = new Prng(9);
    let i = 0;
    const sizeAt = (n: number): number => {
      for (const end = i + n; i < end; i++) d.update(START + i * FIVE_MIN, rng.next());
      return encodeDetectorState(d).length;
    };
    const after5k = sizeAt(5000);
    const after20k = sizeAt(15000);
    expect(after20k).toBeLessThan(after5k * 1.3);
    expect(after20k).toBeLessThan(60_000);
  });
});

describe('fit accounting', () => {
  it('counts every Isolation Forest (re)fit, and restarts the count after decoding', () => {
    const detector = createSeriesDetector();
    expect(detector.fits).toBe(0);
    let last = 0;
    let increments = 0;
    for (let i = 0; i < 3000; i++) {
      detector.update(i * 60_000, 50 + Math.sin(i / 10) * 5);
      if (detector.fits !== last) {
        expect(detector.fits).toBe(last + 1);
        last = detector.fits;
        increments++;
      }
    }
    expect(increments).toBeGreaterThan(2);
    expect(decodeDetectorState(encodeDetectorState(detector), resolveDetectorConfig()).fits).toBe(0);
  });
});
