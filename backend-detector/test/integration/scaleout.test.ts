import { PacedProducer } from '../../src/simulate/kafka';
import { planFleet, rowMessages } from '../../src/simulate/kafka-plan';
import type { DetectorService } from '../../src/pipeline/service';
import {
  committedCount,
  createTopics,
  KAFKA,
  kafkaClient,
  promSum,
  requireServices,
  startDetector,
  uniqueId,
  waitFor,
} from '../support/services';

jest.setTimeout(120_000);

describe('scale-out: a second detector joins the group mid-stream (real Kafka + Prometheus)', () => {
  const run = uniqueId('scale');
  const topic = `${run}-in`;
  const group = `${run}-g`;
  const services: DetectorService[] = [];

  beforeAll(async () => {
    await requireServices();
    await createTopics([topic], 4);
  });
  afterAll(async () => {
    for (const s of services) await s.stop();
  });

  it('splits the partitions after the rebalance and still delivers every point', async () => {
    const rows = 300;
    const startMs = Date.now() - 7_200_000;
    const fleet = planFleet({
      hosts: 8,
      metrics: ['cpu_utilization', 'request_rate'],
      length: rows,
      stepMs: 10_000,
      startMs,
      seed: 5,
      kinds: ['spike'],
      anomaliesPerSeries: [0, 1],
      quietHosts: 0,
      labels: { run },
    });
    const total = fleet.length * rows;
    const env = {
      ANOMALYLENS_INPUT_TOPICS: topic,
      ANOMALYLENS_KAFKA_GROUP_ID: group,
      ANOMALYLENS_KAFKA_SESSION_TIMEOUT_MS: '10000',
    };
    services.push((await startDetector(env)).service);
    await waitFor(
      'the first detector to join',
      () => (services[0].status().groupJoined ? true : undefined),
      20_000,
      100
    );

    const producer = new PacedProducer({ brokers: [KAFKA], topic, partitions: 4, rate: 1500, batch: 20 });
    await producer.connect();
    function* messages() {
      for (let row = 0; row < rows; row++) yield* rowMessages(fleet, row);
    }
    const sending = producer.sendAll(messages());
    await waitFor(
      'the first detector to score some points',
      () => (services[0].pointsScored > 300 ? true : undefined),
      20_000,
      50
    );
    services.push((await startDetector(env)).service);
    const sent = await sending;
    await producer.disconnect();
    expect(sent.points).toBe(total);

    // Both members own partitions, and together they commit every message.
    await waitFor(
      'both detectors to share the partitions',
      () => (services.every((s) => s.status().groupJoined) ? true : undefined),
      30_000,
      100
    );
    await waitFor(
      'every message committed',
      async () => ((await committedCount(group, topic)) === sent.messages ? true : undefined),
      60_000,
      250
    );
    const admin = kafkaClient().admin();
    await admin.connect();
    const description = await admin.describeGroups([group]);
    await admin.disconnect();
    expect(description.groups[0].members).toHaveLength(2);
    expect(services[1].pointsScored).toBeGreaterThan(0);
    // Re-read points (at-least-once) write identical observed samples: Prometheus keeps one.
    expect(await promSum(`count_over_time(anomalylens_observed{run="${run}"}[4h])`)).toBe(total);
  });
});
