import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DetectorService } from '../../src/pipeline/service';
import {
  promQuery,
  requireServices,
  selfMetric,
  startDetector,
  uniqueId,
  waitFor,
} from '../support/services';

jest.setTimeout(90_000);

/** The collectd of `npm run services:up` sends real host metrics to this topic every second. */
const COLLECTD_TOPIC = process.env.ANOMALYLENS_COLLECTD_TOPIC ?? 'collectd';
const CONF = path.join(__dirname, '..', '..', '..', 'scripts', 'services', 'collectd', 'collectd.conf');

describe('real collectd → Kafka → detector → Prometheus', () => {
  const run = uniqueId('collectd');
  let service: DetectorService | undefined;

  beforeAll(requireServices);
  afterAll(async () => {
    await service?.stop();
  });

  it('decodes, rates and scores cpu, memory, load and interface series', async () => {
    // write_kafka converts counters to rates unless its config says StoreRates false.
    const storeRates = !/^\s*StoreRates\s+false/im.test(
      fs.existsSync(CONF) ? fs.readFileSync(CONF, 'utf8') : ''
    );
    ({ service } = await startDetector({
      ANOMALYLENS_INPUT_TOPICS: `${COLLECTD_TOPIC}:collectd`,
      ANOMALYLENS_KAFKA_GROUP_ID: `${run}-g`,
      ANOMALYLENS_KAFKA_FROM_BEGINNING: 'false',
      ANOMALYLENS_COLLECTD_STORE_RATES: String(storeRates),
      ANOMALYLENS_OUTPUT_LABELS: `it_run=${run}`,
    }));
    const port = service.port;
    // collectd reads every second; a few intervals give every plugin several points.
    const families = [
      'collectd_cpu',
      'collectd_memory',
      'collectd_load_shortterm',
      'collectd_interface_if_octets_rx',
    ];
    const series = await waitFor(
      'collectd series in Prometheus',
      async () => {
        const r = await promQuery(
          `count by (metric) (count_over_time(anomalylens_score{it_run="${run}"}[10m]) >= 3)`
        );
        const names = r.map((s) => s.metric.metric);
        return families.every((f) => names.includes(f)) ? names : undefined;
      },
      60_000,
      1000
    );
    expect(series).toEqual(expect.arrayContaining(families));
    expect(await selfMetric(port, 'anomalylens_detector_messages_invalid_total')).toBe(0);
    expect(await selfMetric(port, 'anomalylens_detector_points_scored_total')).toBeGreaterThan(20);

    // Rated correctly: each CPU spends ~100 jiffies (USER_HZ) per second across its states.
    const perCpu = await promQuery(
      `sum by (plugin_instance) (last_over_time(anomalylens_observed{it_run="${run}", metric="collectd_cpu"}[1m]))`
    );
    expect(perCpu.length).toBeGreaterThan(0);
    for (const cpu of perCpu) {
      const jiffiesPerSecond = Number(cpu.value![1]);
      expect(jiffiesPerSecond).toBeGreaterThan(50);
      expect(jiffiesPerSecond).toBeLessThan(150);
    }
    // Gauges pass through: memory in bytes, load averages as they are.
    const used = await promQuery(
      `last_over_time(anomalylens_observed{it_run="${run}", metric="collectd_memory", type_instance="used"}[1m])`
    );
    expect(Number(used[0].value![1])).toBeGreaterThan(1e6);
    const load = await promQuery(
      `last_over_time(anomalylens_observed{it_run="${run}", metric="collectd_load_shortterm"}[1m])`
    );
    expect(Number(load[0].value![1])).toBeGreaterThanOrEqual(0);
    // Interface octet rates are non-negative bytes per second, labelled by interface.
    const octets = await promQuery(
      `last_over_time(anomalylens_observed{it_run="${run}", metric="collectd_interface_if_octets_rx"}[1m])`
    );
    expect(octets.map((s) => s.metric.plugin_instance)).toContain('lo');
    for (const s of octets) expect(Number(s.value![1])).toBeGreaterThanOrEqual(0);
    // Every scored series carries the entity label and a score.
    const scores = await promQuery(`last_over_time(anomalylens_score{it_run="${run}"}[1m])`);
    for (const s of scores) {
      expect(s.metric.host).toBeTruthy();
      expect(Number(s.value![1])).toBeGreaterThanOrEqual(0);
    }
  });
});
