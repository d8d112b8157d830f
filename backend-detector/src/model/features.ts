/**
 * Streaming feature extraction for one series. Keeps the last `window` values in a ring
 * and turns each new point into a small feature vector in which the usual kinds of
 * infrastructure anomalies isolate quickly in an Isolation Forest. Available features:
 *
 *  value       the value itself                     unusual levels
 *  diff        value − previous value               spikes, dips, sudden steps
 *  shift       mean(last 3) − window median         level shifts, sustained excursions
 *  spread      std(last 8)                          variance changes, stuck values (→ 0)
 *  zscore      (value − median) / MAD of window     deviation from a robust baseline
 *  timeOfDay   [0, 1) position in the UTC day       values unusual for the time of day
 *  dayOfWeek   0..6 (Monday 0)                      weekday/weekend patterns
 *  lagN        value N points back (N = 1..window−1) shape of the recent curve
 *  daily       value − the usual value at this time of day (48 half-hour buckets,
 *              exponentially weighted over past days)  missing or extra daily peaks
 *  weekly      the same against 336 half-hour buckets of the week
 *
 * Memory: window × 8 bytes + 48 × 4 (daily) + 336 × 4 (weekly) bytes + a few scalars. The
 * profiles are float32 relative to the series' first value, so their precision follows how
 * far the series moves, not how large its values are.
 */
import { Slab, slabBytes } from './slab';
import { StateFormatError, StateReader, StateWriter } from './binary';

export type FeatureName =
  | 'value'
  | 'diff'
  | 'shift'
  | 'spread'
  | 'zscore'
  | 'timeOfDay'
  | 'dayOfWeek'
  | 'daily'
  | 'weekly'
  | `lag${number}`;

const SHORT = 3;
const SPREAD = 8;
const DAY_MS = 86_400_000;
/** 1970-01-01 was a Thursday; shifting by 3 days makes Monday 0. */
const WEEK_OFFSET_MS = 3 * DAY_MS;

const enum Kind {
  Value,
  Diff,
  Shift,
  Spread,
  ZScore,
  TimeOfDay,
  DayOfWeek,
  Lag,
  Daily,
  Weekly,
}

const BUCKET_MS = 30 * 60_000;
const DAILY_BUCKETS = DAY_MS / BUCKET_MS;
const WEEKLY_BUCKETS = 7 * DAILY_BUCKETS;
/** Weight of today's value in a time-of-day profile bucket. */
const PROFILE_ALPHA = 0.3;

export interface FeatureState {
  values: number[];
  head: number;
  count: number;
  /** Profiles relative to `origin` (the first value; null before it). */
  origin: number | null;
  daily: (number | null)[];
  weekly: (number | null)[];
  lastBucket: number;
  bucketSum: number;
  bucketCount: number;
}

export function parseFeatures(names: readonly string[], window: number): { kinds: Kind[]; lags: number[] } {
  const kinds: Kind[] = [];
  const lags: number[] = [];
  for (const name of names) {
    let kind: Kind;
    let lag = 0;
    switch (name) {
      case 'value':
        kind = Kind.Value;
        break;
      case 'diff':
        kind = Kind.Diff;
        break;
      case 'shift':
        kind = Kind.Shift;
        break;
      case 'spread':
        kind = Kind.Spread;
        break;
      case 'zscore':
        kind = Kind.ZScore;
        break;
      case 'timeOfDay':
        kind = Kind.TimeOfDay;
        break;
      case 'dayOfWeek':
        kind = Kind.DayOfWeek;
        break;
      case 'daily':
        kind = Kind.Daily;
        break;
      case 'weekly':
        kind = Kind.Weekly;
        break;
      default: {
        const m = /^lag(\d+)$/.exec(name);
        if (!m) throw new Error(`detector config: unknown feature '${name}'`);
        lag = Number(m[1]);
        if (lag < 1 || lag >= window)
          throw new Error(`detector config: feature '${name}' needs 1 <= N < window`);
        kind = Kind.Lag;
      }
    }
    kinds.push(kind);
    lags.push(lag);
  }
  if (kinds.length === 0) throw new Error("detector config: 'features' must name at least one feature");
  return { kinds, lags };
}

/** Median and MAD work here; features are computed synchronously, so one buffer serves all series. */
let sortScratch = new Float64Array(0);

function profileLengths(kinds: readonly Kind[]): { dailyLength: number; weeklyLength: number } {
  return {
    dailyLength: kinds.includes(Kind.Daily) ? DAILY_BUCKETS : 0,
    weeklyLength: kinds.includes(Kind.Weekly) ? WEEKLY_BUCKETS : 0,
  };
}

