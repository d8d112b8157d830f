import type { InstrumentationEvent } from 'kafkajs';
import type { Logger } from 'pino';
import type { DetectorConfig } from '../config/load';
import { DetectorMetrics } from '../health/metrics';
import { HealthServer } from '../health/server';
import type { StreamStatus } from '../health/status';
import { untilAborted } from '../retry/retry';
import { settlesWithin, systemClock, type Clock } from './clock';
import { verifyKafkaTls } from './kafka';
import type { DetectorStateCodec } from './model-records';
import { PROBE_INTERVAL_MS } from './sink-probe';
import { buildPipeline, type Pipeline, type WiringDeps } from './wiring';

export { DLQ_HEADERS } from './dead-letter-writer';

export interface ServiceDeps {
  logger: Logger;
  createDetector: WiringDeps['createDetector'];
  metrics?: DetectorMetrics;
  /** The consumer died for good (kafkajs will not restart it): the caller should stop and exit. */
  onFatal?: (error: Error) => void;
  /** Sample timestamps of each acknowledged remote write, valid during the call (benchmarks measure latency with it). */
  onAcknowledged?: (sampleTimestamps: Float64Array) => void;
  /** Turns detectors into bytes and back; without it (or checkpointIntervalMs 0) nothing is checkpointed. */
  stateCodec?: DetectorStateCodec;
  clock?: Clock;
}

/** How often consumer lag is re-read from the brokers. */
const LAG_REFRESH_MS = 5_000;
/** How often partitions are looked at for a due checkpoint. */
const CHECKPOINT_TICK_MS = 250;

type GroupJoin = InstrumentationEvent<{ memberId: string; memberAssignment: Record<string, number[]> }>;

/**
 * `anomaly-lens run`: starts and stops the parts wiring.ts connects (consumer group, batch
 * runner, sink, dead letters, commits, checkpoints, health endpoints), in order. Each
 * concern lives in its own file beside this one (docs/code-map.md).
 */
export class DetectorService {
  readonly metrics: DetectorMetrics;
  private readonly logger: Logger;
  private readonly clock: Clock;
  private readonly p: Pipeline;
  private readonly http: HealthServer;
  private readonly onFatal: (error: Error) => void;
  /** Aborted when stop() is called, to cut waits short (see untilStop). */
  private readonly stopSignal = new AbortController();
  private readonly timers: Array<() => void> = [];
  /** consumer.run() has been called (pause and commit need a running consumer). */
  private consuming = false;
  private httpPort = 0;

  constructor(
    private readonly config: DetectorConfig,
    deps: ServiceDeps
  ) {
    this.logger = deps.logger;
    this.clock = deps.clock ?? systemClock;
    this.onFatal = deps.onFatal ?? (() => undefined);
    this.metrics = deps.metrics ?? new DetectorMetrics();
    const ctx = { config, clock: this.clock, metrics: this.metrics, logger: this.logger };
    this.p = buildPipeline(ctx, { ...deps, untilStop: (p) => this.untilStop(p) });
    this.http = new HealthServer({
      registry: this.metrics.registry,
      ready: () => this.readiness(),
      status: () => this.status(),
    });
  }

  /** Points scored since start. */
  get pointsScored(): number {
    return this.p.health.pointsScored;
  }

  /** Wall-clock time the first batch was processed (0 = none yet). */
  get firstMessageAt(): number {
    return this.p.health.firstMessageAt;
  }

  /** The port the HTTP server listens on (useful with httpPort 0). */
  get port(): number {
    return this.httpPort;
  }

  readiness(): { ready: boolean; reasons: string[] } {
    return this.p.health.readiness();
  }

  status(): StreamStatus {
    const policy = this.p.policy?.status();
    return policy ? { ...this.p.health.status(), policy } : this.p.health.status();
  }

