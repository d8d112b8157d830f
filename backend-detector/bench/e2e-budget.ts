/**
 * The end-to-end performance budget (issue 5): Kafka → detector → Prometheus at 10,000
 * active series, against the real services of `npm run services:up`.
 *
 *  1. sustained throughput: a backlog of rows for every series is produced, the detector
 *     (a child process built like `anomaly-lens run`, checkpoints included) consumes it; the
 *     rate is measured over the rows after the warm-up (each series already fitted twice),
 *     from first to last remote-write acknowledgement;
 *  2. RSS per active series: the detector's RSS once every series is active and warmed,
 *     minus its RSS after joining the group with nothing consumed, both after a full GC;
 *  3. latency: the same warmed detector under a paced live load (20,000 points/s), p50/p99
 *     from handing a point to the producer to the acknowledgement of its samples;
 *  4. the ceiling: a bare kafkajs consumer group reading the same backlog, in this run;
 *  5. the pipeline's cost: the detector's CPU per point in the live phase beside `replay`'s CPU
 *     per point on one series (CSV parsing and writing included), measured in this run;
 *  6. scale-out: the backlog consumed by a group of one, then of two detector processes
 *     (each group on a topic of its own), and the group's throughput in each case.
 * Topics, group ids and the `bench` label are unique per run; the topics and the Prometheus
 * series are deleted afterwards.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import * as path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { DEFAULT_DETECTOR_CONFIG } from '../src/model/config';
import { RemoteWriteClient } from '../src/sink/client';
import { outputLabelSets } from '../src/sink/output-series';
import type { TimeSeries } from '../src/sink/proto';
import { PacedProducer, type OutgoingMessage, type SendStats } from '../src/simulate/kafka';
import { planFleet, rowMessages, type FleetSeries } from '../src/simulate/kafka-plan';
import { METRIC_KINDS } from '../src/simulate/metrics';
import { portOpen } from '../test/support/services';
import type { FromDetector, ToDetector } from './e2e-budget-protocol';
import { child as replayChild, writeSeries } from './replay.bench';

const KAFKA = process.env.ANOMALYLENS_BENCH_KAFKA ?? '127.0.0.1:9092';
const PROMETHEUS = process.env.ANOMALYLENS_BENCH_PROMETHEUS ?? 'http://127.0.0.1:9090';

export interface BudgetOptions {
  hosts: number;
  /** Metric kinds per host (series = hosts × metrics). */
  metrics: number;
  /** Rows per series before the measured window (the default: up to and including the first fit). */
  warmRows: number;
  /** Rows per series in the measured window. */
  measuredRows: number;
  partitions: number;
  latencyRate: number;
  latencySeconds: number;
  /** Rows of the one series `replay` scores for the per-point peer. */
  replayRows: number;
  /** 0: leave out the scale-out phase (one vs two detector processes). */
  scaleout: number;
}

export const DEFAULT_BUDGET: BudgetOptions = {
  hosts: 2000,
  metrics: 5,
  warmRows: 64,
  measuredRows: 64,
  partitions: 4,
  latencyRate: 20_000,
  // Two checkpoint intervals (30 s per partition): the live CPU per point then includes
  // checkpoints at their steady rate, not 2 or 3 of them depending on where the window falls.
  latencySeconds: 60,
  replayRows: 300_000,
  scaleout: 1,
};

/** Model fits per series while a series goes from `from` to `to` points (the detector's schedule). */
export function fitsBetween(from: number, to: number): number {
  const { warmup, refitEvery } = DEFAULT_DETECTOR_CONFIG;
  let fits = 0;
  for (let at = warmup; at <= to; at += Math.min(refitEvery, at)) if (at > from) fits++;
  return fits;
}

