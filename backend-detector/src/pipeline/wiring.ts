import type { Logger } from 'pino';
import type { DetectorConfig } from '../config/load';
import type { DetectorMetrics } from '../health/metrics';
import { ingestLimitsFrom } from '../ingest/limits';
import type { SeasonalSettings } from '../model/config';
import type { SeriesDetector } from '../model/types';
import { RemoteWriteClient } from '../sink/client';
import { RemoteWriteSink } from '../sink/sink';
import { Assignment } from './assignment';
import { Backpressure } from './backpressure';
import { BatchRunner } from './batch-runner';
import { CheckpointRestorer } from './checkpoint-restorer';
import { CheckpointScheduler } from './checkpoint-scheduler';
import { CheckpointWriter } from './checkpoint-writer';
import type { Clock } from './clock';
import { DeadLetterWriter } from './dead-letter-writer';
import { createKafkaClients, type KafkaClients } from './kafka';
import { LagMonitor } from './lag-monitor';
import type { DetectorStateCodec } from './model-records';
import { ModelStore } from './model-store';
import { OffsetCommitter } from './offset-committer';
import { OffsetTracker } from './offsets';
import { PartitionLock } from './partition-lock';
import { Processor } from './processor';
import { SeriesCap } from './series-cap';
import { SinkProbe } from './sink-probe';
import { StreamHealth } from './stream-health';
import { TopicWait } from './topic-wait';
import { PolicyRuntime } from '../policy/runtime';

/** What every part is built with. */
export interface WiringContext {
  config: DetectorConfig;
  clock: Clock;
  metrics: DetectorMetrics;
  logger: Logger;
}

export interface WiringDeps {
  createDetector: (seriesKey: string, model?: SeasonalSettings) => SeriesDetector;
  onAcknowledged?: (sampleTimestamps: Float64Array) => void;
  stateCodec?: DetectorStateCodec;
  /** `p`, or false once the service stops. */
  untilStop: <T>(p: Promise<T>) => Promise<T | false>;
}

/** Model-state checkpoints, when on. */
export interface Checkpoints {
  store: ModelStore;
  restorer: CheckpointRestorer;
  scheduler: CheckpointScheduler;
}

/** The parts of a running detector, connected; DetectorService starts and stops them. */
export interface Pipeline extends KafkaClients {
  client: RemoteWriteClient;
  sink: RemoteWriteSink;
  processor: Processor;
  health: StreamHealth;
  seriesCap: SeriesCap;
  assignment: Assignment;
  tracker: OffsetTracker;
  committer: OffsetCommitter;
  lag: LagMonitor;
  topicWait: TopicWait;
  probe: SinkProbe;
  runner: BatchRunner;
  checkpoints?: Checkpoints;
  /** The detection policy, when `policyFile` is set. */
  policy?: PolicyRuntime;
}

export function buildPipeline(ctx: WiringContext, deps: WiringDeps): Pipeline {
  const { config, clock, metrics, logger } = ctx;
  const kafka = createKafkaClients(config, logger);
  const health = new StreamHealth(clock);
  const { client, sink } = buildSink(ctx, health, deps.onAcknowledged);
  // Throws PolicyError naming file, line, field and reason: a bad policy stops the start.
  const policy = config.policyFile
    ? new PolicyRuntime(config.policyFile, metrics.registry, logger)
    : undefined;
  const processor = buildProcessor(
    ctx,
    sink,
    deps.createDetector,
    health,
    (m, l) => seriesCap.refused(m, l),
    policy
  );
  const seriesCap: SeriesCap = new SeriesCap(
    config.maxSeries,
    () => processor.activeSeries,
    clock,
    metrics,
    logger
  );
  const noteActive = () => seriesCap.noteActiveSeries();
  const assignment = new Assignment();
  const tracker = new OffsetTracker();
  const backpressure = new Backpressure(sink, clock, metrics, logger);
  const lock = new PartitionLock(clock, (d) => backpressure.hold(d));
  const committer = new OffsetCommitter(kafka.consumer, tracker, metrics, logger);
  const lagSource = { groupId: config.kafkaGroupId, fromBeginning: config.fromBeginning };
  const lag = new LagMonitor(kafka.admin, assignment, lagSource, metrics, logger);
  const topicWait = new TopicWait(kafka.admin, config.kafkaBrokers.join(','), clock, logger);
  const backoff = { initialMs: config.retryInitialMs, maxMs: config.retryMaxMs };
  const dlq = new DeadLetterWriter(kafka.producer, config.dlqTopic, backoff, clock, metrics, logger);
  let checkpoints: Checkpoints | undefined;
  if (config.checkpointIntervalMs > 0 && deps.stateCodec) {
    const codec = deps.stateCodec;
    const log = logger.child({ component: 'model-state' });
    const storeOptions = { topic: config.modelsTopic, groupId: config.kafkaGroupId };
    const store = new ModelStore(kafka.kafka, kafka.producer, kafka.admin, storeOptions, log);
    const restorer = new CheckpointRestorer({
      codec,
      store,
      processor,
      generation: () => assignment.generation,
      seriesRestored: noteActive,
      clock,
      metrics,
      logger,
    });
    const writer = new CheckpointWriter({
      codec,
      store,
      processor,
      assignment,
      lock,
      tracker,
      commit: (offsets) => committer.commit(offsets),
      untilStop: deps.untilStop,
      seriesForgotten: noteActive,
      idleTimeoutMs: config.seriesIdleTimeoutS * 1000,
      clock,
      metrics,
      logger,
    });
    const position = (key: Parameters<Assignment['position']>[0]) => assignment.position(key);
    const run = writer.run.bind(writer);
    const scheduler = new CheckpointScheduler(config.checkpointIntervalMs, clock, position, run);
    checkpoints = { store, restorer, scheduler };
  }
  const runner = new BatchRunner({
    formats: new Map(config.inputTopics.map((t) => [t.topic, t.format])),
    processor,
    sink,
    tracker,
    assignment,
    lock,
    backpressure,
    restorer: checkpoints?.restorer,
    deadLetter: (letters, heartbeat) => dlq.write(letters, heartbeat, () => health.stopping),
    lag,
    health,
    afterBatch: () => {
      metrics.pointsScored.inc(health.takeScored());
      noteActive();
    },
    clock,
    metrics,
  });
  health.watch({
    missingTopics: () => topicWait.missing,
    sink,
    activeSeries: () => processor.activeSeries,
    seriesLimit: () => seriesCap.guard.state,
    lag: () => lag.partitions,
    dlqByReason: () => dlq.byReason,
    backpressure: () => backpressure.active,
  });
  const probe = new SinkProbe(client, sink, clock);
  return {
    ...kafka,
    policy,
    ...{ client, sink, processor, health, seriesCap, assignment, tracker, committer },
    ...{ lag, topicWait, probe, runner, checkpoints },
  };
}

