import { InstantSample } from './prometheusResponse';

/**
 * The detector's policy file (per-series overrides, maintenance windows) as its self-metrics
 * report it. Names agreed with the detector: an info series carries the active policy's hash,
 * gauges its rule count and last reload, a counter the reloads by result. A detector running
 * without a policy file exports no info series.
 */
export const POLICY_METRICS = {
  info: 'anomalylens_detector_policy_info',
  rules: 'anomalylens_detector_policy_rules',
  lastReloadTimestamp: 'anomalylens_detector_policy_last_reload_timestamp_seconds',
  lastReloadSuccess: 'anomalylens_detector_policy_last_reload_success',
  reloads: 'anomalylens_detector_policy_reloads_total',
} as const;

/** Instant queries the configuration page runs (several detector replicas may be scraped). */
export const POLICY_QUERIES = {
  info: `max by (hash) (${POLICY_METRICS.info})`,
  rules: `max(${POLICY_METRICS.rules})`,
  lastReload: `max(${POLICY_METRICS.lastReloadTimestamp})`,
  // 0 when any replica's last reload failed.
  lastReloadSuccess: `min(${POLICY_METRICS.lastReloadSuccess})`,
  reloads: `sum by (result) (${POLICY_METRICS.reloads})`,
  /** Whether the detector's self-metrics reach this datasource at all. */
  detector: 'count({__name__=~"anomalylens_detector_.+"})',
} as const;

export type PolicyQueryName = keyof typeof POLICY_QUERIES;
export type PolicyAnswers = Record<PolicyQueryName, InstantSample[]>;

export type PolicyStatus =
  /** No anomalylens_detector_* series at all: nothing can be said about the policy. */
  | { state: 'unknown' }
  /** The detector is scraped but exports no policy: it runs without a policy file. */
  | { state: 'none'; lastReload: ReloadResult | null; reloads: ReloadCounts }
  | {
      state: 'active';
      /** The active policy's hash; more than one when replicas run different policies. */
      hashes: string[];
      rules: number | null;
      lastReload: ReloadResult | null;
      reloads: ReloadCounts;
    };

export interface ReloadResult {
  atMs: number | null;
  ok: boolean | null;
}

export interface ReloadCounts {
  success: number;
  failure: number;
}

function first(samples: InstantSample[]): number | null {
  const v = samples[0]?.v;
  return v !== undefined && Number.isFinite(v) ? v : null;
}

/** Reads the policy's state from the answers to POLICY_QUERIES. */
export function policyStatus(answers: PolicyAnswers): PolicyStatus {
  if ((first(answers.detector) ?? 0) <= 0) {
    return { state: 'unknown' };
  }
  const reloads: ReloadCounts = { success: 0, failure: 0 };
  for (const sample of answers.reloads) {
    const result = sample.labels.result;
    if ((result === 'success' || result === 'failure') && Number.isFinite(sample.v)) {
      reloads[result] += sample.v;
    }
  }
  const at = first(answers.lastReload);
  const ok = first(answers.lastReloadSuccess);
  const lastReload: ReloadResult | null =
    at === null && ok === null
      ? null
      : { atMs: at === null || at <= 0 ? null : at * 1000, ok: ok === null ? null : ok >= 1 };
  const hashes = [
    ...new Set(answers.info.filter((s) => Number.isFinite(s.v) && s.v > 0 && s.labels.hash).map((s) => s.labels.hash)),
  ].sort();
  if (hashes.length === 0) {
    return { state: 'none', lastReload, reloads };
  }
  return { state: 'active', hashes, rules: first(answers.rules), lastReload, reloads };
}

/** A long hash shortened for display, as git does; the full value goes in a tooltip. */
export function shortHash(hash: string): string {
  return hash.length > 12 ? hash.slice(0, 12) : hash;
}
