/**
 * Contract between the per-series streaming detector (model/) and its users:
 * the replay CLI, the Kafka pipeline and the events/sink stages.
 * Changing a field here is a cross-component change: update every caller.
 */
import type { OutputPolicy } from './output-policy';

/** What the detector says about one point of one series. */
export interface DetectorOutput {
  /** Epoch milliseconds of the point. */
  timestamp: number;
  /** The observed value. */
  value: number;
  /** Normalized anomaly score >= 0; >= 1 means anomalous (vmanomaly convention); NaN for a gap. */
  score: number;
  /** Score mapped monotonically into [0, 1] (the replay CSV's anomaly_score). */
  score01: number;
  /** The detector's own decision after event logic (open/close hysteresis). */
  isAnomaly: boolean;
  /** Expected value and range for overlays (NaN while warming up). */
  expected: number;
  lower: number;
  upper: number;
  /** True until the detector has seen enough points to score. */
  warmingUp: boolean;
}

/** One streaming detector per series; causal and deterministic. */
export interface SeriesDetector {
  /**
   * Feed the next point (timestamps non-decreasing) and get its verdict, under a policy's
   * threshold, direction and deviation floors (default: none).
   */
  update(timestampMs: number, value: number, policy?: OutputPolicy): DetectorOutput;
  /** A point without a value: keeps its place (score NaN, not anomalous), learns nothing. */
  gap(timestampMs: number): DetectorOutput;
  /** Isolation Forest (re)fits since this detector was created or restored. */
  readonly fits: number;
}