export class FeatureExtractor {
  readonly dim: number;
  private readonly kinds: Kind[];
  private readonly lags: number[];
  private readonly values: Float64Array;
  private head = 0;
  private count = 0;
  /** Time-of-day / time-of-week profiles (NaN = bucket not seen yet); empty when unused. */
  private readonly daily: Float32Array;
  private readonly weekly: Float32Array;
  private origin = NaN;
  /** Mean of the values in the current half-hour bucket, folded into the profiles when it ends. */
  private lastBucket = -1;
  private bucketSum = 0;
  private bucketCount = 0;

  /** `slab`: where to carve the arrays (storageBytes of it); a buffer of its own when omitted. */
  constructor(
    readonly window: number,
    features: readonly string[],
    slab?: Slab
  ) {
    const parsed = parseFeatures(features, window);
    this.kinds = parsed.kinds;
    this.lags = parsed.lags;
    this.dim = this.kinds.length;
    const { dailyLength, weeklyLength } = profileLengths(this.kinds);
    const from = slab ?? Slab.of(FeatureExtractor.storageBytes(window, features));
    this.values = from.float64(window);
    this.daily = from.float32(dailyLength).fill(NaN);
    this.weekly = from.float32(weeklyLength).fill(NaN);
    if (sortScratch.length < window) sortScratch = new Float64Array(window);
  }

  /** Number of features `features` make (what `dim` of such an extractor will be). */
  static dimension(window: number, features: readonly string[]): number {
    return parseFeatures(features, window).kinds.length;
  }

  /** Bytes of slab the extractor's arrays take. */
  static storageBytes(window: number, features: readonly string[]): number {
    const { dailyLength, weeklyLength } = profileLengths(parseFeatures(features, window).kinds);
    return slabBytes(8 * window) + slabBytes(4 * dailyLength) + slabBytes(4 * weeklyLength);
  }

  /** Fold the finished bucket's mean into the profiles, then start the bucket of `bucket`. */
  private advanceBucket(bucket: number, value: number): void {
    if (bucket !== this.lastBucket) {
      if (this.bucketCount > 0) {
        const mean = this.bucketSum / this.bucketCount - this.origin;
        fold(this.daily, this.lastBucket % DAILY_BUCKETS, mean);
        fold(this.weekly, (this.lastBucket + WEEK_OFFSET_MS / BUCKET_MS) % WEEKLY_BUCKETS, mean);
      }
      this.lastBucket = bucket;
      this.bucketSum = 0;
      this.bucketCount = 0;
    }
    this.bucketSum += value;
    this.bucketCount++;
  }

  /** Value `lag` points back (0 = most recent pushed); clamps to the oldest one held. */
  private at(lag: number): number {
    const w = this.window;
    const l = Math.min(lag, this.filled - 1);
    return this.values[(this.head - 1 - l + 2 * w) % w];
  }

  get filled(): number {
    return Math.min(this.count, this.window);
  }

  /** Push a point and write its features into `out` (length dim). */
  push(timestampMs: number, value: number, out: Float64Array): void {
    this.values[this.head] = value;
    this.head = (this.head + 1) % this.window;
    this.count++;
    let median = NaN;
    const bucket = Math.floor(timestampMs / BUCKET_MS);
    // The profile is read before this point is folded in, so the feature stays causal.
    if (Number.isNaN(this.origin)) this.origin = value;
    const dailyRef = this.daily.length
      ? this.daily[((bucket % DAILY_BUCKETS) + DAILY_BUCKETS) % DAILY_BUCKETS] + this.origin
      : NaN;
    const weeklyIdx =
      (((bucket + WEEK_OFFSET_MS / BUCKET_MS) % WEEKLY_BUCKETS) + WEEKLY_BUCKETS) % WEEKLY_BUCKETS;
    const weeklyRef = this.weekly.length ? this.weekly[weeklyIdx] + this.origin : NaN;
    if (this.daily.length || this.weekly.length) this.advanceBucket(bucket, value);
    for (let k = 0; k < this.dim; k++) {
      switch (this.kinds[k]) {
        case Kind.Value:
          out[k] = value;
          break;
        case Kind.Diff:
          out[k] = value - this.at(1);
          break;
        case Kind.Shift: {
          if (Number.isNaN(median)) median = this.median();
          const ns = Math.min(SHORT, this.filled);
          let sum = 0;
          for (let i = 0; i < ns; i++) sum += this.at(i);
          out[k] = sum / ns - median;
          break;
        }
        case Kind.Spread:
          out[k] = this.recentStd();
          break;
        case Kind.ZScore: {
          if (Number.isNaN(median)) median = this.median();
          const mad = this.mad(median);
          out[k] = mad > 0 ? (value - median) / mad : 0;
          break;
        }
        case Kind.TimeOfDay:
          out[k] = (((timestampMs % DAY_MS) + DAY_MS) % DAY_MS) / DAY_MS;
          break;
        case Kind.DayOfWeek:
          out[k] = Math.floor((timestampMs + WEEK_OFFSET_MS) / DAY_MS) % 7;
          break;
        case Kind.Lag:
          out[k] = this.at(this.lags[k]);
          break;
        case Kind.Daily:
          out[k] = Number.isNaN(dailyRef) ? 0 : value - dailyRef;
          break;
        case Kind.Weekly:
          // Until this hour of the week has been seen, the daily profile stands in, so the
          // feature does not jump from 0 to real deviations when the second week starts.
          out[k] = !Number.isNaN(weeklyRef)
            ? value - weeklyRef
            : Number.isNaN(dailyRef)
              ? 0
              : value - dailyRef;
          break;
      }
    }
  }

