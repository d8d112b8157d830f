import { Slab, slabBytes } from './slab';
import { AnomalyEvent, EventChange, EventTracker, Severity } from '../events/tracker';
import { StateFormatError, StateReader, StateWriter } from './binary';
import { DetectorConfig, resolveDetectorConfig } from './config';
import { FEATURE_DIM, FeatureExtractor } from './features';
import { DEFAULT_OUTPUT_POLICY, OutputPolicy, policyScore } from './output-policy';
import { IsolationForest, Prng } from './iforest';
import { ScoreNormalizer } from './normalizer';
import { StuckRun } from './stuck-run';
import { DetectorOutput, SeriesDetector } from './types';

/** Output of one update, plus the event transition it caused (if any). */
export interface SeriesDetectorOutput extends DetectorOutput {
  event: EventChange | null;
  /** The Isolation Forest's own score in (0, 1] before normalization (NaN while warming up). */
  rawScore: number;
}

/** Width of the expected range in standard deviations of the residual. */
const RANGE_SIGMAS = 3;
/** Highest forest score of a point whose raw score is below `forestFloor`: never anomalous alone. */
const BELOW_FLOOR = 0.99;
/**
 * Holdoff and refractory are set in minutes but last no more points than they would at
 * this interval: on the 5-minute-or-slower series they were cross-validated on the time
 * governs, while on a 10-second series 12 hours would silence thousands of points.
 */
const NOMINAL_INTERVAL_MINUTES = 2;
/** Feature vectors needed before the first forest fit. */
const FIRST_FIT = 64;

const SEVERITIES: readonly Severity[] = ['minor', 'major', 'critical'];

const NO_OVERRIDES: Partial<DetectorConfig> = Object.freeze({});
const resolvedConfigs = new WeakMap<Partial<DetectorConfig>, DetectorConfig>();

/**
 * One resolved (and frozen) config per config object passed in: detectors of a service all
 * get the same overrides object, and a resolved config is ~430 bytes, 1 % of a series.
 */
function sharedConfig(partial: Partial<DetectorConfig>): DetectorConfig {
  let cfg = resolvedConfigs.get(partial);
  if (!cfg) {
    const resolved = resolveDetectorConfig(partial);
    Object.freeze(resolved.events);
    cfg = Object.freeze(resolved);
    resolvedConfigs.set(partial, cfg);
    resolvedConfigs.set(cfg, cfg);
  }
  return cfg;
}

/**
 * Streaming per-series detector. Each point becomes scale-free features (its standardised
 * deviation from the expected level and its standardised change, model/features.ts); an
 * Isolation Forest refitted periodically on the recent feature vectors scores how unusual
 * that combination is for this series, calibrated into a tail probability
 * (model/normalizer.ts); the magnitude of the deviation scores on its own beside it, so a
 * point far outside anything seen keeps scoring higher the further out it is (the forest's
 * own score saturates there). The larger of the two, after refractory damping and the
 * holdoff, drives the event hysteresis. Causal (a point's verdict uses only earlier points
 * and itself) and deterministic.
 *
 * Memory per series with the defaults (64 trees, ψ 128, 2 features, history 512, score
 * history 4096), independent of how long the series runs:
 *   forest            ~45 internal nodes per tree × 6 B ≈ 17 kB typical, ≤ 49 kB
 *   feature history   512 × 2 × float32 = 4.1 kB
 *   score history     4096 × 12-bit levels = 6.1 kB (sorted in a shared buffer)
 *   refractory ring, quantiles, scalars ≈ 1.1 kB; JS objects ≈ 3.5 kB
 * All fixed-size arrays of a series share one ArrayBuffer (slab.ts); the forest has its
 * own, replaced at each refit. Refits and calibration use scratch buffers shared by all
 * series of the process.
 */