/** The remote-write client and sink, counting into metrics and health. */
function buildSink(
  { config, clock, metrics, logger }: WiringContext,
  health: StreamHealth,
  onAcknowledged?: (sampleTimestamps: Float64Array) => void
): { client: RemoteWriteClient; sink: RemoteWriteSink } {
  const client = new RemoteWriteClient({
    url: config.remoteWriteUrl,
    timeoutMs: config.remoteWriteTimeoutMs,
    username: config.remoteWriteUsername || undefined,
    password: config.remoteWritePassword || undefined,
    bearerToken: config.remoteWriteBearerToken || undefined,
    tlsCaFile: config.remoteWriteTlsCaFile || undefined,
    tlsRejectUnauthorized: config.remoteWriteTlsRejectUnauthorized,
  });
  const log = logger.child({ component: 'sink' });
  const sink = new RemoteWriteSink(
    client,
    {
      shards: config.remoteWriteConcurrency,
      batchSamples: config.remoteWriteBatchSamples,
      flushMs: config.remoteWriteFlushMs,
      maxPendingSamples: config.remoteWriteMaxPendingSamples,
      backoff: { initialMs: config.retryInitialMs, maxMs: config.retryMaxMs },
    },
    {
      written: (n, seconds) => {
        metrics.sinkSamplesWritten.inc(n);
        metrics.sinkWriteDuration.observe(seconds);
      },
      failed: (kind, detail, retryInMs) => {
        metrics.sinkFailures.inc({ kind });
        health.sinkWriteErrors++;
        log.warn({ kind, retryInMs }, `remote write failed, retrying: ${detail}`);
      },
      rejected: (n, status, body) => {
        metrics.sinkSamplesRejected.inc({ status: String(status) }, n);
        health.sinkRejected += n;
        log.error({ status, samples: n }, `remote write rejected a batch, samples dropped: ${body}`);
      },
      pendingChanged: (pending) => metrics.sinkPendingSamples.set(pending),
      acknowledged: onAcknowledged,
    },
    () => clock.now()
  );
  return { client, sink };
}

/** The processor (decode → series → detector → sink), counting into metrics and health. */
function buildProcessor(
  { config, clock, metrics, logger }: WiringContext,
  sink: RemoteWriteSink,
  createDetector: (seriesKey: string, model?: SeasonalSettings) => SeriesDetector,
  health: StreamHealth,
  seriesRefused: (metric: string, labels: Record<string, string>) => void,
  policy: PolicyRuntime | undefined
): Processor {
  const processor: Processor = new Processor(
    sink,
    {
      createDetector,
      policy: policy && (() => policy.snapshot),
      maxMessageBytes: config.maxMessageBytes,
      ingestLimits: ingestLimitsFrom(config),
      maxSeries: config.maxSeries,
      shards: config.remoteWriteConcurrency,
      collectdStoreRates: config.collectdStoreRates,
      outputLabels: config.outputLabels,
    },
    {
      // The counter and the rate window follow once per batch (see afterBatch).
      pointScored: () => void health.pointsScored++,
      anomalyOpened: () => {
        metrics.anomalies.inc();
        health.anomalies.add();
      },
      pointDropped: (reason, point) => {
        metrics.pointsDropped.inc({ reason });
        if (reason === 'series_limit' && point) seriesRefused(point.metric, point.labels);
      },
      detectorFailed: (key, err) =>
        logger.error(
          { err, series: key.replace(/[\u0000\u0001]/g, ' ') },
          'detector failed; series restarted'
        ),
      seriesCreated: () => metrics.activeSeries.set(processor.activeSeries),
      modelFitted: (n) => metrics.modelFits.inc(n),
      pointUnscored: (reason) => metrics.pointsUnscored.inc({ reason }),
    },
    () => clock.now()
  );
  return processor;
}
