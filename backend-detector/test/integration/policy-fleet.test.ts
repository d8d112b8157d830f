import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { DetectorService } from '../../src/pipeline/service';
import { fleetAlarms, NIGHTLY_POLICY, nightlyFleet, type FleetHost } from '../support/nightly-fleet';
import {
  createTopics,
  produce,
  promQuery,
  requireServices,
  startDetector,
  uniqueId,
  waitFor,
} from '../support/services';

jest.setTimeout(300_000);

/**
 * The nightly-job fleet of docs/policy.md through Kafka → detector → Prometheus: one
 * detector without a policy, one with the maintenance schedule, on the same points.
 */
const DAY = 86_400_000;
// 14 days ending yesterday: inside Prometheus' 30-day out-of-order window.
const START = Math.floor(Date.now() / DAY) * DAY - 15 * DAY;
const FLEET = nightlyFleet(10, 14, 3, 3, START);

describe('a nightly batch job on a fleet, through the real pipeline', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'al-fleet-it-'));
  const services: DetectorService[] = [];

  beforeAll(requireServices);
  afterAll(async () => {
    await Promise.all(services.map((s) => s.stop()));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function runFleet(policy: string | undefined) {
    const run = uniqueId(policy ? 'fleet-policy' : 'fleet-plain');
    const topic = `${run}-metrics`;
    await createTopics([topic], 2);
    const env: Record<string, string> = { ANOMALYLENS_INPUT_TOPICS: topic, ANOMALYLENS_KAFKA_GROUP_ID: run };
    if (policy) {
      env.ANOMALYLENS_POLICY_FILE = path.join(dir, 'policy.yaml');
      fs.writeFileSync(env.ANOMALYLENS_POLICY_FILE, policy);
    }
    services.push((await startDetector(env)).service);
    const rows = FLEET[0]!.rows.length;
    for (let from = 0; from < rows; from += 500) {
      await produce(
        topic,
        FLEET.flatMap((h) =>
          h.rows.slice(from, from + 500).map((r) => ({
            key: h.host,
            value: JSON.stringify({
              ts: r.ts,
              metric: 'cpu_utilization',
              value: r.value,
              labels: { host: h.host, run },
            }),
          }))
        )
      );
    }
    const flags = await waitFor(
      'every point in Prometheus',
      async () => {
        const series = await promQuery(`anomalylens_anomalous{run="${run}"}[20d]`);
        const byHost = new Map(series.map((s) => [s.metric.host!, s.values ?? []]));
        const complete = FLEET.every((h) => byHost.get(h.host)?.length === rows);
        return complete ? byHost : undefined;
      },
      180_000,
      2000
    );
    return fleetAlarms(FLEET, (h: FleetHost) => {
      const byTs = new Map(flags.get(h.host)!.map(([t, v]) => [Math.round(t * 1000), v === '1']));
      return h.rows.map((r) => byTs.get(r.ts) ?? false);
    });
  }

  it('the schedule removes every nightly alarm and the injected anomalies are still found', async () => {
    const [before, after] = await Promise.all([runFleet(undefined), runFleet(NIGHTLY_POLICY)]);
    process.stdout.write(
      `nightly fleet through Kafka → detector → Prometheus (${before.injected} injected anomalies):\n` +
        `  without policy: nightly alarms ${before.nightly}, recall ${before.recall.toFixed(2)}, other alarms ${before.other}\n` +
        `  with schedule:  nightly alarms ${after.nightly}, recall ${after.recall.toFixed(2)}, other alarms ${after.other}\n`
    );
    expect(before.nightly).toBeGreaterThanOrEqual(10);
    expect(after.nightly).toBe(0);
    expect(after.recall).toBeGreaterThanOrEqual(before.recall);
    expect(after.recall).toBeGreaterThanOrEqual(0.9);
  });
});
