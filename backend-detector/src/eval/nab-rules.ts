/**
 * The Numenta Anomaly Benchmark's scoring rules, per file (pure; no I/O).
 *
 * Written here rather than taken from a library: NAB exists only as Python, and the rules are
 * small but easy to get subtly wrong, so each is spelled out with its source in NAB:
 *  - probationary period: the first min(floor(0.15·n), 0.15·5000) rows are never scored;
 *  - windows are inclusive [left, right] row ranges from combined_windows.json;
 *  - scaled sigmoid A(y) = 2/(1+e^(5y)) − 1, and −1 for y > 3;
 *  - a row inside a window is worth A(−(right − i + 1)/width) · tpWeight / A(−1), so a
 *    detection on the window's first row earns exactly tpWeight;
 *  - a row after a window is worth A(|i − right|/(width − 1)) · fpWeight (a false positive
 *    right after a window costs little, far after it costs fpWeight), and −fpWeight when no
 *    window precedes it.
 */

export interface CostMatrix {
  tpWeight: number;
  fnWeight: number;
  fpWeight: number;
}

export type Profiles = Record<string, CostMatrix>;

export const PROBATION_PERCENT = 0.15;
export const PROBATION_CAP_ROWS = 5000;

export function scaledSigmoid(y: number): number {
  if (y > 3) return -1;
  return 2 / (1 + Math.exp(5 * y)) - 1;
}

/** A(−1): the largest value a true positive can have before weighting. */
export const MAX_TP = scaledSigmoid(-1);

/** Number of leading rows that are never scored: row i is scorable iff i >= probationRows(n). */
export function probationRows(n: number): number {
  return Math.ceil(Math.min(Math.floor(PROBATION_PERCENT * n), PROBATION_PERCENT * PROBATION_CAP_ROWS));
}

export interface TruthFile {
  /** Path relative to the data root, e.g. `realTraffic/speed_7578.csv`. */
  rel: string;
  category: string;
  stem: string;
  n: number;
  firstScored: number;
  /** Inclusive row ranges, sorted by start. */
  windows: Array<[number, number]>;
  /** Window index of each row, or −1 outside windows. */
  winOf: Int32Array;
  /** A(y) of each row before cost weighting. */
  unweighted: Float64Array;
}

export class TruthError extends Error {}

/** Build a file's ground truth from its row times and its windows' [start, end] times. */
export function buildTruthFile(
  rel: string,
  times: ArrayLike<number>,
  windowLimits: ReadonlyArray<[number, number]>
): TruthFile {
  const parts = rel.split('/');
  const base = parts[parts.length - 1] as string;
  const n = times.length;
  const firstIndex = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const t = times[i] as number;
    if (!firstIndex.has(t)) firstIndex.set(t, i);
  }
  const windows: Array<[number, number]> = windowLimits.map(([a, b]) => {
    const ia = firstIndex.get(a);
    const ib = firstIndex.get(b);
    if (ia === undefined || ib === undefined) {
      const bad = ia === undefined ? a : b;
      throw new TruthError(
        `${rel}: window boundary ${new Date(bad).toISOString()} is not a timestamp of the data`
      );
    }
    return [ia, ib];
  });
  windows.sort((x, y) => x[0] - y[0] || x[1] - y[1]);

  // Walk forward as NAB does: a window is entered at its first row and left after its last;
  // rows after a window are positioned relative to the last window left.
  const winOf = new Int32Array(n).fill(-1);
  const unweighted = new Float64Array(n);
  let prevRight = -1;
  let prevWidth = 0;
  let next = 0;
  let cur = -1;
  for (let i = 0; i < n; i++) {
    if (cur < 0 && next < windows.length && i === (windows[next] as [number, number])[0]) {
      cur = next++;
    }
    if (cur >= 0) {
      const [left, right] = windows[cur] as [number, number];
      const width = right - left + 1;
      winOf[i] = cur;
      unweighted[i] = scaledSigmoid(-(right - i + 1) / width);
      if (i === right) {
        prevRight = right;
        prevWidth = width;
        cur = -1;
      }
    } else if (prevRight < 0) {
      unweighted[i] = -1;
    } else {
      // A one-row window would divide by zero in NAB; treat its width − 1 as 1.
      const denom = prevWidth - 1 > 0 ? prevWidth - 1 : 1;
      unweighted[i] = scaledSigmoid(Math.abs(prevRight - i) / denom);
    }
  }
  return {
    rel,
    category: parts[0] as string,
    stem: base.replace(/\.[^.]*$/, ''),
    n,
    firstScored: probationRows(n),
    windows,
    winOf,
    unweighted,
  };
}

/** Per-row value under one cost matrix (NAB's sweep score S(t) of each row). */
export function weightedRows(tf: TruthFile, cm: CostMatrix): Float64Array {
  const out = new Float64Array(tf.n);
  for (let i = 0; i < tf.n; i++) {
    const u = tf.unweighted[i] as number;
    out[i] = (tf.winOf[i] as number) >= 0 ? (u * cm.tpWeight) / MAX_TP : u * cm.fpWeight;
  }
  return out;
}

/** Indices of windows that end after the probation period (only those are scored). */
export function scorableWindows(tf: TruthFile): number[] {
  const out: number[] = [];
  tf.windows.forEach(([, right], k) => {
    if (right >= tf.firstScored) out.push(k);
  });
  return out;
}
