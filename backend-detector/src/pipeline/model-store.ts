import { randomBytes } from 'node:crypto';
import type { Admin, IHeaders, Kafka, Message, Producer } from 'kafkajs';
import type { Logger } from 'pino';
import { parseCheckpointKey } from './model-records';

/** One record for the model-state topic: a state, or a tombstone (value null) for a forgotten series. */
export interface StateRecord {
  key: string;
  value: Buffer | null;
  headers?: IHeaders;
  /** The input partition the series belongs to (picks the models partition). */
  sourcePartition: number;
}

export interface ModelStoreOptions {
  topic: string;
  /** The detector's consumer group: restore readers use short-lived groups named after it. */
  groupId: string;
  /** Bytes per produce request (the broker's default message.max.bytes is ~1 MB). */
  maxRequestBytes?: number;
  /** Give up a restore that has not reached the end of the topic after this long. */
  restoreTimeoutMs?: number;
}

export class RestoreTimeoutError extends Error {
  readonly retriable = true;
  constructor(topic: string, ms: number) {
    super(`reading model states from ${topic} did not finish within ${ms} ms`);
    this.name = 'RestoreTimeoutError';
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A restore reader's own consumer group, unique per load. Process id and time alone were not:
 * after a rebalance every member restores at about the same moment, and detectors in
 * containers all run as pid 1, so two readers could join one group, split the models
 * partitions between them and each wait for the ones the other got until the restore timed
 * out (seen with two detectors in one test process).
 */
export function restoreGroupId(groupId: string): string {
  return `${groupId}.restore.${process.pid}.${Date.now().toString(36)}.${randomBytes(6).toString('hex')}`;
}

/**
 * Kafka I/O of the compacted model-state topic: creating it, writing checkpoints in bounded
 * requests, and reading back the latest record of every series of some input partitions.
 *
 * A series' state goes to models partition `input partition mod N`, so a detector restoring
 * input partition p reads one models partition, not the whole topic. kafkajs has no manual
 * partition assignment, so a restore reads through a short-lived consumer group of its own and
 * pauses the partitions it does not need.
 */
export class ModelStore {
  private partitions = 0;
  private readonly maxRequestBytes: number;
  private readonly restoreTimeoutMs: number;

  constructor(
    private readonly kafka: Kafka,
    private readonly producer: Producer,
    private readonly admin: Admin,
    private readonly opts: ModelStoreOptions,
    private readonly logger: Logger
  ) {
    this.maxRequestBytes = opts.maxRequestBytes ?? 512 * 1024;
    this.restoreTimeoutMs = opts.restoreTimeoutMs ?? 120_000;
  }

  get topic(): string {
    return this.opts.topic;
  }

  /**
   * Use the topic if it exists (its partition count decides the placement), or create it
   * compacted with as many partitions as the largest input topic.
   */
  async ensureTopic(inputTopics: string[]): Promise<void> {
    const topic = this.opts.topic;
    const existing = await this.admin.listTopics();
    if (!existing.includes(topic)) {
      const meta = await this.admin.fetchTopicMetadata({ topics: inputTopics });
      const numPartitions = Math.max(1, ...meta.topics.map((t) => t.partitions.length));
      try {
        await this.admin.createTopics({
          waitForLeaders: true,
          topics: [
            {
              topic,
              numPartitions,
              configEntries: [
                { name: 'cleanup.policy', value: 'compact' },
                // Roll segments often enough that compaction keeps restores short.
                { name: 'segment.ms', value: String(15 * 60_000) },
                { name: 'min.cleanable.dirty.ratio', value: '0.2' },
                { name: 'max.message.bytes', value: String(8 * 1024 * 1024) },
              ],
            },
          ],
        });
        this.logger.info({ topic, numPartitions }, 'created the compacted model-state topic');
      } catch (e) {
        // Another detector of the group may have created it at the same moment.
        if (!(await this.admin.listTopics()).includes(topic)) throw e;
      }
    }
    const [meta] = (await this.admin.fetchTopicMetadata({ topics: [topic] })).topics;
    this.partitions = meta.partitions.length;
  }

  partitionFor(sourcePartition: number): number {
    if (this.partitions === 0) throw new Error('ModelStore.ensureTopic() must run first');
    return sourcePartition % this.partitions;
  }

  /** Write records in requests of at most maxRequestBytes; returns the bytes written. */
  async write(records: Iterable<StateRecord>, between?: () => Promise<void>): Promise<number> {
    let chunk: Message[] = [];
    let chunkPartitions: number[] = [];
    let chunkBytes = 0;
    let total = 0;
    const flush = async () => {
      if (chunk.length === 0) return;
      await this.producer.send({
        topic: this.opts.topic,
        acks: -1,
        messages: chunk.map((m, i) => ({ ...m, partition: chunkPartitions[i] })),
      });
      total += chunkBytes;
      chunk = [];
      chunkPartitions = [];
      chunkBytes = 0;
      if (between) await between();
    };
    for (const r of records) {
      const size = r.key.length + (r.value?.length ?? 0) + 64;
      if (chunkBytes + size > this.maxRequestBytes) await flush();
      chunk.push({ key: r.key, value: r.value, headers: r.headers });
      chunkPartitions.push(this.partitionFor(r.sourcePartition));
      chunkBytes += size;
    }
    await flush();
    return total;
  }

  /**
   * The latest record value of every series of the given input partitions (tombstoned
   * series are absent), read to the end of the topic as it was when the call started.
   */
  async load(
    wanted: Array<{ topic: string; partition: number }>,
    keepAlive?: () => Promise<void>
  ): Promise<Map<string, Buffer>> {
    const topic = this.opts.topic;
    const latest = new Map<string, Buffer>();
    if (wanted.length === 0) return latest;
    const wantedSources = new Set(wanted.map((w) => `${w.topic}\u0000${w.partition}`));
    const modelPartitions = new Set(wanted.map((w) => this.partitionFor(w.partition)));
    const ends = new Map<number, bigint>();
    for (const o of await this.admin.fetchTopicOffsets(topic)) {
      if (modelPartitions.has(o.partition) && BigInt(o.high) > BigInt(o.low))
        ends.set(o.partition, BigInt(o.high));
    }
    if (ends.size === 0) return latest;

    const consumer = this.kafka.consumer({
      groupId: restoreGroupId(this.opts.groupId),
      allowAutoTopicCreation: false,
      maxWaitTimeInMs: 250,
      maxBytesPerPartition: 8 * 1024 * 1024,
    });
    const remaining = new Set(ends.keys());
    let finish!: () => void;
    let fail!: (e: Error) => void;
    const done = new Promise<void>((resolve, reject) => {
      finish = resolve;
      fail = reject;
    });
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachBatch: async ({ batch }) => {
          if (!ends.has(batch.partition)) {
            consumer.pause([{ topic, partitions: [batch.partition] }]);
            return;
          }
          const end = ends.get(batch.partition)!;
          for (const m of batch.messages) {
            if (BigInt(m.offset) >= end) break;
            const key = m.key?.toString('utf8');
            const parsed = key === undefined ? undefined : parseCheckpointKey(key);
            if (parsed && wantedSources.has(`${parsed.topic}\u0000${parsed.partition}`)) {
              if (m.value === null) latest.delete(key!);
              else latest.set(key!, m.value);
            }
          }
          const last = BigInt(batch.lastOffset());
          if (last + 1n >= end && remaining.delete(batch.partition)) {
            consumer.pause([{ topic, partitions: [batch.partition] }]);
            if (remaining.size === 0) finish();
          }
        },
      });
      const deadline = Date.now() + this.restoreTimeoutMs;
      for (;;) {
        const outcome = await Promise.race([
          done.then(() => 'done' as const),
          sleep(1000).then(() => 'tick' as const),
        ]);
        if (outcome === 'done') break;
        if (keepAlive) await keepAlive();
        if (Date.now() > deadline) fail(new RestoreTimeoutError(topic, this.restoreTimeoutMs));
      }
      return latest;
    } finally {
      await consumer
        .disconnect()
        .catch((e: unknown) => this.logger.debug({ err: e }, 'restore reader disconnect failed'));
    }
  }
}
