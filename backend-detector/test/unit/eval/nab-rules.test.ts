import {
  buildTruthFile,
  MAX_TP,
  probationRows,
  scaledSigmoid,
  weightedRows,
} from '../../../src/eval/nab-rules';
import { formatNabLabelTimestamp, formatNabTimestamp, parseNabTimestamp } from '../../../src/eval/nab-format';

// A(y) = 2/(1+e^{5y}) − 1 is tanh(−5y/2); the expectations below use that identity.
const A = (y: number): number => Math.tanh(-2.5 * y);
const STEP = 300_000;
const times = (n: number): number[] => Array.from({ length: n }, (_, i) => i * STEP);

describe('NAB rules', () => {
  it('scaled sigmoid: +1 region, 0 at the window end, −1 beyond 3 widths', () => {
    expect(scaledSigmoid(-1)).toBeCloseTo(Math.tanh(2.5), 12);
    expect(scaledSigmoid(0)).toBe(0);
    expect(scaledSigmoid(1)).toBeCloseTo(-Math.tanh(2.5), 12);
    expect(scaledSigmoid(3)).toBeCloseTo(A(3), 12);
    expect(scaledSigmoid(3.0001)).toBe(-1);
    expect(MAX_TP).toBeCloseTo(0.98661429815, 10);
  });

  it('probation: 15 % of the rows, capped at 750', () => {
    expect(probationRows(20)).toBe(3);
    expect(probationRows(4032)).toBe(604);
    expect(probationRows(5000)).toBe(750);
    expect(probationRows(22695)).toBe(750);
    expect(probationRows(6)).toBe(0);
  });

  it('weights rows: window start = tpWeight, later window rows less, FP after a window scaled by distance', () => {
    const tf = buildTruthFile('cat/f.csv', times(20), [[8 * STEP, 11 * STEP]]);
    expect(tf.windows).toEqual([[8, 11]]);
    expect(tf.category).toBe('cat');
    expect(tf.stem).toBe('f');
    expect(tf.firstScored).toBe(3);
    const w = weightedRows(tf, { tpWeight: 1, fnWeight: 1, fpWeight: 0.11 });
    expect(w[8]).toBeCloseTo(1, 12);
    expect(w[9]).toBeCloseTo(A(-3 / 4) / A(-1), 12);
    expect(w[11]).toBeCloseTo(A(-1 / 4) / A(-1), 12);
    // before any window: the full false-positive cost
    expect(w[5]).toBeCloseTo(-0.11, 12);
    // after the window, y = |11 − i| / (width − 1) = |11 − i| / 3
    expect(w[12]).toBeCloseTo(0.11 * A(1 / 3), 12);
    expect(w[14]).toBeCloseTo(0.11 * A(1), 12);
    expect(Array.from(tf.winOf.slice(7, 13))).toEqual([-1, 0, 0, 0, 0, -1]);
  });

  it('a far false positive costs the full fpWeight (y > 3)', () => {
    const tf = buildTruthFile('cat/f.csv', times(40), [[8 * STEP, 9 * STEP]]);
    // width 2 → y = |9 − i| / 1; row 13 is 4 widths away
    expect(weightedRows(tf, { tpWeight: 1, fnWeight: 1, fpWeight: 0.22 })[13]).toBe(-0.22);
  });

  it('rejects a window boundary that is not a data timestamp', () => {
    expect(() => buildTruthFile('cat/f.csv', times(20), [[8 * STEP + 1000, 11 * STEP]])).toThrow(
      /not a timestamp/
    );
  });
});

describe('NAB timestamps', () => {
  it('parses data and label formats as UTC', () => {
    expect(parseNabTimestamp('2014-02-14 14:30:00')).toBe(Date.UTC(2014, 1, 14, 14, 30));
    expect(parseNabTimestamp('2014-02-14 14:30:00.000000')).toBe(Date.UTC(2014, 1, 14, 14, 30));
    expect(parseNabTimestamp('2011-07-11 04:00:01.500000')).toBe(Date.UTC(2011, 6, 11, 4, 0, 1) + 500);
    expect(parseNabTimestamp('2014-02-14T14:30:00Z')).toBe(Date.UTC(2014, 1, 14, 14, 30));
    expect(parseNabTimestamp('2014-02-14T16:30:00+02:00')).toBe(Date.UTC(2014, 1, 14, 14, 30));
    expect(parseNabTimestamp('2014-02-30 00:00:00')).toBeNaN();
    expect(parseNabTimestamp('yesterday')).toBeNaN();
  });

  it('formats round-trip', () => {
    const t = Date.UTC(2026, 0, 5, 7, 5, 9);
    expect(formatNabTimestamp(t)).toBe('2026-01-05 07:05:09');
    expect(formatNabLabelTimestamp(t)).toBe('2026-01-05 07:05:09.000000');
    expect(parseNabTimestamp(formatNabLabelTimestamp(t))).toBe(t);
  });
});