/** Overrides for quick runs, e.g. ANOMALYLENS_BENCH_HOSTS=200 (the aims are judged at the defaults). */
export function budgetOptionsFromEnv(env = process.env): BudgetOptions {
  const o = { ...DEFAULT_BUDGET };
  const names: Record<string, keyof BudgetOptions> = {
    ANOMALYLENS_BENCH_HOSTS: 'hosts',
    ANOMALYLENS_BENCH_WARM_ROWS: 'warmRows',
    ANOMALYLENS_BENCH_MEASURED_ROWS: 'measuredRows',
    ANOMALYLENS_BENCH_PARTITIONS: 'partitions',
    ANOMALYLENS_BENCH_LATENCY_RATE: 'latencyRate',
    ANOMALYLENS_BENCH_LATENCY_SECONDS: 'latencySeconds',
    ANOMALYLENS_BENCH_REPLAY_ROWS: 'replayRows',
    ANOMALYLENS_BENCH_SCALEOUT: 'scaleout',
  };
  for (const [name, field] of Object.entries(names)) {
    const raw = env[name];
    if (raw === undefined) continue;
    const v = Number(raw);
    const min = field === 'scaleout' ? 0 : 1;
    if (!Number.isInteger(v) || v < min)
      throw new Error(`${name} must be an integer >= ${min} (got '${raw}')`);
    o[field] = v;
  }
  return o;
}

export const AIMS = { pointsPerSecond: 50_000, p99Ms: 1000, bytesPerSeries: 50 * 1024 };

export interface BudgetResult {
  skipped?: string;
  series?: number;
  options?: BudgetOptions;
  load?: { before: number[]; after: number[] };
  produced?: { points: number; seconds: number };
  throughput?: {
    points: number;
    seconds: number;
    pointsPerSecond: number;
    totalSeconds: number;
    backpressureShare: number;
    meanWriteSeconds: number;
    cpuMicrosPerPoint: number;
  };
  ceiling?: { points: number; seconds: number; pointsPerSecond: number; p50Ms?: number; p99Ms?: number };
  /** Remote-write samples/s Prometheus acknowledged, and the samples each point becomes. */
  prometheus?: { samplesPerSecond: number; samplesPerPoint: number };
  rss?: {
    beforeBytes: number;
    afterBytes: number;
    heapBeforeBytes: number;
    heapAfterBytes: number;
    heapTotalBeforeBytes: number;
    heapTotalAfterBytes: number;
    buffersBeforeBytes: number;
    buffersAfterBytes: number;
    activeSeries: number;
  };
  /** The child's latency report, with the live load's actual rate and size. */
  latency?: Omit<Extract<FromDetector, { type: 'latency' }>, 'type'> & { rate: number; points: number };
  /** `replay`'s CPU per point on one series in this run (the live pipeline's peer). */
  replay?: { rows: number; cpuMicrosPerPoint: number };
  /** The backlog consumed by a group of one, then two, detector processes. */
  scaleout?: Array<{ processes: number; points: number; seconds: number; pointsPerSecond: number }>;
  cleanup?: string;
}

const run = `budget-${Date.now().toString(36)}`;

/** One status line, redrawn in place on a terminal; nothing when piped. */
function progress(text: string): void {
  if (process.stderr.isTTY) process.stderr.write(`\r\x1b[2K${text}`);
}
function progressDone(): void {
  if (process.stderr.isTTY) process.stderr.write('\r\x1b[2K');
}

const n = (x: number) => Math.round(x).toLocaleString('en-US');

function plan(o: BudgetOptions, startMs: number, rows: number): FleetSeries[] {
  return planFleet({
    hosts: o.hosts,
    metrics: METRIC_KINDS.slice(0, o.metrics),
    length: rows,
    stepMs: 10_000,
    startMs,
    seed: 5,
    kinds: ['spike', 'level_shift'],
    anomaliesPerSeries: [0, 1],
    quietHosts: 0,
    labels: { bench: run },
  });
}

function* rowsOf(fleet: FleetSeries[], from: number, to: number): Generator<OutgoingMessage> {
  for (let row = from; row < to; row++) yield* rowMessages(fleet, row);
}

/** Live rows: every point carries the wall-clock time it is handed to the producer. */
function* liveRows(fleet: FleetSeries[], from: number, to: number): Generator<OutgoingMessage> {
  // Per host (= per series of that host): timestamps must strictly increase within a series.
  const prev = new Map<string, number>();
  for (let row = from; row < to; row++) {
    for (const m of rowMessages(fleet, row)) {
      const now = Math.max(Date.now(), (prev.get(m.key) ?? 0) + 1);
      prev.set(m.key, now);
      const points = (JSON.parse(m.value) as Array<Record<string, unknown>>).map((p) => ({ ...p, ts: now }));
      yield { ...m, value: JSON.stringify(points) };
    }
  }
}