export class StreamingDetector implements SeriesDetector {
  readonly config: DetectorConfig;
  private readonly features: FeatureExtractor;
  private readonly stuckRun = new StuckRun();
  /** Feature vectors (float32), a ring of historySize. */
  private readonly history: Float32Array;
  private historyHead = 0;
  private historyCount = 0;
  private readonly vector: Float64Array;
  private readonly dim = FEATURE_DIM;
  private forest: IsolationForest | null = null;
  private nextFit = FIRST_FIT;
  private readonly rng: Prng;
  private readonly normalizer: ScoreNormalizer;
  private readonly tracker: EventTracker;
  private count = 0;
  private fitCount = 0;
  private lastTimestamp = -Infinity;
  /** The last undamped score that exceeded the fading peak, and when. */
  private peak = 0;
  private peakAt = -Infinity;
  private peakCount = -Infinity;
  /** Time of the last announced anomaly (−Infinity: none). */
  private announcedAt = -Infinity;
  private announcedCount = -Infinity;
  /** Score of the last announcement. */
  private announced = 0;

  constructor(config: Partial<DetectorConfig> = NO_OVERRIDES) {
    this.config = sharedConfig(config);
    const cfg = this.config;
    const slab = Slab.of(
      slabBytes(8 * this.dim) +
        slabBytes(4 * cfg.historySize * this.dim) +
        ScoreNormalizer.storageBytes(cfg.scoreHistory)
    );
    this.features = new FeatureExtractor(cfg.window, cfg.scaleWindow, cfg.seasonality, cfg.timezone);
    this.vector = slab.float64(this.dim);
    this.history = slab.float32(cfg.historySize * this.dim);
    this.rng = new Prng(cfg.seed);
    this.normalizer = new ScoreNormalizer(cfg.scoreHistory, cfg.tailProbability, cfg.scoreWarmup, slab);
    this.tracker = new EventTracker(cfg.events);
  }

  /** Points seen so far (gaps not counted). */
  get points(): number {
    return this.count;
  }

  /** Isolation Forest (re)fits since this detector was created or restored. */
  get fits(): number {
    return this.fitCount;
  }

  /**
   * Bytes of the forest at the end of writeState's output (0 without one). The forest changes
   * only at a refit, so checkpoints store these bytes apart and rewrite them only after one.
   */
  get forestStateBytes(): number {
    return this.forest ? this.forest.stateBytes : 0;
  }

  /**
   * Score the next point. Points are taken in arrival order: a timestamp earlier than the
   * previous one (real exports have them, e.g. NAB's machine_temperature file) is scored
   * like any other point rather than rejected.
   *
   * `policy` (a detection policy's threshold, direction and deviation floors) rescales or
   * silences the score before the refractory damping, the holdoff and the event tracker see
   * it, so events, holdoffs and `isAnomaly` follow the policy; what the model learns
   * (features, forest, calibration) is the same under every policy.
   */
  update(
    timestampMs: number,
    value: number,
    policy: OutputPolicy = DEFAULT_OUTPUT_POLICY
  ): SeriesDetectorOutput {
    if (!Number.isFinite(value)) throw new RangeError(`value must be a finite number (got ${value})`);
    if (!Number.isFinite(timestampMs)) throw new RangeError(`timestamp must be finite (got ${timestampMs})`);
    this.lastTimestamp = timestampMs;
    this.count++;

    // Expected value and range come from before this point, so a spike is drawn outside
    // its own range.
    const expected = this.features.expected;
    const halfWidth = RANGE_SIGMAS * this.features.scale;

    const x = this.vector;
    this.features.push(timestampMs, value, x);
    const stuck = this.stuckRun.push(value, this.config.stuckEvidence);

    const warmingUp = this.count <= this.config.warmup;
    let raw = NaN;
    let forestScore = 0;
    if (this.forest !== null) {
      raw = this.forest.scoreRangeAware(x, 0);
      forestScore = this.normalizer.update(raw);
      // Rare for this series is not enough: a series with nothing unusual still has its
      // rarest 0.1 %. The point must also be isolated in absolute terms.
      if (raw < this.config.forestFloor) forestScore = Math.min(forestScore, BELOW_FLOOR);
    }
    let score = 0;
    let undamped = 0;
    if (!warmingUp) {
      undamped = Math.max(forestScore, FeatureExtractor.magnitude(x) / this.config.magnitude);
      if (this.config.stuckEvidence > 0) undamped = Math.max(undamped, stuck / this.config.stuckEvidence);
      if (policy !== DEFAULT_OUTPUT_POLICY) undamped = policyScore(undamped, value, expected, policy);
      score = this.holdoffScore(timestampMs, this.damp(timestampMs, undamped));
    }

    this.remember(x);
    if (this.count >= this.nextFit) this.refit();

    const event = warmingUp
      ? null
      : this.tracker.update(timestampMs, score, this.config.holdUndamped ? undamped : score);
    return {
      timestamp: timestampMs,
      value,
      score,
      score01: score / (1 + score),
      isAnomaly: this.tracker.isOpen,
      expected,
      lower: expected - halfWidth,
      upper: expected + halfWidth,
      warmingUp,
      event,
      rawScore: raw,
    };
  }

