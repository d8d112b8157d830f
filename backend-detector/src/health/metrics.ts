import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export const METRIC_PREFIX = 'anomalylens_detector_';

/** The detector's self-metrics, on its own registry (so tests can run several detectors). */
export class DetectorMetrics {
  readonly registry = new Registry();
  readonly messagesConsumed: Counter<'topic'>;
  readonly messagesInvalid: Counter<'topic' | 'reason'>;
  readonly dlqWriteFailures: Counter<string>;
  readonly pointsScored: Counter<string>;
  readonly pointsDropped: Counter<'reason'>;
  readonly pointsUnscored: Counter<'reason'>;
  readonly anomalies: Counter<string>;
  readonly consumerLag: Gauge<'topic' | 'partition'>;
  readonly sinkWriteDuration: Histogram<string>;
  readonly sinkSamplesWritten: Counter<string>;
  readonly sinkFailures: Counter<'kind'>;
  readonly sinkSamplesRejected: Counter<'status'>;
  readonly sinkPendingSamples: Gauge<string>;
  readonly backpressure: Gauge<string>;
  readonly activeSeries: Gauge<string>;
  readonly maxSeries: Gauge<string>;
  readonly seriesRefused: Counter<string>;
  readonly seriesLimitReached: Gauge<string>;
  readonly modelFits: Counter<string>;
  readonly lastMessageTime: Gauge<string>;
  readonly offsetCommits: Counter<'result'>;
  readonly checkpoints: Counter<'result'>;
  readonly checkpointStatesWritten: Counter<string>;
  readonly checkpointBytesWritten: Counter<string>;
  readonly checkpointDuration: Histogram<string>;
  readonly statesRestored: Counter<'result'>;
  readonly restoreDuration: Histogram<string>;

