import { DEFAULT_EVENT_CONFIG, EventTrackerConfig, validateEventConfig } from '../events/tracker';
import type { Seasonality } from './features';
import { isValidTimeZone } from './local-time';

/**
 * Tunables of the streaming per-series detector. Defaults are what `replay` and `run` use;
 * each one was chosen by leave-one-category-out cross-validation over the development
 * corpora (docs/detector.md, "How the defaults were chosen").
 */
export interface DetectorConfig {
  /** Trees per forest. */
  trees: number;
  /** Subsample size ψ per tree. */
  sampleSize: number;
  /** Feature vectors kept for refits (bounded recent history). */
  historySize: number;
  /** Points between periodic refits once warmed up (early refits come faster). */
  refitEvery: number;
  /** Points before the first score; the detector reports warmingUp until then. */
  warmup: number;
  /** Span in points of the expected level (exponentially weighted mean). */
  window: number;
  /** Span in points of the scale the deviations are measured in. */
  scaleWindow: number;
  /**
   * |standardised deviation| at which the magnitude alone makes a point anomalous (score 1).
   * Above it the score keeps growing in proportion: twice as far out scores twice as high.
   */
  magnitude: number;
  /**
   * Improbability of a run of equal values (−log10 of its probability given the series'
   * own repeat rate, see stuck-run.ts) at which it alone makes a point anomalous; 0 never.
   */
  stuckEvidence: number;
  /** Raw forest scores whose distribution defines "improbable" (the normalizer's memory). */
  scoreHistory: number;
  /** Tail probability of the forest's score at which it reaches 1. */
  tailProbability: number;
  /**
   * Raw Isolation Forest score (2^(−E[h]/c(ψ)): about 0.5 for an ordinary point, 1 for one
   * isolated at the root) below which the forest alone never makes a point anomalous.
   * Its tail probability says how rare a score is for this series, and every series has
   * its rarest 0.1 %, anomalies or not; the floor also asks for real isolation.
   */
  forestFloor: number;
  /** Raw forest scores collected before the forest's score counts. */
  scoreWarmup: number;
  /**
   * Time constant (minutes) of the fading peak below which a score is damped: the detector
   * already reported that surprise, repeating it adds noise, not information.
   */
  refractoryMinutes: number;
  /** Factor applied to such repeated scores (0..1; 1 disables damping). */
  damping: number;
  /**
   * Minutes after an announced anomaly (score ≥ 1) during which every score is damped: one
   * incident is reported once, and the excursion's aftermath (a ramp that keeps climbing,
   * the model relearning the new level) does not page again and again. In time, not in
   * points, so a series sampled hourly and one sampled every minute page at the same rate.
   */
  holdoffMinutes: number;
  /**
   * During the holdoff a score this many times the announced one is a new, stronger
   * incident and is reported (and restarts the holdoff).
   */
  holdoffMargin: number;
  /** Keep events open on the undamped score (true) or on the damped one (false). */
  holdUndamped: boolean;
  /** Seed of the detector's PRNG. */
  seed: number;
  /** What the repeat feature compares with: the same half hour a day or a week before, or nothing. */
  seasonality: Seasonality;
  /** IANA time zone whose wall clock the half hours follow (DST included). */
  timezone: string;
  /** Event hysteresis (see events/tracker). */
  events: EventTrackerConfig;
}

export const DEFAULT_DETECTOR_CONFIG: DetectorConfig = {
  trees: 64,
  sampleSize: 128,
  historySize: 512,
  refitEvery: 512,
  warmup: 24,
  window: 16,
  scaleWindow: 64,
  magnitude: 3,
  stuckEvidence: 6,
  scoreHistory: 4096,
  tailProbability: 0.002,
  forestFloor: 0.75,
  scoreWarmup: 64,
  refractoryMinutes: 720,
  damping: 0.1,
  holdoffMinutes: 480,
  holdoffMargin: 1.25,
  holdUndamped: false,
  seed: 1,
  seasonality: 'daily',
  timezone: 'UTC',
  // Repeated surprises are damped, so an event closes at the first point that brings no
  // new one: `anomalous` marks the onset of each distinct surprise rather than a long run.
  events: { ...DEFAULT_EVENT_CONFIG, closeAfter: 1 },
};

const INTEGER_FIELDS = [
  'trees',
  'sampleSize',
  'historySize',
  'refitEvery',
  'warmup',
  'window',
  'scoreHistory',
  'scoreWarmup',
  'scaleWindow',
] as const;

