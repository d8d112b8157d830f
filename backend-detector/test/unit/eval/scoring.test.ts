import { buildTruthFile, CostMatrix, TruthFile } from '../../../src/eval/nab-rules';
import {
  evaluateFile,
  normalise,
  nullScore,
  perfectScore,
  scoreProfile,
  sweep,
  NO_DETECTION_THRESHOLD,
} from '../../../src/eval/scoring';
import { Rng } from '../../../src/simulate/random';

const A = (y: number): number => Math.tanh(-2.5 * y);
const STANDARD: CostMatrix = { tpWeight: 1, fnWeight: 1, fpWeight: 0.11 };
const LOW_FP: CostMatrix = { tpWeight: 1, fnWeight: 1, fpWeight: 0.22 };
const LOW_FN: CostMatrix = { tpWeight: 1, fnWeight: 2, fpWeight: 0.11 };
const STEP = 300_000;
const times = (n: number): number[] => Array.from({ length: n }, (_, i) => i * STEP);

/** 20 rows, probation rows 0–2, one window on rows 8–11 (width 4). */
const file = (): TruthFile => buildTruthFile('demo/with_window.csv', times(20), [[8 * STEP, 11 * STEP]]);
const at = (n: number, hits: Record<number, number>): Float64Array => {
  const s = new Float64Array(n);
  for (const [i, v] of Object.entries(hits)) s[Number(i)] = v;
  return s;
};

describe('evaluateFile', () => {
  it('a detection on the window start earns +tpWeight', () => {
    const r = evaluateFile(file(), at(20, { 8: 1 }), STANDARD, 0.5);
    expect(r.score).toBeCloseTo(1, 12);
    expect(r).toMatchObject({ tpWindows: 1, windows: 1, fnWindows: 0, tpRows: 1, fpRows: 0 });
  });

  it('a later detection earns less, and only the earliest detection of a window counts', () => {
    expect(evaluateFile(file(), at(20, { 10: 1 }), STANDARD, 0.5).score).toBeCloseTo(A(-2 / 4) / A(-1), 12);
    const both = evaluateFile(file(), at(20, { 9: 1, 10: 1, 11: 1 }), STANDARD, 0.5);
    expect(both.score).toBeCloseTo(A(-3 / 4) / A(-1), 12);
    expect(both.tpRows).toBe(3);
  });

  it('a missed window costs −fnWeight', () => {
    expect(evaluateFile(file(), at(20, {}), STANDARD, 0.5).score).toBe(-1);
    expect(evaluateFile(file(), at(20, {}), LOW_FN, 0.5).score).toBe(-2);
  });

  it('false positives: full cost before any window, sigmoid-scaled after one, nothing in probation', () => {
    const before = evaluateFile(file(), at(20, { 5: 1 }), STANDARD, 0.5);
    expect(before.score).toBeCloseTo(-1 - 0.11, 12);
    const after = evaluateFile(file(), at(20, { 8: 1, 14: 1 }), LOW_FP, 0.5);
    expect(after.score).toBeCloseTo(1 + 0.22 * A(3 / 3), 12);
    expect(after.fpRows).toBe(1);
    const probation = evaluateFile(file(), at(20, { 1: 1, 8: 1 }), STANDARD, 0.5);
    expect(probation.score).toBeCloseTo(1, 12);
    expect(probation.fpRows).toBe(0);
  });

  it('detection means score >= threshold', () => {
    expect(evaluateFile(file(), at(20, { 8: 0.5 }), STANDARD, 0.5).score).toBeCloseTo(1, 12);
    expect(evaluateFile(file(), at(20, { 8: 0.4999 }), STANDARD, 0.5).score).toBe(-1);
  });

  it('a window that ends inside the probation period is not scored', () => {
    const tf = buildTruthFile('c/f.csv', times(20), [[0, 2 * STEP]]);
    expect(evaluateFile(tf, at(20, {}), STANDARD, 0.5)).toMatchObject({ score: 0, windows: 0 });
    // ...but NAB still counts it in the perfect score
    expect(perfectScore([tf], STANDARD)).toBe(1);
  });
});

