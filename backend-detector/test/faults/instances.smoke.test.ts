import { KafkaInstance, PrometheusInstance } from '../support/instances';

jest.setTimeout(180_000);

test('private Kafka and Prometheus start, keep data across restarts, and stop', async () => {
  const kafka = new KafkaInstance();
  const prom = new PrometheusInstance();
  try {
    await Promise.all([kafka.start(), prom.start()]);
    const admin = kafka.client().admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'kept', numPartitions: 3 }], waitForLeaders: true });
    await admin.disconnect();
    await kafka.restart('SIGKILL');
    await prom.restart();
    const admin2 = kafka.client().admin();
    await admin2.connect();
    const meta = await admin2.fetchTopicMetadata({ topics: ['kept'] });
    await admin2.disconnect();
    expect(meta.topics[0].partitions).toHaveLength(3);
    expect((await fetch(`${prom.url}/-/ready`)).ok).toBe(true);
  } finally {
    await Promise.all([kafka.destroy(), prom.destroy()]);
  }
});
