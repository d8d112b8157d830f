import { Slab, slabBytes } from './slab';
import { StuckRuleState, StuckValueRule } from './stuck';
import { AnomalyEvent, EventChange, EventTracker, EventTrackerState, Severity } from '../events/tracker';
import { StateFormatError, StateReader, StateWriter } from './binary';
import { DetectorConfig, resolveDetectorConfig } from './config';
import { FeatureExtractor, FeatureState } from './features';
import { IsolationForest, Prng, SerializedForest } from './iforest';
import { NormalizerState, ScoreNormalizer } from './normalizer';
import { DetectorOutput, SeriesDetector } from './types';

export const DETECTOR_STATE_FORMAT = 'anomaly-lens/series-detector';
export const DETECTOR_STATE_VERSION = 5;

/** JSON-safe snapshot of one series' detector. */
export interface DetectorState {
  format: typeof DETECTOR_STATE_FORMAT;
  version: number;
  config: DetectorConfig;
  count: number;
  lastTimestamp: number;
  features: FeatureState;
  /** Per feature, subtracted before the vector is stored or scored (see `center`). */
  center: (number | null)[];
  history: string;
  historyHead: number;
  historyCount: number;
  forest: SerializedForest | null;
  nextFit: number;
  rng: number;
  level: number;
  spread: number;
  normalizer: NormalizerState;
  recentScores: number[];
  recentHead: number;
  peak: number;
  peakAge: number;
  /** Absent in snapshots taken before the holdoff existed. */
  sinceAnnounce?: number;
  announced?: number;
  /** Absent in snapshots taken before the stuck-value rule existed. */
  stuck?: StuckRuleState;
  tracker: EventTrackerState;
}

/** Output of one update, plus the event transition it caused (if any). */
export interface SeriesDetectorOutput extends DetectorOutput {
  event: EventChange | null;
  /** The Isolation Forest's own score in (0, 1] before normalization (NaN while warming up). */
  rawScore: number;
}

/** Width of the expected range in robust standard deviations. */
const RANGE_SIGMAS = 3;
/** Mean absolute deviation × this ≈ standard deviation for Gaussian noise. */
const MAD_TO_SD = 1.2533;

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
    Object.freeze(resolved.features);
    Object.freeze(resolved.events);
    cfg = Object.freeze(resolved);
    resolvedConfigs.set(partial, cfg);
    resolvedConfigs.set(cfg, cfg);
  }
  return cfg;
}

/**
 * Streaming per-series detector: features over a sliding window → Isolation Forest refit
 * periodically on a bounded recent history → raw-score normalization → event hysteresis.
 * Causal (a point's verdict uses only earlier points and itself) and deterministic.
 *
 * Memory per series with the defaults (64 trees, ψ 128, 3 features, history 512, score
 * history 4096), independent of how long the series runs:
 *   forest            ~45 internal nodes per tree × 6 B ≈ 17 kB typical, ≤ 49 kB
 *   feature history   512 × 3 × float32 = 6.1 kB
 *   score history     4096 × 12-bit levels = 6.1 kB (sorted in a shared buffer)
 *   window, profiles (float32), refractory ring, quantiles   ≈ 2.8 kB; JS objects ≈ 3.6 kB
 * Measured by scripts/memory.js (10,000 series round robin): 35 kB retained, 42 kB RSS per
 * series (45 / 53 kB before 6-byte nodes and 12-bit scores, 159 / 168 kB before the first
 * memory diet). All fixed-size arrays of a series share one ArrayBuffer (slab.ts); the
 * forest has its own, replaced at each refit. Refits, calibration and feature
 * medians use scratch buffers shared by all series of the process. The binary state
 * (state-codec.ts) is about 28–37 kB; a JSON snapshot about 1.4× that.
 */
export class StreamingDetector implements SeriesDetector {
  readonly config: DetectorConfig;
  private readonly features: FeatureExtractor;
  /**
   * Feature vectors as float32 after subtracting `center` (the series' first vector), so
   * their precision follows how far the series moves, not how large its values are.
   */
  private readonly history: Float32Array;
  private readonly center: Float64Array;
  private historyHead = 0;
  private historyCount = 0;
  private readonly vector: Float64Array;
  private readonly dim: number;
  private forest: IsolationForest | null = null;
  private nextFit: number;
  private readonly rng: Prng;
  private readonly normalizer: ScoreNormalizer;
  private readonly tracker: EventTracker;
  private count = 0;
  private fitCount = 0;
  private lastTimestamp = -Infinity;
  private level = NaN;
  private spread = 0;
  private readonly alpha: number;
  /** Undamped normalized scores of the last `refractory` points. */
  private readonly recentScores: Float64Array;
  private recentHead = 0;
  private peak = 0;
  private peakAge = 0;
  /** Points since the last announced anomaly (≥ holdoff: not holding off). */
  private sinceAnnounce: number;
  /** Score of the last announcement. */
  private announced = 0;
  private readonly stuck: StuckValueRule;

