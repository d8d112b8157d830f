import { PacedProducer } from '../../src/simulate/kafka';
import { groundTruth, planFleet, rowMessages, type FleetOptions } from '../../src/simulate/kafka-plan';
import type { DetectorService } from '../../src/pipeline/service';
import {
  KAFKA,
  promQuery,
  promSum,
  requireServices,
  selfMetric,
  startDetector,
  uniqueId,
  waitFor,
} from '../support/services';

jest.setTimeout(180_000);

/**
 * simulate → Kafka → detector → Prometheus: every produced point is in Prometheus as
 * anomalylens_observed and anomalylens_score (exact counts through the HTTP API), the
 * injected anomalies are flagged (event-level recall ≥ 0.8) and quiet hosts stay quiet.
 */
function lastWeeksMonday(): number {
  const day = 86_400_000;
  const today = Math.floor(Date.now() / day) * day;
  const weekday = (new Date(today).getUTCDay() + 6) % 7; // Monday = 0
  return today - (weekday + 7) * day;
}

describe('simulator → Kafka → detector → Prometheus (real services)', () => {
  const run = uniqueId('e2e');
  const topic = `${run}-metrics`;
  const stepMs = 10_000;
  const length = 1000;
  const fleetOptions: FleetOptions = {
    hosts: 6,
    metrics: ['cpu_utilization', 'request_rate', 'latency_p95_ms', 'memory_used_percent'],
    length,
    stepMs,
    // Monday 00:00 UTC of last week: the same time-of-day and weekday pattern on every run
    // (so the outcome is deterministic), and within the test Prometheus's 30-day
    // out-of-order window.
    startMs: lastWeeksMonday(),
    seed: 11,
    kinds: ['spike', 'dip', 'level_shift', 'variance_change', 'stuck', 'dropout', 'drift'],
    anomaliesPerSeries: [1, 2],
    quietHosts: 1,
    labels: { run },
  };
  let service: DetectorService | undefined;

  beforeAll(requireServices);
  afterAll(async () => {
    await service?.stop();
  });

  it('delivers every point and flags the injected anomalies', async () => {
    const fleet = planFleet(fleetOptions);
    const truth = groundTruth(fleet, fleetOptions);
    const total = fleet.length * length;
    const producer = new PacedProducer({ brokers: [KAFKA], topic, partitions: 3, rate: 0, batch: 200 });
    await producer.connect();
    function* messages() {
      for (let row = 0; row < length; row++) yield* rowMessages(fleet, row);
    }
    const sent = await producer.sendAll(messages());
    await producer.disconnect();
    expect(sent.points).toBe(total);

    ({ service } = await startDetector({
      ANOMALYLENS_INPUT_TOPICS: topic,
      ANOMALYLENS_KAFKA_GROUP_ID: `${run}-g`,
    }));
    const port = service.port;
    await waitFor(
      'all points scored and acknowledged',
      async () => {
        const scored = await selfMetric(port, 'anomalylens_detector_points_scored_total');
        return scored === total && service!.status().sink.pendingSamples === 0 ? true : undefined;
      },
      120_000,
      500
    );

    // Exact counts, per output series, through Prometheus's HTTP API.
    const range = `${Math.ceil((length * stepMs) / 60_000) + 10}m`;
    const at = fleetOptions.startMs + length * stepMs + 60_000;
    const count = (name: string) => promSum(`count_over_time(${name}{run="${run}"}[${range}])`, at);
    await waitFor(
      'Prometheus to show every sample',
      async () => ((await count('anomalylens_observed')) === total ? true : undefined),
      20_000,
      500
    );
    expect(await count('anomalylens_observed')).toBe(total);
    expect(await count('anomalylens_score')).toBe(total);
    expect(await count('anomalylens_anomalous')).toBe(total);
    // Every input series became exactly one output series per name, labels = input labels + metric.
    const observed = await promQuery(`anomalylens_observed{run="${run}"}[${range}]`, at);
    expect(observed).toHaveLength(fleet.length);
    expect(observed.map((s) => `${s.metric.host}/${s.metric.metric}`).sort()).toEqual(
      fleet.map((f) => `${f.host}/${f.metric}`).sort()
    );
    const first = observed.find((s) => s.metric.host === 'host-01' && s.metric.metric === 'cpu_utilization')!;
    expect(first.values!.slice(0, 5).map(([, v]) => Number(v))).toEqual(
      Array.from(fleet[0].series.values.slice(0, 5))
    );

    // Event-level recall: an injected anomaly counts as found when the series is flagged
    // anomalous inside its ground-truth window.
    const flags = await promQuery(`anomalylens_anomalous{run="${run}"}[${range}]`, at);
    const flagged = new Map<string, number[]>();
    for (const s of flags) {
      flagged.set(
        `${s.metric.host}/${s.metric.metric}`,
        s.values!.filter(([, v]) => v === '1').map(([t]) => Math.round(t * 1000))
      );
    }
    let anomalies = 0;
    let found = 0;
    let quietPoints = 0;
    let quietFlagged = 0;
    const missed: string[] = [];
    for (const s of truth.series) {
      const times = flagged.get(`${s.labels.host}/${s.metric}`) ?? [];
      if (s.quiet) {
        quietPoints += s.points;
        quietFlagged += times.length;
        continue;
      }
      for (const a of s.anomalies) {
        anomalies++;
        const hit = times.some((t) => t >= a.windowStartMs && t <= a.windowEndMs);
        if (hit) found++;
        else missed.push(`${s.labels.host}/${s.metric} ${a.kind}`);
      }
    }
    const recall = found / anomalies;
    const quietRate = quietFlagged / quietPoints;
    process.stdout.write(
      `e2e: ${total} points, recall ${found}/${anomalies} = ${recall.toFixed(3)}, quiet hosts flagged ${quietFlagged}/${quietPoints} points (${(quietRate * 100).toFixed(2)} %); missed: ${missed.join(', ') || 'none'}\n`
    );
    expect(recall).toBeGreaterThanOrEqual(0.8);
    expect(quietRate).toBeLessThan(0.02);
  });
});
