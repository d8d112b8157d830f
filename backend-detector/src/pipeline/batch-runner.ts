import type { EachBatchPayload } from 'kafkajs';
import type { DetectorMetrics } from '../health/metrics';
import type { InputFormat } from '../ingest/types';
import type { RemoteWriteSink } from '../sink/sink';
import type { Assignment } from './assignment';
import type { Backpressure } from './backpressure';
import type { CheckpointRestorer } from './checkpoint-restorer';
import { nextTurn, type Clock } from './clock';
import type { LagMonitor } from './lag-monitor';
import type { OffsetTracker, Ticket } from './offsets';
import type { PartitionLock } from './partition-lock';
import { partitionKey } from './partition-key';
import type { DeadLetter, Processor, RawMessage } from './processor';
import type { StreamHealth } from './stream-health';

/** Heartbeat to the group at least this often while a batch waits on the sink. */
const HEARTBEAT_EVERY_MESSAGES = 256;
/**
 * Give the event loop a turn at least this often within a batch: remote-write requests are
 * posted (snappy runs on the thread pool) and their answers handled only then, so without
 * it the sink idles until the batch ends or fills it (e2e budget bench at 2,000 series:
 * consumption paused on a full sink 28-60 % of the time without, 0 % with; 9-16k → 18-21k points/s).
 */
const YIELD_EVERY_MESSAGES = 64;

export interface BatchRunnerDeps {
  formats: ReadonlyMap<string, InputFormat>;
  processor: Pick<Processor, 'process'> & Partial<Pick<Processor, 'policy'>>;
  sink: Pick<RemoteWriteSink, 'hasCapacity'>;
  tracker: Pick<OffsetTracker, 'open' | 'discard'>;
  assignment: Assignment;
  lock: PartitionLock;
  backpressure: Pick<Backpressure, 'waitForSink'>;
  /** Absent when checkpoints are off: partitions then start with fresh models. */
  restorer?: Pick<CheckpointRestorer, 'ready'>;
  /** Keeps a batch's dead letters; false if the service stopped before they were kept. */
  deadLetter: (letters: DeadLetter[], heartbeat: () => Promise<void>) => Promise<boolean>;
  lag: Pick<LagMonitor, 'set'>;
  health: StreamHealth;
  /** Called after each batch (the active-series gauge and the series cap follow). */
  afterBatch: () => void;
  clock: Clock;
  metrics: Pick<DetectorMetrics, 'messagesConsumed' | 'lastMessageTime'>;
}

/**
 * kafkajs's eachBatch: each batch of a partition, under the partition's lock and within its
 * generation, through the processor into the sink, holding back while the sink is full. The
 * batch's ticket is sealed at the last message processed; its offset is committed only once
 * the sink acknowledged every point (see OffsetTracker), and nothing after a stop or a
 * rebalance is processed.
 */
export class BatchRunner {
  /** Batches inside eachBatch now (a stop waits for them). */
  active = 0;

  constructor(private readonly d: BatchRunnerDeps) {}

  async eachBatch(p: EachBatchPayload): Promise<void> {
    const { batch } = p;
    const { health, assignment } = this.d;
    if (health.stopping || batch.isEmpty()) return;
    if (health.firstMessageAt === 0) health.firstMessageAt = this.d.clock.now();
    this.active++;
    try {
      const generation = assignment.generation;
      const current = () => generation === assignment.generation && p.isRunning() && !p.isStale();
      if (this.d.restorer) {
        // Series of a newly assigned partition continue from their saved states, never from a
        // fresh model: hold its first batch until the states are loaded.
        await this.d.restorer.ready(batch.topic, batch.partition, p.heartbeat);
        if (!current()) return;
      }
      await this.d.lock.run(
        partitionKey(batch.topic, batch.partition),
        async () => {
          if (!current()) return;
          const ticket = this.d.tracker.open(batch.topic, batch.partition, batch.lastOffset());
          try {
            await this.process(p, ticket, current);
          } catch (e) {
            // kafkajs retries the batch from its last resolved offset; an unsealed ticket
            // would hold back this partition's commits for good.
            this.d.tracker.discard(ticket);
            throw e;
          }
        },
        p.heartbeat
      );
    } finally {
      this.active--;
    }
  }

  private async process(
    { batch, resolveOffset, heartbeat, isRunning }: EachBatchPayload,
    ticket: Ticket,
    current: () => boolean
  ): Promise<void> {
    const { processor, sink, health } = this.d;
    const format = this.d.formats.get(batch.topic) ?? 'auto';
    const deadLetters: DeadLetter[] = [];
    const running = () => !health.stopping && isRunning();
    let last: string | undefined;
    let processed = 0;
    let sinceHeartbeat = 0;
    // One policy for the whole batch: a reload lands between batches, never inside one.
    const policy = processor.policy;
    for (const m of batch.messages) {
      if (!sink.hasCapacity) await this.d.backpressure.waitForSink(heartbeat, running);
      if (health.stopping || !current()) break;
      const raw: RawMessage = {
        topic: batch.topic,
        partition: batch.partition,
        offset: m.offset,
        key: m.key,
        value: m.value,
        timestamp: Number(m.timestamp),
        headers: m.headers,
      };
      const dl = processor.process(raw, format, ticket, policy);
      if (dl) deadLetters.push(dl);
      last = m.offset;
      processed++;
      if (++sinceHeartbeat >= HEARTBEAT_EVERY_MESSAGES) {
        sinceHeartbeat = 0;
        await heartbeat();
      }
      if (sinceHeartbeat % YIELD_EVERY_MESSAGES === 0) await nextTurn();
    }
    if (last === undefined) {
      // Nothing processed: the batch is fetched again (or by the partition's next owner).
      this.d.tracker.discard(ticket);
      return;
    }
    this.d.metrics.messagesConsumed.inc({ topic: batch.topic }, processed);
    health.messages.add(processed);
    health.lastMessageAt = this.d.clock.now();
    this.d.metrics.lastMessageTime.set(health.lastMessageAt / 1000);
    this.d.afterBatch();
    if (deadLetters.length > 0 && !(await this.d.deadLetter(deadLetters, heartbeat))) return;
    ticket.seal(last);
    resolveOffset(last);
    const next = BigInt(last) + 1n;
    this.d.assignment.advance(batch.topic, batch.partition, next);
    this.d.lag.set(batch.topic, batch.partition, BigInt(batch.highWatermark) - next);
  }
}