/** The detector child: a typed message queue over IPC. */
class DetectorChild {
  private readonly inbox: FromDetector[] = [];
  private waiter?: () => void;
  private exit?: string;
  lastProgress = { scored: 0, pending: 0 };

  constructor(readonly proc: ChildProcess) {
    proc.on('message', (m: FromDetector) => {
      if (m.type === 'progress') this.lastProgress = m;
      else this.inbox.push(m);
      this.waiter?.();
    });
    proc.on('exit', (code, signal) => {
      this.exit = `detector child exited (${signal ?? code})`;
      this.waiter?.();
    });
  }

  send(m: ToDetector): void {
    this.proc.send(m);
  }

  async next<T extends FromDetector['type']>(type: T): Promise<Extract<FromDetector, { type: T }>> {
    for (;;) {
      const m = this.inbox.shift();
      if (m) {
        if (m.type === 'failed') throw new Error(`detector failed: ${m.error}`);
        if (m.type !== type) throw new Error(`expected '${type}' from the detector, got '${m.type}'`);
        return m as Extract<FromDetector, { type: T }>;
      }
      if (this.exit) throw new Error(this.exit);
      await new Promise<void>((r) => (this.waiter = r));
    }
  }
}

/** A detector process in group `<run>-<name>`, checkpointing to `<run>-<name>-models`. */
function startDetector(topic: string, name = 'detector'): DetectorChild {
  const profileDir = process.env.ANOMALYLENS_BENCH_CPU_PROF;
  if (profileDir) mkdirSync(profileDir, { recursive: true });
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ANOMALYLENS_KAFKA_BROKERS: KAFKA,
    ANOMALYLENS_REMOTE_WRITE_URL: `${PROMETHEUS}/api/v1/write`,
    ANOMALYLENS_INPUT_TOPICS: `${topic}:native`,
    ANOMALYLENS_KAFKA_GROUP_ID: `${run}-${name}`,
    ANOMALYLENS_MODELS_TOPIC: `${run}-${name}-models`,
    ANOMALYLENS_KAFKA_FROM_BEGINNING: 'true',
    ANOMALYLENS_HTTP_HOST: '127.0.0.1',
    ANOMALYLENS_HTTP_PORT: '0',
    ANOMALYLENS_LOG_LEVEL: process.env.ANOMALYLENS_BENCH_LOG_LEVEL ?? 'warn',
    // Room above the measured series: the cap is not what is being measured.
    ANOMALYLENS_MAX_SERIES: process.env.ANOMALYLENS_MAX_SERIES ?? '100000',
    // Anything else set as ANOMALYLENS_* (e.g. ANOMALYLENS_KAFKA_CONCURRENCY) is passed through.
  };
  // ANOMALYLENS_BENCH_NODE_ARGS: extra node/V8 flags for the detector, e.g. --trace-gc.
  const extraArgs = (process.env.ANOMALYLENS_BENCH_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
  const execArgv = [
    '--expose-gc',
    ...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []),
    ...extraArgs,
  ];
  return new DetectorChild(
    fork(path.join(__dirname, 'e2e-budget-child.js'), [], { env, execArgv, stdio: 'inherit' })
  );
}

/**
 * The sink's ceiling: Prometheus's remote-write receiver fed by the detector's own client
 * (same request size and parallelism as the detector's defaults) with the e2e shape: one
 * sample per output series per request, 6 output series per input series. The first pass
 * creates the series and is not timed (the detector's window runs on existing series too).
 */
