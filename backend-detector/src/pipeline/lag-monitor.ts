import type { Admin } from 'kafkajs';
import type { Logger } from 'pino';
import type { DetectorMetrics } from '../health/metrics';
import type { PartitionLag } from '../health/status';
import type { Assignment } from './assignment';
import { partitionKey, type PartitionKey } from './partition-key';

export interface LagSource {
  groupId: string;
  /** Where a partition with nothing committed starts: the log start (true) or its end. */
  fromBeginning: boolean;
}

/** Consumer lag per owned partition, for /metrics and /api/status. */
export class LagMonitor {
  private readonly lag = new Map<PartitionKey, PartitionLag>();

  constructor(
    private readonly admin: Pick<Admin, 'fetchOffsets' | 'fetchTopicOffsets'>,
    private readonly assignment: Assignment,
    private readonly source: LagSource,
    private readonly metrics: Pick<DetectorMetrics, 'consumerLag'>,
    private readonly logger: Logger
  ) {}

  get partitions(): PartitionLag[] {
    return [...this.lag.values()];
  }

  /** Forget every partition (a new generation owns others). */
  clear(): void {
    this.lag.clear();
    this.metrics.consumerLag.reset();
  }

  set(topic: string, partition: number, lag: bigint): void {
    const n = Math.max(0, Number(lag));
    this.lag.set(partitionKey(topic, partition), { topic, partition, lag: n });
    this.metrics.consumerLag.set({ topic, partition: String(partition) }, n);
  }

  /**
   * Lag from the brokers' high watermarks, so it keeps growing while consumption is paused
   * or stuck (batches alone would freeze it at its last value). Partitions not processed
   * yet since the last join are measured from the group's committed offset.
   */
  async refresh(): Promise<void> {
    try {
      const owned = this.assignment.byTopic;
      const topics = Object.keys(owned);
      if (topics.length === 0) return;
      const committed = await this.admin.fetchOffsets({ groupId: this.source.groupId, topics });
      for (const { topic, partitions } of committed) {
        const mine = new Set(owned[topic] ?? []);
        const highs = await this.admin.fetchTopicOffsets(topic);
        for (const h of highs) {
          if (!mine.has(h.partition)) continue;
          const commit = partitions.find((p) => p.partition === h.partition)?.offset;
          // Nothing committed yet: the group starts at the log start (or end) offset.
          const start = this.source.fromBeginning ? BigInt(h.low) : undefined;
          const position =
            this.assignment.position(partitionKey(topic, h.partition)) ??
            (commit && commit !== '-1' ? BigInt(commit) : start);
          if (position !== undefined) this.set(topic, h.partition, BigInt(h.high) - position);
        }
      }
    } catch (e) {
      this.logger.debug({ err: e }, 'consumer lag refresh failed');
    }
  }
}
