/**
 * Streaming feature extraction for one series. Keeps the last `window` values in a ring
 * and turns each new point into a small feature vector that makes the usual kinds of
 * infrastructure anomalies isolate quickly in an Isolation Forest:
 *
 *  0  value                         unusual levels
 *  1  value − previous value        spikes, dips, sudden steps
 *  2  mean(last 3) − window median  level shifts, sustained excursions
 *  3  std(last 8)                   variance changes, stuck values (std → 0)
 *  4  time of day [0, 1)            values unusual for this time of day
 *
 * Memory: window × 8 bytes + a few scalars.
 */
export const FEATURE_DIM = 5;

const SHORT = 3;
const SPREAD = 8;
const DAY_MS = 86_400_000;

export interface FeatureState {
  values: number[];
  head: number;
  count: number;
}

export class FeatureExtractor {
  private readonly values: Float64Array;
  private readonly scratch: Float64Array;
  private head = 0;
  private count = 0;

  constructor(readonly window: number) {
    this.values = new Float64Array(window);
    this.scratch = new Float64Array(window);
  }

  /** Value `lag` points back (0 = most recent pushed); requires lag < filled. */
  private at(lag: number): number {
    const w = this.window;
    return this.values[(this.head - 1 - lag + 2 * w) % w];
  }

  get filled(): number {
    return Math.min(this.count, this.window);
  }

  /** Push a point and write its features into `out` (length FEATURE_DIM). */
  push(timestampMs: number, value: number, out: Float64Array): void {
    this.values[this.head] = value;
    this.head = (this.head + 1) % this.window;
    this.count++;
    const n = this.filled;

    out[0] = value;
    out[1] = n > 1 ? value - this.at(1) : 0;

    const ns = Math.min(SHORT, n);
    let shortSum = 0;
    for (let i = 0; i < ns; i++) shortSum += this.at(i);
    out[2] = shortSum / ns - this.median();

    const nv = Math.min(SPREAD, n);
    let m = 0;
    for (let i = 0; i < nv; i++) m += this.at(i);
    m /= nv;
    let v = 0;
    for (let i = 0; i < nv; i++) {
      const d = this.at(i) - m;
      v += d * d;
    }
    out[3] = Math.sqrt(v / nv);
    out[4] = (((timestampMs % DAY_MS) + DAY_MS) % DAY_MS) / DAY_MS;
  }

  /** Median of the filled window (insertion sort into scratch: window is small). */
  median(): number {
    const n = this.filled;
    const s = this.scratch;
    for (let i = 0; i < n; i++) {
      const x = this.values[i];
      let j = i - 1;
      while (j >= 0 && s[j] > x) {
        s[j + 1] = s[j];
        j--;
      }
      s[j + 1] = x;
    }
    return n % 2 === 1 ? s[(n - 1) >> 1] : (s[n / 2 - 1] + s[n / 2]) / 2;
  }

  snapshot(): FeatureState {
    return { values: Array.from(this.values), head: this.head, count: this.count };
  }

  restore(s: FeatureState): void {
    if (s.values.length !== this.window)
      throw new Error('feature state does not match the configured window');
    this.values.set(s.values);
    this.head = s.head;
    this.count = s.count;
  }
}
