import type { Logger } from 'pino';
import type { DetectorMetrics } from '../health/metrics';
import type { OffsetTracker, TopicPartitionOffset } from './offsets';

export interface CommitTarget {
  commitOffsets(offsets: TopicPartitionOffset[]): Promise<void>;
}

/**
 * Commits offsets one request at a time, in the order asked: a checkpoint's offset is never
 * overtaken by an older periodic commit still in flight.
 */
export class OffsetCommitter {
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly consumer: CommitTarget,
    private readonly tracker: Pick<OffsetTracker, 'takeCommittable' | 'restore'>,
    private readonly metrics: Pick<DetectorMetrics, 'offsetCommits'>,
    private readonly logger: Logger
  ) {}

  /**
   * Commit every offset whose points the sink acknowledged, or exactly `taken` (a checkpoint's,
   * or the acknowledged offsets of a generation that just ended). A failed commit of the
   * tracker's offsets puts them back for the next try; `taken` ones are the caller's to retry.
   */
  commit(taken?: TopicPartitionOffset[]): Promise<void> {
    this.chain = this.chain.then(async () => {
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
    return this.chain;
  }
}
