/**
 * What `simulate --to kafka` sends, planned without I/O: N hosts × M metrics of labeled
 * cloud metrics (the generator of generator.ts), rows shared by all series, one Kafka
 * message per host per row (the native format's array form, keyed by host, as a metric
 * agent would send it), and the ground truth of every injected anomaly.
 */
import { AnomalyKind, generateSeries, GeneratedSeries, InjectedAnomaly } from './generator';
import { MetricKind } from './metrics';
import { Deck, deriveSeed, Rng } from './random';

export interface FleetOptions {
  hosts: number;
  metrics: readonly MetricKind[];
  length: number;
  stepMs: number;
  startMs: number;
  seed: number;
  kinds: readonly AnomalyKind[];
  anomaliesPerSeries: readonly [number, number];
  /** The last `quietHosts` hosts get no anomalies (a control group). */
  quietHosts: number;
  /** Extra labels on every point (e.g. a run id). */
  labels: Readonly<Record<string, string>>;
}

export interface FleetSeries {
  host: string;
  metric: MetricKind;
  labels: Record<string, string>;
  quiet: boolean;
  series: GeneratedSeries;
}

export function planFleet(o: FleetOptions): FleetSeries[] {
  if (!Number.isInteger(o.hosts) || o.hosts < 1)
    throw new Error(`hosts must be an integer >= 1 (got ${o.hosts})`);
  if (o.metrics.length === 0) throw new Error('metrics must name at least one metric');
  if (!Number.isInteger(o.quietHosts) || o.quietHosts < 0 || o.quietHosts > o.hosts) {
    throw new Error(`quiet hosts must be between 0 and ${o.hosts} (got ${o.quietHosts})`);
  }
  const plan = new Rng(deriveSeed(o.seed, 'fleet'));
  const width = Math.max(2, String(o.hosts).length);
  const deck = new Deck(plan, o.kinds);
  const out: FleetSeries[] = [];
  for (let h = 0; h < o.hosts; h++) {
    const host = `host-${String(h + 1).padStart(width, '0')}`;
    const quiet = h >= o.hosts - o.quietHosts;
    for (const metric of o.metrics) {
      const count = quiet ? 0 : plan.int(o.anomaliesPerSeries[0], o.anomaliesPerSeries[1]);
      const kinds = deck.deal(count);
      const series = generateSeries(
        {
          metric,
          length: o.length,
          stepMs: o.stepMs,
          startMs: o.startMs,
          anomalies: kinds.map((kind) => ({ kind })),
        },
        deriveSeed(o.seed, 'fleet-series', host, metric)
      );
      out.push({ host, metric, labels: { ...o.labels, host }, quiet, series });
    }
  }
  return out;
}

export interface FleetMessage {
  key: string;
  value: string;
  points: number;
}

/** The messages of one row: per host, an array of its metrics' points. */
export function rowMessages(fleet: readonly FleetSeries[], row: number): FleetMessage[] {
  const byHost = new Map<string, Array<Record<string, unknown>>>();
  for (const f of fleet) {
    const ts = f.series.timestamps[row] as number;
    let list = byHost.get(f.host);
    if (!list) byHost.set(f.host, (list = []));
    list.push({ ts, metric: f.metric, value: f.series.values[row], labels: f.labels });
  }
  return [...byHost].map(([host, points]) => ({
    key: host,
    value: JSON.stringify(points),
    points: points.length,
  }));
}

export interface TruthAnomaly {
  kind: AnomalyKind;
  /** First and last affected point (epoch ms). */
  startMs: number;
  endMs: number;
  /** NAB-convention ground-truth window (epoch ms, inclusive). */
  windowStartMs: number;
  windowEndMs: number;
  magnitude: number;
}

export interface TruthSeries {
  metric: MetricKind;
  labels: Record<string, string>;
  quiet: boolean;
  points: number;
  anomalies: TruthAnomaly[];
}

export interface TruthFile {
  format: 'anomaly-lens/simulate-truth';
  version: 1;
  startMs: number;
  stepMs: number;
  length: number;
  series: TruthSeries[];
}

export function groundTruth(fleet: readonly FleetSeries[], o: FleetOptions): TruthFile {
  const at = (f: FleetSeries, row: number) => f.series.timestamps[row] as number;
  const anomaly = (f: FleetSeries, a: InjectedAnomaly): TruthAnomaly => ({
    kind: a.kind,
    startMs: at(f, a.start),
    endMs: at(f, a.end),
    windowStartMs: at(f, a.window[0]),
    windowEndMs: at(f, a.window[1]),
    magnitude: a.magnitude,
  });
  return {
    format: 'anomaly-lens/simulate-truth',
    version: 1,
    startMs: o.startMs,
    stepMs: o.stepMs,
    length: o.length,
    series: fleet.map((f) => ({
      metric: f.metric,
      labels: f.labels,
      quiet: f.quiet,
      points: o.length,
      anomalies: f.series.anomalies.map((a) => anomaly(f, a)),
    })),
  };
}
