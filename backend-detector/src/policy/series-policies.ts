/**
 * The processor's policy bookkeeping per series: which policy version a series was judged
 * by, which series are ignored, and the labels selectors see. Kept out of the processor so
 * it stays about the flow of points.
 */
import type { SeriesPolicy } from './resolve';
import type { PolicySnapshot } from './snapshot';

/** Selectors see what Prometheus shows: the static output labels, the input labels, `metric`. */
export function policyLabels(
  metric: string,
  labels: Readonly<Record<string, string>>,
  extra: Readonly<Record<string, string>> = {}
): Record<string, string> {
  return { ...extra, ...labels, metric };
}

/**
 * Series the current policy ignores, so their points skip the selector matching (bounded:
 * past `max` keys it starts over, which only costs a re-match).
 */
export class IgnoredSeries {
  private readonly keys = new Map<string, number>();

  constructor(private readonly max: number) {}

  has(key: string, policy: PolicySnapshot): boolean {
    return this.keys.get(key) === policy.version;
  }

  add(key: string, policy: PolicySnapshot): void {
    if (this.keys.size >= this.max) this.keys.clear();
    this.keys.set(key, policy.version);
  }
}

/** A series' policy and the version it came from. */
export interface PolicyHolder {
  policy: SeriesPolicy;
  policyVersion: number;
  /** The last point was inside a maintenance window. */
  inMaintenance: boolean;
}