async function prometheusCeiling(series: number): Promise<{ samplesPerSecond: number }> {
  const batch = 5000;
  const parallel = 4;
  const client = new RemoteWriteClient({ url: `${PROMETHEUS}/api/v1/write`, timeoutMs: 60_000 });
  const sets = Array.from({ length: series }, (_, i) =>
    outputLabelSets(`probe_${i % 6}`, { bench: run, host: `probe-${Math.floor(i / 6)}` })
  ).flat();
  const start = Date.now() - 3_600_000;
  const pass = async (samplesPerSeries: number, offset: number): Promise<number> => {
    const total = sets.length * samplesPerSeries;
    let next = 0;
    const t0 = process.hrtime.bigint();
    const worker = async () => {
      while (next < total) {
        const from = next;
        next = Math.min(total, next + batch);
        const req: TimeSeries[] = [];
        for (let i = from; i < next; i++) {
          const round = Math.floor(i / sets.length);
          req.push({
            labels: sets[i % sets.length],
            samples: [{ value: i, timestamp: start + (offset + round) * 1000 }],
          });
        }
        const res = await client.write(req);
        if (res.status >= 300) throw new Error(`Prometheus answered ${res.status}: ${res.body}`);
        progress(`Prometheus ceiling: ${n(next)}/${n(total)} samples`);
      }
    };
    await Promise.all(Array.from({ length: parallel }, worker));
    return total / (Number(process.hrtime.bigint() - t0) / 1e9);
  };
  try {
    await pass(1, 0);
    return { samplesPerSecond: await pass(4, 1) };
  } finally {
    client.close();
  }
}

/** The detector waits for its input topic; it must exist before the detector starts. */
async function createTopic(topic: string, partitions: number): Promise<void> {
  const admin = new Kafka({ clientId: `${run}-admin`, brokers: [KAFKA], logLevel: logLevel.ERROR }).admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
}

async function produce(
  topic: string,
  partitions: number,
  rate: number,
  batch: number,
  messages: Iterable<OutgoingMessage>,
  label: string,
  total: number,
  extra: () => string = () => ''
): Promise<SendStats> {
  const producer = new PacedProducer({
    brokers: [KAFKA],
    topic,
    partitions,
    rate,
    batch,
    clientId: `${run}-producer`,
  });
  await producer.connect();
  try {
    return await producer.sendAll(messages, (s) =>
      progress(
        `${label}: ${n(s.points)}/${n(total)} points, ${n(s.points / Math.max(s.seconds, 0.001))}/s${extra()}`
      )
    );
  } finally {
    await producer.disconnect();
  }
}

