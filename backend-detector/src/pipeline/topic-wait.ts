import type { Admin } from 'kafkajs';
import type { Logger } from 'pino';
import { LogLimiter } from '../health/log-limiter';
import { backoffDelay } from '../retry/retry';
import type { Clock } from './clock';

/** Longest pause between looks for a missing input topic. */
const TOPIC_WAIT_MAX_MS = 10_000;

/**
 * Subscribing to a missing topic makes kafkajs fail ("This server does not host this
 * topic-partition"). Topics are often created by a separate job started alongside the
 * detector, so the service waits for them (not ready, saying why) with capped backoff
 * instead of exiting into a restart loop.
 */
export class TopicWait {
  /** Input topics not found on the brokers at the last look. */
  missing: string[] = [];
  /** One line per attempt at first, then one a minute while a topic stays missing. */
  private readonly log: LogLimiter;

  constructor(
    private readonly admin: Pick<Admin, 'listTopics'>,
    private readonly brokers: string,
    clock: Clock,
    private readonly logger: Logger
  ) {
    this.log = new LogLimiter(5, 60_000, () => clock.now());
  }

  /** True once every topic exists; false if `stopped` (an abortable sleep) ends the wait first. */
  async untilExist(
    wanted: string[],
    stopped: () => boolean,
    pause: (ms: number) => Promise<unknown>
  ): Promise<boolean> {
    for (let attempt = 0; !stopped(); attempt++) {
      const existing = new Set(await this.admin.listTopics());
      this.missing = wanted.filter((t) => !existing.has(t));
      if (this.missing.length === 0) {
        if (attempt > 0) this.logger.info({ topics: wanted }, 'input topics exist now');
        return true;
      }
      const delay = backoffDelay(attempt, { initialMs: 500, maxMs: TOPIC_WAIT_MAX_MS });
      const { log, suppressed } = this.log.allow('missing');
      if (log)
        this.logger.warn(
          {
            missing: this.missing,
            brokers: this.brokers,
            retryInMs: delay,
            ...(suppressed ? { suppressed } : {}),
          },
          `waiting for input topic(s) ${this.missing.join(', ')} to be created on ${this.brokers}`
        );
      await pause(delay);
    }
    return false;
  }
}
