import type { KafkaMessage } from 'kafkajs';
import { DLQ_HEADERS, type DetectorService } from '../../src/pipeline/service';
import {
  createTopics,
  kafkaClient,
  produce,
  promSum,
  requireServices,
  selfMetric,
  startDetector,
  uniqueId,
  waitFor,
} from '../support/services';

jest.setTimeout(90_000);

describe('malformed messages → metrics.dlq while valid ones keep flowing (real Kafka + Prometheus)', () => {
  const run = uniqueId('dlq');
  const topic = `${run}-in`;
  const dlq = `${run}-dlq`;
  const telegraf = `${run}-telegraf`;
  let service: DetectorService | undefined;

  beforeAll(async () => {
    await requireServices();
    await createTopics([topic, dlq, telegraf], 2);
  });

  afterAll(async () => {
    await service?.stop();
  });

  it('dead-letters each bad message with its reason and source position, and scores every valid point', async () => {
    const now = Date.now() - 600_000;
    const valid = (i: number) =>
      JSON.stringify({
        ts: now + i * 1000,
        metric: 'dlq_probe',
        value: i % 7,
        labels: { run, host: `h${i % 2}` },
      });
    const bad: Array<[string, string | Buffer]> = [
      ['invalid_json', '{"ts": 1, "metric": '],
      ['missing_field', JSON.stringify({ metric: 'm', value: 1 })],
      ['wrong_type', JSON.stringify({ ts: now, metric: 'm', value: 'high' })],
      ['non_finite', '{"ts": 1795000000000, "metric": "m", "value": 1e999}'],
      ['invalid_timestamp', JSON.stringify({ ts: 'last tuesday', metric: 'm', value: 1 })],
      ['unknown_format', 'hello, world'],
      ['oversized', JSON.stringify({ ts: now, metric: 'm', value: 1, labels: { pad: 'x'.repeat(3000) } })],
      ['invalid_encoding', Buffer.from([0x7b, 0xff, 0xfe, 0x7d])],
      ['invalid_line_protocol', 'cpu,host=a usage=notanumber 1795000000000000000'],
    ];
    const messages: Array<{ key: string; value: string | Buffer }> = [];
    let v = 0;
    for (const [, value] of bad) {
      for (let j = 0; j < 10; j++) messages.push({ key: `h${v % 2}`, value: valid(v++) });
      messages.push({ key: 'bad', value });
    }
    for (let j = 0; j < 10; j++) messages.push({ key: `h${v % 2}`, value: valid(v++) });
    await produce(topic, messages);

    // Telegraf's outputs.kafka with data_format = "influx": batches of lines, ns timestamps.
    const lines = (from: number) =>
      Array.from(
        { length: 10 },
        (_, i) =>
          `cpu,cpu=cpu-total,host=tg1,run=${run} usage_idle=${90 + (i % 3)},usage_user=${i % 4}i,note="x y" ${BigInt(now + (from + i) * 1000) * 1_000_000n}`
      ).join('\n');
    await produce(telegraf, [
      { key: 'tg1', value: lines(0) },
      { key: 'tg1', value: lines(10) },
    ]);

    ({ service } = await startDetector({
      ANOMALYLENS_INPUT_TOPICS: `${topic},${telegraf}:influx`,
      ANOMALYLENS_DLQ_TOPIC: dlq,
      ANOMALYLENS_KAFKA_GROUP_ID: `${run}-g`,
      ANOMALYLENS_MAX_MESSAGE_BYTES: '2048',
    }));
    const port = service.port;

    // The dead letters: every bad message, with reason, detail and where it came from.
    const consumer = kafkaClient().consumer({ groupId: `${run}-dlq-reader` });
    const letters: KafkaMessage[] = [];
    await consumer.connect();
    await consumer.subscribe({ topic: dlq, fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void letters.push(message) });
    await waitFor('all dead letters', () => (letters.length >= bad.length ? true : undefined), 30_000);
    await consumer.disconnect();
    const header = (m: KafkaMessage, h: string) => m.headers?.[h]?.toString();
    const byReason = new Map(letters.map((m) => [header(m, DLQ_HEADERS.reason), m]));
    expect([...byReason.keys()].sort()).toEqual(bad.map(([r]) => r).sort());
    for (const [reason, value] of bad) {
      const m = byReason.get(reason)!;
      expect(Buffer.compare(m.value!, Buffer.from(value))).toBe(0);
      expect(header(m, DLQ_HEADERS.topic)).toBe(topic);
      expect(Number(header(m, DLQ_HEADERS.offset))).toBeGreaterThanOrEqual(0);
      expect(header(m, DLQ_HEADERS.partition)).toMatch(/^[01]$/);
      expect(header(m, DLQ_HEADERS.detail)?.length).toBeGreaterThan(0);
    }
    expect(letters).toHaveLength(bad.length);

    // The valid ones all went through, counted by reason on /metrics.
    await waitFor(
      'every valid point scored',
      async () =>
        (await selfMetric(port, 'anomalylens_detector_points_scored_total')) === v + 40 ? true : undefined,
      30_000
    );
    expect(await selfMetric(port, 'anomalylens_detector_messages_invalid_total')).toBe(bad.length);
    expect(await selfMetric(port, 'anomalylens_detector_messages_invalid_total', 'reason="oversized"')).toBe(
      1
    );
    await waitFor(
      'every valid point in Prometheus',
      async () =>
        (await promSum(`count_over_time(anomalylens_observed{run="${run}"}[30m])`)) === v + 40
          ? true
          : undefined,
      30_000,
      500
    );
    expect(await promSum(`count_over_time(anomalylens_score{run="${run}", metric="dlq_probe"}[30m])`)).toBe(
      v
    );
    // Line protocol: each numeric field a series <measurement>_<field>, tags as labels, strings skipped.
    const influxCount = (metric: string) =>
      promSum(
        `count_over_time(anomalylens_observed{run="${run}", metric="${metric}", host="tg1", cpu="cpu-total"}[30m])`
      );
    expect(await influxCount('cpu_usage_idle')).toBe(20);
    expect(await influxCount('cpu_usage_user')).toBe(20);
    expect(await influxCount('cpu_note')).toBe(0);
    const status = service.status();
    expect(status.dlq.total).toBe(bad.length);
    expect(status.groupJoined).toBe(true);
  });
});