/** The ceiling: a bare kafkajs consumer group reading the same messages, doing nothing with them. */
async function rawConsume(topic: string, points: number, pointsPerMessage: number): Promise<number> {
  const kafka = new Kafka({ clientId: `${run}-raw`, brokers: [KAFKA], logLevel: logLevel.ERROR });
  const consumer = kafka.consumer({ groupId: `${run}-raw`, maxWaitTimeInMs: 1000 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const messages = points / pointsPerMessage;
  let seen = 0;
  let first = 0;
  let last = 0;
  await consumer.run({
    partitionsConsumedConcurrently: Number(process.env.ANOMALYLENS_KAFKA_CONCURRENCY ?? 2),
    eachBatch: async ({ batch }) => {
      if (first === 0) first = Date.now();
      seen += batch.messages.length;
      last = Date.now();
    },
  });
  const deadline = Date.now() + 300_000;
  while (seen < messages) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the raw consumer');
    progress(`ceiling: raw kafkajs consume ${n(seen * pointsPerMessage)}/${n(points)} points`);
    await new Promise((r) => setTimeout(r, 20));
  }
  await consumer.disconnect();
  return (last - first) / 1000;
}

/**
 * The latency ceiling: the same paced live load read by a bare kafkajs consumer, timed
 * from handing a point to the producer to its message reaching eachBatch.
 */
async function rawLatency(
  topic: string,
  o: BudgetOptions,
  messages: Iterable<OutgoingMessage>,
  total: number
): Promise<{ p50Ms: number; p99Ms: number }> {
  const kafka = new Kafka({ clientId: `${run}-raw-latency`, brokers: [KAFKA], logLevel: logLevel.ERROR });
  const consumer = kafka.consumer({ groupId: `${run}-raw-latency`, maxWaitTimeInMs: 1000 });
  const lat: number[] = [];
  const producer = new PacedProducer({
    brokers: [KAFKA],
    topic,
    partitions: o.partitions,
    rate: o.latencyRate,
    batch: 50,
  });
  await producer.connect(); // creates the topic
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let joined = false;
  consumer.on(consumer.events.GROUP_JOIN, () => (joined = true));
  await consumer.run({
    partitionsConsumedConcurrently: Number(process.env.ANOMALYLENS_KAFKA_CONCURRENCY ?? 2),
    eachBatch: async ({ batch }) => {
      const now = Date.now();
      for (const m of batch.messages) {
        const first = (JSON.parse(m.value!.toString()) as Array<{ ts: number }>)[0];
        lat.push(now - first.ts);
      }
    },
  });
  while (!joined) await new Promise((r) => setTimeout(r, 20));
  const sent = await producer.sendAll(messages, (s) =>
    progress(
      `latency ceiling: raw kafkajs consume at ${n(o.latencyRate)} points/s: ${n(s.points)}/${n(total)} points`
    )
  );
  await producer.disconnect();
  const deadline = Date.now() + 60_000;
  while (lat.length < sent.messages && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  await consumer.disconnect();
  lat.sort((a, b) => a - b);
  return { p50Ms: lat[Math.floor(lat.length * 0.5)], p99Ms: lat[Math.floor(lat.length * 0.99)] };
}

async function cleanup(topics: string[]): Promise<string> {
  const done: string[] = [];
  const kafka = new Kafka({ clientId: `${run}-cleanup`, brokers: [KAFKA], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  try {
    await admin.connect();
    const existing = new Set(await admin.listTopics());
    await admin.deleteTopics({ topics: topics.filter((t) => existing.has(t)) });
    const groups = ['detector', 'raw', 'raw-latency', 'scale-1', 'scale-2'].map((g) => `${run}-${g}`);
    await admin.deleteGroups(groups).catch(() => undefined);
    done.push('topics deleted');
  } catch (e) {
    done.push(`topics kept (${(e as Error).message})`);
  } finally {
    await admin.disconnect();
  }
  try {
    const match = encodeURIComponent(`{bench="${run}"}`);
    const del = await fetch(`${PROMETHEUS}/api/v1/admin/tsdb/delete_series?match[]=${match}`, {
      method: 'POST',
    });
    if (!del.ok) throw new Error(`HTTP ${del.status}`);
    const clean = await fetch(`${PROMETHEUS}/api/v1/admin/tsdb/clean_tombstones`, { method: 'POST' });
    done.push(
      clean.ok
        ? 'Prometheus series deleted'
        : `Prometheus series deleted, tombstones kept (HTTP ${clean.status})`
    );
  } catch (e) {
    done.push(`Prometheus series kept (${(e as Error).message})`);
  }
  return done.join(', ');
}

/** `replay`'s CPU per point on one series of `rows` rows, CSV parsing and writing included. */
function replayPeer(rows: number): { rows: number; cpuMicrosPerPoint: number } {
  const dir = mkdtempSync(path.join(tmpdir(), 'al-bench-budget-replay-'));
  try {
    progress(`replay peer: ${n(rows)} rows`);
    const input = path.join(dir, 'series.csv');
    writeSeries(input, rows);
    const r = replayChild('replay', input, path.join(dir, 'out.csv'));
    return { rows: r.rows, cpuMicrosPerPoint: (r.cpuMs * 1000) / r.rows };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * A group of `processes` detector processes on a topic of its own: once every process has
 * joined (so no rebalance falls into the measurement), the backlog rows are produced and the
 * group's points/s is taken from the first progress report with points scored to the moment
 * every point is scored and acknowledged (each process reports every 0.5 s).
 */
async function groupThroughput(
  o: BudgetOptions,
  processes: number,
  fleet: FleetSeries[],
  rows: number
): Promise<{ processes: number; points: number; seconds: number; pointsPerSecond: number }> {
  const topic = `${run}-scale-${processes}`;
  await createTopic(topic, o.partitions);
  const children = Array.from({ length: processes }, () => startDetector(topic, `scale-${processes}`));
  try {
    await Promise.all(children.map((c) => c.next('ready')));
    const points = fleet.length * rows;
    const scored = () => children.reduce((sum, c) => sum + c.lastProgress.scored, 0);
    const pending = () => children.reduce((sum, c) => sum + c.lastProgress.pending, 0);
    let first = 0;
    let firstScored = 0;
    const producing = produce(
      topic,
      o.partitions,
      0,
      500,
      rowsOf(fleet, 0, rows),
      `scale-out backlog`,
      points
    );
    producing.catch(() => undefined);
    const deadline = Date.now() + 1_800_000;
    while (scored() < points || pending() > 0) {
      if (Date.now() > deadline)
        throw new Error(`timed out: the group of ${processes} scored ${scored()}/${points}`);
      if (first === 0 && scored() > 0) [first, firstScored] = [Date.now(), scored()];
      progress(`scale-out, ${processes} detector process(es): ${n(scored())}/${n(points)} points scored`);
      await new Promise((r) => setTimeout(r, 20));
    }
    const seconds = (Date.now() - first) / 1000;
    await producing;
    return {
      processes,
      points: points - firstScored,
      seconds,
      pointsPerSecond: (points - firstScored) / seconds,
    };
  } finally {
    for (const c of children) if (c.proc.exitCode === null) c.proc.kill('SIGKILL');
  }
}

export async function benchBudget(o: BudgetOptions = budgetOptionsFromEnv()): Promise<BudgetResult> {
  const [kUp, pUp] = await Promise.all([portOpen(KAFKA), portOpen(PROMETHEUS)]);
  if (!kUp || !pUp) {
    return {
      skipped: `services not up (Kafka ${KAFKA} ${kUp ? 'up' : 'down'}, Prometheus ${PROMETHEUS} ${pUp ? 'up' : 'down'}): run \`npm run services:up\``,
    };
  }
  const r: BudgetResult = { series: o.hosts * o.metrics, options: o, load: { before: loadavg(), after: [] } };
  const topic = `${run}-input`;
  const backlogRows = o.warmRows + o.measuredRows;
  const liveRowCount = Math.ceil((o.latencyRate * o.latencySeconds) / (o.hosts * o.metrics));
  const stepMs = 10_000;
  // The backlog ends a few steps before now, so the live rows that follow stay in order.
  const fleet = plan(o, Date.now() - (backlogRows + 10) * stepMs, backlogRows + liveRowCount);
  const series = fleet.length;
  const totalPoints = series * backlogRows;

  await createTopic(topic, o.partitions);
  const prom = await prometheusCeiling(series);
  const child = startDetector(topic);
  const topics = [
    topic,
    `${run}-detector-models`,
    `${run}-raw-latency`,
    `${run}-scale-1-models`,
    `${run}-scale-2-models`,
  ];
  try {
    const ready = await child.next('ready');
    const scoring = () => `; detector scored ${n(child.lastProgress.scored)}`;
    const produced = await produce(
      topic,
      o.partitions,
      0,
      500,
      rowsOf(fleet, 0, backlogRows),
      `backlog (${n(series)} series × ${backlogRows} rows)`,
      totalPoints,
      scoring
    );
    r.produced = { points: produced.points, seconds: produced.seconds };
    child.send({ type: 'backlog', totalPoints, warmPoints: series * o.warmRows });
    const waitDetector = setInterval(
      () =>
        progress(
          `detector: ${n(child.lastProgress.scored)}/${n(totalPoints)} points scored, ${n(child.lastProgress.pending)} samples pending`
        ),
      200
    );
    try {
      const t = await child.next('throughput');
      r.throughput = {
        points: t.windowPoints,
        seconds: t.windowSeconds,
        pointsPerSecond: t.windowPoints / t.windowSeconds,
        totalSeconds: t.totalSeconds,
        backpressureShare: t.backpressureShare,
        meanWriteSeconds: t.meanWriteSeconds,
        cpuMicrosPerPoint: t.cpuMicrosPerPoint,
      };
      progress('detector: GC and RSS');
      const rss = await child.next('rss');
      r.rss = {
        beforeBytes: ready.rssBytes,
        afterBytes: rss.rssBytes,
        heapBeforeBytes: ready.heapUsedBytes,
        heapAfterBytes: rss.heapUsedBytes,
        heapTotalBeforeBytes: ready.heapTotalBytes,
        heapTotalAfterBytes: rss.heapTotalBytes,
        buffersBeforeBytes: ready.arrayBuffersBytes,
        buffersAfterBytes: rss.arrayBuffersBytes,
        activeSeries: rss.activeSeries,
      };
    } finally {
      clearInterval(waitDetector);
    }

    const since = Date.now();
    child.send({ type: 'live', sinceMs: since });
    const live = await produce(
      topic,
      o.partitions,
      o.latencyRate,
      50,
      liveRows(fleet, backlogRows, backlogRows + liveRowCount),
      `live load at ${n(o.latencyRate)} points/s`,
      series * liveRowCount,
      scoring
    );
    child.send({ type: 'liveDone', points: live.points });
    progress('live load: waiting for the last acknowledgements');
    const l = await child.next('latency');
    r.latency = { rate: live.points / live.seconds, points: live.points, ...l };
    r.prometheus = { samplesPerSecond: prom.samplesPerSecond, samplesPerPoint: l.samples / live.points };
    child.send({ type: 'stop' });
    await new Promise((resolve) =>
      child.proc.exitCode !== null ? resolve(null) : child.proc.once('exit', resolve)
    );

    r.replay = replayPeer(o.replayRows);
    if (o.scaleout > 0) {
      r.scaleout = [
        await groupThroughput(o, 1, fleet, backlogRows),
        await groupThroughput(o, 2, fleet, backlogRows),
      ];
    }

    const rawSeconds = await rawConsume(topic, totalPoints + live.points, o.metrics);
    const rawPoints = totalPoints + live.points;
    r.ceiling = {
      points: rawPoints,
      seconds: rawSeconds,
      pointsPerSecond: rawPoints / Math.max(rawSeconds, 0.001),
    };
    const rawRows = Math.ceil(liveRowCount / 2);
    const rawLive = await rawLatency(
      `${run}-raw-latency`,
      o,
      liveRows(fleet, backlogRows, backlogRows + rawRows),
      series * rawRows
    );
    Object.assign(r.ceiling, rawLive);
  } finally {
    if (child.proc.exitCode === null) child.proc.kill('SIGKILL');
    progress('cleaning up');
    r.cleanup = await cleanup(topics);
    progressDone();
  }
  r.load!.after = loadavg();
  return r;
}

const verdict = (met: boolean) => (met ? 'MET' : 'MISSED');

export function formatBudget(r: BudgetResult): string {
  if (r.skipped) return `e2e budget: skipped: ${r.skipped}`;
  const t = r.throughput!;
  const c = r.ceiling!;
  const rss = r.rss!;
  const l = r.latency!;
  const o = r.options!;
  const perSeries = (rss.afterBytes - rss.beforeBytes) / Math.max(1, rss.activeSeries);
  const heapPerSeries = (rss.heapAfterBytes - rss.heapBeforeBytes) / Math.max(1, rss.activeSeries);
  const heapTotalPerSeries =
    (rss.heapTotalAfterBytes - rss.heapTotalBeforeBytes) / Math.max(1, rss.activeSeries);
  const buffersPerSeries = (rss.buffersAfterBytes - rss.buffersBeforeBytes) / Math.max(1, rss.activeSeries);
  const kb = (b: number) => `${(b / 1024).toFixed(1)} KB`;
  const mb = (b: number) => `${(b / 1048576).toFixed(0)} MB`;
  const load = (xs: number[]) => xs.map((x) => x.toFixed(2)).join(' ');
  return [
    `series: ${n(r.series!)} active (${n(rss.activeSeries)} counted by the detector); load average before ${load(r.load!.before)}, after ${load(r.load!.after)} (2 cores)`,
    `ceiling: raw kafkajs consume of the same ${n(c.points)} points (backlog + live), no processing: ${n(c.pointsPerSecond)} points/s`,
    `throughput, warmed series (each had ${o.warmRows} points and ${fitsBetween(0, o.warmRows)} fit(s) before the window; ` +
      `its ${o.measuredRows} points per series include ${fitsBetween(o.warmRows, o.warmRows + o.measuredRows)} refit(s), the long-run rate is 1 per ${DEFAULT_DETECTOR_CONFIG.refitEvery}): ` +
      `${n(t.pointsPerSecond)} points/s over ${n(t.points)} points in ${t.seconds.toFixed(1)} s` +
      ` = ${(t.pointsPerSecond / c.pointsPerSecond).toFixed(2)} × ceiling; aim >= ${n(AIMS.pointsPerSecond)}: ${verdict(t.pointsPerSecond >= AIMS.pointsPerSecond)}`,
    `  ceiling of the sink: Prometheus acknowledged ${n(r.prometheus!.samplesPerSecond)} remote-write samples/s alone (same client, 5,000-sample requests × 4, one sample per series per request)` +
      ` = ${n(r.prometheus!.samplesPerSecond / r.prometheus!.samplesPerPoint)} points/s at ${r.prometheus!.samplesPerPoint.toFixed(2)} samples per point; pipeline/that ${(t.pointsPerSecond / (r.prometheus!.samplesPerSecond / r.prometheus!.samplesPerPoint)).toFixed(2)}`,
    `  whole backlog incl. warm-up: ${n(r.produced!.points / t.totalSeconds)} points/s (${t.totalSeconds.toFixed(1)} s); producer alone: ${n(r.produced!.points / r.produced!.seconds)} points/s; consumption paused on a full sink (or behind a checkpoint) ${(100 * t.backpressureShare).toFixed(0)} % of the window, remote-write requests took ${n(t.meanWriteSeconds * 1000)} ms on average; detector CPU ${t.cpuMicrosPerPoint.toFixed(1)} µs per point`,
    `latency produce → remote-write ack at ${n(l.rate)} points/s (${n(l.points)} points, ${n(l.samples)} samples, warmed series): ` +
      `p50 ${n(l.p50Ms)} ms, p99 ${n(l.p99Ms)} ms, max ${n(l.maxMs)} ms` +
      `; aim p99 < ${AIMS.p99Ms} ms: ${verdict(l.p99Ms < AIMS.p99Ms)}; detector CPU ${l.cpuMicrosPerPoint.toFixed(1)} µs per point`,
    `  ceiling: the same load produce → bare kafkajs eachBatch: p50 ${n(c.p50Ms ?? NaN)} ms, p99 ${n(c.p99Ms ?? NaN)} ms`,
    `pipeline cost: detector CPU ${l.cpuMicrosPerPoint.toFixed(1)} µs per point in the live phase vs replay ${r.replay!.cpuMicrosPerPoint.toFixed(1)} µs per point ` +
      `(one ${n(r.replay!.rows)}-row series, CSV parse and write included, same run): ratio ${(l.cpuMicrosPerPoint / r.replay!.cpuMicrosPerPoint).toFixed(2)}; aim <= 2: ${verdict(l.cpuMicrosPerPoint <= 2 * r.replay!.cpuMicrosPerPoint)}`,
    ...(r.scaleout
      ? [
          `scale-out, the backlog (fresh models, warm-up included) by a group of: ` +
            r.scaleout
              .map(
                (g) =>
                  `${g.processes} detector process(es) ${n(g.pointsPerSecond)} points/s (${n(g.points)} points in ${g.seconds.toFixed(1)} s)`
              )
              .join(', ') +
            `; 2 vs 1: ${(r.scaleout[1].pointsPerSecond / r.scaleout[0].pointsPerSecond).toFixed(2)} × (the processes share ${cpus().length} cores with Kafka, Prometheus and the producer)`,
        ]
      : []),
    `model-state checkpoints over the run: ${l.checkpoints.count} partition checkpoints, ${mb(l.checkpoints.bytes)} written, ` +
      `${l.checkpoints.meanSeconds.toFixed(2)} s on average, the longest ≤ ${l.checkpoints.longestAtMostSeconds} s (interval ${n(l.checkpoints.intervalMs)} ms per partition); ` +
      `in the live phase (no refits) ${l.liveCheckpoints.count} finished, ${n(l.liveCheckpoints.states)} records, ${(l.liveCheckpoints.bytes / Math.max(1, l.liveCheckpoints.states) / 1024).toFixed(1)} KB per record`,
    `RSS per active series: ${kb(perSeries)} (${mb(rss.beforeBytes)} → ${mb(rss.afterBytes)} after GC; per series: JS heap used ${kb(heapPerSeries)} (committed ${kb(heapTotalPerSeries)}) + typed arrays ${kb(buffersPerSeries)}, the rest is allocator overhead); aim <= ${kb(AIMS.bytesPerSeries)}: ${verdict(perSeries <= AIMS.bytesPerSeries)}`,
    `cleanup: ${r.cleanup}`,
  ].join('\n');
}

if (require.main === module) {
  benchBudget()
    .then((r) => {
      process.stdout.write(formatBudget(r) + '\n');
      process.exit(0);
    })
    .catch((e: unknown) => {
      process.stderr.write(`\nbench e2e-budget failed: ${String(e instanceof Error ? e.stack : e)}\n`);
      process.exit(1);
    });
}
