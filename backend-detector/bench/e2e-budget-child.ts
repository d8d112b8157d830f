/**
 * The detector under the end-to-end budget bench: `anomaly-lens run` as the CLI builds it
 * (DetectorService with the model-state codec, settings from ANOMALYLENS_* variables),
 * in a process of its own so its RSS is the detector's alone. Forked by e2e-budget.ts with
 * --expose-gc; talks to it over IPC (e2e-budget-protocol.ts).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import * as path from 'node:path';
import pino from 'pino';
import { loadConfig } from '../src/config/load';
import { createSeriesDetector } from '../src/model/detector';
import { streamingDetectorCodec } from '../src/pipeline/detector-codec';
import { applyHeapGrowth } from '../src/pipeline/heap-growth';
import { DetectorService } from '../src/pipeline/service';
import type { CheckpointTotals, FromDetector, RssReading, ToDetector } from './e2e-budget-protocol';

const send = (m: FromDetector): void => void process.send?.(m);

async function settledRss(): Promise<RssReading> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with --expose-gc (RSS is read after a full GC)');
  // A full GC finds dead buffers, but V8 frees their memory afterwards (array buffers are
  // swept on a background thread, finalizers run later): collect, let that finish, twice.
  for (let i = 0; i < 2; i++) {
    gc();
    await new Promise((r) => setTimeout(r, 500));
  }
  gc();
  const m = process.memoryUsage();
  return {
    rssBytes: m.rss,
    heapUsedBytes: m.heapUsed,
    heapTotalBytes: m.heapTotal,
    arrayBuffersBytes: m.arrayBuffers,
  };
}

const percentile = (sorted: Float64Array, q: number): number =>
  sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))];

async function until(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Checkpoints so far: how many, their mean and longest duration (s), bytes written. */
async function checkpointTotals(service: DetectorService, intervalMs: number): Promise<CheckpointTotals> {
  const { values } = await service.metrics.checkpointDuration.get();
  const pick = (suffix: string) => values.find((v) => v.metricName?.endsWith(suffix))?.value ?? 0;
  const count = pick('_count');
  // The smallest bucket holding every checkpoint bounds the longest one.
  const longest = values
    .filter((v) => v.metricName?.endsWith('_bucket') && v.value === count && v.labels.le !== '+Inf')
    .map((v) => Number(v.labels.le))
    .sort((a, b) => a - b)[0];
  const bytes = (await service.metrics.checkpointBytesWritten.get()).values[0]?.value ?? 0;
  return {
    intervalMs,
    count,
    meanSeconds: count ? pick('_sum') / count : 0,
    longestAtMostSeconds: longest ?? Infinity,
    bytes,
  };
}

async function countOf(counter: { get(): Promise<{ values: Array<{ value: number }> }> }): Promise<number> {
  return (await counter.get()).values.reduce((sum, v) => sum + v.value, 0);
}

/** Count and total seconds of the acknowledged remote-write requests so far. */
async function writeTotals(service: DetectorService): Promise<{ count: number; sum: number }> {
  const { values } = await service.metrics.sinkWriteDuration.get();
  const pick = (suffix: string) => values.find((v) => v.metricName?.endsWith(suffix))?.value ?? 0;
  return { count: pick('_count'), sum: pick('_sum') };
}

/**
 * With ANOMALYLENS_BENCH_LIVE_PROF=<dir>, a CPU profile of the live (latency) phase alone,
 * written there as a .cpuprofile (the process-wide --cpu-prof mixes in warm-up and fits).
 */