  constructor(withProcessMetrics = true) {
    const r = [this.registry];
    const p = METRIC_PREFIX;
    this.messagesConsumed = new Counter({
      name: `${p}messages_consumed_total`,
      help: 'Kafka messages consumed',
      labelNames: ['topic'],
      registers: r,
    });
    this.messagesInvalid = new Counter({
      name: `${p}messages_invalid_total`,
      help: 'Messages sent to the dead-letter topic, by reason',
      labelNames: ['topic', 'reason'],
      registers: r,
    });
    this.dlqWriteFailures = new Counter({
      name: `${p}dlq_write_failures_total`,
      help: 'Failed attempts to write to the dead-letter topic',
      registers: r,
    });
    this.pointsScored = new Counter({
      name: `${p}points_scored_total`,
      help: 'Points scored by a series detector',
      registers: r,
    });
    this.pointsDropped = new Counter({
      name: `${p}points_dropped_total`,
      help: 'Decoded points not scored, by reason (series_limit, out_of_order, first_sample, counter_reset, ...)',
      labelNames: ['reason'],
      registers: r,
    });
    this.pointsUnscored = new Counter({
      name: `${p}points_unscored_total`,
      help: 'Points the detection policy kept from the detector, by reason (ignored series, maintenance window)',
      labelNames: ['reason'],
      registers: r,
    });
    this.anomalies = new Counter({
      name: `${p}anomalies_total`,
      help: 'Anomaly events opened (a series turning anomalous)',
      registers: r,
    });
    this.consumerLag = new Gauge({
      name: `${p}consumer_lag`,
      help: 'Messages between the last consumed offset and the high watermark, per partition',
      labelNames: ['topic', 'partition'],
      registers: r,
    });
    this.sinkWriteDuration = new Histogram({
      name: `${p}sink_write_duration_seconds`,
      help: 'Latency of successful remote-write requests',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: r,
    });
    this.sinkSamplesWritten = new Counter({
      name: `${p}sink_samples_written_total`,
      help: 'Samples acknowledged by the remote-write endpoint',
      registers: r,
    });
    this.sinkFailures = new Counter({
      name: `${p}sink_write_failures_total`,
      help: 'Failed remote-write attempts that will be retried, by kind',
      labelNames: ['kind'],
      registers: r,
    });
    this.sinkSamplesRejected = new Counter({
      name: `${p}sink_samples_rejected_total`,
      help: 'Samples dropped because the endpoint rejected their request (4xx other than 429)',
      labelNames: ['status'],
      registers: r,
    });
    this.sinkPendingSamples = new Gauge({
      name: `${p}sink_pending_samples`,
      help: 'Samples handed to the sink and not yet acknowledged',
      registers: r,
    });
    this.backpressure = new Gauge({
      name: `${p}backpressure`,
      help: '1 while consumption waits for the sink',
      registers: r,
    });
    this.activeSeries = new Gauge({
      name: `${p}active_series`,
      help: 'Series with a live detector',
      registers: r,
    });
    this.maxSeries = new Gauge({
      name: `${p}max_series`,
      help: 'The series cap (ANOMALYLENS_MAX_SERIES)',
      registers: r,
    });
    this.seriesRefused = new Counter({
      name: `${p}series_refused_total`,
      help: 'Distinct new series refused because the series cap was reached (their points are dropped)',
      registers: r,
    });
    this.seriesLimitReached = new Gauge({
      name: `${p}series_limit_reached`,
      help: '1 while the series cap is reached and new series are refused',
      registers: r,
    });
    this.modelFits = new Counter({
      name: `${p}model_fits_total`,
      help: 'Isolation Forest (re)fits',
      registers: r,
    });
    this.lastMessageTime = new Gauge({
      name: `${p}last_message_timestamp_seconds`,
      help: 'Wall-clock time the last message was consumed',
      registers: r,
    });
    this.offsetCommits = new Counter({
      name: `${p}offset_commits_total`,
      help: 'Offset commits, by result',
      labelNames: ['result'],
      registers: r,
    });
    this.checkpoints = new Counter({
      name: `${p}checkpoints_total`,
      help: 'Partition checkpoints (changed series states written, then the offset committed), by result',
      labelNames: ['result'],
      registers: r,
    });
    this.checkpointStatesWritten = new Counter({
      name: `${p}checkpoint_states_written_total`,
      help: 'Series states (and tombstones of forgotten series) written to the model-state topic',
      registers: r,
    });
    this.checkpointBytesWritten = new Counter({
      name: `${p}checkpoint_bytes_written_total`,
      help: 'Bytes written to the model-state topic',
      registers: r,
    });
    this.checkpointDuration = new Histogram({
      name: `${p}checkpoint_duration_seconds`,
      help: 'Time a partition checkpoint holds its partition: waiting for acknowledgements, writing states, committing',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: r,
    });
    this.statesRestored = new Counter({
      name: `${p}states_restored_total`,
      help: 'Series states read back from the model-state topic on partition assignment, by result (restored, incompatible = rebuilt from scratch)',
      labelNames: ['result'],
      registers: r,
    });
    this.restoreDuration = new Histogram({
      name: `${p}restore_duration_seconds`,
      help: 'Time to read back the states of newly assigned partitions',
      buckets: [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
      registers: r,
    });
    if (withProcessMetrics) collectDefaultMetrics({ register: this.registry, prefix: p });
  }
}

/**
 * The detection policy's self-metrics (policy/runtime.ts), registered only when the service
 * runs with a policy file. Here beside the others so every metric name is in this file.
 */
export class PolicyMetrics {
  readonly reloads: Counter<'result'>;
  readonly info: Gauge<'hash'>;
  readonly rules: Gauge<string>;
  readonly lastReload: Gauge<string>;
  readonly lastSuccess: Gauge<string>;

  constructor(registry: Registry) {
    const p = METRIC_PREFIX;
    const registers = [registry];
    this.reloads = new Counter({
      name: `${p}policy_reloads_total`,
      help: 'Policy file loads after the first, by result (failure: the file was refused and the previous policy stays)',
      labelNames: ['result'],
      registers,
    });
    this.info = new Gauge({
      name: `${p}policy_info`,
      help: 'The policy in force: 1, labelled with the first 12 hex digits of the SHA-256 of its file',
      labelNames: ['hash'],
      registers,
    });
    this.rules = new Gauge({ name: `${p}policy_rules`, help: 'Rules in the policy in force', registers });
    this.lastReload = new Gauge({
      name: `${p}policy_last_reload_timestamp_seconds`,
      help: 'When the policy file was last read (start or reload), successfully or not',
      registers,
    });
    this.lastSuccess = new Gauge({
      name: `${p}policy_last_reload_success`,
      help: '1 if the last read of the policy file was applied, 0 if it was refused',
      registers,
    });
  }
}
