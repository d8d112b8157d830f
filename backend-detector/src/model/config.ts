import { DEFAULT_EVENT_CONFIG, EventTrackerConfig, validateEventConfig } from '../events/tracker';

/** Tunables of the streaming per-series detector. Defaults are what `replay` and `run` use. */
export interface DetectorConfig {
  /** Trees per forest. */
  trees: number;
  /** Subsample size ψ per tree. */
  sampleSize: number;
  /** Feature vectors kept for refits (bounded recent history). */
  historySize: number;
  /** Points between periodic refits once warmed up (early refits come faster). */
  refitEvery: number;
  /** Points before the first fit; the detector reports warmingUp until then. */
  warmup: number;
  /** Features fed to the forest (see model/features.ts). */
  features: string[];
  /** Recent values the features look at (level baseline and spread). */
  window: number;
  /** Raw scores whose distribution defines "improbable" (the normalizer's memory). */
  scoreHistory: number;
  /** Tail probability at which the normalized score reaches 1. */
  tailProbability: number;
  /** Raw scores collected before the normalizer judges anything. */
  scoreWarmup: number;
  /**
   * Points during which a score that does not exceed the recent peak is damped: the
   * detector already reported that surprise, repeating it adds noise, not information.
   */
  refractory: number;
  /** Factor applied to such repeated scores (0..1; 1 disables damping). */
  damping: number;
  /**
   * Points after an announced anomaly (score ≥ 1) during which every score is damped: one
   * incident is reported once, and the excursion's aftermath (a ramp that keeps climbing,
   * the forest relearning the new level) does not page again and again.
   */
  holdoff: number;
  /**
   * During the holdoff a score this many times the announced one is a new, stronger
   * incident and is reported (and restarts the holdoff).
   */
  holdoffMargin: number;
  /**
   * A value repeated exactly for a run this improbable under the series' own repeat rate
   * is reported as stuck (see model/stuck.ts); 0 disables the rule.
   */
  stuckTail: number;
  /** Shortest run of exact repeats reported as stuck. */
  stuckMinRun: number;
  /** Score reported where a run becomes stuck. */
  stuckScore: number;
  /** Keep events open on the undamped score (true) or on the damped one (false). */
  holdUndamped: boolean;
  /** Seed of the detector's PRNG. */
  seed: number;
  /** Event hysteresis (see events/tracker). */
  events: EventTrackerConfig;
}

export const DEFAULT_DETECTOR_CONFIG: DetectorConfig = {
  trees: 64,
  sampleSize: 128,
  // 512 scored better than 1024 on NAB (10 seeds, 72.7 vs 70.3) at half the memory.
  historySize: 512,
  refitEvery: 512,
  warmup: 64,
  // Chosen on the NAB development subset (see docs/detector.md): level plus its deviation
  // from the usual time-of-day and time-of-week profile.
  features: ['value', 'daily', 'weekly'],
  window: 32,
  // With the holdoff, 4096 scored best on NAB (5 seeds: 69.3 vs 68.4 for 6144). 2048 would
  // save 4 kB per series and score the same as deployed (10 seeds: 71.1 vs 71.2) but
  // nearly doubles false alarms on quiet series (0.62 → 0.87 events per 1000 points).
  scoreHistory: 4096,
  tailProbability: 0.007,
  // 192 would cut false alarms on fresh series (quiet generated fleet: 0.45 → 0.14 events
  // per 1000 points) but misses anomalies in a series' first hours (e2e recall 0.86 → 0.69).
  scoreWarmup: 64,
  refractory: 96,
  damping: 0.1,
  holdoff: 100,
  holdoffMargin: 1.25,
  stuckTail: 1e-6,
  stuckMinRun: 8,
  stuckScore: 1.5,
  holdUndamped: false,
  seed: 1,
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
  'refractory',
  'stuckMinRun',
] as const;

/** Merge a partial config over the defaults and fail fast on the first bad field. */
export function resolveDetectorConfig(partial: Partial<DetectorConfig> = {}): DetectorConfig {
  const cfg: DetectorConfig = {
    ...DEFAULT_DETECTOR_CONFIG,
    ...partial,
    features: [...(partial.features ?? DEFAULT_DETECTOR_CONFIG.features)],
    events: { ...DEFAULT_DETECTOR_CONFIG.events, ...(partial.events ?? {}) },
  };
  for (const name of INTEGER_FIELDS) {
    const v = cfg[name];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
      throw new Error(`detector config: '${name}' must be a positive integer (got ${String(v)})`);
    }
  }
  if (!Number.isInteger(cfg.holdoff) || cfg.holdoff < 0) {
    throw new Error(`detector config: 'holdoff' must be a non-negative integer (got ${String(cfg.holdoff)})`);
  }
  if (!(cfg.stuckTail >= 0 && cfg.stuckTail < 1))
    throw new Error("detector config: 'stuckTail' must be in [0, 1)");
  if (!(cfg.stuckScore > 0)) throw new Error("detector config: 'stuckScore' must be positive");
  if (!(cfg.holdoffMargin >= 1)) throw new Error("detector config: 'holdoffMargin' must be at least 1");
  if (cfg.window < 4) throw new Error("detector config: 'window' must be at least 4");
  if (cfg.warmup < cfg.window / 2) throw new Error("detector config: 'warmup' must be at least window/2");
  if (!(cfg.tailProbability > 0 && cfg.tailProbability < 0.5)) {
    throw new Error("detector config: 'tailProbability' must be in (0, 0.5)");
  }
  if (!(cfg.damping >= 0 && cfg.damping <= 1))
    throw new Error("detector config: 'damping' must be in [0, 1]");
  if (typeof cfg.seed !== 'number' || !Number.isInteger(cfg.seed)) {
    throw new Error("detector config: 'seed' must be an integer");
  }
  validateEventConfig(cfg.events);
  return cfg;
}