  constructor(config: Partial<DetectorConfig> = NO_OVERRIDES, state?: DetectorState) {
    this.config = sharedConfig(config);
    const cfg = this.config;
    // One allocation for every fixed-size array of the series, the feature extractor's and
    // the normalizer's included: fewer objects, less per-series overhead.
    const dim = FeatureExtractor.dimension(cfg.window, cfg.features);
    const slab = Slab.of(
      slabBytes(8 * dim) * 2 +
        slabBytes(8 * cfg.refractory) +
        slabBytes(4 * cfg.historySize * dim) +
        FeatureExtractor.storageBytes(cfg.window, cfg.features) +
        ScoreNormalizer.storageBytes(cfg.scoreHistory)
    );
    this.features = new FeatureExtractor(cfg.window, cfg.features, slab);
    this.dim = dim;
    this.vector = slab.float64(dim);
    this.center = slab.float64(dim).fill(NaN);
    this.recentScores = slab.float64(cfg.refractory);
    this.history = slab.float32(cfg.historySize * dim);
    this.rng = new Prng(cfg.seed);
    this.nextFit = cfg.warmup;
    this.normalizer = new ScoreNormalizer(cfg.scoreHistory, cfg.tailProbability, cfg.scoreWarmup, slab);
    this.tracker = new EventTracker(cfg.events, state?.tracker);
    this.alpha = 2 / (cfg.window + 1);
    this.sinceAnnounce = cfg.holdoff;
    this.stuck = new StuckValueRule({
      tail: cfg.stuckTail,
      minRun: cfg.stuckMinRun,
      warmup: cfg.warmup,
      score: cfg.stuckScore,
    });
    if (state) this.restore(state);
  }

  /** Points seen so far. */
  get points(): number {
    return this.count;
  }

  /**
   * Score the next point. Points are taken in arrival order: a timestamp earlier than the
   * previous one (real exports have them, e.g. NAB's machine_temperature file) is scored
   * like any other point rather than rejected.
   */
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

