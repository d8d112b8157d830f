import { createSeriesDetector } from '../../src/model/detector';
import {
  CHECKPOINT_HEADERS,
  checkpointKey,
  forestKey,
  parseCheckpointKey,
  decodeCheckpoint,
  encodeCheckpoint,
} from '../../src/pipeline/model-records';
import type { DetectorService } from '../../src/pipeline/service';
import { outputValues } from '../../src/sink/output-series';
import {
  createTopics,
  kafkaClient,
  produce,
  promQuery,
  requireServices,
  selfMetric,
  startDetector,
  uniqueId,
  waitFor,
} from '../support/services';

jest.setTimeout(150_000);

const HOSTS = 6;
const POINTS = 400;
const STEP_MS = 60_000;

/** A series with daily shape, noise and one spike, deterministic per host. */
function value(host: number, i: number): number {
  const x = Math.sin((i / 60) * Math.PI) * 10 + 50 + host;
  const noise = Math.sin(i * 12.9898 + host * 78.233) * 43758.5453;
  return x + (noise - Math.floor(noise) - 0.5) * 4 + (i === 300 + host ? 40 : 0);
}

function pointsOf(run: string, from: number, to: number, t0: number) {
  const out = [];
  for (let i = from; i < to; i++)
    for (let h = 0; h < HOSTS; h++)
      out.push({
        key: `host-${h}`,
        value: JSON.stringify({
          ts: t0 + i * STEP_MS,
          metric: 'cpu_utilization',
          value: value(h, i),
          labels: { host: `host-${h}`, run },
        }),
      });
  return out;
}

/** Raw samples of one output series in Prometheus, by timestamp (ms). */
async function samples(name: string, run: string, host: number, at: number): Promise<Map<number, number>> {
  const r = await promQuery(`${name}{run="${run}",host="host-${host}"}[2d]`, at);
  const out = new Map<number, number>();
  for (const [t, v] of r[0]?.values ?? []) out.set(Math.round(t * 1000), Number(v));
  return out;
}

async function modelsTopicRecords(
  topic: string
): Promise<Map<string, { value: Buffer | null; headers: Record<string, string> }>> {
  const kafka = kafkaClient();
  const admin = kafka.admin();
  await admin.connect();
  const offsets = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  const total = offsets.reduce((n, o) => n + Number(o.high) - Number(o.low), 0);
  const out = new Map<string, { value: Buffer | null; headers: Record<string, string> }>();
  const consumer = kafka.consumer({ groupId: uniqueId('read-models') });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  let seen = 0;
  await consumer.run({
    eachMessage: async ({ message }) => {
      seen++;
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(message.headers ?? {})) headers[k] = String(v);
      out.set(message.key!.toString('utf8'), { value: message.value, headers });
    },
  });
  await waitFor('the models topic to be read', () => (seen >= total ? true : undefined), 20_000, 100);
  await consumer.disconnect();
  return out;
}

