/**
 * The Kafka side of `simulate`: a paced kafkajs producer. Points are sent in order, one
 * message per host per row (keyed by host so an entity stays on one partition), in order,
 * at a target rate in points per second (0 = as fast as the broker takes).
 */
import { CompressionTypes, Kafka, logLevel, Partitioners, type Message, type Producer } from 'kafkajs';

export interface ProducerOptions {
  brokers: string[];
  topic: string;
  /** Created with this many partitions if missing. */
  partitions: number;
  /** Target points per second; 0 = unpaced. */
  rate: number;
  /** Messages per producer.send call. */
  batch: number;
  clientId?: string;
}

export interface OutgoingMessage {
  key: string;
  value: string;
  /** Points in the message (pacing and progress count points, not messages). */
  points: number;
  /** Not sent before this wall-clock time (epoch ms): live data goes out when it happens. */
  notBefore?: number;
}

export interface SendStats {
  messages: number;
  points: number;
  seconds: number;
}

/**
 * One send at a time: concurrent kafkajs send() calls may reach the broker out of order,
 * and a host's points must arrive in time order (the detector drops older timestamps).
 */
const IN_FLIGHT = 1;

export class PacedProducer {
  private readonly kafka: Kafka;
  private producer?: Producer;

  constructor(private readonly o: ProducerOptions) {
    this.kafka = new Kafka({
      clientId: o.clientId ?? 'anomaly-lens-simulate',
      brokers: o.brokers,
      logLevel: logLevel.ERROR,
      retry: { retries: 8 },
    });
  }

  async connect(): Promise<void> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const existing = await admin.listTopics();
      if (!existing.includes(this.o.topic)) {
        await admin.createTopics({
          topics: [{ topic: this.o.topic, numPartitions: this.o.partitions }],
          waitForLeaders: true,
        });
      }
    } finally {
      await admin.disconnect();
    }
    this.producer = this.kafka.producer({
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await this.producer.connect();
  }

  /**
   * Send every message the iterator yields, pacing by points (and by `notBefore`);
   * `onProgress` is called after each acknowledged send with the running totals. Stops
   * early, after flushing what it holds, when `signal` aborts.
   */
  async sendAll(
    messages: Iterable<OutgoingMessage>,
    onProgress?: (s: SendStats) => void,
    signal?: AbortSignal
  ): Promise<SendStats> {
    const producer = this.producer;
    if (!producer) throw new Error('connect() first');
    const started = Date.now();
    const stats: SendStats = { messages: 0, points: 0, seconds: 0 };
    let queued = 0;
    const inFlight = new Set<Promise<void>>();
    let chunk: Message[] = [];
    let chunkPoints = 0;
    const flush = async () => {
      if (chunk.length === 0) return;
      const msgs = chunk;
      const pts = chunkPoints;
      chunk = [];
      chunkPoints = 0;
      const p = producer
        .send({ topic: this.o.topic, messages: msgs, compression: CompressionTypes.None })
        .then(() => {
          stats.messages += msgs.length;
          stats.points += pts;
          stats.seconds = (Date.now() - started) / 1000;
          onProgress?.(stats);
        })
        .finally(() => inFlight.delete(p));
      inFlight.add(p);
      if (inFlight.size >= IN_FLIGHT) await Promise.race(inFlight);
    };
    for (const m of messages) {
      if (signal?.aborted) break;
      if (m.notBefore !== undefined && m.notBefore - Date.now() > 5) {
        await flush();
        while (!signal?.aborted && Date.now() < m.notBefore) {
          await new Promise((r) => setTimeout(r, Math.min(500, m.notBefore! - Date.now())));
        }
        if (signal?.aborted) break;
      }
      if (this.o.rate > 0) {
        // Pace: the n-th point leaves no earlier than n / rate seconds after the start.
        const due = started + (queued / this.o.rate) * 1000;
        const wait = due - Date.now();
        if (wait > 5) {
          await flush();
          await new Promise((r) => setTimeout(r, wait));
        }
      }
      chunk.push({ key: m.key, value: m.value });
      chunkPoints += m.points;
      queued += m.points;
      if (chunk.length >= this.o.batch) await flush();
    }
    await flush();
    await Promise.all(inFlight);
    stats.seconds = (Date.now() - started) / 1000;
    return stats;
  }

  async disconnect(): Promise<void> {
    await this.producer?.disconnect();
  }
}