  /**
   * A point without a value: it keeps its place in the output (no score, not anomalous) and
   * changes nothing the detector has learned; an open event stays open.
   */
  gap(timestampMs: number): SeriesDetectorOutput {
    const expected = this.features.expected;
    const halfWidth = RANGE_SIGMAS * this.features.scale;
    return {
      timestamp: timestampMs,
      value: NaN,
      score: NaN,
      score01: NaN,
      isAnomaly: false,
      expected,
      lower: expected - halfWidth,
      upper: expected + halfWidth,
      warmingUp: this.count <= this.config.warmup,
      event: null,
      rawScore: NaN,
    };
  }

  /** Damp scores for `holdoffMinutes` after one that reached 1, unless `holdoffMargin` times stronger. */
  private holdoffScore(timestampMs: number, score: number): number {
    const holding =
      timestampMs - this.announcedAt < this.config.holdoffMinutes * 60_000 &&
      this.count - this.announcedCount < this.config.holdoffMinutes / NOMINAL_INTERVAL_MINUTES;
    if (holding && !(score > this.announced * this.config.holdoffMargin)) {
      return score * this.config.damping;
    }
    if (score >= 1) {
      this.announcedAt = timestampMs;
      this.announcedCount = this.count;
      this.announced = score;
    }
    return score;
  }

  /**
   * Damp a score that does not exceed the recent peak. The peak fades with time constant
   * `refractoryMinutes`, so a surprise is reported once and a later, unrelated one is not
   * held against it (a fading peak instead of a window of past scores: two numbers of state).
   */
  private damp(timestampMs: number, score: number): number {
    const age = Math.max(
      (timestampMs - this.peakAt) / (this.config.refractoryMinutes * 60_000),
      ((this.count - this.peakCount) * NOMINAL_INTERVAL_MINUTES) / this.config.refractoryMinutes
    );
    const fading = this.peak * Math.exp(-age);
    if (score > fading) {
      this.peak = score;
      this.peakAt = timestampMs;
      this.peakCount = this.count;
      return score;
    }
    return score * this.config.damping;
  }

  private remember(x: Float64Array): void {
    this.history.set(x, this.historyHead * this.dim);
    this.historyHead = (this.historyHead + 1) % this.config.historySize;
    if (this.historyCount < this.config.historySize) this.historyCount++;
  }

  private refit(): void {
    const cfg = this.config;
    this.forest = IsolationForest.fit(
      this.history,
      this.historyCount,
      this.dim,
      { trees: cfg.trees, sampleSize: cfg.sampleSize },
      this.rng
    );
    this.fitCount++;
    // Early on, refit each time the history has doubled; then every refitEvery points.
    this.nextFit = this.count + Math.min(cfg.refitEvery, this.count);
  }

