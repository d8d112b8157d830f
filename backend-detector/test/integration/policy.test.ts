import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createSeriesDetector } from '../../src/model/detector';
import { DEFAULT_OUTPUT_POLICY } from '../../src/model/output-policy';
import type { DetectorService } from '../../src/pipeline/service';
import { generateSeries, type Excursion, type Point } from '../support/policy-series';
import {
  createTopics,
  produce,
  promQuery,
  requireServices,
  selfMetric,
  startDetector,
  uniqueId,
  waitFor,
} from '../support/services';

jest.setTimeout(240_000);

/**
 * A detection policy through the real pipeline (Kafka → detector → Prometheus): direction,
 * deviation floors, ignore and a maintenance window act on what lands in Prometheus; a
 * reload under load loses no point and keeps every model; an invalid reload keeps the old
 * policy and readiness.
 */
const DAY = 86_400_000;
const STEP = 5 * 60_000;
const ROWS = 1500;
const START = Math.floor(Date.now() / DAY) * DAY - 7 * DAY;
/** Dips and spikes of 6, 10, 40 and 80 (noise ±2, daily swing ±10), 300 rows apart. */
const EXCURSIONS: Excursion[] = [];
for (let k = 0; k < 4; k++) {
  const size = [6, 10, 40, 80][k % 4]!;
  EXCURSIONS.push({ at: 250 + k * 300, delta: size, length: 2 });
  EXCURSIONS.push({ at: 400 + k * 300, delta: -size, length: 2 });
}
const MAINT_FROM = 1300;
const MAINT_TO = 1320;
const HOSTS = ['both-1', 'up-1', 'floor-1', 'ign-1', 'mnt-1', 'keep-1'] as const;

function points(host: string): Point[] {
  const extra: Excursion[] = host === 'mnt-1' ? [{ at: MAINT_FROM + 2, delta: 500, length: 10 }] : [];
  return generateSeries(ROWS, [...EXCURSIONS, ...extra]).map((p, i) => ({
    ts: START + i * STEP,
    value: p.value,
  }));
}

function policy(run: string, keepThreshold?: number): string {
  const iso = (row: number) => new Date(START + row * STEP).toISOString();
  return `# integration test policy
rules:
  - match: '{run="${run}", host="up-1"}'
    direction: up
  - match: '{run="${run}", host="floor-1"}'
    minDeviation: 20
  - match: '{run="${run}", host="ign-1"}'
    ignore: true
${keepThreshold ? `  - match: '{run="${run}", host="keep-1"}'\n    threshold: ${keepThreshold}\n` : ''}maintenance:
  - match: '{run="${run}", host="mnt-1"}'
    start: '${iso(MAINT_FROM)}'
    end: '${iso(MAINT_TO)}'
`;
}

/** Raw samples of `name` for one host, by timestamp. */
async function samples(run: string, name: string, host: string): Promise<Map<number, number>> {
  const r = await promQuery(`${name}{run="${run}", host="${host}"}[10d]`);
  const out = new Map<number, number>();
  for (const s of r) for (const [t, v] of s.values ?? []) out.set(Math.round(t * 1000), Number(v));
  return out;
}