  async start(): Promise<void> {
    const { config: c, p } = this;
    p.health.startedAt = this.clock.now();
    this.httpPort = await this.http.listen(c.httpPort, c.httpHost);
    this.logger.info(
      { port: this.httpPort },
      'HTTP server listening (/metrics /healthz /readyz /api/status)'
    );
    void p.probe.probe();
    const { GROUP_JOIN, CRASH, STOP, DISCONNECT } = p.consumer.events;
    p.consumer.on(GROUP_JOIN, (e) => this.joined(e));
    p.consumer.on(CRASH, (e) => {
      p.health.groupJoined = false;
      this.logger.error({ err: e.payload.error, restart: e.payload.restart }, 'consumer crashed');
      // kafkajs restarts after retriable errors; otherwise exit so a supervisor restarts us.
      if (!e.payload.restart) this.onFatal(e.payload.error);
    });
    p.consumer.on(STOP, () => (p.health.groupJoined = false));
    p.consumer.on(DISCONNECT, () => (p.health.groupJoined = false));

    // kafkajs would retry a refused TLS handshake forever; fail with the reason instead.
    await verifyKafkaTls(c);
    await p.producer.connect();
    await p.admin.connect();
    const topics = c.inputTopics.map((t) => t.topic);
    const pause = (ms: number) => this.untilStop(this.clock.sleep(ms));
    if (!(await p.topicWait.untilExist(topics, () => p.health.stopping, pause))) return;
    if (p.checkpoints) {
      await p.checkpoints.store.ensureTopic(topics);
      this.logger.info(
        { topic: c.modelsTopic, intervalMs: c.checkpointIntervalMs },
        'model states are checkpointed and restored on partition assignment'
      );
    }
    await p.consumer.connect();
    await p.consumer.subscribe({ topics, fromBeginning: c.fromBeginning });
    await p.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: c.kafkaConcurrency,
      eachBatch: (payload) => p.runner.eachBatch(payload),
    });
    this.consuming = true;
    this.startTimers();
    this.logger.info({ topics: c.inputTopics, groupId: c.kafkaGroupId }, 'consuming');
  }

  private startTimers(): void {
    const { p } = this;
    const every = (ms: number, fn: () => unknown) => this.timers.push(this.clock.every(ms, () => void fn()));
    if (p.policy) this.timers.push(p.policy.watch());
    const running = () => p.health.groupJoined && !p.health.stopping;
    const cp = p.checkpoints;
    if (cp) {
      every(CHECKPOINT_TICK_MS, () => running() && cp.scheduler.due(p.assignment.generation));
    } else {
      every(this.config.commitIntervalMs, () => p.committer.commit());
      // With checkpoints, idle series are forgotten inside their partition's checkpoint (a
      // tombstone in the same step), so a restore never revives a forgotten series.
      every(60_000, () => {
        const evicted = p.processor.evictIdle(this.config.seriesIdleTimeoutS * 1000);
        if (evicted > 0) this.logger.info({ evicted }, 'forgot idle series');
        p.seriesCap.noteActiveSeries();
      });
    }
    every(PROBE_INTERVAL_MS, () => p.probe.probeIfIdle());
    every(LAG_REFRESH_MS, () => running() && p.lag.refresh());
  }

  /**
   * A new generation restarts each partition at its committed offset: commit what is
   * acknowledged, then forget the old generation's bookkeeping. With checkpoints, offsets
   * move only together with the saved states, so nothing is committed here: every series
   * is dropped and reloaded as of its partition's committed offset.
   */
  private joined(e: GroupJoin): void {
    const { p } = this;
    const acknowledged = p.tracker.takeCommittable();
    p.tracker.reset();
    const generation = p.assignment.join(e.payload.memberAssignment);
    if (p.checkpoints) {
      p.processor.clear();
      this.metrics.activeSeries.set(0);
    } else {
      void p.committer.commit(acknowledged);
    }
    p.lag.clear();
    p.health.groupJoined = true;
    if (p.checkpoints) {
      const partitions = p.assignment.partitionsOf(this.config.inputTopics.map((t) => t.topic));
      p.checkpoints.scheduler.assign(partitions);
      p.checkpoints.restorer.start(partitions, generation);
    }
    this.logger.info(
      { memberId: e.payload.memberId, assignment: e.payload.memberAssignment },
      'joined consumer group'
    );
  }

  /** `p`, or false as soon as stop() is called (see untilAborted). */
  private untilStop<T>(p: Promise<T>): Promise<T | false> {
    return untilAborted(p, this.stopSignal.signal);
  }

  /** Graceful shutdown: stop fetching, drain the sink, checkpoint or commit, leave the group. */
  async stop(): Promise<void> {
    const { p } = this;
    if (p.health.stopping) return;
    p.health.stopping = true;
    this.stopSignal.abort();
    const t0 = this.clock.now();
    this.logger.info('shutting down: stop fetching, flush, commit, leave group');
    for (const cancel of this.timers) cancel();
    // Each step runs even if an earlier one failed (e.g. a start that never got running),
    // so the process is never left holding connections.
    const step = async (what: string, fn: () => unknown) => {
      try {
        await fn();
      } catch (e) {
        this.logger.warn({ err: e }, `shutdown: ${what} failed`);
      }
    };
    const topics = this.config.inputTopics.map((t) => ({ topic: t.topic }));
    if (this.consuming) await step('pause', () => p.consumer.pause(topics));
    const deadline = t0 + this.config.shutdownTimeoutMs;
    while (p.runner.active > 0 && this.clock.now() < deadline) await this.clock.sleep(20);
    const drained = await p.sink.flush(Math.max(0, deadline - this.clock.now()));
    if (!drained)
      this.logger.warn(
        { pending: p.sink.pending },
        'sink not drained before the shutdown timeout; unacknowledged points will be re-read'
      );
    const cp = p.checkpoints;
    // A restore a late rebalance started still uses the Kafka clients: let it end first.
    const restoring = cp?.restorer.settled();
    if (restoring)
      await step('restores', () =>
        settlesWithin(restoring, Math.max(0, deadline - this.clock.now()), this.clock)
      );
    if (this.consuming && cp && drained)
      await step('checkpoint', () => cp.scheduler.all(p.assignment.generation));
    else if (this.consuming && !cp) await step('commit', () => p.committer.commit());
    p.sink.close();
    await step('leave the consumer group', () => p.consumer.disconnect());
    await step('disconnect the producer', () => p.producer.disconnect());
    await step('disconnect the admin client', () => p.admin.disconnect());
    p.client.close();
    await step('close the HTTP server', () => this.http.close());
    this.logger.info({ ms: this.clock.now() - t0, drained }, 'stopped');
  }
}
