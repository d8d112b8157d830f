/**
 * NAB scores of a detector over a set of files: at a fixed threshold, and optimised over
 * every distinct pooled score (NAB's threshold sweep), normalised between the null detector
 * and the perfect detector of the same files. Pure; no I/O.
 */
import { CostMatrix, scorableWindows, TruthFile, weightedRows } from './nab-rules';

/** NAB's "threshold above every score": nothing is detected. */
export const NO_DETECTION_THRESHOLD = 1.1;

export interface FileTally extends Tally {
  rel: string;
  /** Per window of the file: first detected row, or null (missed, or ended in probation). */
  firstDetection: Array<number | null>;
}

export interface Tally {
  /** Raw NAB score. */
  score: number;
  tpRows: number;
  fpRows: number;
  /** Scored windows with at least one detection, scored windows, scored windows missed. */
  tpWindows: number;
  windows: number;
  fnWindows: number;
}

/** Per-row weights are reused by every threshold and profile; cache them per truth file. */
const weightCache = new WeakMap<TruthFile, Map<string, Float64Array>>();

function weightsOf(tf: TruthFile, cm: CostMatrix): Float64Array {
  let byCm = weightCache.get(tf);
  if (!byCm) {
    byCm = new Map();
    weightCache.set(tf, byCm);
  }
  const key = `${cm.tpWeight}/${cm.fpWeight}`;
  let w = byCm.get(key);
  if (!w) {
    w = weightedRows(tf, cm);
    byCm.set(key, w);
  }
  return w;
}

/** Score one file at a threshold (a row is a detection iff its score >= threshold). */
export function evaluateFile(
  tf: TruthFile,
  scores: ArrayLike<number>,
  cm: CostMatrix,
  threshold: number
): Omit<FileTally, 'rel'> {
  if (scores.length !== tf.n) throw new Error(`${tf.rel}: ${scores.length} scores for ${tf.n} rows`);
  const w = weightsOf(tf, cm);
  const best = new Float64Array(tf.windows.length).fill(Number.NEGATIVE_INFINITY);
  const firstDetection: Array<number | null> = tf.windows.map(() => null);
  let fpSum = 0;
  let tpRows = 0;
  let fpRows = 0;
  for (let i = tf.firstScored; i < tf.n; i++) {
    if ((scores[i] as number) < threshold) continue;
    const k = tf.winOf[i] as number;
    if (k < 0) {
      fpRows++;
      fpSum += w[i] as number;
    } else {
      tpRows++;
      if (firstDetection[k] === null) firstDetection[k] = i;
      // Only the best (earliest) detection of a window counts.
      if ((w[i] as number) > (best[k] as number)) best[k] = w[i] as number;
    }
  }
  let windowSum = 0;
  let tpWindows = 0;
  const scored = scorableWindows(tf);
  for (const k of scored) {
    const b = best[k] as number;
    if (b === Number.NEGATIVE_INFINITY) {
      windowSum -= cm.fnWeight;
    } else {
      windowSum += b;
      tpWindows++;
    }
  }
  return {
    score: fpSum + windowSum,
    tpRows,
    fpRows,
    tpWindows,
    windows: scored.length,
    fnWindows: scored.length - tpWindows,
    firstDetection,
  };
}

export interface SweepResult extends Tally {
  threshold: number;
  thresholdsTried: number;
}

/**
 * NAB's threshold optimisation: every distinct score of the scorable rows, pooled over all
 * files, is tried; the highest total wins, ties going to the highest threshold.
 *
 * Rows are sorted once by score (descending) and the total is updated incrementally as the
 * threshold passes each group of equal scores, so the sweep costs O(N log N) for N rows.
 */