  update(timestampMs: number, value: number): SeriesDetectorOutput {
    if (!Number.isFinite(value)) throw new RangeError(`value must be a finite number (got ${value})`);
    if (!Number.isFinite(timestampMs)) throw new RangeError(`timestamp must be finite (got ${timestampMs})`);
    this.lastTimestamp = timestampMs;
    this.count++;

    // Expected value and range come from the level *before* this point, so a spike is
    // drawn outside its own range.
    const expected = this.level;
    const halfWidth = RANGE_SIGMAS * MAD_TO_SD * this.spread;

    const x = this.vector;
    this.features.push(timestampMs, value, x);
    if (Number.isNaN(this.center[0])) this.center.set(x);
    for (let f = 0; f < this.dim; f++) x[f] -= this.center[f];

    let score = 0;
    let warmingUp = true;
    let raw = NaN;
    let undamped = 0;
    const stuckScore = this.stuck.update(value);
    if (this.forest !== null) {
      raw = this.forest.scoreRangeAware(x, 0);
      undamped = Math.max(this.normalizer.update(raw), stuckScore);
      score = this.holdoffScore(this.damp(undamped));
      warmingUp = this.normalizer.warmingUp;
    }

    this.remember(x);
    if (this.count >= this.nextFit) this.refit();
    this.track(value);

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

  /** Damp scores for `holdoff` points after one that reached 1, unless `holdoffMargin` times stronger. */
  private holdoffScore(score: number): number {
    const holding = this.sinceAnnounce < this.config.holdoff;
    if (holding) this.sinceAnnounce++;
    if (holding && !(score > this.announced * this.config.holdoffMargin)) {
      return score * this.config.damping;
    }
    if (score >= 1) {
      this.sinceAnnounce = 0;
      this.announced = score;
    }
    return score;
  }

  /** Damp a score that does not exceed the peak of the last `refractory` scores. */
  private damp(score: number): number {
    const recent = this.recentScores;
    const n = recent.length;
    // The ring's maximum and its age are kept, so the ring is rescanned only when that
    // maximum falls out of the window (amortized O(1) per point).
    if (this.peakAge >= n) {
      let peak = 0;
      let age = 0;
      for (let k = 1; k <= n; k++) {
        const v = recent[(this.recentHead - k + n) % n];
        if (v > peak) {
          peak = v;
          age = k - 1;
        }
      }
      this.peak = peak;
      this.peakAge = age;
    }
    const peak = this.peak;
    recent[this.recentHead] = score;
    this.recentHead = (this.recentHead + 1) % n;
    if (score >= peak) {
      this.peak = score;
      this.peakAge = 0;
    } else {
      this.peakAge++;
    }
    return score > peak ? score : score * this.config.damping;
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

  private track(value: number): void {
    if (Number.isNaN(this.level)) {
      this.level = value;
      return;
    }
    const dev = Math.abs(value - this.level);
    this.spread += this.alpha * (dev - this.spread);
    this.level += this.alpha * (value - this.level);
  }

  snapshot(): DetectorState {
    return {
      format: DETECTOR_STATE_FORMAT,
      version: DETECTOR_STATE_VERSION,
      config: this.config,
      count: this.count,
      lastTimestamp: this.lastTimestamp,
      features: this.features.snapshot(),
      center: Array.from(this.center, (v) => (Number.isNaN(v) ? null : v)),
      history: Buffer.from(
        this.history.buffer,
        this.history.byteOffset,
        this.historyCount * this.dim * 4
      ).toString('base64'),
      historyHead: this.historyHead,
      historyCount: this.historyCount,
      forest: this.forest ? this.forest.serialize() : null,
      nextFit: this.nextFit,
      rng: this.rng.getState(),
      level: this.level,
      spread: this.spread,
      normalizer: this.normalizer.snapshot(),
      recentScores: Array.from(this.recentScores),
      recentHead: this.recentHead,
      peak: this.peak,
      peakAge: this.peakAge,
      sinceAnnounce: this.sinceAnnounce,
      announced: this.announced,
      stuck: this.stuck.snapshot(),
      tracker: this.tracker.snapshot(),
    };
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
    w.f64(this.level);
    w.f64(this.spread);
    w.array(this.center);
    w.u32(this.historyHead);
    w.u32(this.historyCount);
    w.array(this.history.subarray(0, this.historyCount * this.dim));
    w.array(this.recentScores);
    w.u32(this.recentHead);
    w.f64(this.peak);
    w.f64(this.peakAge);
    w.f64(this.sinceAnnounce);
    w.f64(this.announced);
    this.features.writeState(w);
    this.normalizer.writeState(w);
    this.stuck.writeState(w);
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
    this.level = r.f64();
    this.spread = r.number('spread', 0);
    r.arrayInto(this.center);
    this.historyHead = r.count(cfg.historySize - 1, 'history head');
    this.historyCount = r.count(cfg.historySize, 'history count');
    if (this.historyCount < cfg.historySize && this.historyHead !== this.historyCount) {
      throw new StateFormatError('history head does not match its count');
    }
    r.arrayInto(this.history.subarray(0, this.historyCount * this.dim));
    this.history.fill(0, this.historyCount * this.dim);
    r.arrayInto(this.recentScores);
    this.recentHead = r.count(this.recentScores.length - 1, 'refractory head');
    this.peak = r.f64();
    this.peakAge = integer('peak age');
    this.sinceAnnounce = integer('points since announcement');
    this.announced = r.f64();
    this.features.readState(r);
    this.normalizer.readState(r);
    this.stuck.readState(r);
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

  private restore(s: DetectorState): void {
    const raw = Buffer.from(s.history, 'base64');
    if (raw.length !== s.historyCount * this.dim * 4 || s.historyCount > this.config.historySize) {
      throw new Error('detector state: history does not match its count');
    }
    if (!Array.isArray(s.center) || s.center.length !== this.dim) {
      throw new Error('detector state: center does not match the features');
    }
    this.center.set(s.center.map((v) => (v === null ? NaN : v)));
    const bytes = new Uint8Array(this.history.buffer, this.history.byteOffset, this.history.byteLength);
    bytes.set(raw);
    this.historyHead = s.historyHead;
    this.historyCount = s.historyCount;
    this.features.restore(s.features);
    this.forest = s.forest ? IsolationForest.deserialize(s.forest) : null;
    this.nextFit = s.nextFit;
    this.rng.setState(s.rng);
    this.count = s.count;
    // JSON turns −Infinity and NaN into null.
    this.lastTimestamp = typeof s.lastTimestamp === 'number' ? s.lastTimestamp : -Infinity;

    this.level = typeof s.level === 'number' ? s.level : NaN;
    this.spread = s.spread;
    this.normalizer.restore(s.normalizer);
    if (s.recentScores.length !== this.recentScores.length)
      throw new Error('detector state: refractory mismatch');
    this.recentScores.set(s.recentScores);
    this.recentHead = s.recentHead;
    this.peak = s.peak;
    this.peakAge = s.peakAge;
    this.sinceAnnounce = typeof s.sinceAnnounce === 'number' ? s.sinceAnnounce : this.config.holdoff;
    this.announced = typeof s.announced === 'number' ? s.announced : 0;
    if (s.stuck) this.stuck.restore(s.stuck, s.count);
  }
}

/** A detector for one series; `config` overrides the defaults field by field. */
export function createSeriesDetector(config: Partial<DetectorConfig> = NO_OVERRIDES): StreamingDetector {
  return new StreamingDetector(config);
}

/** Rebuild a detector from `snapshot()` output (possibly after a JSON round-trip). */
export function restoreSeriesDetector(state: unknown): StreamingDetector {
  if (typeof state !== 'object' || state === null) throw new Error('detector state must be an object');
  const s = state as Partial<DetectorState>;
  if (s.format !== DETECTOR_STATE_FORMAT)
    throw new Error(`detector state: unknown format '${String(s.format)}'`);
  if (s.version !== DETECTOR_STATE_VERSION) {
    throw new Error(
      `detector state: unsupported version ${String(s.version)} (this build reads ${DETECTOR_STATE_VERSION})`
    );
  }
  return new StreamingDetector(s.config ?? {}, s as DetectorState);
}