async function startPhaseProfile(): Promise<{ stop(): Promise<void> } | undefined> {
  const dir = process.env.ANOMALYLENS_BENCH_LIVE_PROF;
  if (!dir) return undefined;
  const session = new Session();
  session.connect();
  const post = (method: string) =>
    new Promise<unknown>((resolve, reject) =>
      session.post(method, (err, result) => (err ? reject(err) : resolve(result)))
    );
  await post('Profiler.enable');
  await post('Profiler.start');
  return {
    async stop() {
      const { profile } = (await post('Profiler.stop')) as { profile: unknown };
      mkdirSync(dir, { recursive: true });
      writeFileSync(path.join(dir, `live-${process.pid}.cpuprofile`), JSON.stringify(profile));
      session.disconnect();
    },
  };
}

/**
 * With ANOMALYLENS_BENCH_LIVE_HEAP_PROF=<dir>, a sampling allocation profile of the first
 * seconds of the live phase. The sampler forgets objects once collected, so run the detector
 * with a young generation large enough that none is (ANOMALYLENS_BENCH_NODE_ARGS=
 * "--min-semi-space-size=1024 --max-semi-space-size=1024"): then it records every allocation.
 */
async function startAllocationProfile(): Promise<void> {
  const dir = process.env.ANOMALYLENS_BENCH_LIVE_HEAP_PROF;
  if (!dir) return;
  const session = new Session();
  session.connect();
  const post = (method: string, params?: object) =>
    new Promise<unknown>((resolve, reject) =>
      session.post(method, params, (err, result) => (err ? reject(err) : resolve(result)))
    );
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  await post('HeapProfiler.enable');
  await post('HeapProfiler.startSampling', {
    samplingInterval: 4096,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  });
  const seconds = Number(process.env.ANOMALYLENS_BENCH_LIVE_HEAP_SECONDS ?? 4);
  setTimeout(() => {
    void post('HeapProfiler.stopSampling').then((r) => {
      mkdirSync(dir, { recursive: true });
      const file = path.join(dir, `live-${process.pid}.heapprofile`);
      writeFileSync(file, JSON.stringify((r as { profile: unknown }).profile));
      session.disconnect();
    });
  }, seconds * 1000);
}

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  applyHeapGrowth(config.heapGrowingPercent);
  const logger = pino({ level: config.logLevel }, pino.destination(2));
  // Latencies of live samples only; a typed array so a million of them cost 8 MB, not 30+.
  let liveSince = Infinity;
  let lat = new Float64Array(1 << 20);
  let latCount = 0;
  const service = new DetectorService(config, {
    logger,
    createDetector: () => createSeriesDetector(),
    stateCodec: streamingDetectorCodec(),
    onFatal: (err) => {
      send({ type: 'failed', error: `consumer stopped: ${err.message}` });
      process.exit(1);
    },
    // An indexed loop: for..of over the typed array boxed every timestamp, some 300 bytes of
    // garbage per point that the detector's CPU figures then counted as the pipeline's.
    onAcknowledged: (timestamps) => {
      const now = Date.now();
      for (let i = 0; i < timestamps.length; i++) {
        const t = timestamps[i];
        if (t < liveSince) continue;
        if (latCount === lat.length) {
          const bigger = new Float64Array(lat.length * 2);
          bigger.set(lat);
          lat = bigger;
        }
        lat[latCount++] = now - t;
      }
    },
  });
  const pending = () => service.status().sink.pendingSamples;

  const messages: ToDetector[] = [];
  process.on('message', (m: ToDetector) => messages.push(m));
  const next = async <T extends ToDetector['type']>(type: T): Promise<Extract<ToDetector, { type: T }>> => {
    await until(() => messages.length > 0, 3_600_000, `the '${type}' message`);
    const m = messages.shift()!;
    if (m.type !== type) throw new Error(`expected '${type}', got '${m.type}'`);
    return m as Extract<ToDetector, { type: T }>;
  };

  await service.start();
  await until(() => service.readiness().ready, 60_000, 'the detector to join its group');
  send({ type: 'ready', ...(await settledRss()) });

  const progress = setInterval(
    () => send({ type: 'progress', scored: service.pointsScored, pending: pending() }),
    500
  );
  const backlog = await next('backlog');
  const startedAt = service.firstMessageAt || Date.now();
  // The window opens once the producer is done (it no longer competes for the CPU) and
  // every series has had its warm-up points.
  await until(() => service.pointsScored >= backlog.warmPoints, 1_800_000, 'the warm-up points');
  const windowStart = Date.now();
  const cpuAtStart = process.cpuUsage();
  const scoredAtStart = service.pointsScored;
  const writesAtStart = await writeTotals(service);
  // Where the window's time goes besides scoring: held back by a full sink (backpressure).
  let looks = 0;
  let held = 0;
  const sampler = setInterval(() => {
    looks++;
    if (service.status().sink.backpressure) held++;
  }, 50);
  await until(
    () => service.pointsScored >= backlog.totalPoints && pending() === 0,
    1_800_000,
    'every backlog point to be scored and acknowledged'
  );
  const end = Date.now();
  const windowCpu = process.cpuUsage(cpuAtStart);
  clearInterval(sampler);
  const writes = await writeTotals(service);
  send({
    meanWriteSeconds: (writes.sum - writesAtStart.sum) / Math.max(1, writes.count - writesAtStart.count),
    type: 'throughput',
    backpressureShare: looks === 0 ? 0 : held / looks,
    windowPoints: service.pointsScored - scoredAtStart,
    cpuMicrosPerPoint:
      (windowCpu.user + windowCpu.system) / Math.max(1, service.pointsScored - scoredAtStart),
    windowSeconds: (end - windowStart) / 1000,
    totalSeconds: (end - (service.firstMessageAt || startedAt)) / 1000,
  });
  send({ type: 'rss', activeSeries: service.status().activeSeries, ...(await settledRss()) });

  const live = await next('live');
  liveSince = live.sinceMs;
  const scoredBefore = service.pointsScored;
  const cpuBefore = process.cpuUsage();
  const checkpointsBefore = await checkpointTotals(service, config.checkpointIntervalMs);
  const statesBefore = await countOf(service.metrics.checkpointStatesWritten);
  const profile = await startPhaseProfile();
  await startAllocationProfile();
  // Marks the phase in traces asked for with ANOMALYLENS_BENCH_NODE_ARGS (e.g. --trace-gc).
  if (process.env.ANOMALYLENS_BENCH_NODE_ARGS) process.stdout.write('[bench] live phase starts\n');
  const done = await next('liveDone');
  // Every point yields at least three samples (observed, score, anomalous).
  await until(
    () =>
      service.pointsScored - scoredBefore >= done.points && latCount >= done.points * 3 && pending() === 0,
    300_000,
    'the last live acknowledgement'
  );
  const liveCpu = process.cpuUsage(cpuBefore);
  if (process.env.ANOMALYLENS_BENCH_NODE_ARGS) process.stdout.write('[bench] live phase ends\n');
  const checkpointsAfter = await checkpointTotals(service, config.checkpointIntervalMs);
  await profile?.stop();
  clearInterval(progress);
  const sorted = lat.subarray(0, latCount).sort();
  send({
    type: 'latency',
    p50Ms: percentile(sorted, 0.5),
    p99Ms: percentile(sorted, 0.99),
    maxMs: sorted[sorted.length - 1] ?? NaN,
    samples: latCount,
    cpuMicrosPerPoint: (liveCpu.user + liveCpu.system) / Math.max(1, service.pointsScored - scoredBefore),
    checkpoints: checkpointsAfter,
    liveCheckpoints: {
      count: checkpointsAfter.count - checkpointsBefore.count,
      bytes: checkpointsAfter.bytes - checkpointsBefore.bytes,
      states: (await countOf(service.metrics.checkpointStatesWritten)) - statesBefore,
    },
  });
  await next('stop');
  await service.stop();
  process.exit(0);
}

main().catch((e: unknown) => {
  send({ type: 'failed', error: String(e instanceof Error ? e.stack : e) });
  process.exit(1);
});