export function sweep(
  files: readonly TruthFile[],
  scoreLists: ReadonlyArray<ArrayLike<number>>,
  cm: CostMatrix
): SweepResult {
  let total = 0;
  for (const tf of files) total += tf.n - tf.firstScored;
  const sc = new Float64Array(total);
  const ws = new Float64Array(total);
  const wk = new Int32Array(total);
  // Windows get global ids; only windows with a scorable row take part (start at −fnWeight).
  const windowIds = new Map<number, number>();
  let base = 0;
  let r = 0;
  files.forEach((tf, f) => {
    const scores = scoreLists[f] as ArrayLike<number>;
    if (scores.length !== tf.n) throw new Error(`${tf.rel}: ${scores.length} scores for ${tf.n} rows`);
    const w = weightsOf(tf, cm);
    for (let i = tf.firstScored; i < tf.n; i++, r++) {
      sc[r] = scores[i] as number;
      ws[r] = w[i] as number;
      const k = tf.winOf[i] as number;
      if (k < 0) {
        wk[r] = -1;
      } else {
        const g = base + k;
        let id = windowIds.get(g);
        if (id === undefined) {
          id = windowIds.size;
          windowIds.set(g, id);
        }
        wk[r] = id;
      }
    }
    base += tf.windows.length;
  });
  const nWin = windowIds.size;
  const winVal = new Float64Array(nWin).fill(-cm.fnWeight);
  const hit = new Uint8Array(nWin);

  const order = new Uint32Array(total);
  for (let j = 0; j < total; j++) order[j] = j;
  order.sort((a, b) => (sc[b] as number) - (sc[a] as number));

  const top = total > 0 ? (sc[order[0] as number] as number) : 0;
  let threshold = top < NO_DETECTION_THRESHOLD ? NO_DETECTION_THRESHOLD : top + 1;
  let fpSum = 0;
  let winSum = -cm.fnWeight * nWin;
  let tpRows = 0;
  let fpRows = 0;
  let tpWindows = 0;
  let tried = 0;
  let best: SweepResult | undefined;
  const record = (): void => {
    tried++;
    const score = fpSum + winSum;
    if (best === undefined || score > best.score) {
      best = {
        threshold,
        score,
        tpRows,
        fpRows,
        tpWindows,
        windows: nWin,
        fnWindows: nWin - tpWindows,
        thresholdsTried: 0,
      };
    }
  };
  for (let j = 0; j < total; j++) {
    const row = order[j] as number;
    const s = sc[row] as number;
    if (s !== threshold) {
      record();
      threshold = s;
    }
    const k = wk[row] as number;
    if (k < 0) {
      fpRows++;
      fpSum += ws[row] as number;
    } else {
      tpRows++;
      if (!hit[k]) {
        hit[k] = 1;
        tpWindows++;
      }
      const v = ws[row] as number;
      if (v > (winVal[k] as number)) {
        winSum += v - (winVal[k] as number);
        winVal[k] = v;
      }
    }
  }
  record();
  const result = best as SweepResult;
  result.thresholdsTried = tried;
  return result;
}

/** Raw score of NAB's null detector (one constant score for every row), swept. */
export function nullScore(files: readonly TruthFile[], cm: CostMatrix): number {
  return sweep(
    files,
    files.map((tf) => new Float64Array(tf.n).fill(0.5)),
    cm
  ).score;
}

/** Raw score of a detector that hits every window on its first row and never errs. */
export function perfectScore(files: readonly TruthFile[], cm: CostMatrix): number {
  return cm.tpWeight * files.reduce((n, tf) => n + tf.windows.length, 0);
}

/** 100 · (raw − null) / (perfect − null); undefined when the files have no windows to tell apart. */
export function normalise(raw: number, nullRaw: number, perfectRaw: number): number | undefined {
  if (perfectRaw === nullRaw) return undefined;
  return (100 * (raw - nullRaw)) / (perfectRaw - nullRaw);
}

export interface ProfileScore extends Tally {
  profile: string;
  mode: 'sweep' | 'fixed';
  threshold: number;
  normalised: number | undefined;
  nullScore: number;
  perfectScore: number;
  thresholdsTried?: number;
  perFile: FileTally[];
}

export type ThresholdMode = { kind: 'sweep' } | { kind: 'fixed'; threshold: number };

/** Score one detector's outputs over the files for one profile. */
export function scoreProfile(
  profile: string,
  cm: CostMatrix,
  files: readonly TruthFile[],
  scoreLists: ReadonlyArray<ArrayLike<number>>,
  mode: ThresholdMode,
  baseline?: { nullScore: number; perfectScore: number }
): ProfileScore {
  const nullRaw = baseline?.nullScore ?? nullScore(files, cm);
  const perfectRaw = baseline?.perfectScore ?? perfectScore(files, cm);
  const swept = mode.kind === 'sweep' ? sweep(files, scoreLists, cm) : undefined;
  const threshold = swept ? swept.threshold : (mode as { threshold: number }).threshold;
  const perFile = files.map((tf, f) => ({
    rel: tf.rel,
    ...evaluateFile(tf, scoreLists[f] as ArrayLike<number>, cm, threshold),
  }));
  const sum = (key: keyof Tally): number => perFile.reduce((n, p) => n + p[key], 0);
  const raw = sum('score');
  return {
    profile,
    mode: mode.kind,
    threshold,
    score: raw,
    normalised: normalise(raw, nullRaw, perfectRaw),
    nullScore: nullRaw,
    perfectScore: perfectRaw,
    tpRows: sum('tpRows'),
    fpRows: sum('fpRows'),
    tpWindows: sum('tpWindows'),
    windows: files.reduce((n, tf) => n + tf.windows.length, 0),
    fnWindows: sum('fnWindows'),
    ...(swept ? { thresholdsTried: swept.thresholdsTried } : {}),
    perFile,
  };
}
