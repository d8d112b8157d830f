import {
  Kafka,
  Partitioners,
  type Admin,
  type Consumer,
  type EachBatchPayload,
  type IHeaders,
  type Message,
  type Producer,
} from 'kafkajs';
import type { Logger } from 'pino';
import type { DetectorConfig } from '../config/load';
import { DetectorMetrics } from '../health/metrics';
import { LogLimiter } from '../health/log-limiter';
import { HealthServer } from '../health/server';
import { buildStatus, RateWindow, type PartitionLag, type StreamStatus } from '../health/status';
import { seriesKey } from '../ingest/labels';
import { ingestLimitsFrom } from '../ingest/limits';
import type { InputFormat } from '../ingest/types';
import type { SeriesDetector } from '../model/types';
import { RemoteWriteClient } from '../sink/client';
import { backoffDelay, sleep, untilAborted } from '../retry/retry';
import { RemoteWriteSink } from '../sink/sink';
import { kafkaClientConfig, verifyKafkaTls } from './kafka';
import { CheckpointCapture, type CheckpointSlice } from './checkpoint-capture';
import {
  decodeCheckpoint,
  forestKey,
  joinForest,
  parseCheckpointKey,
  type DetectorStateCodec,
} from './model-records';
import { ModelStore, type StateRecord } from './model-store';
import { chunkBySize, DLQ_REQUEST_BYTES, isTooLarge, recordBytes, shrink } from './dead-letters';
import { SeriesGuard } from './series-guard';
import { OffsetTracker, type Ticket, type TopicPartitionOffset } from './offsets';
import { Processor, type DeadLetter, type RawMessage } from './processor';

export interface ServiceDeps {
  logger: Logger;
  createDetector: (seriesKey: string) => SeriesDetector;
  metrics?: DetectorMetrics;
  /** The consumer died for good (kafkajs will not restart it): the caller should stop and exit. */
  onFatal?: (error: Error) => void;
  /** Sample timestamps of each acknowledged remote write (benchmarks measure latency with it). */
  onAcknowledged?: (sampleTimestamps: number[]) => void;
  /**
   * Turns the detectors made by createDetector into bytes and back. Without it (or with
   * checkpointIntervalMs 0) no model state is checkpointed or restored.
   */
  stateCodec?: DetectorStateCodec;
}

/** Headers a dead-lettered record carries, besides the original ones. */
export const DLQ_HEADERS = {
  reason: 'x-anomalylens-reason',
  detail: 'x-anomalylens-detail',
  topic: 'x-anomalylens-source-topic',
  partition: 'x-anomalylens-source-partition',
  offset: 'x-anomalylens-source-offset',
  timestamp: 'x-anomalylens-source-timestamp',
} as const;

/** How long an idle sink goes between reachability probes (an empty WriteRequest). */
const PROBE_INTERVAL_MS = 10_000;
/** How often consumer lag is re-read from the brokers. */
const LAG_REFRESH_MS = 5_000;
/** Heartbeat to the group at least this often while a batch waits on the sink. */
const HEARTBEAT_EVERY_MESSAGES = 256;
/**
 * Give the event loop a turn at least this often within a batch: remote-write requests are
 * posted (snappy runs on the thread pool) and their answers handled only then, so without
 * it the sink idles until the batch ends or fills it (e2e budget bench at 2,000 series:
 * consumption paused on a full sink 28-60 % of the time without, 0 % with; 9-16k → 18-21k points/s).
 */
const YIELD_EVERY_MESSAGES = 64;
/** Longest pause between looks for a missing input topic. */
const TOPIC_WAIT_MAX_MS = 10_000;
/** How often partitions are looked at for a due checkpoint. */
const CHECKPOINT_TICK_MS = 250;
/**
 * Longest a checkpoint holds a partition's processing to capture states (one slice); at
 * 10,000 series a partition's capture takes ~0.5 s, which in one piece showed up as p99 latency.
 */
const CHECKPOINT_SLICE_MS = 20;
/** Taken states waiting to be written, at most (then taking waits for the writes). */
const CHECKPOINT_PENDING_BYTES = 16 * 1024 * 1024;

const tpKey = (topic: string, partition: number) => `${topic}/${partition}`;

/**
 * `anomaly-lens run`: a kafkajs consumer group feeding the processor, the remote-write
 * sink, a dead-letter producer, offset commits after acknowledgement, the HTTP health
 * endpoints, and graceful shutdown.
 */
