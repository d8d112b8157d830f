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
  /** Recent values the features look at (level baseline and spread). */
  window: number;
  /** Raw scores whose distribution defines "improbable" (the normalizer's memory). */
  scoreHistory: number;
  /** Recent raw scores averaged before judging them against their history. */
  scoreAverage: number;
  /** Tail probability at which the normalized score reaches 1. */
  tailProbability: number;
  /** Raw scores collected before the normalizer judges anything. */
  scoreWarmup: number;
  /** Seed of the detector's PRNG. */
  seed: number;
  /** Event hysteresis (see events/tracker). */
  events: EventTrackerConfig;
}

export const DEFAULT_DETECTOR_CONFIG: DetectorConfig = {
  trees: 64,
  sampleSize: 128,
  historySize: 1024,
  refitEvery: 256,
  warmup: 64,
  window: 32,
  scoreHistory: 1024,
  scoreAverage: 6,
  tailProbability: 1e-4,
  scoreWarmup: 64,
  seed: 42,
  events: DEFAULT_EVENT_CONFIG,
};

const INTEGER_FIELDS = [
  'trees',
  'sampleSize',
  'historySize',
  'refitEvery',
  'warmup',
  'window',
  'scoreHistory',
  'scoreAverage',
  'scoreWarmup',
] as const;

/** Merge a partial config over the defaults and fail fast on the first bad field. */
export function resolveDetectorConfig(partial: Partial<DetectorConfig> = {}): DetectorConfig {
  const cfg: DetectorConfig = {
    ...DEFAULT_DETECTOR_CONFIG,
    ...partial,
    events: { ...DEFAULT_EVENT_CONFIG, ...(partial.events ?? {}) },
  };
  for (const name of INTEGER_FIELDS) {
    const v = cfg[name];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
      throw new Error(`detector config: '${name}' must be a positive integer (got ${String(v)})`);
    }
  }
  if (cfg.window < 4) throw new Error("detector config: 'window' must be at least 4");
  if (cfg.warmup < cfg.window / 2) throw new Error("detector config: 'warmup' must be at least window/2");
  if (!(cfg.tailProbability > 0 && cfg.tailProbability < 0.5)) {
    throw new Error("detector config: 'tailProbability' must be in (0, 0.5)");
  }
  if (cfg.scoreAverage > cfg.scoreHistory) {
    throw new Error("detector config: 'scoreAverage' must not exceed 'scoreHistory'");
  }
  if (typeof cfg.seed !== 'number' || !Number.isInteger(cfg.seed)) {
    throw new Error("detector config: 'seed' must be an integer");
  }
  validateEventConfig(cfg.events);
  return cfg;
}
