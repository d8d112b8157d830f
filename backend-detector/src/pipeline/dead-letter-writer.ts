import type { IHeaders, Message, Producer } from 'kafkajs';
import type { Logger } from 'pino';
import type { DetectorMetrics } from '../health/metrics';
import { LogLimiter } from '../health/log-limiter';
import { backoffDelay, type BackoffOptions } from '../retry/retry';
import type { Clock } from './clock';
import { chunkBySize, DLQ_REQUEST_BYTES, isTooLarge, recordBytes, shrink } from './dead-letters';
import type { DeadLetter } from './processor';

/** Headers a dead-lettered record carries, besides the original ones. */
export const DLQ_HEADERS = {
  reason: 'x-anomalylens-reason',
  detail: 'x-anomalylens-detail',
  topic: 'x-anomalylens-source-topic',
  partition: 'x-anomalylens-source-partition',
  offset: 'x-anomalylens-source-offset',
  timestamp: 'x-anomalylens-source-timestamp',
} as const;

/** The record a dead letter becomes: the original key, value and headers, plus why and whence. */
export function deadLetterRecord({ message: m, reason, detail }: DeadLetter): Message {
  const headers: IHeaders = { ...(m.headers as IHeaders | undefined) };
  headers[DLQ_HEADERS.reason] = reason;
  headers[DLQ_HEADERS.detail] = detail.slice(0, 1000);
  headers[DLQ_HEADERS.topic] = m.topic;
  headers[DLQ_HEADERS.partition] = String(m.partition);
  headers[DLQ_HEADERS.offset] = m.offset;
  headers[DLQ_HEADERS.timestamp] = String(m.timestamp);
  return { key: m.key, value: m.value, headers };
}

/**
 * Writes undecodable messages to the dead-letter topic, retrying until Kafka takes them, so
 * a batch's offset is committed only once its bad messages are kept.
 */
export class DeadLetterWriter {
  /** Dead letters written since start, by reason (for /api/status). */
  readonly byReason: Record<string, number> = {};
  private readonly logLimiter: LogLimiter;

  constructor(
    private readonly producer: Pick<Producer, 'send'>,
    private readonly topic: string,
    private readonly backoff: BackoffOptions,
    private readonly clock: Clock,
    private readonly metrics: Pick<DetectorMetrics, 'messagesInvalid' | 'dlqWriteFailures'>,
    private readonly logger: Logger
  ) {
    this.logLimiter = new LogLimiter(undefined, undefined, () => clock.now());
  }

  /** Write `letters`; false if `stopping()` turned true before Kafka took them all. */
  async write(
    letters: DeadLetter[],
    heartbeat: () => Promise<void>,
    stopping: () => boolean
  ): Promise<boolean> {
    for (const chunk of chunkBySize(letters.map(deadLetterRecord), DLQ_REQUEST_BYTES))
      if (!(await this.send(chunk, heartbeat, stopping))) return false;
    for (const { message: m, reason, detail } of letters) {
      this.metrics.messagesInvalid.inc({ topic: m.topic, reason });
      this.byReason[reason] = (this.byReason[reason] ?? 0) + 1;
      const { log, suppressed } = this.logLimiter.allow(`dlq:${reason}`);
      if (log) {
        this.logger.warn(
          {
            topic: m.topic,
            partition: m.partition,
            offset: m.offset,
            reason,
            ...(suppressed ? { suppressed } : {}),
          },
          `dead-lettered: ${detail}`
        );
      }
    }
    return true;
  }

  /**
   * One request, retried until Kafka takes it. The broker refusing it as too large cannot
   * pass by retrying: its records go one by one, and a record too large on its own goes
   * without its value (see dead-letters.ts).
   */
  private async send(
    chunk: Message[],
    heartbeat: () => Promise<void>,
    stopping: () => boolean
  ): Promise<boolean> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.producer.send({ topic: this.topic, messages: chunk });
        return true;
      } catch (e) {
        if (isTooLarge(e) && chunk.length > 1) {
          for (const one of chunk) if (!(await this.send([one], heartbeat, stopping))) return false;
          return true;
        }
        const smaller = isTooLarge(e) ? shrink(chunk[0]) : undefined;
        if (smaller) {
          this.logShrunk(chunk[0], smaller);
          chunk = [smaller];
          continue;
        }
        this.metrics.dlqWriteFailures.inc();
        this.logger.error({ err: e, attempt }, 'writing to the dead-letter topic failed, retrying');
        if (stopping()) return false;
        await this.clock.sleep(backoffDelay(attempt, this.backoff));
        await heartbeat().catch(() => undefined);
      }
    }
  }

  private logShrunk(original: Message, smaller: Message): void {
    const h = original.headers ?? {};
    const dropped = smaller.value === null && original.value === null ? 'key and original headers' : 'value';
    this.logger.warn(
      {
        bytes: recordBytes(original),
        topic: String(h[DLQ_HEADERS.topic]),
        partition: String(h[DLQ_HEADERS.partition]),
        offset: String(h[DLQ_HEADERS.offset]),
      },
      `dead letter larger than the broker accepts: written without its ${dropped}`
    );
  }
}
