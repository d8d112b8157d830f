/**
 * What a detection policy changes about a series' verdicts (docs/policy.md): the score at
 * which a point is anomalous, which direction of deviation counts, and how small a
 * deviation never counts. Applied to the detector's own score and expected value; the
 * model learns the same whatever the policy says.
 */

export type Direction = 'up' | 'down' | 'both';

export interface OutputPolicy {
  /** Detector score at which a point is anomalous (default 1). */
  readonly threshold: number;
  readonly direction: Direction;
  /** |value − expected| below this is never anomalous (the metric's unit; 0: no floor). */
  readonly minDeviation: number;
  /** ... nor below this fraction of |expected| (0: no floor). */
  readonly minRelativeDeviation: number;
}

export const DEFAULT_OUTPUT_POLICY: OutputPolicy = Object.freeze({
  threshold: 1,
  direction: 'both',
  minDeviation: 0,
  minRelativeDeviation: 0,
});

/**
 * The score under `policy`: 0 for a point the direction or a floor rules out, else the
 * score divided by the threshold, so that 1 keeps meaning "anomalous" for everything
 * downstream (events, severity, the `anomalylens_score` series and the alert rules on it).
 * A value exactly at the expected level passes either direction (a stuck value sits there).
 */
export function policyScore(score: number, value: number, expected: number, policy: OutputPolicy): number {
  if (Number.isFinite(expected)) {
    const deviation = value - expected;
    if (policy.direction === 'up' && deviation < 0) return 0;
    if (policy.direction === 'down' && deviation > 0) return 0;
    const size = Math.abs(deviation);
    if (size < policy.minDeviation) return 0;
    if (size < policy.minRelativeDeviation * Math.abs(expected)) return 0;
  }
  return score / policy.threshold;
}