describe('sweep', () => {
  const quiet = (): TruthFile => buildTruthFile('demo/quiet.csv', times(20), []);

  it('finds the best pooled threshold across files', () => {
    const a = at(20, { 1: 0.99, 5: 0.7, 8: 0.9, 14: 0.95 });
    const b = at(20, { 10: 0.8 });
    const r = sweep([file(), quiet()], [a, b], STANDARD);
    // 1.1: −1 · 0.95: −1 + FP(14) · 0.9: +1 + FP(14) · 0.8: … −0.11 · 0.7: … −0.11 · 0: many FPs
    expect(r.threshold).toBe(0.9);
    expect(r.score).toBeCloseTo(1 + 0.11 * A(1), 12);
    // 1.1, 0.95, 0.9, 0.8, 0.7, 0 (the probation score 0.99 is not a candidate)
    expect(r.thresholdsTried).toBe(6);
  });

  it('breaks ties towards the highest threshold', () => {
    const r = sweep([file()], [at(20, { 8: 0.9, 9: 0.8 })], STANDARD);
    expect(r.threshold).toBe(0.9);
  });

  it('reports "no detection" when every threshold loses', () => {
    const r = sweep([quiet()], [at(20, { 5: 0.9, 6: 0.7 })], STANDARD);
    expect(r.threshold).toBe(NO_DETECTION_THRESHOLD);
    expect(r.score).toBe(0);
  });

  it('equals a brute-force search over every candidate threshold', () => {
    const rng = new Rng(7);
    for (let trial = 0; trial < 25; trial++) {
      const files: TruthFile[] = [];
      const scores: Float64Array[] = [];
      for (let f = 0; f < 3; f++) {
        const n = rng.int(30, 120);
        const wins: Array<[number, number]> = [];
        let pos = rng.int(0, 10);
        while (pos < n - 5 && rng.next() < 0.7) {
          const w = rng.int(1, 8);
          if (pos + w >= n) break;
          wins.push([pos * STEP, (pos + w) * STEP]);
          pos += w + rng.int(2, 20);
        }
        files.push(buildTruthFile(`c/f${f}.csv`, times(n), wins));
        // Few distinct values so that ties occur.
        scores.push(Float64Array.from({ length: n }, () => Math.round(rng.next() * 20) / 20));
      }
      for (const cm of [STANDARD, LOW_FP, LOW_FN]) {
        const r = sweep(files, scores, cm);
        const candidates = new Set<number>([NO_DETECTION_THRESHOLD]);
        files.forEach((tf, f) => {
          for (let i = tf.firstScored; i < tf.n; i++) candidates.add(scores[f]![i]!);
        });
        let bestScore = Number.NEGATIVE_INFINITY;
        for (const t of candidates) {
          const total = files.reduce((s, tf, f) => s + evaluateFile(tf, scores[f]!, cm, t).score, 0);
          bestScore = Math.max(bestScore, total);
        }
        expect(r.score).toBeCloseTo(bestScore, 9);
        const atChosen = files.reduce(
          (s, tf, f) => s + evaluateFile(tf, scores[f]!, cm, r.threshold).score,
          0
        );
        expect(atChosen).toBeCloseTo(bestScore, 9);
        expect(r.thresholdsTried).toBe(candidates.size);
      }
    }
  });
});

describe('normalisation', () => {
  it('null detector: the better of never and always detecting', () => {
    // Always: +1 for the window, −0.11 for each of rows 3–7, 0.11·A(d/3) for rows 12–19.
    let always = 1 - 5 * 0.11;
    for (let d = 1; d <= 8; d++) always += 0.11 * A(d / 3);
    expect(always).toBeGreaterThan(-1);
    expect(nullScore([file()], STANDARD)).toBeCloseTo(always, 12);
    // With fpWeight 0.22 always-detecting is worse than never (−1).
    let alwaysLowFp = 1 - 5 * 0.22;
    for (let d = 1; d <= 8; d++) alwaysLowFp += 0.22 * A(d / 3);
    expect(nullScore([file()], LOW_FP)).toBeCloseTo(Math.max(-1, alwaysLowFp), 12);
  });

  it('maps null to 0 and perfect to 100', () => {
    expect(normalise(-1, -1, 1)).toBe(0);
    expect(normalise(1, -1, 1)).toBe(100);
    expect(normalise(0.5, -2, 1)).toBeCloseTo((100 * 2.5) / 3, 12);
    expect(normalise(0, 0, 0)).toBeUndefined();
  });

  it('scoreProfile: a perfect detector scores 100, a silent one 0 (when never-detect is the null optimum)', () => {
    const quiet = buildTruthFile('demo/quiet.csv', times(20), []);
    const files = [file(), quiet];
    const perfect = scoreProfile('standard', STANDARD, files, [at(20, { 8: 1 }), at(20, {})], {
      kind: 'sweep',
    });
    expect(perfect.normalised).toBeCloseTo(100, 9);
    expect(perfect.perFile.map((p) => p.score)).toEqual([expect.closeTo(1, 12), 0]);
    const silent = scoreProfile('standard', STANDARD, files, [at(20, {}), at(20, {})], {
      kind: 'fixed',
      threshold: 0.5,
    });
    expect(silent.score).toBe(-1);
    expect(silent.nullScore).toBe(-1);
    expect(silent.normalised).toBe(0);
  });
});
