/**
 * Scale-free features of one series, computed causally point by point. Each feature is a
 * standardised deviation, so the same number means the same surprise on a CPU percentage,
 * a request rate in the thousands or a sparse error count, and one Isolation Forest setup
 * and one threshold serve every series:
 *
 *  level   (x − m) / σ        m: exponentially weighted mean over `window` points before x;
 *                             σ: exponentially weighted RMS of those residuals over
 *                             `scaleWindow` points
 *  change  (x − x₋₁) / σΔ     σΔ: the same for the point-to-point change
 *  repeat  distance of x outside the range the series spanned in the same half hour of
 *          the previous day it was seen, in σ (0 inside it; |level| before that half hour
 *          has been seen): what happened at this time of day yesterday is not news, so
 *          a nightly job, a daily peak or a square wave's edges stop being deviations
 *          from their second day on (repeat masking), while a spike no day has had keeps
 *          its full size. Half hours are those of the series' local clock (`timezone`,
 *          DST-correct); `weekly` seasonality compares with the same half hour a week
 *          before instead (336 ranges instead of 48: +4.6 kB for such series only), and
 *          `none` never masks (the feature stays |level|)
 *
 * Both scales are updated with the residual clipped at CLIP σ, so one extreme point moves
 * them by a bounded step (a few extreme episodes cannot make the next incident look
 * ordinary), while a lasting change of regime still widens them within a few dozen points.
 * A series that has been constant has σ = 0; then the first change is taken unclipped, so
 * a flat line learns its scale from the first real movement instead of staying at zero.
 *
 * Both scales have a floor of half the series' resolution (the smallest non-zero change
 * seen, e.g. 1 for a count): a lone 1 in a run of zeros is one quantum, not an infinite
 * deviation, while a jump of 40 quanta still is.
 */
import { StateFormatError, StateReader, StateWriter } from './binary';
import { LocalClock } from './local-time';

/** What the repeat feature compares a point with (a policy's `seasonality`). */
export type Seasonality = 'daily' | 'weekly' | 'none';

/** Residuals beyond this many σ enter the scale estimates clipped at it. */
const CLIP = 4;
/** Features are capped here: a billion-σ point is as anomalous as one at this cap. */
export const FEATURE_CAP = 1e4;
/** Relative floor of σ against |m|, so float noise on a large constant is not a deviation. */
const RELATIVE_FLOOR = 1e-9;

export const FEATURE_DIM = 4;

const BUCKET_MS = 30 * 60_000;
const DAY_BUCKETS = 48;
const SLOTS: Record<Seasonality, number> = { daily: DAY_BUCKETS, weekly: 7 * DAY_BUCKETS, none: 0 };

export class FeatureExtractor {
  readonly dim = FEATURE_DIM;
  private readonly levelAlpha: number;
  private readonly scaleAlpha: number;
  private count = 0;
  private level = 0;
  private variance = 0;
  private previous = 0;
  private changeVariance = 0;
  /** Smallest non-zero |change| seen (Infinity before one). */
  private quantum = Infinity;
  /** The first value: the level feature is stored relative to it (float32 precision). */
  private origin = 0;
  /** Per half hour of the day (or week): the range of the values the last time it was seen (NaN: never). */
  private readonly low: Float64Array;
  private readonly high: Float64Array;
  /** Slots in a season (48 half hours a day, 336 a week; 0: no repeat masking). */
  private readonly slots: number;
  private readonly clock: LocalClock;
  /** The half hour being filled (absolute index since the epoch) and its range so far. */
  private bucket = -1;
  private bucketLow = Infinity;
  private bucketHigh = -Infinity;

  constructor(window: number, scaleWindow: number, seasonality: Seasonality = 'daily', timeZone = 'UTC') {
    this.levelAlpha = 2 / (window + 1);
    this.scaleAlpha = 2 / (scaleWindow + 1);
    this.slots = SLOTS[seasonality];
    this.low = new Float64Array(this.slots).fill(NaN);
    this.high = new Float64Array(this.slots).fill(NaN);
    this.clock = new LocalClock(timeZone);
  }

  /** Points taken so far. */
  get points(): number {
    return this.count;
  }

  /** Expected value of the next point (NaN before the first). */
  get expected(): number {
    return this.count === 0 ? NaN : this.level;
  }

