import { createSeriesDetector, restoreSeriesDetector, SeriesDetectorOutput } from '../../../src/model';
import { Prng } from '../../../src/model/iforest';

const FIVE_MIN = 300_000;
const START = Date.UTC(2026, 0, 5); // a Monday

/** A daily-seasonal metric with noise: what a CPU or request-rate series looks like. */
function seasonal(n: number, seed = 1): number[] {
  const rng = new Prng(seed);
  return Array.from({ length: n }, (_, i) => {
    const dayPhase = (i % 288) / 288;
    return 50 + 20 * Math.sin(2 * Math.PI * dayPhase) + 2 * (rng.next() - 0.5);
  });
}

function run(values: number[], config = {}): SeriesDetectorOutput[] {
  const d = createSeriesDetector(config);
  return values.map((v, i) => d.update(START + i * FIVE_MIN, v));
}

describe('streaming series detector', () => {
  it('warms up before scoring, then reports expected values', () => {
    const out = run(seasonal(300));
    expect(out[0]).toMatchObject({ warmingUp: true, score: 0, score01: 0, isAnomaly: false });
    expect(Number.isNaN(out[0].expected)).toBe(true);
    expect(out[299].warmingUp).toBe(false);
    expect(out[299].lower).toBeLessThan(out[299].expected);
    expect(out[299].upper).toBeGreaterThan(out[299].expected);
  });

  // Three weeks of history: the time-of-week profile and the score calibration settle
  // after about two (see docs/detector.md, "cold start").
  const WEEKS3 = 288 * 21;

  it('flags a spike on a seasonal series and stays quiet on normal data', () => {
    const values = seasonal(WEEKS3);
    const at = WEEKS3 - 300;
    values[at] += 60;
    const out = run(values);
    expect(out[at].score).toBeGreaterThanOrEqual(1);
    expect(out[at].isAnomaly).toBe(true);
    expect(out[at].event?.kind).toBe('open');
    expect(out[at].value).toBeGreaterThan(out[at].upper);
    const falseAlarms = out.slice(288 * 14, at).filter((o) => o.isAnomaly).length;
    expect(falseAlarms).toBeLessThan(20); // < 1 % of normal points
  });

  it('flags a missing daily peak (only unusual for the time of day)', () => {
    const values = seasonal(WEEKS3 + 288);
    const dayStart = WEEKS3;
    // Flatten the peak of the last day to its overnight level: each value on its own is ordinary.
    for (let i = dayStart + 40; i < dayStart + 110; i++) values[i] = 50 + (values[i] - 50) * 0.05;
    const out = run(values);
    const flagged = out.slice(dayStart + 40, dayStart + 110).some((o) => o.isAnomaly);
    expect(flagged).toBe(true);
  });

  it('announces an incident once: a repeat within the holdoff is not flagged, one after it is', () => {
    const values = seasonal(WEEKS3);
    const at = WEEKS3 - 400;
    // 80 points apart: past a 32-point refractory, inside the 100-point holdoff.
    for (const i of [at, at + 80, at + 200]) values[i] += 60;
    const out = run(values, { refractory: 32 });
    expect(out[at].isAnomaly).toBe(true);
    expect(out[at + 80].isAnomaly).toBe(false);
    expect(out[at + 80].score).toBeLessThan(1);
    expect(out[at + 200].isAnomaly).toBe(true);
    // Without the holdoff the repeat is reported again.
    expect(run(values, { refractory: 32, holdoff: 0 })[at + 80].isAnomaly).toBe(true);
  });

  it('continues a holdoff identically after snapshot → JSON → restore', () => {
    const values = seasonal(WEEKS3);
    const at = WEEKS3 - 400;
    for (const i of [at, at + 80]) values[i] += 60;
    const whole = run(values);
    const cut = at + 20;
    const a = createSeriesDetector();
    values.slice(0, cut).forEach((v, i) => a.update(START + i * FIVE_MIN, v));
    const b = restoreSeriesDetector(JSON.parse(JSON.stringify(a.snapshot())));
    const rest = values.slice(cut).map((v, i) => b.update(START + (cut + i) * FIVE_MIN, v));
    expect(rest).toEqual(whole.slice(cut));
  });

  it('keeps anomaly_score in [0, 1] and monotone in the score', () => {
    const values = seasonal(2000);
    values[1500] -= 80;
    const out = run(values);
    for (const o of out) {
      expect(o.score01).toBeGreaterThanOrEqual(0);
      expect(o.score01).toBeLessThan(1);
      expect(o.score01).toBeCloseTo(o.score / (1 + o.score), 12);
    }
  });

  it('is deterministic', () => {
    const values = seasonal(2500, 3);
    values[2000] *= 3;
    expect(run(values)).toEqual(run(values));
  });

  it('continues identically after snapshot → JSON → restore', () => {
    const values = seasonal(3000, 4);
    values[2600] += 50;
    const whole = run(values);
    const a = createSeriesDetector();
    values.slice(0, 1777).forEach((v, i) => a.update(START + i * FIVE_MIN, v));
    const b = restoreSeriesDetector(JSON.parse(JSON.stringify(a.snapshot())));
    const rest = values.slice(1777).map((v, i) => b.update(START + (1777 + i) * FIVE_MIN, v));
    expect(rest).toEqual(whole.slice(1777));
  });

  it('restores a detector snapshotted during warm-up', () => {
    const a = createSeriesDetector();
    a.update(START, 1);
    const b = restoreSeriesDetector(JSON.parse(JSON.stringify(a.snapshot())));
    expect(b.update(START + FIVE_MIN, 2)).toEqual(a.update(START + FIVE_MIN, 2));
  });

  it('takes out-of-order timestamps in arrival order', () => {
    const d = createSeriesDetector();
    d.update(START + FIVE_MIN, 1);
    expect(() => d.update(START, 1)).not.toThrow();
  });

  it('rejects non-finite values', () => {
    const d = createSeriesDetector();
    expect(() => d.update(START, Number.NaN)).toThrow(/finite/);
    expect(() => d.update(Number.NaN, 1)).toThrow(/timestamp/);
  });

  it('fails fast on bad config, naming the field', () => {
    expect(() => createSeriesDetector({ trees: 0 })).toThrow(/'trees'/);
    expect(() => createSeriesDetector({ tailProbability: 2 })).toThrow(/'tailProbability'/);
    expect(() => createSeriesDetector({ features: ['nope'] })).toThrow(/unknown feature 'nope'/);
    expect(() => createSeriesDetector({ damping: -1 })).toThrow(/'damping'/);
    expect(() => createSeriesDetector({ holdoff: -1 })).toThrow(/'holdoff'/);
    expect(() => createSeriesDetector({ holdoffMargin: 0.5 })).toThrow(/'holdoffMargin'/);
    expect(() => createSeriesDetector({ events: { closeAfter: 0 } as never })).toThrow(/closeAfter/);
  });

  it('rejects snapshots of an unknown version', () => {
    const snap = createSeriesDetector().snapshot();
    expect(() => restoreSeriesDetector({ ...snap, version: 99 })).toThrow(/unsupported version 99/);
    expect(() => restoreSeriesDetector({ ...snap, format: 'x' })).toThrow(/unknown format/);
  });

  it('keeps memory bounded however long the series runs', () => {
    const d = createSeriesDetector();
    const rng = new Prng(9);
    const sizeAt = (n: number) => {
      for (let i = 0; i < n; i++) d.update(START + i * FIVE_MIN, rng.next());
      return JSON.stringify(d.snapshot()).length;
    };
    const after5k = sizeAt(5000);
    const after20k = sizeAt(15000);
    expect(after20k).toBeLessThan(after5k * 1.3);
    expect(after20k).toBeLessThan(600_000);
  });
});

describe('fit accounting', () => {
  it('counts every Isolation Forest (re)fit, and restarts the count on restore', () => {
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
    expect(restoreSeriesDetector(detector.snapshot()).fits).toBe(0);
  });
});