/** Merge a partial config over the defaults and fail fast on the first bad field. */
export function resolveDetectorConfig(partial: Partial<DetectorConfig> = {}): DetectorConfig {
  for (const key of Object.keys(partial)) {
    if (!(key in DEFAULT_DETECTOR_CONFIG)) throw new Error(`detector config: unknown setting '${key}'`);
  }
  const cfg: DetectorConfig = {
    ...DEFAULT_DETECTOR_CONFIG,
    ...partial,
    events: { ...DEFAULT_DETECTOR_CONFIG.events, ...(partial.events ?? {}) },
  };
  for (const name of INTEGER_FIELDS) {
    const v = cfg[name];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
      throw new Error(`detector config: '${name}' must be a positive integer (got ${String(v)})`);
    }
  }
  if (!(typeof cfg.refractoryMinutes === 'number' && cfg.refractoryMinutes > 0)) {
    throw new Error(
      `detector config: 'refractoryMinutes' must be a positive number (got ${String(cfg.refractoryMinutes)})`
    );
  }
  if (!(typeof cfg.holdoffMinutes === 'number' && cfg.holdoffMinutes >= 0)) {
    throw new Error(
      `detector config: 'holdoffMinutes' must be a non-negative number (got ${String(cfg.holdoffMinutes)})`
    );
  }
  if (!(typeof cfg.magnitude === 'number' && cfg.magnitude > 0)) {
    throw new Error(`detector config: 'magnitude' must be a positive number (got ${String(cfg.magnitude)})`);
  }
  if (!(typeof cfg.stuckEvidence === 'number' && cfg.stuckEvidence >= 0)) {
    throw new Error(
      `detector config: 'stuckEvidence' must be a non-negative number (got ${String(cfg.stuckEvidence)})`
    );
  }
  if (!(cfg.holdoffMargin >= 1)) throw new Error("detector config: 'holdoffMargin' must be at least 1");
  if (cfg.window < 4) throw new Error("detector config: 'window' must be at least 4");
  if (cfg.warmup < 2) throw new Error("detector config: 'warmup' must be at least 2");
  if (!(cfg.tailProbability > 0 && cfg.tailProbability < 0.5)) {
    throw new Error("detector config: 'tailProbability' must be in (0, 0.5)");
  }
  if (!(typeof cfg.forestFloor === 'number' && cfg.forestFloor >= 0 && cfg.forestFloor < 1)) {
    throw new Error(`detector config: 'forestFloor' must be in [0, 1) (got ${String(cfg.forestFloor)})`);
  }
  if (!(cfg.damping >= 0 && cfg.damping <= 1))
    throw new Error("detector config: 'damping' must be in [0, 1]");
  if (typeof cfg.seed !== 'number' || !Number.isInteger(cfg.seed)) {
    throw new Error("detector config: 'seed' must be an integer");
  }
  if (!['daily', 'weekly', 'none'].includes(cfg.seasonality)) {
    throw new Error(
      `detector config: 'seasonality' must be daily, weekly or none (got ${String(cfg.seasonality)})`
    );
  }
  if (typeof cfg.timezone !== 'string' || !isValidTimeZone(cfg.timezone)) {
    throw new Error(`detector config: 'timezone' must be an IANA time zone (got ${String(cfg.timezone)})`);
  }
  validateEventConfig(cfg.events);
  return cfg;
}

/** The settings a policy may choose per series (the rest is the service's). */
export interface SeasonalSettings {
  seasonality: Seasonality;
  timezone: string;
}

const seasonalOverrides = new WeakMap<Partial<DetectorConfig>, Map<string, Partial<DetectorConfig>>>();

/**
 * `base` with a series' seasonal settings, one object per base and combination: detectors
 * share the resolved config of the object they are given (model/detector.ts), so equal
 * settings must be the same object. The defaults give `base` itself.
 */
export function withSeasonal(
  base: Partial<DetectorConfig>,
  s: SeasonalSettings | undefined
): Partial<DetectorConfig> {
  if (!s || (s.seasonality === 'daily' && s.timezone === 'UTC')) return base;
  let byKey = seasonalOverrides.get(base);
  if (!byKey) seasonalOverrides.set(base, (byKey = new Map()));
  const key = `${s.seasonality}|${s.timezone}`;
  let cfg = byKey.get(key);
  if (!cfg) byKey.set(key, (cfg = { ...base, seasonality: s.seasonality, timezone: s.timezone }));
  return cfg;
}
