/**
 * Shared plumbing of the integration suites: the real services of `npm run services:up`
 * (Kafka 127.0.0.1:9092, Prometheus 127.0.0.1:9090), a detector started in-process on
 * unique topics and group, and Prometheus HTTP API queries.
 */
import * as net from 'node:net';
import { Kafka, logLevel, type Message } from 'kafkajs';
import pino from 'pino';
import { loadConfig, type DetectorConfig } from '../../src/config/load';
import { streamingDetectorCodec, streamingDetectorFactory } from '../../src/pipeline/detector-codec';
import { DetectorService } from '../../src/pipeline/service';

export const KAFKA = process.env.ANOMALYLENS_TEST_KAFKA ?? '127.0.0.1:9092';
export const PROMETHEUS = process.env.ANOMALYLENS_TEST_PROMETHEUS ?? 'http://127.0.0.1:9090';

/** Whether something accepts TCP connections at `host:port` or a URL (1 s timeout). */
export function portOpen(hostPort: string): Promise<boolean> {
  const url = new URL(hostPort.includes('://') ? hostPort : `tcp://${hostPort}`);
  return new Promise((resolve) => {
    const s = net.connect({ host: url.hostname, port: Number(url.port) }, () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
    s.setTimeout(1000, () => {
      s.destroy();
      resolve(false);
    });
  });
}

/** Fail with the fix spelled out when the services are not up. */
export async function requireServices(): Promise<void> {
  const [k, p] = await Promise.all([portOpen(KAFKA), portOpen(PROMETHEUS)]);
  if (!k || !p) {
    throw new Error(
      `integration tests need the real services (Kafka ${KAFKA}: ${k ? 'up' : 'DOWN'}, Prometheus ${PROMETHEUS}: ${p ? 'up' : 'DOWN'}); run \`npm run services:up\``
    );
  }
}

/** A name no other run uses: topics, groups and the `run` label. */
export function uniqueId(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e6).toString(36)}`;
}

export function kafkaClient(): Kafka {
  return new Kafka({ clientId: 'anomaly-lens-it', brokers: [KAFKA], logLevel: logLevel.ERROR });
}

export async function createTopics(topics: string[], partitions = 2): Promise<void> {
  const admin = kafkaClient().admin();
  await admin.connect();
  try {
    await admin.createTopics({
      topics: topics.map((topic) => ({ topic, numPartitions: partitions })),
      waitForLeaders: true,
    });
  } finally {
    await admin.disconnect();
  }
}

/** Sends `messages` to `topic` with a short-lived producer. */
export async function produce(topic: string, messages: Message[]): Promise<void> {
  const producer = kafkaClient().producer();
  await producer.connect();
  try {
    await producer.send({ topic, messages });
  } finally {
    await producer.disconnect();
  }
}

/** Messages the group has committed on `topic`, over all partitions (nothing committed = 0). */
export async function committedCount(groupId: string, topic: string): Promise<number> {
  const admin = kafkaClient().admin();
  await admin.connect();
  try {
    const [t] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return t.partitions.reduce((n, p) => n + Math.max(0, Number(p.offset)), 0);
  } finally {
    await admin.disconnect();
  }
}

/** A detector on its own group, reading from the beginning, HTTP on a free port. */
export async function startDetector(
  env: Record<string, string>
): Promise<{ service: DetectorService; config: DetectorConfig }> {
  const config = loadConfig({
    ANOMALYLENS_KAFKA_BROKERS: KAFKA,
    ANOMALYLENS_REMOTE_WRITE_URL: `${PROMETHEUS}/api/v1/write`,
    ANOMALYLENS_KAFKA_FROM_BEGINNING: 'true',
    ANOMALYLENS_HTTP_HOST: '127.0.0.1',
    ANOMALYLENS_HTTP_PORT: '0',
    ANOMALYLENS_COMMIT_INTERVAL_MS: '200',
    ANOMALYLENS_CHECKPOINT_INTERVAL_MS: '500',
    ...env,
  });
  // Each run keeps its model states in a topic of its own, named after its input topic.
  if (env.ANOMALYLENS_MODELS_TOPIC === undefined)
    config.modelsTopic = `${config.inputTopics[0].topic}.models`;
  const logger = pino({ level: process.env.ANOMALYLENS_TEST_LOG_LEVEL ?? 'error' }, pino.destination(2));
  const service = new DetectorService(config, {
    logger,
    createDetector: streamingDetectorFactory(),
    stateCodec: streamingDetectorCodec(),
  });
  await service.start();
  return { service, config };
}

export async function waitFor<T>(
  what: string,
  fn: () => Promise<T | undefined> | T | undefined,
  timeoutMs: number,
  everyMs = 250
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline)
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`
      );
    // unref: a pending poll must not keep jest alive after a failed test.
    await new Promise((r) => setTimeout(r, everyMs).unref());
  }
}

/** Value of an unlabeled (or summed) counter on the detector's /metrics. */
export async function selfMetric(port: number, name: string, labels = ''): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    if (rest[0] !== ' ' && rest[0] !== '{') continue;
    if (labels && !rest.includes(labels)) continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

export interface PromSeries {
  metric: Record<string, string>;
  values?: Array<[number, string]>;
  value?: [number, string];
}

export async function promQuery(query: string, time?: number): Promise<PromSeries[]> {
  const params = new URLSearchParams({ query });
  if (time !== undefined) params.set('time', String(time / 1000));
  const res = await fetch(`${PROMETHEUS}/api/v1/query?${params}`);
  const body = (await res.json()) as { status: string; error?: string; data: { result: PromSeries[] } };
  if (body.status !== 'success')
    throw new Error(`Prometheus query failed: ${body.error ?? res.status}: ${query}`);
  return body.data.result;
}

/** Sum of a scalar-per-series instant query. */
export async function promSum(query: string, time?: number): Promise<number> {
  const r = await promQuery(query, time);
  return r.reduce((n, s) => n + Number(s.value?.[1] ?? 0), 0);
}
