import { partitionKey, type PartitionKey, type TopicPartition } from './partition-key';

/**
 * This member's share of the group: the partitions of the last join, which generation that
 * join started, and how far each partition has been processed since. Work started under an
 * older generation checks `generation` and stops, so a rebalance never mixes two.
 */
export class Assignment {
  private gen = 0;
  private owned: Record<string, number[]> = {};
  /** Next offset to process per partition, as far as this member has got. */
  private readonly next = new Map<PartitionKey, bigint>();

  get generation(): number {
    return this.gen;
  }

  /** Topics and their partitions, as the group assigned them. */
  get byTopic(): Readonly<Record<string, number[]>> {
    return this.owned;
  }

  /** A new generation: positions start over (each partition resumes at its committed offset). */
  join(memberAssignment: Record<string, number[]>): number {
    this.gen++;
    this.owned = memberAssignment;
    this.next.clear();
    return this.gen;
  }

  /** The assigned partitions of `topics`. */
  partitionsOf(topics: Iterable<string>): TopicPartition[] {
    const wanted = new Set(topics);
    const out: TopicPartition[] = [];
    for (const [topic, partitions] of Object.entries(this.owned)) {
      if (wanted.has(topic)) for (const partition of partitions) out.push({ topic, partition });
    }
    return out;
  }

  /** The next offset to process, once a batch of the partition was processed this generation. */
  position(key: PartitionKey): bigint | undefined {
    return this.next.get(key);
  }

  advance(topic: string, partition: number, next: bigint): void {
    this.next.set(partitionKey(topic, partition), next);
  }
}
