import type { AckTarget } from '../sink/sink';
import { parsePartitionKey, partitionKey, type PartitionKey } from './partition-key';

export interface TopicPartitionOffset {
  topic: string;
  partition: number;
  /** The next offset to read, as Kafka commits it. */
  offset: string;
}

/**
 * One fetched batch of one partition: done once it is sealed (every point of it was
 * handed to the sink) and the sink acknowledged all of them.
 */
export class Ticket implements AckTarget {
  private outstanding = 0;
  private sealed = false;

  constructor(
    readonly generation: number,
    /** Offset of the batch's last message (lowered by seal() if the batch ended early). */
    public lastOffset: string,
    private readonly onDone: () => void
  ) {}

  get done(): boolean {
    return this.sealed && this.outstanding === 0;
  }

  /** `n` more samples of this batch were handed to the sink. */
  expect(n: number): void {
    this.outstanding += n;
  }

  ack(n: number): void {
    this.outstanding -= n;
    if (this.done) this.onDone();
  }

  /** Every point up to `lastOffset` (default: the whole batch) was handed to the sink. */
  seal(lastOffset?: string): void {
    if (lastOffset !== undefined) this.lastOffset = lastOffset;
    this.sealed = true;
    if (this.done) this.onDone();
  }
}

interface PartitionState {
  tickets: Ticket[];
  /** whenAcknowledgedThrough() callers, by the offset they wait for. */
  through: Array<{ offset: bigint; resolve: (settled: boolean) => void }>;
  /** Highest offset whose batch and all earlier ones are done, not yet committed. */
  committable?: string;
}

/**
 * At-least-once bookkeeping: a partition's offset may be committed only up to the end
 * of the longest prefix of its batches that the sink fully acknowledged. Batches finish
 * out of order (sharded sink), so done tickets wait behind earlier unfinished ones.
 */
export class OffsetTracker {
  private readonly partitions = new Map<PartitionKey, PartitionState>();
  private gen = 0;

  get generation(): number {
    return this.gen;
  }

  open(topic: string, partition: number, lastOffset: string): Ticket {
    const key = partitionKey(topic, partition);
    let state = this.partitions.get(key);
    if (!state) {
      state = { tickets: [], through: [] };
      this.partitions.set(key, state);
    }
    const owner = state;
    const gen = this.gen;
    const ticket = new Ticket(gen, lastOffset, () => {
      if (gen === this.gen) this.advance(owner);
    });
    state.tickets.push(ticket);
    return ticket;
  }

  /** Drop a ticket under which nothing was processed (its batch will be fetched again). */
  discard(ticket: Ticket): void {
    for (const s of this.partitions.values()) {
      const i = s.tickets.indexOf(ticket);
      if (i >= 0) {
        s.tickets.splice(i, 1);
        this.advance(s);
        return;
      }
    }
  }

  /** Unfinished batches across partitions. */
  get inFlight(): number {
    let n = 0;
    for (const s of this.partitions.values()) n += s.tickets.length;
    return n;
  }

  /**
   * Resolves true once every batch of the partition that ends at or before `offset` is fully
   * acknowledged (later batches may still be open), or false on a reset. Meant to be called
   * between batches, when every open batch of the partition is sealed.
   */
  whenAcknowledgedThrough(topic: string, partition: number, offset: bigint): Promise<boolean> {
    const s = this.partitions.get(partitionKey(topic, partition));
    if (!s || s.tickets.length === 0 || BigInt(s.tickets[0].lastOffset) > offset)
      return Promise.resolve(true);
    return new Promise((resolve) => s.through.push({ offset, resolve }));
  }

  /** Offsets ready to commit since the last call (consumed by the call). */
  takeCommittable(): TopicPartitionOffset[] {
    const out: TopicPartitionOffset[] = [];
    for (const [key, s] of this.partitions) {
      if (s.committable === undefined) continue;
      const { topic, partition } = parsePartitionKey(key);
      out.push({ topic, partition, offset: (BigInt(s.committable) + 1n).toString() });
      s.committable = undefined;
    }
    return out;
  }

  /** Put offsets back when a commit failed, unless newer ones were recorded meanwhile. */
  restore(offsets: TopicPartitionOffset[]): void {
    for (const o of offsets) {
      const s = this.partitions.get(partitionKey(o.topic, o.partition));
      if (s && s.committable === undefined) s.committable = (BigInt(o.offset) - 1n).toString();
    }
  }

  /**
   * After a rebalance the group restarts every partition from its committed offset:
   * forget all bookkeeping so acknowledgements of the old generation commit nothing.
   */
  reset(): void {
    this.gen++;
    for (const s of this.partitions.values()) {
      for (const w of s.through.splice(0)) w.resolve(false);
    }
    this.partitions.clear();
  }

  private advance(s: PartitionState): void {
    while (s.tickets.length > 0 && s.tickets[0].done) {
      s.committable = s.tickets.shift()!.lastOffset;
    }
    if (s.through.length > 0) {
      const oldest = s.tickets.length === 0 ? undefined : BigInt(s.tickets[0].lastOffset);
      s.through = s.through.filter((w) => {
        if (oldest !== undefined && oldest <= w.offset) return true;
        w.resolve(true);
        return false;
      });
    }
  }
}