export class DetectorService {
  readonly metrics: DetectorMetrics;
  private readonly logger: Logger;
  private readonly kafka: Kafka;
  private readonly consumer: Consumer;
  private readonly producer: Producer;
  private readonly admin: Admin;
  /** Partitions this member owns (from the last join). */
  private assignment: Record<string, number[]> = {};
  /** Next offset to process per `topic/partition`, as far as this member has got. */
  private readonly positions = new Map<string, bigint>();
  private readonly client: RemoteWriteClient;
  private readonly sink: RemoteWriteSink;
  private readonly processor: Processor;
  private readonly tracker = new OffsetTracker();
  private readonly http: HealthServer;
  private readonly formats: Map<string, InputFormat>;
  private readonly logLimiter = new LogLimiter();
  private readonly seriesGuard: SeriesGuard;
  /** While the series cap holds, a reminder a minute (each refused point would log otherwise). */
  private readonly seriesCapLog = new LogLimiter(1, 60_000);
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly lag = new Map<string, PartitionLag>();
  private readonly dlqByReason: Record<string, number> = {};
  private readonly messageRate = new RateWindow();
  private readonly pointRate = new RateWindow();
  private readonly anomalyRate = new RateWindow();
  private groupJoined = false;
  private stopping = false;
  /** Aborted when stop() is called, to cut waits short (see untilStop). */
  private readonly stopSignal = new AbortController();
  /** Input topics not found on the brokers at the last look (startup waits for them). */
  private missingTopics: string[] = [];
  /** One line per attempt at first, then one a minute while the topic stays missing. */
  private readonly topicWaitLog = new LogLimiter(5, 60_000);
  /** consumer.run() has been called (pause and commit need a running consumer). */
  private consuming = false;
  private activeBatches = 0;
  private committing: Promise<void> = Promise.resolve();
  private lastMessageAt = 0;
  private firstMessage = 0;
  private scored = 0;
  private sinkWriteErrors = 0;
  private sinkRejected = 0;
  private startedAt = Date.now();
  /** Batches held back because the sink is behind (its backlog is full, or a checkpoint waits on it). */
  private held = 0;
  private httpPort = 0;
  private readonly onFatal: (error: Error) => void;
  /** Model-state checkpoints (undefined when off). */
  private readonly codec?: DetectorStateCodec;
  private readonly modelStore?: ModelStore;
  /** Bumped on every group join; work of an older generation stops at the next look. */
  private generation = 0;
  /** Per partition of this generation: its series' states are loaded (the promise settles). */
  private readonly restores = new Map<string, Promise<void>>();
  /** Per partition: work that must not interleave (its batches, its checkpoints). */
  private readonly partitionLocks = new Map<string, Promise<void>>();
  /** Checkpoints run one after another (see scheduleCheckpoint). */
  private checkpointChain: Promise<unknown> = Promise.resolve();
  private readonly checkpointsQueued = new Set<string>();
  /** Per partition: when and where the last checkpoint committed. */
  private readonly lastCheckpoint = new Map<string, { at: number; next?: bigint }>();

