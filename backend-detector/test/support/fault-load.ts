/**
 * A known, deterministic load for fault tests, and what the detector must make of it:
 * - `FaultLoad`: N hosts × M metrics × R rows of generated cloud metrics (seeded), one native
 *   JSON message per host per row, keyed by host and pinned to partition `host % P`, with
 *   distinct increasing timestamps in the last hours;
 * - `LoadDriver`: sends the rows in order at a steady rate and keeps going through broker
 *   restarts (a send that fails is retried until it succeeds or the driver is aborted);
 * - `reference()`: the six output values of every point from an uninterrupted in-process
 *   detector per series, the ground truth the samples in Prometheus are compared with.
 */
import { Kafka, logLevel, Partitioners, type Producer } from 'kafkajs';
import { createSeriesDetector } from '../../src/model/detector';
import { OUTPUT_NAMES, outputValues } from '../../src/sink/output-series';
import type { AnomalyKind } from '../../src/simulate/generator';
import { planFleet, type FleetSeries } from '../../src/simulate/kafka-plan';
import type { MetricKind } from '../../src/simulate/metrics';

export type OutputName = (typeof OUTPUT_NAMES)[number];

export interface FaultLoadOptions {
  /** Value of the `run` label on every point (unique per test run). */
  run: string;
  hosts: number;
  metrics?: MetricKind[];
  rows: number;
  partitions: number;
  seed?: number;
  stepMs?: number;
}

const KINDS: AnomalyKind[] = ['spike', 'dip', 'level_shift'];

export interface LoadMessage {
  key: string;
  value: string;
  partition: number;
}

export class FaultLoad {
  readonly fleet: FleetSeries[];
  readonly hosts: string[];
  readonly startMs: number;
  readonly stepMs: number;

  constructor(readonly o: FaultLoadOptions) {
    this.stepMs = o.stepMs ?? 10_000;
    // Whole seconds, ending a few minutes ago: Prometheus takes them, and no two runs collide.
    this.startMs = Math.floor((Date.now() - 10 * 60_000 - o.rows * this.stepMs) / 1000) * 1000;
    this.fleet = planFleet({
      hosts: o.hosts,
      metrics: o.metrics ?? ['cpu_utilization', 'request_rate'],
      length: o.rows,
      stepMs: this.stepMs,
      startMs: this.startMs,
      seed: o.seed ?? 7,
      kinds: KINDS,
      anomaliesPerSeries: [0, 2],
      quietHosts: 0,
      labels: { run: o.run },
    });
    this.hosts = [...new Set(this.fleet.map((f) => f.host))];
  }

  get seriesCount(): number {
    return this.fleet.length;
  }

  get points(): number {
    return this.fleet.length * this.o.rows;
  }

  /** The partition a host's messages go to. */
  partitionOf(host: string): number {
    return this.hosts.indexOf(host) % this.o.partitions;
  }

  /** The messages of one row, one per host (the native format's array form). */
  row(row: number): LoadMessage[] {
    const byHost = new Map<string, Array<Record<string, unknown>>>();
    for (const f of this.fleet) {
      let list = byHost.get(f.host);
      if (!list) byHost.set(f.host, (list = []));
      list.push({
        ts: f.series.timestamps[row],
        metric: f.metric,
        value: f.series.values[row],
        labels: f.labels,
      });
    }
    return [...byHost].map(([host, pts]) => ({
      key: host,
      value: JSON.stringify(pts),
      partition: this.partitionOf(host),
    }));
  }

  /** Identifies an input series in Prometheus results: its host and metric labels. */
  static seriesId(host: string, metric: string): string {
    return `${host}/${metric}`;
  }

  /**
   * What an uninterrupted detector writes: per series and output name, the samples
   * (timestamp → value) in time order; warm-up points have no expected* samples.
   */
  reference(): Map<string, Map<OutputName, Array<[number, number]>>> {
    const out = new Map<string, Map<OutputName, Array<[number, number]>>>();
    for (const f of this.fleet) {
      const det = createSeriesDetector();
      const perName = new Map<OutputName, Array<[number, number]>>(OUTPUT_NAMES.map((n) => [n, []]));
      for (let i = 0; i < this.o.rows; i++) {
        const ts = f.series.timestamps[i] as number;
        const values = outputValues(det.update(ts, f.series.values[i] as number));
        values.forEach((v, j) => {
          if (v !== undefined) perName.get(OUTPUT_NAMES[j])!.push([ts, v]);
        });
      }
      out.set(FaultLoad.seriesId(f.host, f.metric), perName);
    }
    return out;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Sends a FaultLoad row by row at `rowsPerSecond`, one send in flight (a host's rows must
 * reach its partition in order). A failed send (broker down) is retried with a capped
 * backoff until it succeeds: a retried send that had in fact been written leaves duplicate
 * rows in the topic, which the detector must skip (same timestamps) — part of what is tested.
 */
export class LoadDriver {
  rowsSent = 0;
  sendRetries = 0;
  private readonly kafka: Kafka;
  private producer?: Producer;
  private readonly abort = new AbortController();
  private running?: Promise<void>;

  constructor(
    private readonly load: FaultLoad,
    private readonly topic: string,
    brokers: string[],
    private readonly rowsPerSecond: number,
    private readonly rowsPerSend = 1
  ) {
    this.kafka = new Kafka({
      clientId: 'anomaly-lens-fault-load',
      brokers,
      logLevel: logLevel.NOTHING,
      retry: { retries: 3, initialRetryTime: 200, maxRetryTime: 2000 },
    });
  }

  get pointsSent(): number {
    return this.rowsSent * this.load.seriesCount;
  }

  get done(): boolean {
    return this.rowsSent >= this.load.o.rows;
  }

  /** Starts sending in the background; `finished()` resolves when every row is written. */
  async start(): Promise<void> {
    this.producer = this.kafka.producer({
      createPartitioner: Partitioners.DefaultPartitioner,
      allowAutoTopicCreation: false,
      maxInFlightRequests: 1,
    });
    await this.producer.connect();
    this.running = this.loop();
    // Surfaced by finished(); keep an early failure from being an unhandled rejection.
    this.running.catch(() => undefined);
  }

  finished(): Promise<void> {
    if (!this.running) throw new Error('start() first');
    return this.running;
  }

  /** Resolves once at least `rows` rows are written. */
  async reached(rows: number, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.rowsSent < rows) {
      if (Date.now() > deadline)
        throw new Error(`load driver: ${this.rowsSent}/${rows} rows sent after ${timeoutMs} ms`);
      await sleep(50);
    }
  }

  private async loop(): Promise<void> {
    const started = Date.now();
    const rows = this.load.o.rows;
    for (let row = 0; row < rows && !this.abort.signal.aborted; row += this.rowsPerSend) {
      const due = started + (row / this.rowsPerSecond) * 1000;
      if (due > Date.now()) await sleep(due - Date.now());
      const last = Math.min(rows, row + this.rowsPerSend);
      const messages = [];
      for (let r = row; r < last; r++) messages.push(...this.load.row(r));
      for (let attempt = 0; ; attempt++) {
        try {
          await this.producer!.send({ topic: this.topic, messages });
          break;
        } catch {
          if (this.abort.signal.aborted) return;
          this.sendRetries++;
          await sleep(Math.min(2000, 200 * 2 ** attempt));
        }
      }
      this.rowsSent = last;
    }
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.running?.catch(() => undefined);
    await this.producer?.disconnect().catch(() => undefined);
  }
}
