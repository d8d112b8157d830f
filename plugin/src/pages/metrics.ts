/**
 * Series names the app pages query. The output series are fixed by the architecture contract;
 * the detector self-metrics are the names the detector registers on /metrics (prom-client adds
 * `_bucket`/`_sum`/`_count` to histograms). Provisioned dashboards and alert rules use the same
 * names, which the provisioning tests check against backend-detector/src/health/metrics.ts.
 */
export const OUTPUT_SERIES = {
  observed: 'anomalylens_observed',
  score: 'anomalylens_score',
  anomalous: 'anomalylens_anomalous',
  expected: 'anomalylens_expected',
  expectedLower: 'anomalylens_expected_lower',
  expectedUpper: 'anomalylens_expected_upper',
  /** 1 for the points of a series inside a maintenance window (which get no score). */
  maintenance: 'anomalylens_maintenance',
} as const;

export const DETECTOR_METRICS = {
  messagesConsumed: 'anomalylens_detector_messages_consumed_total',
  messagesInvalid: 'anomalylens_detector_messages_invalid_total',
  pointsScored: 'anomalylens_detector_points_scored_total',
  anomalies: 'anomalylens_detector_anomalies_total',
  consumerLag: 'anomalylens_detector_consumer_lag',
  lastMessageTimestamp: 'anomalylens_detector_last_message_timestamp_seconds',
  sinkWriteDuration: 'anomalylens_detector_sink_write_duration_seconds',
  /** Retried remote-write failures, label `kind`. */
  sinkFailures: 'anomalylens_detector_sink_write_failures_total',
  /** Samples dropped after a non-retryable 4xx, label `status`. */
  sinkSamplesRejected: 'anomalylens_detector_sink_samples_rejected_total',
  sinkPendingSamples: 'anomalylens_detector_sink_pending_samples',
  backpressure: 'anomalylens_detector_backpressure',
  pointsDropped: 'anomalylens_detector_points_dropped_total',
  activeSeries: 'anomalylens_detector_active_series',
  modelFits: 'anomalylens_detector_model_fits_total',
} as const;

/** A score at or above this is anomalous (the detector's contract, as in vmanomaly). */
export const ANOMALY_SCORE_THRESHOLD = 1;
