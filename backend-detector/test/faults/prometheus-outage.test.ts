import * as fs from 'node:fs';
import * as path from 'node:path';
import { metricSum, until, type MetricsText } from '../support/detector-process';
import { groupProgress, prometheusWrite400s } from '../support/fault-checks';
import { expectNothingLost, FaultStack } from '../support/fault-stack';

jest.setTimeout(300_000);

const ROWS = 1900;
const ROWS_PER_SECOND = 25;
const OUTAGE_MS = 60_000;
/** Unacknowledged samples at which the detector stops consuming. */
const MAX_PENDING = 6000;
const MiB = 1024 * 1024;
/**
 * What a paused detector may hold beyond its steady state: the pending samples (a queue
 * entry of ~100 B each, counted at 1 KiB to stay clear of allocator noise), the batch
 * kafkajs fetched and waits to hand over (10 MiB, its default maxBytes) and 16 MiB for the
 * garbage collector to breathe. Buffering what arrives during the outage instead (~48k
 * points: their messages, ~290k pending samples) would need more.
 */
const RSS_ALLOWANCE = MAX_PENDING * 1024 + 10 * MiB + 16 * MiB;
/** RSS late in the outage may exceed RSS early in it by no more than this (GC noise). */
const RSS_DRIFT = 8 * MiB;

const stack = new FaultStack('prometheus-outage');
afterAll(() => stack.down());

interface Tick {
  t: number;
  rss: number;
  backpressure: number;
  pending: number;
  scored: number;
  ready: number;
  committed?: number;
  end?: number;
}

test('Prometheus down for 60 s under load: consumption pauses, memory stays bounded, nothing lost after it returns', async () => {
  await stack.up({ hosts: 16, rows: ROWS, partitions: 4 });
  const detector = await stack.startDetector('detector', {
    ANOMALYLENS_REMOTE_WRITE_MAX_PENDING_SAMPLES: String(MAX_PENDING),
    ANOMALYLENS_REMOTE_WRITE_BATCH_SAMPLES: '1000',
  });
  const driver = await stack.startLoad(ROWS_PER_SECOND);

  // Steady state first: every series exists and the detector keeps up.
  await driver.reached(200, 60_000);
  let baseline = 0;
  for (let i = 0; i < 5; i++) {
    baseline = Math.max(baseline, detector.rss());
    await new Promise((r) => setTimeout(r, 1000));
  }
  const rejected400Before = await prometheusWrite400s(stack.prometheus.url);
  const outageAtRow = driver.rowsSent;
  const down0 = Date.now();
  await stack.prometheus.stop();
  const outageStart = Date.now();

  const ticks: Tick[] = [];
  let m: MetricsText = new Map();
  for (let i = 0; Date.now() - outageStart < OUTAGE_MS; i++) {
    const tickAt = outageStart + (i + 1) * 1000;
    if (tickAt > Date.now()) await new Promise((r) => setTimeout(r, tickAt - Date.now()));
    m = await detector.metrics();
    const tick: Tick = {
      t: Date.now() - outageStart,
      rss: detector.rss(),
      backpressure: metricSum(m, 'anomalylens_detector_backpressure'),
      pending: metricSum(m, 'anomalylens_detector_sink_pending_samples'),
      scored: metricSum(m, 'anomalylens_detector_points_scored_total'),
      ready: await detector.readyStatus(),
    };
    if (i % 5 === 4) Object.assign(tick, await groupProgress(stack.client, stack.group, stack.topic));
    ticks.push(tick);
  }
  const up0 = Date.now();
  await stack.prometheus.start();
  const prometheusBackMs = Date.now() - up0;
  const pausedRows = driver.rowsSent - outageAtRow;
  await stack.allCommitted(120_000);
  const caughtUpMs = Date.now() - up0;

  const final = await detector.metrics();
  const result = await stack.verify();
  result.prometheus400 += rejected400Before;
  const pausedFrom = ticks.find((k) => k.backpressure === 1)?.t ?? Infinity;
  // From 10 s on consumption must be paused: the backlog cap (6000 samples at ~4800 samples/s)
  // or a checkpoint cut waiting for the sink stops it within seconds.
  const during = ticks.filter((k) => k.t >= 10_000);
  const peak = Math.max(...ticks.map((k) => k.rss));
  const mb = (n: number) => (n / MiB).toFixed(1);
  stack.summary(
    `${stack.load.points} points produced (${stack.load.seriesCount} series x ${ROWS}); Prometheus down ${up0 - down0} ms ` +
      `from row ${outageAtRow} (${pausedRows} rows produced meanwhile); backpressure gauge 1 after ${pausedFrom} ms, pending held at ` +
      `${Math.max(...during.map((k) => k.pending))} samples (cap ${MAX_PENDING}); RSS baseline ${mb(baseline)} MiB, peak ` +
      `${mb(peak)} MiB (ceiling ${mb(baseline + RSS_ALLOWANCE)}); Prometheus back in ${prometheusBackMs} ms, all committed ` +
      `${caughtUpMs} ms after its restart; Prometheus 400s ${result.prometheus400}; RSS MiB every 10 s of the outage: ` +
      ticks
        .filter((_, i) => i % 10 === 9)
        .map((k) => mb(k.rss))
        .join(' ')
  );

  fs.writeFileSync(path.join(stack.logDir, 'outage-ticks.json'), JSON.stringify(ticks, null, 1));
  // Memory bounded by the configuration, not by the length of the outage.
  expect(peak).toBeLessThanOrEqual(baseline + RSS_ALLOWANCE);
  const peakOf = (from: number, to: number) =>
    Math.max(...ticks.filter((k) => k.t >= from && k.t < to).map((k) => k.rss));
  expect(peakOf(40_000, OUTAGE_MS + 1000)).toBeLessThanOrEqual(peakOf(10_000, 40_000) + RSS_DRIFT);
  // After the outage: ready again, everything written exactly like an uninterrupted run.
  await until('ready again', async () => ((await detector.readyStatus()) === 200 ? true : undefined), 30_000);
  expectNothingLost(stack, result, metricSum(final, 'anomalylens_detector_sink_samples_rejected_total'));
  // Consumption stayed paused, visibly (backpressure gauge, /readyz), committing nothing, and
  // without losing the group membership (a member that stops heartbeating is evicted).
  const offsets = during.filter((k) => k.committed !== undefined);
  const joins = detector.logLines().filter((l) => l.msg === 'joined consumer group').length;
  expect({
    backpressureHeld: during.every((k) => k.backpressure === 1),
    notReady: during.every((k) => k.ready === 503),
    scoringStopped: new Set(during.map((k) => k.scored)).size === 1,
    commitsStopped: offsets.length >= 5 && new Set(offsets.map((k) => k.committed)).size === 1,
    loadKeptComing: offsets.length >= 2 && offsets[offsets.length - 1].end! > offsets[0].end!,
    pendingWithinCap: Math.max(...during.map((k) => k.pending)) <= MAX_PENDING + 6 * stack.load.seriesCount,
    groupJoins: joins,
  }).toEqual({
    backpressureHeld: true,
    notReady: true,
    scoringStopped: true,
    commitsStopped: true,
    loadKeptComing: true,
    pendingWithinCap: true,
    groupJoins: 1,
  });
  stack.passed = true;
});