describe('detection policy through Kafka → detector → Prometheus', () => {
  const run = uniqueId('policy');
  const topic = `${run}-metrics`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'al-policy-it-'));
  const file = path.join(dir, 'policy.yaml');
  let service: DetectorService | undefined;

  beforeAll(requireServices);
  afterAll(async () => {
    await service?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const send = (from: number, to: number) =>
    produce(
      topic,
      HOSTS.flatMap((host) =>
        points(host)
          .slice(from, to)
          .map((p) => ({
            key: host,
            value: JSON.stringify({ ts: p.ts, metric: 'cpu', value: p.value, labels: { host, run } }),
          }))
      )
    );
  const observed = async () =>
    (await promQuery(`count_over_time(anomalylens_observed{run="${run}"}[10d])`)).reduce(
      (n, s) => n + Number(s.value?.[1] ?? 0),
      0
    );
  const scoredHosts = HOSTS.length - 1; // ign-1 writes nothing

  it('applies direction, floors, ignore and maintenance; reloads keep state and refuse bad files', async () => {
    fs.writeFileSync(file, policy(run));
    await createTopics([topic], 2);
    const started = await startDetector({
      ANOMALYLENS_INPUT_TOPICS: topic,
      ANOMALYLENS_KAFKA_GROUP_ID: run,
      ANOMALYLENS_POLICY_FILE: file,
    });
    service = started.service;
    const port = service.port;
    const hash = async () => {
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      return /anomalylens_detector_policy_info\{hash="([0-9a-f]{12})"\} 1/.exec(text)?.[1];
    };
    const firstHash = await hash();
    expect(firstHash).toMatch(/^[0-9a-f]{12}$/);

    // Phase 1, then a valid reload while phase 2 is being produced and consumed.
    await send(0, 700);
    await waitFor(
      'phase 1 scored',
      async () => ((await observed()) === scoredHosts * 700 ? true : undefined),
      60_000
    );
    // Phase 2 arrives over ~2 s; the policy changes after its first part.
    let sent = 700;
    const phase2 = (async () => {
      for (; sent < 1100; sent += 40) {
        await send(sent, Math.min(sent + 40, 1100));
        if (sent === 700) fs.writeFileSync(file, policy(run, 1.2));
        await new Promise((r) => setTimeout(r, 200));
      }
    })();
    await waitFor(
      'the reload',
      async () =>
        (await selfMetric(port, 'anomalylens_detector_policy_reloads_total', 'success')) >= 1
          ? true
          : undefined,
      30_000,
      50
    );
    // Under load: when the reload was seen, phase 2 was not yet all scored.
    const scoredAtReload = await selfMetric(port, 'anomalylens_detector_points_scored_total');
    expect(scoredAtReload).toBeGreaterThanOrEqual(scoredHosts * 700);
    expect(scoredAtReload).toBeLessThan(scoredHosts * 1100);
    await phase2;
    expect(await hash()).not.toBe(firstHash);
    const secondHash = await hash();

    // An invalid file is refused: the old policy, its hash and readiness stay.
    fs.writeFileSync(file, policy(run, 1.2).replace('direction: up', 'direction: upward'));
    await waitFor(
      'the refused reload',
      async () =>
        (await selfMetric(port, 'anomalylens_detector_policy_reloads_total', 'failure')) >= 1
          ? true
          : undefined,
      30_000
    );
    expect(await hash()).toBe(secondHash);
    expect(await selfMetric(port, 'anomalylens_detector_policy_last_reload_success')).toBe(0);
    expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
    const status = (await (await fetch(`http://127.0.0.1:${port}/api/status`)).json()) as {
      policy: { hash: string; rules: unknown[]; lastReload: { result: string; error: string } };
    };
    expect(status.policy.hash).toBe(secondHash);
    expect(status.policy.rules).toHaveLength(4);
    expect(status.policy.lastReload.result).toBe('failure');
    expect(status.policy.lastReload.error).toContain(
      `${file}:4: rules[0].direction: must be one of up, down, both`
    );

    await send(1100, ROWS);
    // No point lost across the reloads: every point of every non-ignored host is in Prometheus.
    await waitFor(
      'every point in Prometheus',
      async () => ((await observed()) === scoredHosts * ROWS ? true : undefined),
      120_000,
      1000
    );

    const flagged = async (host: string) => {
      const a = await samples(run, 'anomalylens_anomalous', host);
      return new Set([...a].filter(([, v]) => v === 1).map(([t]) => Math.round((t - START) / STEP)));
    };
    const hit = (rows: Set<number>, e: Excursion) => rows.has(e.at) || rows.has(e.at + 1);
    const both = await flagged('both-1');
    const up = await flagged('up-1');
    const floor = await flagged('floor-1');
    const dips = EXCURSIONS.filter((e) => e.delta < 0);
    const small = EXCURSIONS.filter((e) => Math.abs(e.delta) <= 10);
    const large = EXCURSIONS.filter((e) => Math.abs(e.delta) >= 40);
    // direction: up never flags a dip that both flags.
    expect(dips.filter((e) => hit(both, e)).length).toBeGreaterThan(0);
    expect(dips.filter((e) => hit(up, e))).toEqual([]);
    // The floor suppresses the small excursions and keeps the large ones.
    expect(small.filter((e) => hit(both, e)).length).toBeGreaterThan(0);
    expect(small.filter((e) => hit(floor, e))).toEqual([]);
    expect(large.filter((e) => hit(floor, e)).length).toBe(large.filter((e) => hit(both, e)).length);

    // Ignored: nothing written, every point counted as unscored.
    expect(await promQuery(`anomalylens_observed{run="${run}", host="ign-1"}[10d]`)).toEqual([]);
    expect(await selfMetric(port, 'anomalylens_detector_points_unscored_total', 'ignored')).toBe(ROWS);

    // Maintenance: shaded, no score, not anomalous, and not learned: every score after the
    // window is exactly that of a detector that never saw the window's points.
    const maint = await samples(run, 'anomalylens_maintenance', 'mnt-1');
    const windowTs = points('mnt-1')
      .slice(MAINT_FROM, MAINT_TO)
      .map((p) => p.ts);
    expect(windowTs.map((t) => maint.get(t))).toEqual(new Array(windowTs.length).fill(1));
    expect([...maint].filter(([, v]) => v === 0).map(([t]) => t)).toEqual([START + MAINT_TO * STEP]);
    const scores = await samples(run, 'anomalylens_score', 'mnt-1');
    expect(windowTs.filter((t) => scores.has(t))).toEqual([]);
    const anomalous = await samples(run, 'anomalylens_anomalous', 'mnt-1');
    expect(windowTs.filter((t) => anomalous.get(t) !== 0)).toEqual([]);
    const reference = createSeriesDetector();
    const expectedScores = new Map<number, number>();
    for (const [i, p] of points('mnt-1').entries()) {
      if (i >= MAINT_FROM && i < MAINT_TO) continue;
      expectedScores.set(p.ts, reference.update(p.ts, p.value, DEFAULT_OUTPUT_POLICY).score);
    }
    const after = points('mnt-1').slice(MAINT_TO);
    expect(after.map((p) => scores.get(p.ts))).toEqual(after.map((p) => expectedScores.get(p.ts)));

    // The reload kept keep-1's model: its expected values are those of one detector fed
    // every point (a rebuilt model would warm up again and write none for a while).
    const expected = await samples(run, 'anomalylens_expected', 'keep-1');
    const keep = createSeriesDetector();
    const offline = points('keep-1').map((p) => keep.update(p.ts, p.value).expected);
    const rows = points('keep-1').map((p) => p.ts);
    expect(rows.slice(100).map((t) => expected.get(t))).toEqual(offline.slice(100));
  });
});
