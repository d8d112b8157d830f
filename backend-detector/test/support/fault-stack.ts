/**
 * One fault test's world: a private Kafka and Prometheus (test/support/instances.ts), an
 * input topic with several partitions, a deterministic load, detector child processes, and
 * the final "nothing lost, nothing different" checks. Everything started here is stopped by
 * `down()`, also when the test failed half-way (call it from afterAll).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Kafka } from 'kafkajs';
import { DetectorProcess, until } from './detector-process';
import {
  compareWithReference,
  groupProgress,
  prometheusWrite400s,
  scoreCounts,
  storedSamples,
  type Comparison,
} from './fault-checks';
import { FaultLoad, LoadDriver, type FaultLoadOptions } from './fault-load';
import { KafkaInstance, PrometheusInstance } from './instances';
import { RemoteWriteTap } from './remote-write-tap';

export const CHECKPOINT_INTERVAL_MS = 1000;
/** The smallest session timeout the detector accepts: a dead member is noticed quickly. */
export const SESSION_TIMEOUT_MS = 6000;

export class FaultStack {
  readonly kafka = new KafkaInstance();
  readonly prometheus = new PrometheusInstance();
  readonly run: string;
  readonly topic: string;
  readonly group: string;
  readonly logDir: string;
  readonly detectors: DetectorProcess[] = [];
  load!: FaultLoad;
  driver?: LoadDriver;
  /** Records every sample the detectors send (see remote-write-tap.ts), when `up({ tap })`. */
  tap?: RemoteWriteTap;
  /** Set by the test once everything passed; logs are kept otherwise. */
  passed = false;
  private admin?: Kafka;

  constructor(readonly name: string) {
    this.run = `${name}-${Date.now().toString(36)}`;
    this.topic = `metrics-${this.run}`;
    this.group = `detector-${this.run}`;
    this.logDir = fs.mkdtempSync(path.join(os.tmpdir(), `anomalylens-${name}-`));
  }

  get client(): Kafka {
    return (this.admin ??= this.kafka.client());
  }

  async up(load: Omit<FaultLoadOptions, 'run'>, opts: { tap?: boolean } = {}): Promise<void> {
    await Promise.all([this.kafka.start(), this.prometheus.start()]);
    this.load = new FaultLoad({ ...load, run: this.run });
    if (opts.tap) {
      this.tap = new RemoteWriteTap(() => this.prometheus.url);
      await this.tap.start();
    }
    const admin = this.client.admin();
    await admin.connect();
    try {
      await admin.createTopics({
        topics: [{ topic: this.topic, numPartitions: load.partitions }],
        waitForLeaders: true,
      });
    } finally {
      await admin.disconnect();
    }
  }

  /** The detector's settings for this stack, plus `extra`. */
  env(extra: Record<string, string> = {}): Record<string, string> {
    return {
      ANOMALYLENS_KAFKA_BROKERS: this.kafka.bootstrap,
      ANOMALYLENS_INPUT_TOPICS: this.topic,
      ANOMALYLENS_KAFKA_GROUP_ID: this.group,
      ANOMALYLENS_KAFKA_FROM_BEGINNING: 'true',
      ANOMALYLENS_KAFKA_SESSION_TIMEOUT_MS: String(SESSION_TIMEOUT_MS),
      ANOMALYLENS_REMOTE_WRITE_URL: this.tap?.url ?? `${this.prometheus.url}/api/v1/write`,
      ANOMALYLENS_CHECKPOINT_INTERVAL_MS: String(CHECKPOINT_INTERVAL_MS),
      // Recovery after an outage should not wait out a 30 s backoff.
      ANOMALYLENS_RETRY_MAX_MS: '1000',
      ...extra,
    };
  }

  async startDetector(name: string, extra: Record<string, string> = {}): Promise<DetectorProcess> {
    const d = new DetectorProcess(name, this.env(extra), this.logDir);
    this.detectors.push(d);
    await d.start();
    return d;
  }

  /** Starts the load in the background at `rowsPerSecond`. */
  async startLoad(rowsPerSecond: number): Promise<LoadDriver> {
    this.driver = new LoadDriver(this.load, this.topic, [this.kafka.bootstrap], rowsPerSecond);
    await this.driver.start();
    return this.driver;
  }

  /** Waits until the load is fully sent and the group has committed every message. */
  async allCommitted(timeoutMs: number): Promise<void> {
    await until('the load to be sent', () => (this.driver?.done ? true : undefined), timeoutMs, 200);
    await this.driver!.finished();
    await until(
      'every message committed by the group',
      async () => {
        const p = await groupProgress(this.client, this.group, this.topic);
        return p.committed === p.end ? true : undefined;
      },
      timeoutMs,
      250
    );
  }

  /**
   * Compares what Prometheus stores with the in-process reference. Offsets are committed only
   * after the sink acknowledged the points they carried, so once `allCommitted()` returned,
   * every sample is in Prometheus and one read suffices.
   */
  async verify(opts: { only?: Set<string>; fromMs?: number } = {}): Promise<{
    comparison: Comparison;
    scoreCounts: Map<string, number>;
    prometheus400: number;
  }> {
    const stored = await storedSamples(this.prometheus.url, this.load);
    return {
      comparison: compareWithReference(this.load.reference(), stored, opts),
      scoreCounts: scoreCounts(stored),
      prometheus400: await prometheusWrite400s(this.prometheus.url),
    };
  }

  /** One line for the test output (and the closing note). */
  summary(line: string): void {
    console.log(`[faults] ${this.name}: ${line}`);
  }

  async down(): Promise<void> {
    await this.driver?.stop();
    await Promise.all(this.detectors.map((d) => d.stop('SIGKILL')));
    await this.tap?.stop();
    await Promise.all([this.kafka.destroy(), this.prometheus.destroy()]);
    if (this.passed) fs.rmSync(this.logDir, { recursive: true, force: true });
    else console.log(`[faults] ${this.name}: detector logs kept in ${this.logDir}`);
  }
}

/**
 * The common verdict: every series has exactly `rows` score samples, every stored sample
 * equals the reference (none missing, none extra, none different), Prometheus answered no
 * remote write with 400 and the detectors rejected nothing.
 */
export function expectNothingLost(
  stack: FaultStack,
  result: Awaited<ReturnType<FaultStack['verify']>>,
  detectorRejected: number
): void {
  const rows = stack.load.o.rows;
  const wrongCounts = [...result.scoreCounts].filter(([, n]) => n !== rows);
  expect({ series: result.scoreCounts.size, wrongCounts }).toEqual({
    series: stack.load.seriesCount,
    wrongCounts: [],
  });
  const { missing, extra, differing, examples } = result.comparison;
  const zero = Object.fromEntries(Object.keys(missing).map((k) => [k, 0]));
  expect({ missing, extra, differing, examples }).toEqual({
    missing: zero,
    extra: zero,
    differing: zero,
    examples: [],
  });
  expect(result.prometheus400).toBe(0);
  expect(detectorRejected).toBe(0);
  if (stack.tap) {
    // Every sample that went out more than once went out with the same value.
    const { conflicts, conflictExamples } = stack.tap.stats;
    expect({ conflicts, conflictExamples }).toEqual({ conflicts: 0, conflictExamples: [] });
    expect(stack.tap.stats.samples).toBeGreaterThanOrEqual(
      [...result.scoreCounts.values()].reduce((a, b) => a + b, 0)
    );
  }
}
