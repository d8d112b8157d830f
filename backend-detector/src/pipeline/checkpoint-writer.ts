import type { Logger } from 'pino';
import type { DetectorMetrics } from '../health/metrics';
import type { Assignment } from './assignment';
import { nextTurn, type Clock } from './clock';
import { CheckpointCapture, type CheckpointSlice } from './checkpoint-capture';
import type { LastCheckpoint } from './checkpoint-scheduler';
import type { DetectorStateCodec } from './model-records';
import type { ModelStore, StateRecord } from './model-store';
import type { OffsetTracker, TopicPartitionOffset } from './offsets';
import type { PartitionLock } from './partition-lock';
import { partitionKey, type TopicPartition } from './partition-key';

/**
 * Longest a checkpoint holds a partition's processing to capture states (one slice); at
 * 10,000 series a partition's capture takes ~0.5 s, which in one piece showed up as p99 latency.
 */
const CHECKPOINT_SLICE_MS = 20;
/** Taken states waiting to be written, at most (then taking waits for the writes). */
const CHECKPOINT_PENDING_BYTES = 16 * 1024 * 1024;

export interface CheckpointWriterDeps {
  codec: DetectorStateCodec;
  store: Pick<ModelStore, 'write'>;
  processor: Pick<import('./processor').Processor, 'evictIdleOf' | 'markDirty' | 'takeCheckpoints'>;
  assignment: Assignment;
  lock: PartitionLock;
  tracker: Pick<OffsetTracker, 'whenAcknowledgedThrough'>;
  commit: (offsets: TopicPartitionOffset[]) => Promise<void>;
  /** `p`, or false once the service stops (a checkpoint must not hold up a stop on a sink outage). */
  untilStop: <T>(p: Promise<T>) => Promise<T | false>;
  /** Series were forgotten (the active-series gauge follows). */
  seriesForgotten: () => void;
  idleTimeoutMs: number;
  clock: Clock;
  metrics: Pick<
    DetectorMetrics,
    'checkpoints' | 'checkpointStatesWritten' | 'checkpointBytesWritten' | 'checkpointDuration'
  >;
  logger: Logger;
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
export class CheckpointWriter {
  constructor(private readonly d: CheckpointWriterDeps) {}

  async run(
    { topic, partition }: TopicPartition,
    generation: number,
    last: LastCheckpoint,
    final: boolean
  ): Promise<{ committed: bigint } | { ok: boolean }> {
    const d = this.d;
    const key = partitionKey(topic, partition);
    const capture = new CheckpointCapture(d.codec, topic, partition);
    const t0 = d.clock.now();
    let evicted = 0;
    const takeSlice = (first: boolean) =>
      d.lock.run(key, async (): Promise<CheckpointSlice | undefined> => {
        if (generation !== d.assignment.generation) return undefined;
        const next = d.assignment.position(key);
        if (next === undefined) return undefined;
        let tombstones: StateRecord[] = [];
        if (first) {
          if (last.next === next) return undefined;
          const idle = d.processor.evictIdleOf(topic, partition, d.idleTimeoutMs);
          evicted = idle.length;
          if (idle.length > 0) d.seriesForgotten();
          tombstones = capture.tombstones(idle);
        }
        const slice = capture.take(d.processor, next, d.clock.now() + CHECKPOINT_SLICE_MS, () =>
          d.clock.now()
        );
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
          const acknowledged = d.tracker.whenAcknowledgedThrough(topic, partition, slice.offset);
          const settled = final ? await acknowledged : await d.untilStop(acknowledged);
          if (!settled || generation !== d.assignment.generation) {
            failure = 'stopped';
            return;
          }
          written += await d.store.write(slice.records);
          states += slice.records.length;
        } catch (e) {
          failure = e instanceof Error ? e : new Error(String(e));
        } finally {
          pendingBytes -= slice.bytes;
        }
      });
    };

    const first = await takeSlice(true);
    if (!first) return { ok: true };
    write(first);
    while (!capture.done && !failure) {
      // Final checkpoints at shutdown take everything at once: nothing is processed any more.
      if (!final) await nextTurn();
      if (pendingBytes > CHECKPOINT_PENDING_BYTES) await writes;
      if (failure) break;
      const slice = await takeSlice(false);
      if (!slice) {
        // The partition went to another member (or the generation changed): nothing to commit.
        await writes;
        return { ok: true };
      }
      write(slice);
    }
    await writes;
    if (failure) {
      // Nothing is committed; the series written so far are ahead of the committed offset,
      // which restores handle (their re-read points are passed over). Save them all again.
      if (generation === d.assignment.generation) d.processor.markDirty(topic, partition);
      if (failure !== 'stopped') {
        d.metrics.checkpoints.inc({ result: 'error' });
        d.logger.warn({ err: failure, topic, partition }, 'writing model states failed; will retry');
      }
      return { ok: false };
    }
    d.metrics.checkpointStatesWritten.inc(states);
    d.metrics.checkpointBytesWritten.inc(written);
    if (evicted > 0) d.logger.info({ topic, partition, evicted }, 'forgot idle series');
    const next = capture.firstOffset + 1n;
    await d.commit([{ topic, partition, offset: next.toString() }]);
    d.metrics.checkpoints.inc({ result: 'ok' });
    d.metrics.checkpointDuration.observe((d.clock.now() - t0) / 1000);
    return { committed: next };
  }
}