  constructor(
    private readonly config: DetectorConfig,
    deps: ServiceDeps
  ) {
    this.logger = deps.logger;
    this.onFatal = deps.onFatal ?? (() => undefined);
    this.metrics = deps.metrics ?? new DetectorMetrics();
    this.formats = new Map(config.inputTopics.map((t) => [t.topic, t.format]));
    this.kafka = new Kafka(kafkaClientConfig(config, this.logger));
    this.consumer = this.kafka.consumer({
      groupId: config.kafkaGroupId,
      sessionTimeout: config.kafkaSessionTimeoutMs,
      heartbeatInterval: Math.min(3000, Math.floor(config.kafkaSessionTimeoutMs / 3)),
      allowAutoTopicCreation: false,
      // Bounds how long an idle fetch blocks a graceful shutdown.
      maxWaitTimeInMs: 1000,
    });
    this.admin = this.kafka.admin();
    this.producer = this.kafka.producer({
      allowAutoTopicCreation: true,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    if (config.checkpointIntervalMs > 0 && deps.stateCodec) {
      this.codec = deps.stateCodec;
      this.modelStore = new ModelStore(
        this.kafka,
        this.producer,
        this.admin,
        { topic: config.modelsTopic, groupId: config.kafkaGroupId },
        this.logger.child({ component: 'model-state' })
      );
    }
    this.client = new RemoteWriteClient({
      url: config.remoteWriteUrl,
      timeoutMs: config.remoteWriteTimeoutMs,
      username: config.remoteWriteUsername || undefined,
      password: config.remoteWritePassword || undefined,
      bearerToken: config.remoteWriteBearerToken || undefined,
      tlsCaFile: config.remoteWriteTlsCaFile || undefined,
      tlsRejectUnauthorized: config.remoteWriteTlsRejectUnauthorized,
    });
    const m = this.metrics;
    const sinkLog = this.logger.child({ component: 'sink' });
    this.sink = new RemoteWriteSink(
      this.client,
      {
        shards: config.remoteWriteConcurrency,
        batchSamples: config.remoteWriteBatchSamples,
        flushMs: config.remoteWriteFlushMs,
        maxPendingSamples: config.remoteWriteMaxPendingSamples,
        backoff: { initialMs: config.retryInitialMs, maxMs: config.retryMaxMs },
      },
      {
        written: (n, seconds) => {
          m.sinkSamplesWritten.inc(n);
          m.sinkWriteDuration.observe(seconds);
        },
        failed: (kind, detail, retryInMs) => {
          m.sinkFailures.inc({ kind });
          this.sinkWriteErrors++;
          sinkLog.warn({ kind, retryInMs }, `remote write failed, retrying: ${detail}`);
        },
        rejected: (n, status, body) => {
          m.sinkSamplesRejected.inc({ status: String(status) }, n);
          this.sinkRejected += n;
          sinkLog.error({ status, samples: n }, `remote write rejected a batch, samples dropped: ${body}`);
        },
        pendingChanged: (pending) => m.sinkPendingSamples.set(pending),
        acknowledged: deps.onAcknowledged,
      }
    );
    this.seriesGuard = new SeriesGuard(config.maxSeries);
    m.maxSeries.set(config.maxSeries);
    this.processor = new Processor(
      this.sink,
      {
        createDetector: deps.createDetector,
        maxMessageBytes: config.maxMessageBytes,
        ingestLimits: ingestLimitsFrom(config),
        maxSeries: config.maxSeries,
        shards: config.remoteWriteConcurrency,
        collectdStoreRates: config.collectdStoreRates,
        outputLabels: config.outputLabels,
      },
      {
        pointScored: () => {
          this.scored++;
          m.pointsScored.inc();
          this.pointRate.add();
        },
        anomalyOpened: () => {
          m.anomalies.inc();
          this.anomalyRate.add();
        },
        pointDropped: (reason, point) => {
          m.pointsDropped.inc({ reason });
          if (reason === 'series_limit' && point) this.seriesRefused(point.metric, point.labels);
        },
        detectorFailed: (key, err) =>
          this.logger.error(
            { err, series: key.replace(/[\u0000\u0001]/g, ' ') },
            'detector failed; series restarted'
          ),
        seriesCreated: () => m.activeSeries.set(this.processor.activeSeries),
        modelFitted: (n) => m.modelFits.inc(n),
      }
    );
    this.http = new HealthServer({
      registry: m.registry,
      ready: () => this.readiness(),
      status: () => this.status(),
    });
  }

  /** The cardinality guard: count the refused series, log and flag when the cap is reached. */
  private seriesRefused(metric: string, labels: Record<string, string>): void {
    const before = this.seriesGuard.state.refusedSeries;
    const event = this.seriesGuard.refuse(seriesKey(metric, labels));
    const { refusedSeries } = this.seriesGuard.state;
    if (refusedSeries > before) this.metrics.seriesRefused.inc();
    const fix =
      'raise ANOMALYLENS_MAX_SERIES, lower ANOMALYLENS_SERIES_IDLE_TIMEOUT_S, or drop the exploding label';
    if (event === 'reached') {
      this.metrics.seriesLimitReached.set(1);
      this.logger.warn(
        { maxSeries: this.config.maxSeries, metric, labels },
        `series cap reached: points of new series are dropped (${fix})`
      );
    } else if (this.seriesCapLog.allow('series_limit').log) {
      this.logger.warn(
        { maxSeries: this.config.maxSeries, refusedSeries, metric, labels },
        `series cap still reached: ${refusedSeries} new series refused so far (${fix})`
      );
    }
  }

  /** Active-series gauge, and the guard's all-clear once series fall below the cap. */
  private noteActiveSeries(): void {
    const active = this.processor.activeSeries;
    this.metrics.activeSeries.set(active);
    if (this.seriesGuard.update(active) === 'cleared') {
      this.metrics.seriesLimitReached.set(0);
      this.logger.info(
        { active, maxSeries: this.config.maxSeries },
        'series cap no longer reached: new series are accepted again'
      );
    }
  }

  /** Points scored since start. */
  get pointsScored(): number {
    return this.scored;
  }

  /** Wall-clock time the first batch was processed (0 = none yet). */
  get firstMessageAt(): number {
    return this.firstMessage;
  }

  /** The port the HTTP server listens on (useful with httpPort 0). */
  get port(): number {
    return this.httpPort;
  }

  readiness(): { ready: boolean; reasons: string[] } {
    const reasons: string[] = [];
    if (this.missingTopics.length > 0)
      reasons.push(`input topic(s) ${this.missingTopics.join(', ')} do not exist yet`);
    if (!this.groupJoined) reasons.push('consumer group not joined');
    if (!this.sink.reachable)
      reasons.push(
        `remote-write endpoint not reachable${this.sink.lastError ? ` (${this.sink.lastError})` : ''}`
      );
    if (this.stopping) reasons.push('shutting down');
    return { ready: reasons.length === 0, reasons };
  }

  status(): StreamStatus {
    return buildStatus({
      groupJoined: this.groupJoined,
      sinkReachable: this.sink.reachable,
      messagesPerSecond: this.messageRate.perSecond(),
      pointsPerSecond: this.pointRate.perSecond(),
      anomaliesPerMinute: this.anomalyRate.perSecond() * 60,
      lastMessageAt: this.lastMessageAt,
      activeSeries: this.processor.activeSeries,
      seriesLimit: this.seriesGuard.state,
      lag: [...this.lag.values()],
      dlqByReason: { ...this.dlqByReason },
      sinkPending: this.sink.pending,
      sinkWriteErrors: this.sinkWriteErrors,
      sinkRejected: this.sinkRejected,
      sinkLastError: this.sink.lastError,
      backpressure: this.held > 0,
      startedAt: this.startedAt,
      now: Date.now(),
    });
  }

  async start(): Promise<void> {
    this.startedAt = Date.now();
    const c = this.config;
    this.httpPort = await this.http.listen(c.httpPort, c.httpHost);
    this.logger.info(
      { port: this.httpPort },
      'HTTP server listening (/metrics /healthz /readyz /api/status)'
    );
    void this.probeSink();

    const { GROUP_JOIN, CRASH, STOP, DISCONNECT } = this.consumer.events;
    this.consumer.on(GROUP_JOIN, (e) => {
      // A new generation restarts each partition at its committed offset: commit what
      // is acknowledged, then forget the old generation's bookkeeping. With checkpoints,
      // offsets move only together with the saved states, so nothing is committed here:
      // every series is dropped and reloaded as of its partition's committed offset.
      const acknowledged = this.tracker.takeCommittable();
      this.tracker.reset();
      this.generation++;
      if (this.modelStore) {
        this.processor.clear();
        this.metrics.activeSeries.set(0);
        this.restores.clear();
        this.lastCheckpoint.clear();
      } else {
        void this.commit(acknowledged);
      }
      this.lag.clear();
      this.positions.clear();
      this.metrics.consumerLag.reset();
      this.assignment = e.payload.memberAssignment;
      this.groupJoined = true;
      if (this.modelStore) this.startRestores(this.generation);
      this.logger.info(
        { memberId: e.payload.memberId, assignment: e.payload.memberAssignment },
        'joined consumer group'
      );
    });
    this.consumer.on(CRASH, (e) => {
      this.groupJoined = false;
      this.logger.error({ err: e.payload.error, restart: e.payload.restart }, 'consumer crashed');
      // kafkajs restarts after retriable errors; otherwise exit so a supervisor restarts us.
      if (!e.payload.restart) this.onFatal(e.payload.error);
    });
    this.consumer.on(STOP, () => (this.groupJoined = false));
    this.consumer.on(DISCONNECT, () => (this.groupJoined = false));

    // kafkajs would retry a refused TLS handshake forever; fail with the reason instead.
    await verifyKafkaTls(c);
    await this.producer.connect();
    await this.admin.connect();
    if (!(await this.waitForInputTopics())) return;
    if (this.modelStore) {
      await this.modelStore.ensureTopic(c.inputTopics.map((t) => t.topic));
      this.logger.info(
        { topic: c.modelsTopic, intervalMs: c.checkpointIntervalMs },
        'model states are checkpointed and restored on partition assignment'
      );
    }
    await this.consumer.connect();
    await this.consumer.subscribe({
      topics: c.inputTopics.map((t) => t.topic),
      fromBeginning: c.fromBeginning,
    });
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: c.kafkaConcurrency,
      eachBatch: (payload) => this.eachBatch(payload),
    });
    this.consuming = true;
    if (this.modelStore) this.timers.push(setInterval(() => this.checkpointDue(), CHECKPOINT_TICK_MS));
    else this.timers.push(setInterval(() => void this.commit(), c.commitIntervalMs));
    this.timers.push(setInterval(() => void this.probeIfIdle(), PROBE_INTERVAL_MS));
    this.timers.push(setInterval(() => void this.refreshLag(), LAG_REFRESH_MS));
    this.timers.push(
      setInterval(() => {
        // With checkpoints, idle series are forgotten inside their partition's checkpoint
        // (a tombstone in the same step), so a restore never revives a forgotten series.
        if (this.modelStore) return;
        const evicted = this.processor.evictIdle(c.seriesIdleTimeoutS * 1000);
        if (evicted > 0) this.logger.info({ evicted }, 'forgot idle series');
        this.noteActiveSeries();
      }, 60_000)
    );
    for (const t of this.timers) t.unref();
    this.logger.info({ topics: c.inputTopics, groupId: c.kafkaGroupId }, 'consuming');
  }

