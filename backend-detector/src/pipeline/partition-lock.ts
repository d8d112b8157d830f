import { settlesWithin, type Clock } from './clock';
import type { PartitionKey } from './partition-key';

/** How often a waiter keeps its consumer session alive while the lock is held by another. */
const KEEP_ALIVE_MS = 1000;

/**
 * Work on one partition that must not interleave (its batches, the slices of its
 * checkpoints) runs one at a time, in arrival order; other partitions are not held up.
 */
export class PartitionLock {
  private readonly tails = new Map<PartitionKey, Promise<void>>();

  constructor(
    private readonly clock: Clock,
    /** A waiter kept waiting past one keep-alive holds consumption back (+1), and lets go (-1). */
    private readonly holdBack: (delta: 1 | -1) => void = () => undefined
  ) {}

  /** Partitions with work running or waiting. */
  get busy(): number {
    return this.tails.size;
  }

  /**
   * Run `fn` once every earlier holder of `key` is done. A waiter with `keepAlive` calls it
   * every second while it waits: kafkajs heartbeats only from its fetch loop, which a waiting
   * batch holds up, and a checkpoint holding the lock may wait on the sink for a while.
   */
  async run<T>(key: PartitionKey, fn: () => Promise<T>, keepAlive?: () => Promise<void>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => mine);
    this.tails.set(key, tail);
    try {
      if (keepAlive) await this.waitKeepingAlive(previous, keepAlive);
      else await previous;
      return await fn();
    } finally {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }

  private async waitKeepingAlive(previous: Promise<void>, keepAlive: () => Promise<void>): Promise<void> {
    // Waiting this long means a checkpoint is waiting on the sink: consumption of the
    // partition is paused by the sink, which is what the backpressure signal reports.
    let holding = false;
    try {
      while (!(await settlesWithin(previous, KEEP_ALIVE_MS, this.clock))) {
        if (!holding) this.holdBack(1);
        holding = true;
        await keepAlive().catch(() => undefined);
      }
    } finally {
      if (holding) this.holdBack(-1);
    }
  }
}
