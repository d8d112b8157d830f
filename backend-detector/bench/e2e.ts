/**
 * End-to-end benchmark against the real services of `npm run services:up`:
 *  1. throughput: points/s from Kafka into Prometheus (remote-write acknowledged) through
 *     the detector, next to the raw kafkajs consume rate of the very same messages measured
 *     in the same run (the ceiling), and their ratio;
 *  2. latency: p50/p99 from produce to remote-write acknowledgement at a fixed load.
 * Skips with a message when Kafka or Prometheus is not reachable.
 */
import { Kafka, logLevel } from 'kafkajs';
import pino from 'pino';
import { loadConfig } from '../src/config/load';
import { createSeriesDetector } from '../src/model/detector';
import { Processor } from '../src/pipeline/processor';
import { DetectorService } from '../src/pipeline/service';
import { PacedProducer, type OutgoingMessage } from '../src/simulate/kafka';
import { planFleet, rowMessages, type FleetOptions } from '../src/simulate/kafka-plan';
import { METRIC_KINDS } from '../src/simulate/metrics';
import { portOpen } from '../test/support/services';

const KAFKA = process.env.ANOMALYLENS_BENCH_KAFKA ?? '127.0.0.1:9092';
const PROMETHEUS = process.env.ANOMALYLENS_BENCH_PROMETHEUS ?? 'http://127.0.0.1:9090';

export interface E2eOptions {
  hosts: number;
  rows: number;
  latencyRate: number;
  latencySeconds: number;
}

export const DEFAULT_E2E: E2eOptions = { hosts: 10, rows: 1600, latencyRate: 2000, latencySeconds: 10 };

export interface E2eResult {
  skipped?: string;
  points?: number;
  pipelinePointsPerSecond?: number;
  rawPointsPerSecond?: number;
  ratio?: number;
  /** Decode + score of the same messages in-process, no Kafka, no sink: the model's own ceiling. */
  scoringPointsPerSecond?: number;
  latencyRate?: number;
  latencyP50Ms?: number;
  latencyP99Ms?: number;
  latencySamples?: number;
}

const run = `bench-${Date.now().toString(36)}`;
const silent = pino({ level: process.env.ANOMALYLENS_BENCH_LOG_LEVEL ?? 'error' }, pino.destination(2));

function fleet(o: E2eOptions, startMs: number, rows: number): FleetOptions {
  return {
    hosts: o.hosts,
    metrics: METRIC_KINDS,
    length: rows,
    stepMs: 10_000,
    startMs,
    seed: 3,
    kinds: ['spike', 'level_shift'],
    anomaliesPerSeries: [0, 1],
    quietHosts: 0,
    labels: { bench: run },
  };
}

function detectorConfig(topic: string, group: string) {
  return loadConfig({
    ANOMALYLENS_KAFKA_BROKERS: KAFKA,
    ANOMALYLENS_REMOTE_WRITE_URL: `${PROMETHEUS}/api/v1/write`,
    ANOMALYLENS_INPUT_TOPICS: `${topic}:native`,
    ANOMALYLENS_KAFKA_GROUP_ID: group,
    ANOMALYLENS_KAFKA_FROM_BEGINNING: 'true',
    ANOMALYLENS_HTTP_HOST: '127.0.0.1',
    ANOMALYLENS_HTTP_PORT: '0',
    ANOMALYLENS_LOG_LEVEL: 'error',
    // Settings to try (e.g. ANOMALYLENS_REMOTE_WRITE_BATCH_SAMPLES) come from the environment.
    ...Object.fromEntries(
      Object.entries(process.env).filter(
        ([k]) => k.startsWith('ANOMALYLENS_') && !k.startsWith('ANOMALYLENS_BENCH_')
      )
    ),
  });
}