  /**
   * Subscribing to a missing topic makes kafkajs fail ("This server does not host this
   * topic-partition"). Topics are often created by a separate job started alongside the
   * detector, so wait for them (not ready, saying why) with capped backoff instead of
   * exiting into a restart loop. False if a shutdown came first.
   */
  private async waitForInputTopics(): Promise<boolean> {
    const wanted = this.config.inputTopics.map((t) => t.topic);
    const brokers = this.config.kafkaBrokers.join(',');
    for (let attempt = 0; !this.stopping; attempt++) {
      const existing = new Set(await this.admin.listTopics());
      this.missingTopics = wanted.filter((t) => !existing.has(t));
      if (this.missingTopics.length === 0) {
        if (attempt > 0) this.logger.info({ topics: wanted }, 'input topics exist now');
        return true;
      }
      const delay = backoffDelay(attempt, { initialMs: 500, maxMs: TOPIC_WAIT_MAX_MS });
      const { log, suppressed } = this.topicWaitLog.allow('missing');
      if (log)
        this.logger.warn(
          { missing: this.missingTopics, brokers, retryInMs: delay, ...(suppressed ? { suppressed } : {}) },
          `waiting for input topic(s) ${this.missingTopics.join(', ')} to be created on ${brokers}`
        );
      await this.untilStop(sleep(delay));
    }
    return false;
  }

  private async eachBatch(p: EachBatchPayload): Promise<void> {
    const { batch } = p;
    if (this.stopping || batch.isEmpty()) return;
    if (this.firstMessage === 0) this.firstMessage = Date.now();
    this.activeBatches++;
    try {
      const generation = this.generation;
      if (this.modelStore) {
        // Series of a newly assigned partition continue from their saved states, never
        // from a fresh model: hold its first batch until the states are loaded.
        await this.awaitRestore(batch.topic, batch.partition, p.heartbeat);
        if (generation !== this.generation || !p.isRunning() || p.isStale()) return;
      }
      await this.withPartitionLock(
        batch.topic,
        batch.partition,
        async () => {
          if (generation !== this.generation || !p.isRunning() || p.isStale()) return;
          const ticket = this.tracker.open(batch.topic, batch.partition, batch.lastOffset());
          try {
            await this.processBatch(p, ticket, generation);
          } catch (e) {
            // kafkajs retries the batch from its last resolved offset; an unsealed ticket
            // would hold back this partition's commits for good.
            this.tracker.discard(ticket);
            throw e;
          }
        },
        p.heartbeat
      );
    } finally {
      this.activeBatches--;
    }
  }