  /** Standard deviation of the next point's residual as the features see it (floored). */
  get scale(): number {
    return Math.max(Math.sqrt(this.variance), this.floor());
  }

  private floor(): number {
    const q = Number.isFinite(this.quantum) ? this.quantum / 2 : 0;
    return Math.max(q, RELATIVE_FLOOR * Math.abs(this.level), Number.MIN_VALUE);
  }

  /** Features of x against what came before it into `out`, then learn x. */
  push(timestampMs: number, value: number, out: Float64Array): void {
    this.rollBucket(timestampMs);
    if (this.count === 0) {
      out[0] = 0;
      out[1] = 0;
      out[2] = 0;
      out[3] = 0;
      this.origin = value;
      this.learnRange(value);
      this.level = value;
      this.previous = value;
      this.count = 1;
      return;
    }
    const residual = value - this.level;
    const change = value - this.previous;
    const floor = this.floor();
    const sd = Math.sqrt(this.variance);
    const sdChange = Math.sqrt(this.changeVariance);
    out[0] = cap(residual / Math.max(sd, floor));
    out[1] = cap(change / Math.max(sdChange, floor));
    const b = this.slots > 0 ? this.bucket % this.slots : 0;
    const lo = this.slots > 0 ? this.low[b]! : NaN;
    const hi = this.slots > 0 ? this.high[b]! : NaN;
    out[2] = Number.isNaN(lo)
      ? Math.abs(out[0])
      : cap((value > hi ? value - hi : value < lo ? lo - value : 0) / Math.max(sd, floor));
    out[3] = value - this.origin;
    this.learnRange(value);

    const absChange = Math.abs(change);
    if (absChange > 0 && absChange < this.quantum) this.quantum = absChange;
    this.variance += this.scaleAlpha * (clippedSquare(residual, sd) - this.variance);
    this.changeVariance += this.scaleAlpha * (clippedSquare(change, sdChange) - this.changeVariance);
    this.level += this.levelAlpha * residual;
    this.previous = value;
    this.count++;
  }

  /** The deviation that counts for magnitude: from the level, unless it repeats yesterday's range. */
  static magnitude(features: Float64Array): number {
    return Math.min(Math.abs(features[0]!), features[2]!);
  }

  private rollBucket(timestampMs: number): void {
    if (this.slots === 0) return;
    const bucket = Math.floor(this.clock.local(timestampMs) / BUCKET_MS);
    if (bucket === this.bucket) return;
    if (this.bucket >= 0 && this.bucketLow <= this.bucketHigh) {
      const b = this.bucket % this.slots;
      this.low[b] = this.bucketLow;
      this.high[b] = this.bucketHigh;
    }
    this.bucket = bucket;
    this.bucketLow = Infinity;
    this.bucketHigh = -Infinity;
  }

  private learnRange(value: number): void {
    if (value < this.bucketLow) this.bucketLow = value;
    if (value > this.bucketHigh) this.bucketHigh = value;
  }

  writeState(w: StateWriter): void {
    w.f64(this.count);
    w.f64(this.level);
    w.f64(this.variance);
    w.f64(this.previous);
    w.f64(this.changeVariance);
    w.f64(this.quantum);
    w.f64(this.origin);
    w.array(this.low);
    w.array(this.high);
    w.f64(this.bucket);
    w.f64(this.bucketLow);
    w.f64(this.bucketHigh);
  }

  readState(r: StateReader): void {
    const count = r.number('feature point count', 0, Number.MAX_SAFE_INTEGER);
    if (!Number.isInteger(count)) throw new StateFormatError('feature point count is not an integer');
    this.count = count;
    this.level = r.f64();
    this.variance = r.number('level variance', 0);
    this.previous = r.f64();
    this.changeVariance = r.number('change variance', 0);
    this.quantum = r.number('value resolution', 0);
    this.origin = r.f64();
    r.arrayInto(this.low);
    r.arrayInto(this.high);
    this.bucket = r.f64();
    this.bucketLow = r.f64();
    this.bucketHigh = r.f64();
  }
}

function cap(z: number): number {
  return z > FEATURE_CAP ? FEATURE_CAP : z < -FEATURE_CAP ? -FEATURE_CAP : z;
}

function clippedSquare(residual: number, sd: number): number {
  const bound = CLIP * sd;
  if (sd > 0 && Math.abs(residual) > bound) return bound * bound;
  return residual * residual;
}
