/**
 * `anomaly-lens simulate --to kafka` (generated fleet) and `simulate --from <csv>` (replay
 * of a file), both into a Kafka topic in the native format.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  parseDurationMs,
  parseIntOption,
  parseListOption,
  parseOptions,
  parseRangeOption,
  parseTimeOption,
  reportCliError,
  splitList,
  UsageError,
} from './args';
import { readLines } from '../csv/read';
import { ANOMALY_KINDS } from '../simulate/generator';
import { CsvColumns, type CsvPoint } from '../csv/columns';
import {
  groundTruth,
  planFleet,
  rowMessages,
  type FleetOptions,
  type TruthFile,
} from '../simulate/kafka-plan';
import { PacedProducer, type OutgoingMessage, type SendStats } from '../simulate/kafka';
import { METRIC_KINDS } from '../simulate/metrics';

export const KAFKA_USAGE = `usage: anomaly-lens simulate --to kafka [options]
       anomaly-lens simulate --from <file.csv> [options]

--to kafka: N hosts × M metrics of realistic cloud metrics (seasonality, trend, noise) with
injected labeled anomalies, sent row by row, one message per host per row (a JSON array of
its metrics, keyed by host). The ground truth goes to --truth.
--from: replays a CSV (header with timestamp,value; optional metric and host columns).

common options:
  --brokers <list>      Kafka bootstrap servers (default $ANOMALYLENS_KAFKA_BROKERS or 127.0.0.1:9092)
  --topic <name>        topic (default metrics); created if missing
  --partitions <n>      partitions when the topic is created (default 3)
  --rate <points/s>     send at most this many points per second (default 0 = as fast as possible)
  --labels <k=v,...>    extra labels on every point (e.g. run=test-42)
  --batch <n>           messages per produce request (default 500)

--to kafka options:
  --hosts <n>           hosts (default 4)
  --metrics <list>      metrics per host (default all): ${METRIC_KINDS.join(',')}
  --length <rows>       rows per series (default 1000)
  --step <duration>     time between rows (default 10s)
  --start <iso-time>    first timestamp (default: length × step before now, so the data ends now)
  --realtime            live data: send --backfill rows of history at once, then each row when
                        its time comes (ignores --start and --rate)
  --backfill <rows>     with --realtime: rows of history ending now (default 360)
  --loop                with --realtime: repeat the fleet segment after segment of --length rows
                        (anomalies recur at the same offsets) until stopped (SIGINT/SIGTERM)
  --seed <n>            random seed (default 1)
  --kinds <list>        anomaly kinds (default all): ${ANOMALY_KINDS.join(',')}
  --anomalies <n|lo-hi> anomalies per series (default 1-2)
  --quiet-hosts <n>     the last n hosts get no anomalies (default 0)
  --truth <file>        write the ground truth (JSON) here

--from options:
  --metric <name>       metric name when the CSV has no metric column (default: file name)
  --host <name>         host label when the CSV has no host column (default replay)
  --shift-to-now        shift timestamps so the last row is now
  -h, --help            show this help
`;

/** The ground truth of every segment so far (one file, rewritten atomically per segment). */
function writeTruth(file: string, truths: TruthFile[]): void {
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const merged: TruthFile = {
    ...truths[0],
    length: truths.reduce((n, t) => n + t.length, 0),
    series: truths.flatMap((t) => t.series),
  };
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, JSON.stringify(merged, null, 1) + '\n');
  fs.renameSync(tmp, file);
}

function parseLabels(text: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!text) return out;
  for (const item of text.split(',')) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new UsageError(`--labels: expected k=v[,k=v], got '${item}'`);
    out[item.slice(0, eq).trim()] = item.slice(eq + 1).trim();
  }
  return out;
}

function progressReporter(total: number | undefined): ((s: SendStats) => void) | undefined {
  if (process.stderr.isTTY !== true) return undefined;
  let last = 0;
  return (s) => {
    const now = Date.now();
    if (now - last < 200) return;
    last = now;
    const of = total ? `/${total}` : '';
    process.stderr.write(
      `\rsimulate: sent ${s.points}${of} points (${Math.round(s.points / Math.max(s.seconds, 0.001))} points/s)   `
    );
  };
}