  /**
   * Binary state for model/state-codec.ts (which adds the header, config fingerprint and
   * CRC). Everything that shapes later outputs is written bit for bit, including the PRNG
   * state, so a decoded detector continues exactly like this one.
   */
  writeState(w: StateWriter): void {
    w.f64(this.count);
    w.f64(this.lastTimestamp);
    w.f64(this.nextFit);
    w.u32(this.rng.getState());
    w.u32(this.historyHead);
    w.u32(this.historyCount);
    w.array(this.history.subarray(0, this.historyCount * this.dim));
    w.f64(this.peak);
    w.f64(this.peakAt);
    w.f64(this.peakCount);
    w.f64(this.announcedCount);
    w.f64(this.announcedAt);
    w.f64(this.announced);
    this.features.writeState(w);
    this.stuckRun.writeState(w);
    this.normalizer.writeState(w);
    const t = this.tracker.snapshot();
    w.f64(t.below);
    w.f64(t.lastAbove);
    w.bool(t.open !== null);
    if (t.open) {
      w.f64(t.open.start);
      w.f64(t.open.end ?? NaN);
      w.f64(t.open.peakScore);
      w.f64(t.open.peakAt);
      w.u8(SEVERITIES.indexOf(t.open.severity));
      w.f64(t.open.points);
    }
    w.bool(this.forest !== null);
    // Last, right before the codec's CRC: checkpoints cut these bytes off (forestStateBytes).
    if (this.forest) this.forest.writeState(w);
  }

  /** Read writeState's output into this freshly constructed detector (same state-shaping config). */
  readState(r: StateReader): void {
    const cfg = this.config;
    const integer = (what: string, min = 0): number => {
      const v = r.number(what, min, Number.MAX_SAFE_INTEGER);
      if (!Number.isInteger(v)) throw new StateFormatError(`${what} ${v} is not an integer`);
      return v;
    };
    this.count = integer('point count');
    this.lastTimestamp = r.f64();
    this.nextFit = integer('next fit', 1);
    this.rng.setState(r.u32());
    this.historyHead = r.count(cfg.historySize - 1, 'history head');
    this.historyCount = r.count(cfg.historySize, 'history count');
    if (this.historyCount < cfg.historySize && this.historyHead !== this.historyCount) {
      throw new StateFormatError('history head does not match its count');
    }
    r.arrayInto(this.history.subarray(0, this.historyCount * this.dim));
    this.history.fill(0, this.historyCount * this.dim);
    this.peak = r.number('refractory peak', 0);
    this.peakAt = r.f64();
    this.peakCount = r.f64();
    this.announcedCount = r.f64();
    this.announcedAt = r.f64();
    this.announced = r.f64();
    this.features.readState(r);
    this.stuckRun.readState(r);
    this.normalizer.readState(r);
    const below = integer('points below close threshold');
    const lastAbove = r.f64();
    let open: AnomalyEvent | null = null;
    if (r.bool()) {
      const start = r.f64();
      const end = r.f64();
      const peakScore = r.f64();
      const peakAt = r.f64();
      const severity = SEVERITIES[r.u8()];
      if (severity === undefined) throw new StateFormatError('unknown event severity');
      const points = integer('event points', 1);
      open = { start, end: Number.isNaN(end) ? null : end, peakScore, peakAt, severity, points };
    }
    this.tracker.restore({ open, below, lastAbove });
    this.forest = r.bool() ? IsolationForest.readState(r, this.dim, cfg.trees) : null;
    this.fitCount = 0;
  }
}

/** A detector for one series; `config` overrides the defaults field by field. */
export function createSeriesDetector(config: Partial<DetectorConfig> = NO_OVERRIDES): StreamingDetector {
  return new StreamingDetector(config);
}
