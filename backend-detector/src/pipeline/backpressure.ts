import type { Logger } from 'pino';
import type { DetectorMetrics } from '../health/metrics';
import type { RemoteWriteSink } from '../sink/sink';
import { settlesWithin, type Clock } from './clock';

/** How often a batch held back by the sink heartbeats to its group. */
const HEARTBEAT_WHILE_HELD_MS = 1000;

/**
 * Consumption held back because the sink is behind (its backlog is full, or a checkpoint
 * waits on it): counted so /api/status and the backpressure gauge can say so.
 */
export class Backpressure {
  private held = 0;

  constructor(
    private readonly sink: Pick<RemoteWriteSink, 'hasCapacity' | 'pending' | 'waitForCapacity'>,
    private readonly clock: Clock,
    private readonly metrics: Pick<DetectorMetrics, 'backpressure'>,
    private readonly logger: Logger
  ) {}

  get active(): boolean {
    return this.held > 0;
  }

  hold(delta: 1 | -1): void {
    this.held += delta;
    this.metrics.backpressure.set(this.held > 0 ? 1 : 0);
  }

  /** Hold the batch (heartbeating) until the sink has room again or `running()` turns false. */
  async waitForSink(heartbeat: () => Promise<void>, running: () => boolean): Promise<void> {
    this.hold(1);
    this.logger.debug({ pending: this.sink.pending }, 'sink backlog full, pausing consumption');
    try {
      while (!this.sink.hasCapacity && running()) {
        await settlesWithin(this.sink.waitForCapacity(), HEARTBEAT_WHILE_HELD_MS, this.clock);
        await heartbeat();
      }
    } finally {
      this.hold(-1);
    }
  }
}
