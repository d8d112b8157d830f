// Puts detector output into a real Prometheus the way production does: a labeled series from
// the simulator goes point by point through the detector's own pipeline code (decode, per-series
// Isolation Forest detector, output series) and its remote-write sink, then comes back through
// Prometheus's HTTP API as query_range matrices, which the harness turns into Grafana frames.
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const here = path.dirname(fileURLToPath(import.meta.url));
const DETECTOR_DIST = path.resolve(here, '..', '..', 'backend-detector', 'dist');

export const OUTPUT_SERIES = [
  'anomalylens_observed',
  'anomalylens_expected',
  'anomalylens_expected_lower',
  'anomalylens_expected_upper',
  'anomalylens_score',
  'anomalylens_anomalous',
];

function detectorModule(rel) {
  try {
    return require(path.join(DETECTOR_DIST, rel));
  } catch (e) {
    throw new Error(`backend-detector/dist/${rel} failed to load (run "npm run build" first): ${e.message}`);
  }
}

export async function prometheusReady(url) {
  try {
    const res = await fetch(`${url}/-/ready`);
    return res.ok;
  } catch {
    return false;
  }
}

/**
 * Replays simulated labeled series through the detector and sink into Prometheus.
 * `hosts`: one series per host, all with label run=<runId>. Returns the generated series
 * (with their injected anomalies) and the time span written.
 */
export async function replayIntoPrometheus({
  promUrl,
  runId,
  hosts = ['web-1'],
  length = 720,
  stepMs = 60_000,
  seed = 7,
  anomalies,
}) {
  const { generateSeries } = detectorModule('simulate/generator.js');
  const { Processor } = detectorModule('pipeline/processor.js');
  const { RemoteWriteSink } = detectorModule('sink/sink.js');
  const { RemoteWriteClient } = detectorModule('sink/client.js');
  const { createSeriesDetector } = detectorModule('model/index.js');

  // End a little in the past so the whole span is queryable at once.
  const endMs = Math.floor(Date.now() / stepMs) * stepMs - 10 * stepMs;
  const startMs = endMs - (length - 1) * stepMs;
  const generated = hosts.map((host, i) =>
    generateSeries(
      {
        metric: 'cpu_utilization',
        length,
        stepMs,
        startMs,
        anomalies: anomalies ?? [{ kind: 'spike' }, { kind: 'level_shift' }, { kind: 'dip' }],
      },
      seed + i
    )
  );

  const failures = [];
  const sink = new RemoteWriteSink(
    new RemoteWriteClient({ url: `${promUrl}/api/v1/write`, timeoutMs: 10_000 }),
    {
      shards: 2,
      batchSamples: 5_000,
      flushMs: 100,
      maxPendingSamples: 200_000,
      backoff: { initialMs: 100, maxMs: 2_000 },
    },
    { rejected: (n, status, body) => failures.push(`${n} samples rejected: ${status} ${body}`) }
  );
  const processor = new Processor(sink, {
    createDetector: () => createSeriesDetector(),
    maxMessageBytes: 1 << 20,
    maxSeries: 10_000,
    shards: 2,
  });
  let acked = 0;
  const ticket = { expect: () => undefined, ack: (n) => (acked += n) };
  for (let row = 0; row < length; row++) {
    for (let h = 0; h < hosts.length; h++) {
      const ts = generated[h].timestamps[row];
      const body = {
        ts,
        metric: 'cpu_utilization',
        value: generated[h].values[row],
        labels: { host: hosts[h], run: runId },
      };
      const dead = processor.process(
        {
          topic: 'metrics',
          partition: 0,
          offset: String(row),
          key: null,
          value: Buffer.from(JSON.stringify(body)),
          timestamp: ts,
        },
        'native',
        ticket
      );
      if (dead) {
        throw new Error(`detector rejected a replayed point: ${dead.reason} ${dead.detail}`);
      }
    }
    if (!sink.hasCapacity) {
      await sink.waitForCapacity();
    }
  }
  const flushed = await sink.flush(60_000);
  sink.close();
  if (!flushed || failures.length > 0) {
    throw new Error(`remote write did not complete: ${failures.join('; ') || 'flush timed out'}`);
  }
  return { generated, startMs, endMs, stepMs, acked };
}

/** One /api/v1/query_range call per output series of the run; returns the `data` objects. */
export async function queryRun({ promUrl, runId, startMs, endMs, stepMs, extraMatchers = '' }) {
  const matrices = [];
  for (const name of OUTPUT_SERIES) {
    const params = new URLSearchParams({
      query: `${name}{run="${runId}"${extraMatchers}}`,
      start: String(startMs / 1000),
      end: String(endMs / 1000),
      step: `${stepMs / 1000}s`,
    });
    const res = await fetch(`${promUrl}/api/v1/query_range?${params}`);
    const json = await res.json();
    if (json.status !== 'success') {
      throw new Error(`query_range ${name} failed: ${JSON.stringify(json)}`);
    }
    matrices.push(json.data);
  }
  return matrices;
}

/**
 * Writes `anomalylens_maintenance` = 1 at the given times for a replayed run's series, through the
 * detector's remote-write client, as the detector does for points inside a maintenance window.
 */
export async function writeMaintenanceFlag({ promUrl, runId, labels, times }) {
  const { RemoteWriteClient } = detectorModule('sink/client.js');
  const client = new RemoteWriteClient({ url: `${promUrl}/api/v1/write`, timeoutMs: 10_000 });
  const all = { __name__: 'anomalylens_maintenance', ...labels, run: runId };
  const res = await client.write([
    {
      labels: Object.keys(all)
        .sort()
        .map((name) => ({ name, value: all[name] })),
      samples: times.map((timestamp) => ({ value: 1, timestamp })),
    },
  ]);
  if (res.status >= 300) {
    throw new Error(`remote write of the maintenance flag failed: ${res.status} ${res.body}`);
  }
}

/**
 * The detector scores none of the points in a maintenance window: drops the score, flag and
 * expected range from query results between `fromMs` and `toMs` (samples already in Prometheus
 * cannot be deleted there: deletion skips out-of-order data, prometheus/prometheus#11790).
 */
export function withoutScores(matrices, fromMs, toMs) {
  return matrices.map((m) => ({
    ...m,
    result: m.result.map((series) =>
      series.metric.__name__ === 'anomalylens_observed'
        ? series
        : { ...series, values: series.values.filter(([t]) => t * 1000 < fromMs || t * 1000 > toMs) }
    ),
  }));
}

/** query_range of one expression over a run's span; returns the `data` object. */
export async function queryRange({ promUrl, query, startMs, endMs, stepMs }) {
  const params = new URLSearchParams({
    query,
    start: String(startMs / 1000),
    end: String(endMs / 1000),
    step: `${stepMs / 1000}s`,
  });
  const res = await fetch(`${promUrl}/api/v1/query_range?${params}`);
  const json = await res.json();
  if (json.status !== 'success') {
    throw new Error(`query_range ${query} failed: ${JSON.stringify(json)}`);
  }
  return json.data;
}
