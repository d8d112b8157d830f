/**
 * A labeled data set: many generated series with distinct metrics, hosts and anomaly kinds.
 * Pure planning + generation; writing files lives in file-output.ts.
 */
import { AnomalyKind, ANOMALY_KINDS, generateSeries, GeneratedSeries } from './generator';
import { METRIC_KINDS, MetricKind } from './metrics';
import { Deck, deriveSeed, Rng } from './random';

export interface DatasetOptions {
  series: number;
  length: number;
  stepMs: number;
  startMs: number;
  seed: number;
  kinds: readonly AnomalyKind[];
  metrics: readonly MetricKind[];
  /** Inclusive range of anomalies per series (0 allowed: clean series are part of a fair test). */
  anomaliesPerSeries: readonly [number, number];
}

export const DEFAULT_DATASET_OPTIONS: DatasetOptions = {
  series: 12,
  length: 4032, // 14 days at 5 minutes, like NAB's artificial files
  stepMs: 300_000,
  startMs: Date.UTC(2026, 0, 5), // a Monday, so weekly seasonality starts on a weekday
  seed: 1,
  kinds: ANOMALY_KINDS,
  metrics: METRIC_KINDS,
  anomaliesPerSeries: [1, 3],
};

export interface DatasetSeries extends GeneratedSeries {
  /** NAB-style relative path without extension, e.g. `cpu_utilization/host-01`. */
  name: string;
  category: string;
  host: string;
}

function validate(o: DatasetOptions): void {
  if (!Number.isInteger(o.series) || o.series < 1)
    throw new Error(`series must be an integer >= 1 (got ${o.series})`);
  if (o.kinds.length === 0) throw new Error('kinds must name at least one anomaly kind');
  if (o.metrics.length === 0) throw new Error('metrics must name at least one metric');
  const [lo, hi] = o.anomaliesPerSeries;
  if (!Number.isInteger(lo) || !Number.isInteger(hi) || lo < 0 || hi < lo) {
    throw new Error(`anomalies per series must be a range lo-hi with 0 <= lo <= hi (got ${lo}-${hi})`);
  }
}

/**
 * Generate every series. Anomaly kinds are dealt round-robin from a shuffled deck so that all
 * requested kinds appear about equally often; each series has its own derived seed, so adding
 * series does not change the earlier ones.
 */
export function generateDataset(options: DatasetOptions): DatasetSeries[] {
  validate(options);
  const plan = new Rng(deriveSeed(options.seed, 'plan'));
  const deck = new Deck(plan, options.kinds);
  const out: DatasetSeries[] = [];
  const width = String(options.series).length < 2 ? 2 : String(options.series).length;
  for (let s = 0; s < options.series; s++) {
    const metric = options.metrics[s % options.metrics.length] as MetricKind;
    const count = plan.int(options.anomaliesPerSeries[0], options.anomaliesPerSeries[1]);
    const kinds = deck.deal(count);
    const host = `host-${String(s + 1).padStart(width, '0')}`;
    const series = generateSeries(
      {
        metric,
        length: options.length,
        stepMs: options.stepMs,
        startMs: options.startMs,
        anomalies: kinds.map((kind) => ({ kind })),
      },
      deriveSeed(options.seed, 'series', s)
    );
    out.push({ ...series, name: `${metric}/${host}`, category: metric, host });
  }
  return out;
}