  private recentStd(): number {
    const nv = Math.min(SPREAD, this.filled);
    let m = 0;
    for (let i = 0; i < nv; i++) m += this.at(i);
    m /= nv;
    let v = 0;
    for (let i = 0; i < nv; i++) {
      const d = this.at(i) - m;
      v += d * d;
    }
    return Math.sqrt(v / nv);
  }

  /** Median of the filled window (insertion sort into scratch: the window is small). */
  median(): number {
    const n = this.filled;
    return sortedMedian(this.values, n, sortScratch);
  }

  /** Median absolute deviation around `median` (scratch reused). */
  private mad(median: number): number {
    const n = this.filled;
    const s = sortScratch;
    const devs = new Float64Array(s.buffer, 0, n);
    for (let i = 0; i < n; i++) devs[i] = Math.abs(this.values[i] - median);
    return sortedMedian(devs, n, s);
  }

  snapshot(): FeatureState {
    return {
      values: Array.from(this.values),
      head: this.head,
      count: this.count,
      origin: nullable(this.origin),
      daily: Array.from(this.daily, nullable),
      weekly: Array.from(this.weekly, nullable),
      lastBucket: this.lastBucket,
      bucketSum: this.bucketSum,
      bucketCount: this.bucketCount,
    };
  }

  restore(s: FeatureState): void {
    if (s.values.length !== this.window)
      throw new Error('feature state does not match the configured window');
    this.values.set(s.values);
    if (s.daily.length !== this.daily.length || s.weekly.length !== this.weekly.length) {
      throw new Error('feature state does not match the configured features');
    }
    this.head = s.head;
    this.count = s.count;
    this.origin = typeof s.origin === 'number' ? s.origin : NaN;
    this.daily.set(s.daily.map((v) => (v === null ? NaN : v)));
    this.weekly.set(s.weekly.map((v) => (v === null ? NaN : v)));
    this.lastBucket = s.lastBucket;
    this.bucketSum = s.bucketSum;
    this.bucketCount = s.bucketCount;
  }

  /** Binary form for the detector state codec (sizes come from the config). */
  writeState(w: StateWriter): void {
    w.array(this.values);
    w.u32(this.head);
    w.f64(this.count);
    w.f64(this.origin);
    w.array(this.daily);
    w.array(this.weekly);
    w.f64(this.lastBucket);
    w.f64(this.bucketSum);
    w.f64(this.bucketCount);
  }

  readState(r: StateReader): void {
    r.arrayInto(this.values);
    this.head = r.count(this.window - 1, 'feature window head');
    this.count = r.number('feature count', 0, Number.MAX_SAFE_INTEGER);
    if (!Number.isInteger(this.count)) throw new StateFormatError('feature count is not an integer');
    this.origin = r.f64();
    r.arrayInto(this.daily);
    r.arrayInto(this.weekly);
    this.lastBucket = r.number('feature bucket');
    this.bucketSum = r.f64();
    this.bucketCount = r.number('feature bucket count', 0);
  }
}

/** Median of src[0..n) via insertion sort into dst (src may alias dst). */
function sortedMedian(src: Float64Array, n: number, dst: Float64Array): number {
  for (let i = 0; i < n; i++) {
    const x = src[i];
    let j = i - 1;
    while (j >= 0 && dst[j] > x) {
      dst[j + 1] = dst[j];
      j--;
    }
    dst[j + 1] = x;
  }
  return n % 2 === 1 ? dst[(n - 1) >> 1] : (dst[n / 2 - 1] + dst[n / 2]) / 2;
}

function fold(profile: Float32Array, index: number, mean: number): void {
  if (profile.length === 0) return;
  const i = ((index % profile.length) + profile.length) % profile.length;
  profile[i] = Number.isNaN(profile[i]) ? mean : profile[i] + PROFILE_ALPHA * (mean - profile[i]);
}

/** NaN does not survive JSON; store it as null. */
function nullable(v: number): number | null {
  return Number.isNaN(v) ? null : v;
}