export async function runKafkaSimulate(argv: string[]): Promise<number> {
  try {
    const values = parseOptions(argv, {
      to: { type: 'string' },
      from: { type: 'string' },
      brokers: { type: 'string' },
      topic: { type: 'string', default: 'metrics' },
      partitions: { type: 'string' },
      rate: { type: 'string' },
      labels: { type: 'string' },
      batch: { type: 'string' },
      hosts: { type: 'string' },
      metrics: { type: 'string' },
      length: { type: 'string' },
      step: { type: 'string' },
      start: { type: 'string' },
      realtime: { type: 'boolean' },
      backfill: { type: 'string' },
      loop: { type: 'boolean' },
      seed: { type: 'string' },
      kinds: { type: 'string' },
      anomalies: { type: 'string' },
      'quiet-hosts': { type: 'string' },
      truth: { type: 'string' },
      metric: { type: 'string' },
      host: { type: 'string' },
      'shift-to-now': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    });
    if (values.help) {
      process.stdout.write(KAFKA_USAGE);
      return 0;
    }
    if (values.from !== undefined && values.to !== undefined && values.to !== 'kafka') {
      throw new UsageError('--from replays into Kafka; --to must be kafka or absent');
    }
    const brokers = splitList(values.brokers ?? process.env.ANOMALYLENS_KAFKA_BROKERS ?? '127.0.0.1:9092');
    const labels = parseLabels(values.labels);
    const makeProducer = (rate: number) =>
      new PacedProducer({
        brokers,
        topic: values.topic ?? 'metrics',
        partitions: parseIntOption('partitions', values.partitions, 1) ?? 3,
        rate,
        batch: parseIntOption('batch', values.batch, 1) ?? 500,
      });
    const rate = parseIntOption('rate', values.rate, 0) ?? 0;

    if (values.from !== undefined) return await replayCsv(values.from, values, labels, makeProducer(rate));

    const length = parseIntOption('length', values.length, 10) ?? 1000;
    const stepMs = parseDurationMs('step', values.step) ?? 10_000;
    const realtime = values.realtime === true;
    const loop = values.loop === true;
    if (loop && !realtime) throw new UsageError('--loop needs --realtime (otherwise it would never pause)');
    if (realtime && values.rate !== undefined)
      throw new UsageError('--realtime paces by the clock; drop --rate');
    const backfill = realtime
      ? (parseIntOption('backfill', values.backfill, 0) ?? Math.min(360, length - 1))
      : 0;
    if (backfill >= length) throw new UsageError(`--backfill: must be below --length (${length})`);
    const fleet: FleetOptions = {
      hosts: parseIntOption('hosts', values.hosts, 1) ?? 4,
      metrics: parseListOption('metrics', values.metrics, METRIC_KINDS) ?? METRIC_KINDS,
      length,
      stepMs,
      startMs: realtime
        ? Date.now() - backfill * stepMs
        : (parseTimeOption('start', values.start) ?? Date.now() - length * stepMs),
      seed: parseIntOption('seed', values.seed, 0) ?? 1,
      kinds: parseListOption('kinds', values.kinds, ANOMALY_KINDS) ?? ANOMALY_KINDS,
      anomaliesPerSeries: parseRangeOption('anomalies', values.anomalies) ?? [1, 2],
      quietHosts: parseIntOption('quiet-hosts', values['quiet-hosts'], 0) ?? 0,
      labels,
    };
    if (fleet.quietHosts > fleet.hosts)
      throw new UsageError(`--quiet-hosts: at most --hosts (${fleet.hosts})`);
    const producer = makeProducer(realtime ? 0 : rate);
    const stop = new AbortController();
    const onSignal = () => stop.abort();
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    const truths: TruthFile[] = [];
    let segments = 0;
    let anomalies = 0;
    // One segment per fleet plan; --loop chains segments end to end.
    function* messages(): Generator<OutgoingMessage> {
      let segment: FleetOptions = fleet;
      do {
        const series = planFleet(segment);
        anomalies += series.reduce((n, s) => n + s.series.anomalies.length, 0);
        segments++;
        if (values.truth) {
          truths.push(groundTruth(series, segment));
          writeTruth(values.truth, truths);
        }
        for (let row = 0; row < length; row++) {
          const due = segment.startMs + row * stepMs;
          for (const m of rowMessages(series, row))
            yield realtime && due > Date.now() ? { ...m, notBefore: due } : m;
        }
        // Same seed: each host keeps its level and seasonality across segments (a new draw
        // would jump, an anomaly nobody labeled); only the trend restarts from the level.
        segment = { ...segment, startMs: segment.startMs + length * stepMs };
      } while (loop && !stop.signal.aborted);
    }
    await producer.connect();
    try {
      const total = loop ? undefined : fleet.hosts * fleet.metrics.length * length;
      const stats = await producer.sendAll(messages(), progressReporter(total), stop.signal);
      if (process.stderr.isTTY) process.stderr.write('\n');
      process.stdout.write(
        `simulate: ${stats.points} points (${fleet.hosts} hosts × ${fleet.metrics.length} metrics × ${length} rows` +
          `${segments > 1 ? ` × ${segments} segments` : ''}, ${anomalies} labeled anomalies) → ${values.topic} in ${stats.seconds.toFixed(1)} s` +
          `${values.truth ? `; truth → ${values.truth}` : ''}${stop.signal.aborted ? ' (stopped)' : ''}\n`
      );
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      await producer.disconnect();
    }
    return 0;
  } catch (err) {
    return reportCliError('simulate', KAFKA_USAGE, err);
  }
}

async function replayCsv(
  file: string,
  values: { metric?: string; host?: string; 'shift-to-now'?: boolean; topic?: string },
  labels: Record<string, string>,
  producer: PacedProducer
): Promise<number> {
  if (!fs.existsSync(file)) throw new UsageError(`--from: no such file '${file}'`);
  const opts = {
    metric: values.metric ?? path.basename(file).replace(/\.csv$/i, ''),
    labels: { ...labels, host: values.host ?? labels.host ?? 'replay' },
  };
  // Read and validate the whole file first: a bad row must not leave half a replay behind.
  const points: CsvPoint[] = [];
  let columns: CsvColumns | undefined;
  for await (const [line, n] of readLines(file)) {
    if (line.trim() === '') continue;
    if (!columns) columns = CsvColumns.fromHeader(line);
    else points.push(columns.point(line, n, opts));
  }
  if (points.length === 0) throw new UsageError(`--from: '${file}' has no data rows`);
  const shift = values['shift-to-now'] ? Date.now() - points[points.length - 1].ts : 0;
  function* messages(): Generator<OutgoingMessage> {
    for (const p of points) {
      yield { key: p.labels.host ?? '', value: JSON.stringify({ ...p, ts: p.ts + shift }), points: 1 };
    }
  }
  await producer.connect();
  try {
    const stats = await producer.sendAll(messages(), progressReporter(points.length));
    if (process.stderr.isTTY) process.stderr.write('\n');
    process.stdout.write(
      `simulate: replayed ${stats.points} rows of ${file} → ${values.topic} in ${stats.seconds.toFixed(1)} s\n`
    );
  } finally {
    await producer.disconnect();
  }
  return 0;
}