async function until(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`bench: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** The ceiling: a bare kafkajs consumer group reading the same messages, doing nothing. */
async function rawConsume(topic: string, messages: number, concurrency: number): Promise<number> {
  const kafka = new Kafka({ clientId: 'bench-raw', brokers: [KAFKA], logLevel: logLevel.ERROR });
  const consumer = kafka.consumer({ groupId: `${run}-raw`, maxWaitTimeInMs: 1000 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let seen = 0;
  let first = 0;
  let last = 0;
  await consumer.run({
    partitionsConsumedConcurrently: concurrency,
    eachBatch: async ({ batch }) => {
      if (first === 0) first = Date.now();
      seen += batch.messages.length;
      last = Date.now();
    },
  });
  await until(() => seen >= messages, 120_000, 'the raw consumer');
  await consumer.disconnect();
  return (last - first) / 1000;
}

/** Seconds to decode and score the messages in-process (samples discarded). */
function scoreInProcess(messages: Iterable<OutgoingMessage>): number {
  const values = [...messages].map((m) => Buffer.from(m.value));
  const proc = new Processor(
    { addPoint: () => undefined },
    { createDetector: () => createSeriesDetector(), maxMessageBytes: 1 << 20, maxSeries: 1e6, shards: 1 }
  );
  const ticket = { expect: () => undefined, ack: () => undefined };
  const started = process.hrtime.bigint();
  values.forEach((value, i) => {
    proc.process(
      { topic: 'bench', partition: 0, offset: String(i), key: null, value, timestamp: 0 },
      'native',
      ticket
    );
  });
  return Number(process.hrtime.bigint() - started) / 1e9;
}

async function throughput(o: E2eOptions, r: E2eResult): Promise<void> {
  const topic = `${run}-throughput`;
  const f = fleet(o, Date.now() - 86_400_000, o.rows);
  const series = planFleet(f);
  const producer = new PacedProducer({ brokers: [KAFKA], topic, partitions: 3, rate: 0, batch: 500 });
  await producer.connect();
  function* all(): Generator<OutgoingMessage> {
    for (let row = 0; row < o.rows; row++) yield* rowMessages(series, row);
  }
  const sent = await producer.sendAll(all());
  await producer.disconnect();
  const points = sent.points;

  const config = detectorConfig(topic, `${run}-detector`);
  let acked = 0;
  const service = new DetectorService(config, {
    logger: silent,
    createDetector: () => createSeriesDetector(),
    onAcknowledged: (ts) => (acked += ts.length),
  });
  await service.start();
  // Every point yields at least observed, score and anomalous; wait for all of them and an empty sink.
  await until(
    () => service.pointsScored >= points && acked >= points * 3 && service.status().sink.pendingSamples === 0,
    600_000,
    'the detector'
  );
  const pipelineSeconds = (Date.now() - service.firstMessageAt) / 1000;
  await service.stop();
  const rawSeconds = await rawConsume(topic, sent.messages, config.kafkaConcurrency);
  r.scoringPointsPerSecond = points / scoreInProcess(all());
  r.points = points;
  r.pipelinePointsPerSecond = points / pipelineSeconds;
  r.rawPointsPerSecond = points / Math.max(rawSeconds, 0.001);
  r.ratio = r.pipelinePointsPerSecond / r.rawPointsPerSecond;
}

async function latency(o: E2eOptions, r: E2eResult): Promise<void> {
  const topic = `${run}-latency`;
  const rows = Math.ceil((o.latencyRate * o.latencySeconds) / (o.hosts * METRIC_KINDS.length));
  const series = planFleet(fleet(o, Date.now(), rows));
  const producer = new PacedProducer({
    brokers: [KAFKA],
    topic,
    partitions: 3,
    rate: o.latencyRate,
    batch: 10,
  });
  await producer.connect();
  const lat: number[] = [];
  const service = new DetectorService(detectorConfig(topic, `${run}-latency`), {
    logger: silent,
    createDetector: () => createSeriesDetector(),
    onAcknowledged: (ts) => {
      const now = Date.now();
      for (const t of ts) lat.push(now - t);
    },
  });
  await service.start();
  await until(() => service.readiness().ready, 30_000, 'the detector to join');
  // Each row's points carry the wall-clock time they are handed to the producer.
  function* live(): Generator<OutgoingMessage> {
    let prev = 0;
    for (let row = 0; row < rows; row++) {
      for (const m of rowMessages(series, row)) {
        let now = Date.now();
        if (now <= prev) now = prev + 1; // strictly increasing per series
        prev = now;
        const points = (JSON.parse(m.value) as Array<Record<string, unknown>>).map((p) => ({
          ...p,
          ts: now,
        }));
        yield { ...m, value: JSON.stringify(points) };
      }
    }
  }
  const sent = await producer.sendAll(live());
  await producer.disconnect();
  await until(
    () => lat.length >= sent.points * 3 && service.status().sink.pendingSamples === 0,
    60_000,
    'the last acknowledgement'
  );
  await service.stop();
  lat.sort((a, b) => a - b);
  r.latencyRate = sent.points / sent.seconds;
  r.latencySamples = lat.length;
  r.latencyP50Ms = lat[Math.floor(lat.length * 0.5)];
  r.latencyP99Ms = lat[Math.floor(lat.length * 0.99)];
}

export async function benchEndToEnd(o: E2eOptions = DEFAULT_E2E): Promise<E2eResult> {
  const [kUp, pUp] = await Promise.all([portOpen(KAFKA), portOpen(PROMETHEUS)]);
  if (!kUp || !pUp) {
    return {
      skipped: `services not up (Kafka ${KAFKA} ${kUp ? 'up' : 'down'}, Prometheus ${PROMETHEUS} ${pUp ? 'up' : 'down'}): run \`npm run services:up\``,
    };
  }
  const r: E2eResult = {};
  await throughput(o, r);
  await latency(o, r);
  return r;
}

export function formatE2e(r: E2eResult): string {
  if (r.skipped) return `e2e Kafka → detector → Prometheus: skipped: ${r.skipped}`;
  const f = (x: number | undefined) => Math.round(x ?? 0).toLocaleString('en-US');
  return [
    `e2e throughput (${f(r.points)} points, Kafka → detector → Prometheus acknowledged): ${f(r.pipelinePointsPerSecond)} points/s`,
    `  ceiling: raw kafkajs consume of the same messages: ${f(r.rawPointsPerSecond)} points/s; ratio ${r.ratio?.toFixed(2)} (aim >= 0.5)`,
    `  peer: in-process decode + scoring of the same messages (no Kafka, no sink): ${f(r.scoringPointsPerSecond)} points/s; pipeline/scoring ratio ${((r.pipelinePointsPerSecond ?? 0) / (r.scoringPointsPerSecond ?? 1)).toFixed(2)}`,
    `e2e latency produce → remote-write ack at ${f(r.latencyRate)} points/s: p50 ${f(r.latencyP50Ms)} ms, p99 ${f(r.latencyP99Ms)} ms (${f(r.latencySamples)} samples)`,
  ].join('\n');
}

if (require.main === module) {
  benchEndToEnd()
    .then((r) => {
      process.stdout.write(formatE2e(r) + '\n');
      process.exit(0);
    })
    .catch((e: unknown) => {
      process.stderr.write(`bench e2e failed: ${String(e instanceof Error ? e.stack : e)}\n`);
      process.exit(1);
    });
}