  /**
   * Run `fn` when no other batch or checkpoint of the partition is running. A batch waiting
   * here keeps heartbeating (`keepAlive`): kafkajs only heartbeats from its fetch loop, which
   * this wait holds up, and a checkpoint may wait on the sink for a while.
   */
  private async withPartitionLock<T>(
    topic: string,
    partition: number,
    fn: () => Promise<T>,
    keepAlive?: () => Promise<void>
  ): Promise<T> {
    const key = tpKey(topic, partition);
    const previous = this.partitionLocks.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => mine);
    this.partitionLocks.set(key, tail);
    try {
      if (keepAlive) {
        // Waiting this long means a checkpoint is waiting on the sink: consumption of the
        // partition is paused by the sink, which is what the backpressure signal reports.
        let holding = false;
        try {
          while (!(await Promise.race([previous.then(() => true), sleep(1000).then(() => false)]))) {
            if (!holding) this.holdBack(1);
            holding = true;
            await keepAlive().catch(() => undefined);
          }
        } finally {
          if (holding) this.holdBack(-1);
        }
      } else {
        await previous;
      }
      return await fn();
    } finally {
      release();
      if (this.partitionLocks.get(key) === tail) this.partitionLocks.delete(key);
    }
  }

  /** Start loading the saved states of every input partition of the new assignment. */
  private startRestores(generation: number): void {
    const inputs = new Set(this.config.inputTopics.map((t) => t.topic));
    const wanted: Array<{ topic: string; partition: number }> = [];
    for (const [topic, partitions] of Object.entries(this.assignment)) {
      if (!inputs.has(topic)) continue;
      for (const partition of partitions) wanted.push({ topic, partition });
    }
    // Spread the partitions' checkpoints over the interval rather than all at once.
    const now = Date.now();
    const interval = this.config.checkpointIntervalMs;
    wanted.forEach((w, i) =>
      this.lastCheckpoint.set(tpKey(w.topic, w.partition), {
        at: now - Math.floor((interval * i) / wanted.length),
      })
    );
    const loading = this.restoreStates(wanted, generation);
    // Failures are reported where the batches wait on it.
    loading.catch(() => undefined);
    for (const w of wanted) this.restores.set(tpKey(w.topic, w.partition), loading);
  }

  private async restoreStates(
    wanted: Array<{ topic: string; partition: number }>,
    generation: number
  ): Promise<void> {
    const store = this.modelStore!;
    const codec = this.codec!;
    const t0 = Date.now();
    const records = await store.load(wanted);
    if (generation !== this.generation) return;
    let restored = 0;
    let incompatible = 0;
    const reasons = new Set<string>();
    for (const [key, value] of records) {
      const parsed = parseCheckpointKey(key);
      if (parsed?.kind !== 'state') continue;
      try {
        const cp = decodeCheckpoint(value);
        const forest = records.get(forestKey(parsed.topic, parsed.partition, parsed.seriesKey));
        const detector = codec.decode(joinForest(cp, forest));
        this.processor.restoreSeries(cp, detector);
        restored++;
      } catch (e) {
        // A state this detector cannot read (another version, another detector config,
        // damage, a forest that is not its own) is never half-used: the series starts over
        // with a fresh model.
        incompatible++;
        reasons.add((e as Error).message);
        this.logger.debug({ err: e, key: key.replace(/[\u0000\u0001]/g, ' ') }, 'model state not restorable');
      }
    }
    this.metrics.statesRestored.inc({ result: 'restored' }, restored);
    if (incompatible > 0) this.metrics.statesRestored.inc({ result: 'incompatible' }, incompatible);
    this.metrics.restoreDuration.observe((Date.now() - t0) / 1000);
    this.noteActiveSeries();
    const log = { partitions: wanted, restored, ms: Date.now() - t0 };
    if (incompatible > 0)
      this.logger.warn(
        { ...log, incompatible, reasons: [...reasons].slice(0, 3) },
        'restored model states; some could not be read and start over with a fresh model'
      );
    else this.logger.info(log, 'restored model states');
  }

  private async awaitRestore(
    topic: string,
    partition: number,
    heartbeat: () => Promise<void>
  ): Promise<void> {
    const key = tpKey(topic, partition);
    let loading = this.restores.get(key);
    if (!loading) {
      // A partition the join event did not list (should not happen): load it now.
      loading = this.restoreStates([{ topic, partition }], this.generation);
      this.restores.set(key, loading);
    }
    for (;;) {
      let settled = false;
      try {
        settled = await Promise.race([loading.then(() => true), sleep(1000).then(() => false)]);
      } catch (e) {
        // Scoring without the states would re-send different samples for re-read points:
        // fail the batch (kafkajs retries it) and try the load again.
        this.restores.delete(key);
        this.logger.error({ err: e, topic, partition }, 'loading model states failed; retrying');
        throw e;
      }
      if (settled) return;
      await heartbeat().catch(() => undefined);
    }
  }

  /** Timer: checkpoint every assigned partition whose interval has elapsed. */
  private checkpointDue(): void {
    if (this.stopping || !this.groupJoined) return;
    const now = Date.now();
    const generation = this.generation;
    for (const [key, cp] of this.lastCheckpoint) {
      if (now - cp.at < this.config.checkpointIntervalMs) continue;
      const next = this.positions.get(key);
      cp.at = now;
      if (next === undefined || next === cp.next) continue;
      const slash = key.lastIndexOf('/');
      const topic = key.slice(0, slash);
      const partition = Number(key.slice(slash + 1));
      void this.scheduleCheckpoint(topic, partition, generation);
    }
  }

  /**
   * Queue a partition's checkpoint. Checkpoints run one at a time across partitions, which
   * bounds the memory their captured states take; a partition already queued is not queued twice.
   */
  private scheduleCheckpoint(
    topic: string,
    partition: number,
    generation: number,
    final = false
  ): Promise<boolean> {
    const key = tpKey(topic, partition);
    if (this.checkpointsQueued.has(key)) return Promise.resolve(false);
    this.checkpointsQueued.add(key);
    const run = this.checkpointChain
      .then(() => this.checkpoint(topic, partition, generation, final))
      .finally(() => this.checkpointsQueued.delete(key));
    this.checkpointChain = run.catch(() => undefined);
    return run;
  }

  /**
   * One partition's checkpoint. The states of the series that changed since the last
   * checkpoint are taken a slice at a time under the partition's lock (between two of its
   * batches), so processing never stalls for more than one slice; each slice is as of the
   * partition's last processed offset at that moment, recorded in each state. Idle series are
   * forgotten in the first slice. Each slice is written once the sink has acknowledged every
   * point up to its offset, while processing and the next slices go on; at most
   * CHECKPOINT_PENDING_BYTES of taken states wait to be written, so a checkpoint's memory does
   * not grow with the number of series. Once all are written, the first slice's offset F+1 is
   * committed. Whoever resumes the partition re-reads from F+1; each restored series passes
   * over the re-read points its state already holds and re-scores the rest with an identical
   * model, so re-sent samples are identical.
   */
  private async checkpoint(
    topic: string,
    partition: number,
    generation: number,
    final = false
  ): Promise<boolean> {
    const key = tpKey(topic, partition);
    const capture = new CheckpointCapture(this.codec!, topic, partition);
    const t0 = Date.now();
    let evicted = 0;
    const takeSlice = (first: boolean) =>
      this.withPartitionLock(topic, partition, async (): Promise<CheckpointSlice | undefined> => {
        if (generation !== this.generation) return undefined;
        const next = this.positions.get(key);
        if (next === undefined) return undefined;
        let tombstones: StateRecord[] = [];
        if (first) {
          const last = this.lastCheckpoint.get(key);
          if (!last || last.next === next) return undefined;
          const idle = this.processor.evictIdleOf(topic, partition, this.config.seriesIdleTimeoutS * 1000);
          evicted = idle.length;
          if (idle.length > 0) this.noteActiveSeries();
          tombstones = capture.tombstones(idle);
        }
        const slice = capture.take(this.processor, next, Date.now() + CHECKPOINT_SLICE_MS);
        slice.records.unshift(...tombstones);
        return slice;
      });

    // Slices are written in order, each after the sink acknowledged through its offset.
    let failure: 'stopped' | Error | undefined;
    let pendingBytes = 0;
    let written = 0;
    let states = 0;
    let writes: Promise<void> = Promise.resolve();
    const write = (slice: CheckpointSlice) => {
      pendingBytes += slice.bytes;
      writes = writes.then(async () => {
        if (failure) return;
        try {
          // At shutdown the sink has drained already; otherwise a stop must not wait on a sink outage.
          const acknowledged = this.tracker.whenAcknowledgedThrough(topic, partition, slice.offset);
          const settled = final ? await acknowledged : await this.untilStop(acknowledged);
          if (!settled || generation !== this.generation) {
            failure = 'stopped';
            return;
          }
          written += await this.modelStore!.write(slice.records);
          states += slice.records.length;
        } catch (e) {
          failure = e instanceof Error ? e : new Error(String(e));
        } finally {
          pendingBytes -= slice.bytes;
        }
      });
    };

    const first = await takeSlice(true);
    if (!first) return true;
    write(first);
    while (!capture.done && !failure) {
      // Final checkpoints at shutdown take everything at once: nothing is processed any more.
      if (!final) await new Promise((r) => setImmediate(r));
      if (pendingBytes > CHECKPOINT_PENDING_BYTES) await writes;
      if (failure) break;
      const slice = await takeSlice(false);
      if (!slice) {
        // The partition went to another member (or the generation changed): nothing to commit.
        await writes;
        return true;
      }
      write(slice);
    }
    await writes;
    if (failure) {
      // Nothing is committed; the series written so far are ahead of the committed offset,
      // which restores handle (their re-read points are passed over). Save them all again.
      if (generation === this.generation) this.processor.markDirty(topic, partition);
      if (failure !== 'stopped') {
        this.metrics.checkpoints.inc({ result: 'error' });
        this.logger.warn({ err: failure, topic, partition }, 'writing model states failed; will retry');
      }
      return false;
    }
    this.metrics.checkpointStatesWritten.inc(states);
    this.metrics.checkpointBytesWritten.inc(written);
    if (evicted > 0) this.logger.info({ topic, partition, evicted }, 'forgot idle series');
    const next = capture.firstOffset + 1n;
    await this.commit([{ topic, partition, offset: next.toString() }]);
    this.lastCheckpoint.set(key, { at: Date.now(), next });
    this.metrics.checkpoints.inc({ result: 'ok' });
    this.metrics.checkpointDuration.observe((Date.now() - t0) / 1000);
    return true;
  }

  private async processBatch(
    { batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload,
    ticket: Ticket,
    generation: number
  ): Promise<void> {
    const format = this.formats.get(batch.topic) ?? 'auto';
    const deadLetters: DeadLetter[] = [];
    let last: string | undefined;
    let sinceHeartbeat = 0;
    for (const m of batch.messages) {
      if (!this.sink.hasCapacity) await this.waitForSink(heartbeat, isRunning);
      if (this.stopping || !isRunning() || isStale() || generation !== this.generation) break;
      const raw: RawMessage = {
        topic: batch.topic,
        partition: batch.partition,
        offset: m.offset,
        key: m.key,
        value: m.value,
        timestamp: Number(m.timestamp),
        headers: m.headers,
      };
      const dl = this.processor.process(raw, format, ticket);
      if (dl) deadLetters.push(dl);
      last = m.offset;
      if (++sinceHeartbeat >= HEARTBEAT_EVERY_MESSAGES) {
        sinceHeartbeat = 0;
        await heartbeat();
      }
      if (sinceHeartbeat % YIELD_EVERY_MESSAGES === 0) await new Promise((r) => setImmediate(r));
    }
    if (last === undefined) {
      // Nothing processed: the batch is fetched again (or by the partition's next owner).
      this.tracker.discard(ticket);
      return;
    }
    const processed = batch.messages.findIndex((m) => m.offset === last) + 1;
    this.metrics.messagesConsumed.inc({ topic: batch.topic }, processed);
    this.messageRate.add(processed);
    this.lastMessageAt = Date.now();
    this.metrics.lastMessageTime.set(this.lastMessageAt / 1000);
    this.noteActiveSeries();
    if (deadLetters.length > 0 && !(await this.deadLetter(deadLetters, heartbeat))) return;
    ticket.seal(last);
    resolveOffset(last);
    const next = BigInt(last) + 1n;
    this.positions.set(`${batch.topic}/${batch.partition}`, next);
    this.setLag(batch.topic, batch.partition, BigInt(batch.highWatermark) - next);
  }

  private setLag(topic: string, partition: number, lag: bigint): void {
    const n = Math.max(0, Number(lag));
    this.lag.set(`${topic}/${partition}`, { topic, partition, lag: n });
    this.metrics.consumerLag.set({ topic, partition: String(partition) }, n);
  }

  /**
   * Lag from the brokers' high watermarks, so it keeps growing while consumption is paused
   * or stuck (batches alone would freeze it at its last value). Partitions not processed
   * yet since the last join are measured from the group's committed offset.
   */
  private async refreshLag(): Promise<void> {
    if (!this.groupJoined || this.stopping) return;
    try {
      const topics = Object.keys(this.assignment);
      if (topics.length === 0) return;
      const committed = await this.admin.fetchOffsets({ groupId: this.config.kafkaGroupId, topics });
      for (const { topic, partitions } of committed) {
        const owned = new Set(this.assignment[topic] ?? []);
        const highs = await this.admin.fetchTopicOffsets(topic);
        for (const h of highs) {
          if (!owned.has(h.partition)) continue;
          const commit = partitions.find((p) => p.partition === h.partition)?.offset;
          // Nothing committed yet: the group starts at the log start (or end) offset.
          const start = this.config.fromBeginning ? BigInt(h.low) : undefined;
          const position =
            this.positions.get(`${topic}/${h.partition}`) ??
            (commit && commit !== '-1' ? BigInt(commit) : start);
          if (position !== undefined) this.setLag(topic, h.partition, BigInt(h.high) - position);
        }
      }
    } catch (e) {
      this.logger.debug({ err: e }, 'consumer lag refresh failed');
    }
  }

  /** Backpressure: hold the batch (heartbeating) until the sink has room again. */
  private async waitForSink(heartbeat: () => Promise<void>, isRunning: () => boolean): Promise<void> {
    this.holdBack(1);
    this.logger.debug({ pending: this.sink.pending }, 'sink backlog full, pausing consumption');
    try {
      while (!this.sink.hasCapacity && !this.stopping && isRunning()) {
        await Promise.race([this.sink.waitForCapacity(), sleep(1000)]);
        await heartbeat();
      }
    } finally {
      this.holdBack(-1);
    }
  }

  private holdBack(delta: 1 | -1): void {
    this.held += delta;
    this.metrics.backpressure.set(this.held > 0 ? 1 : 0);
  }

  /** Write dead letters, retrying until Kafka takes them; false if shutting down first. */
  private async deadLetter(letters: DeadLetter[], heartbeat: () => Promise<void>): Promise<boolean> {
    const messages = letters.map(({ message: m, reason, detail }) => {
      const headers: IHeaders = { ...(m.headers as IHeaders | undefined) };
      headers[DLQ_HEADERS.reason] = reason;
      headers[DLQ_HEADERS.detail] = detail.slice(0, 1000);
      headers[DLQ_HEADERS.topic] = m.topic;
      headers[DLQ_HEADERS.partition] = String(m.partition);
      headers[DLQ_HEADERS.offset] = m.offset;
      headers[DLQ_HEADERS.timestamp] = String(m.timestamp);
      return { key: m.key, value: m.value, headers };
    });
    for (const chunk of chunkBySize(messages, DLQ_REQUEST_BYTES))
      if (!(await this.sendDeadLetters(chunk, heartbeat))) return false;
    for (const { message: m, reason, detail } of letters) {
      this.metrics.messagesInvalid.inc({ topic: m.topic, reason });
      this.dlqByReason[reason] = (this.dlqByReason[reason] ?? 0) + 1;
      const { log, suppressed } = this.logLimiter.allow(`dlq:${reason}`);
      if (log) {
        this.logger.warn(
          {
            topic: m.topic,
            partition: m.partition,
            offset: m.offset,
            reason,
            ...(suppressed ? { suppressed } : {}),
          },
          `dead-lettered: ${detail}`
        );
      }
    }
    return true;
  }

  /**
   * One dead-letter request, retried until Kafka takes it; false if shutting down first. The
   * broker refusing it as too large cannot pass by retrying: its records go one by one, and a
   * record too large on its own goes without its value (see dead-letters.ts).
   */
  private async sendDeadLetters(chunk: Message[], heartbeat: () => Promise<void>): Promise<boolean> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.producer.send({ topic: this.config.dlqTopic, messages: chunk });
        return true;
      } catch (e) {
        if (isTooLarge(e) && chunk.length > 1) {
          for (const one of chunk) if (!(await this.sendDeadLetters([one], heartbeat))) return false;
          return true;
        }
        const smaller = isTooLarge(e) ? shrink(chunk[0]) : undefined;
        if (smaller) {
          const h = chunk[0].headers ?? {};
          this.logger.warn(
            {
              bytes: recordBytes(chunk[0]),
              topic: String(h[DLQ_HEADERS.topic]),
              partition: String(h[DLQ_HEADERS.partition]),
              offset: String(h[DLQ_HEADERS.offset]),
            },
            `dead letter larger than the broker accepts: written without its ${smaller.value === null && chunk[0].value === null ? 'key and original headers' : 'value'}`
          );
          chunk = [smaller];
          continue;
        }
        this.metrics.dlqWriteFailures.inc();
        this.logger.error({ err: e, attempt }, 'writing to the dead-letter topic failed, retrying');
        if (this.stopping) return false;
        await sleep(
          backoffDelay(attempt, { initialMs: this.config.retryInitialMs, maxMs: this.config.retryMaxMs })
        );
        await heartbeat().catch(() => undefined);
      }
    }
  }

  /** Commit every offset whose points the sink acknowledged (or `taken` ones); serialized. */
  commit(taken?: TopicPartitionOffset[]): Promise<void> {
    this.committing = this.committing.then(async () => {
      const offsets = taken ?? this.tracker.takeCommittable();
      if (offsets.length === 0) return;
      try {
        await this.consumer.commitOffsets(offsets);
        this.metrics.offsetCommits.inc({ result: 'ok' });
      } catch (e) {
        if (!taken) this.tracker.restore(offsets);
        this.metrics.offsetCommits.inc({ result: 'error' });
        this.logger.warn({ err: e }, 'offset commit failed; will retry');
      }
    });
    return this.committing;
  }

  /** Final checkpoints of every partition at shutdown (after the sink drained). */
  private async checkpointAll(): Promise<void> {
    const generation = this.generation;
    // Checkpoints queued before the stop give up (they must not wait on the sink); the final
    // ones run after them.
    await this.checkpointChain;
    const tasks: Array<Promise<boolean>> = [];
    for (const key of this.lastCheckpoint.keys()) {
      const slash = key.lastIndexOf('/');
      tasks.push(
        this.scheduleCheckpoint(key.slice(0, slash), Number(key.slice(slash + 1)), generation, true)
      );
    }
    await Promise.all(tasks);
  }

  private async probeSink(): Promise<void> {
    try {
      const res = await this.client.write([]);
      const ok = res.status >= 200 && res.status < 300;
      this.sink.noteProbe(ok, ok ? '' : `HTTP ${res.status}: ${res.body}`);
    } catch (e) {
      this.sink.noteProbe(false, (e as Error).message);
    }
  }

  /** `p`, or false as soon as stop() is called (see untilAborted). */
  private untilStop<T>(p: Promise<T>): Promise<T | false> {
    return untilAborted(p, this.stopSignal.signal);
  }

  private async probeIfIdle(): Promise<void> {
    if (this.sink.pending === 0 && Date.now() - this.sink.lastSuccessAt > PROBE_INTERVAL_MS)
      await this.probeSink();
  }

  /** Graceful shutdown: stop fetching, drain the sink, commit, leave the group. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.stopSignal.abort();
    const t0 = Date.now();
    this.logger.info('shutting down: stop fetching, flush, commit, leave group');
    for (const t of this.timers) clearInterval(t);
    // Each step runs even if an earlier one failed (e.g. a start that never got running),
    // so the process is never left holding connections.
    const step = async (what: string, fn: () => unknown) => {
      try {
        await fn();
      } catch (e) {
        this.logger.warn({ err: e }, `shutdown: ${what} failed`);
      }
    };
    if (this.consuming)
      await step('pause', () =>
        this.consumer.pause(this.config.inputTopics.map((t) => ({ topic: t.topic })))
      );
    const deadline = t0 + this.config.shutdownTimeoutMs;
    while (this.activeBatches > 0 && Date.now() < deadline) await sleep(20);
    const drained = await this.sink.flush(Math.max(0, deadline - Date.now()));
    if (!drained)
      this.logger.warn(
        { pending: this.sink.pending },
        'sink not drained before the shutdown timeout; unacknowledged points will be re-read'
      );
    if (this.consuming && this.modelStore && drained) await step('checkpoint', () => this.checkpointAll());
    else if (this.consuming && !this.modelStore) await step('commit', () => this.commit());
    this.sink.close();
    await step('leave the consumer group', () => this.consumer.disconnect());
    await step('disconnect the producer', () => this.producer.disconnect());
    await step('disconnect the admin client', () => this.admin.disconnect());
    this.client.close();
    await step('close the HTTP server', () => this.http.close());
    this.logger.info({ ms: Date.now() - t0, drained }, 'stopped');
  }
}