describe('model state checkpoints in the compacted models topic (real Kafka + Prometheus)', () => {
  const run = uniqueId('ckpt');
  const topic = `${run}-in`;
  const group = `${run}-g`;
  const models = `${topic}.models`;
  const t0 = Date.now() - 2 * 86_400_000 + 3_600_000;
  const services: DetectorService[] = [];
  const env = { ANOMALYLENS_INPUT_TOPICS: topic, ANOMALYLENS_KAFKA_GROUP_ID: group };

  beforeAll(async () => {
    await requireServices();
    await createTopics([topic], 3);
  });
  afterAll(async () => {
    for (const s of services) await s.stop();
  });

  it('a restarted detector continues every series from its saved state: no warm-up, samples identical to an uninterrupted run', async () => {
    const half = 250;
    await produce(topic, pointsOf(run, 0, half, t0));
    const first = (await startDetector(env)).service;
    services.push(first);
    await waitFor(
      'the first half to be scored',
      () => (first.pointsScored >= half * HOSTS ? true : undefined),
      60_000
    );
    await first.stop();

    // Graceful stop wrote a final checkpoint: per series one compacted state record,
    // versioned, and its forest in a record of its own.
    const records = await modelsTopicRecords(models);
    expect(records.size).toBe(2 * HOSTS);
    let states = 0;
    for (const [key, r] of records) {
      const parsed = parseCheckpointKey(key)!;
      expect(r.headers[CHECKPOINT_HEADERS.stateVersion]).toMatch(/^\d+$/);
      expect(r.headers[CHECKPOINT_HEADERS.config]).toBeTruthy();
      if (parsed.kind === 'forest') continue;
      states++;
      const cp = decodeCheckpoint(r.value!);
      expect(key).toBe(checkpointKey(topic, cp.sourcePartition, cp.seriesKey));
      const forest = records.get(forestKey(topic, cp.sourcePartition, cp.seriesKey));
      expect(forest?.value?.length).toBeGreaterThan(1000);
      // Half the state or so lives in the forest record.
      expect(forest!.value!.length).toBeGreaterThan(r.value!.length / 2);
    }
    expect(states).toBe(HOSTS);

    await produce(topic, pointsOf(run, half, POINTS, t0));
    const second = (await startDetector(env)).service;
    services.push(second);
    await waitFor(
      'the second half to be scored',
      () => (second.pointsScored >= (POINTS - half) * HOSTS ? true : undefined),
      60_000
    );
    expect(
      await selfMetric(second.port, 'anomalylens_detector_states_restored_total', 'result="restored"')
    ).toBe(HOSTS);
    await second.stop();

    // Reference: each series fed to one detector, never interrupted.
    const at = Date.now();
    for (let h = 0; h < HOSTS; h++) {
      const detector = createSeriesDetector();
      const [score, expected] = await Promise.all([
        samples('anomalylens_score', run, h, at),
        samples('anomalylens_expected', run, h, at),
      ]);
      expect(score.size).toBe(POINTS);
      let compared = 0;
      for (let i = 0; i < POINTS; i++) {
        const ts = t0 + i * STEP_MS;
        const want = outputValues(detector.update(ts, value(h, i)));
        expect(score.get(ts)).toBe(want[1]);
        if (i >= half) {
          // Restored, not re-warming: the expected band is there from the first point on.
          expect(expected.get(ts)).toBe(want[3]);
          compared++;
        }
      }
      expect(compared).toBe(POINTS - half);
    }
  });

  it('rebuilds a series whose saved state it cannot read instead of misreading it', async () => {
    const own = uniqueId('ckpt-bad');
    const inTopic = `${own}-in`;
    await createTopics([inTopic], 1);
    const modelsTopic = `${inTopic}.models`;
    await createTopics([modelsTopic], 1);
    // A state written by a future detector version and one damaged in transit.
    const seriesKey = (h: number) => `cpu_utilization\u0000host\u0001host-${h}\u0000run\u0001${own}`;
    const good = encodeCheckpoint({
      sourceTopic: inTopic,
      sourcePartition: 0,
      seriesKey: seriesKey(0),
      offset: '0',
      metric: 'cpu_utilization',
      labels: { host: 'host-0', run: own },
      lastTimestamp: -Infinity,
      anomalous: false,
      model: Buffer.from('not a detector state'),
    });
    const damaged = Buffer.from(good);
    damaged[2] ^= 0xff;
    await produce(modelsTopic, [
      { key: checkpointKey(inTopic, 0, seriesKey(0)), value: good, partition: 0 },
      { key: checkpointKey(inTopic, 0, seriesKey(1)), value: damaged, partition: 0 },
    ]);
    const points = [];
    for (let i = 0; i < 100; i++)
      for (let h = 0; h < 2; h++)
        points.push({
          key: `host-${h}`,
          value: JSON.stringify({
            ts: t0 + i * STEP_MS,
            metric: 'cpu_utilization',
            value: value(h, i),
            labels: { host: `host-${h}`, run: own },
          }),
        });
    await produce(inTopic, points);
    const d = (
      await startDetector({ ANOMALYLENS_INPUT_TOPICS: inTopic, ANOMALYLENS_KAFKA_GROUP_ID: `${own}-g` })
    ).service;
    services.push(d);
    await waitFor('every point to be scored', () => (d.pointsScored >= 200 ? true : undefined), 60_000);
    expect(
      await selfMetric(d.port, 'anomalylens_detector_states_restored_total', 'result="incompatible"')
    ).toBe(2);
    // Both series started over with fresh models: their scores equal a fresh detector's.
    await d.stop();
    const at = Date.now();
    for (let h = 0; h < 2; h++) {
      const detector = createSeriesDetector();
      const score = await samples('anomalylens_score', own, h, at);
      expect(score.size).toBe(100);
      for (let i = 0; i < 100; i++) {
        const ts = t0 + i * STEP_MS;
        expect(score.get(ts)).toBe(outputValues(detector.update(ts, value(h, i)))[1]);
      }
    }
  });
});
