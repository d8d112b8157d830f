import type { Clock } from './clock';
import { parsePartitionKey, partitionKey, type PartitionKey, type TopicPartition } from './partition-key';

/** When and where a partition's last checkpoint committed (`next`: the offset it committed). */
export interface LastCheckpoint {
  at: number;
  next?: bigint;
}

/** Runs one partition's checkpoint; returns the offset it committed, or whether it gave up. */
export type CheckpointRun = (
  tp: TopicPartition,
  generation: number,
  last: LastCheckpoint,
  final: boolean
) => Promise<{ committed: bigint } | { ok: boolean }>;

/**
 * When each owned partition is checkpointed: every `intervalMs`, spread over the interval
 * so partitions do not all save at once, skipped when nothing was processed since the last
 * one. Checkpoints run one at a time across partitions, which bounds the memory their
 * captured states take, and a partition already queued is not queued twice.
 */
export class CheckpointScheduler {
  private readonly last = new Map<PartitionKey, LastCheckpoint>();
  private readonly queued = new Set<PartitionKey>();
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly intervalMs: number,
    private readonly clock: Clock,
    private readonly position: (key: PartitionKey) => bigint | undefined,
    private readonly run: CheckpointRun
  ) {}

  /** A new generation owns `partitions`: forget the old ones and stagger the new ones' first checkpoints. */
  assign(partitions: TopicPartition[]): void {
    this.last.clear();
    const now = this.clock.now();
    partitions.forEach((tp, i) =>
      this.last.set(partitionKey(tp.topic, tp.partition), {
        at: now - Math.floor((this.intervalMs * i) / partitions.length),
      })
    );
  }

  lastOf(key: PartitionKey): LastCheckpoint | undefined {
    return this.last.get(key);
  }

  /** Timer: queue every partition whose interval has elapsed and which moved since. */
  due(generation: number): void {
    const now = this.clock.now();
    for (const [key, cp] of this.last) {
      if (now - cp.at < this.intervalMs) continue;
      const next = this.position(key);
      cp.at = now;
      if (next === undefined || next === cp.next) continue;
      void this.schedule(key, generation);
    }
  }

  /**
   * Queue a partition's checkpoint behind the others; true once it committed (or had nothing
   * to do), false if it was queued already or gave up.
   */
  schedule(key: PartitionKey, generation: number, final = false): Promise<boolean> {
    if (this.queued.has(key)) return Promise.resolve(false);
    this.queued.add(key);
    const run = this.chain
      .then(async () => {
        const last = this.last.get(key);
        if (!last) return true;
        const result = await this.run(parsePartitionKey(key), generation, last, final);
        if (!('committed' in result)) return result.ok;
        // A new generation may have replaced the entry meanwhile: only record on the one we ran for.
        if (this.last.get(key) === last) this.last.set(key, { at: this.clock.now(), next: result.committed });
        return true;
      })
      .finally(() => this.queued.delete(key));
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** Final checkpoints of every partition (at shutdown, after the sink drained). */
  async all(generation: number): Promise<void> {
    // Checkpoints queued before the stop give up (they must not wait on the sink); the final
    // ones run after them.
    await this.chain;
    await Promise.all([...this.last.keys()].map((key) => this.schedule(key, generation, true)));
  }
}
