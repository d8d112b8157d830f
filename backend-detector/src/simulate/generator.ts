/**
 * Labeled cloud-metric generator: pure and deterministic (same spec + seed → same series).
 *
 * A series is built in three layers so that anomalies touch only their own rows:
 *  1. the metric's noise-free baseline (level, daily/weekly seasonality, trend),
 *  2. AR(1) noise drawn from its own random stream,
 *  3. injected anomalies, drawn from a third stream and applied to a copy of the clean values.
 * Ground truth follows NAB's labeling convention: each anomaly gets a window of
 * floor(0.1 · length / anomalies) rows centred on its first anomalous row, and every
 * anomaly's effect ends inside its window.
 */
import { drawMetricModel, MetricKind, MetricModel } from './metrics';
import { deriveSeed, Rng } from './random';

export const ANOMALY_KINDS = [
  'spike',
  'dip',
  'level_shift',
  'variance_change',
  'drift',
  'stuck',
  'dropout',
] as const;
export type AnomalyKind = (typeof ANOMALY_KINDS)[number];

export function isAnomalyKind(name: string): name is AnomalyKind {
  return (ANOMALY_KINDS as readonly string[]).includes(name);
}

/** NAB never scores the first 15 % of a file; anomalies are placed after it. */
const PROBATION_FRACTION = 0.15;
/** NAB: all windows of a file together cover 10 % of its rows. */
const WINDOW_FRACTION = 0.1;

export interface AnomalyRequest {
  kind: AnomalyKind;
  /** Row of the first anomalous row; chosen by the generator when absent. */
  at?: number;
}

export interface SeriesSpec {
  metric: MetricKind;
  /** Number of rows. */
  length: number;
  stepMs: number;
  startMs: number;
  anomalies: readonly AnomalyRequest[];
}

export interface InjectedAnomaly {
  kind: AnomalyKind;
  /** First and last row (inclusive) whose value the anomaly changed or may change. */
  start: number;
  end: number;
  /** Ground-truth window (inclusive rows) centred on `start`, NAB convention. */
  window: [number, number];
  /** Kind-specific size: amount added (spike, dip, level shift, drift at its end), noise factor (variance change), or the value held (stuck, dropout). */
  magnitude: number;
}

export interface GeneratedSeries {
  metric: MetricKind;
  unit: string;
  /** Epoch milliseconds of each row. */
  timestamps: Float64Array;
  /** Observed values, anomalies included. */
  values: Float64Array;
  /** The same series without anomalies (for inspection and tests). */
  clean: Float64Array;
  anomalies: InjectedAnomaly[];
}

/** Half width of each window in rows, as NAB's labeler computes it. */
export function windowHalfWidth(length: number, anomalyCount: number): number {
  if (anomalyCount <= 0) return 0;
  return Math.floor(Math.floor((WINDOW_FRACTION * length) / anomalyCount) / 2);
}

function roundTo(v: number, decimals: number): number {
  const f = 10 ** decimals;
  return Math.round(v * f) / f;
}

function clampRound(v: number, model: MetricModel): number {
  return roundTo(Math.min(model.max, Math.max(model.min, v)), model.decimals);
}

/** Row span of the long-lived kinds: at least half of the window's right half. */
function longDuration(rng: Rng, half: number): number {
  return Math.max(1, Math.round(rng.uniform(0.5, 1) * (half + 1)));
}

function validate(spec: SeriesSpec): void {
  if (!Number.isInteger(spec.length) || spec.length < 10) {
    throw new Error(`length must be an integer >= 10 (got ${spec.length})`);
  }
  if (!(spec.stepMs > 0)) throw new Error(`step must be > 0 ms (got ${spec.stepMs})`);
  if (!Number.isFinite(spec.startMs)) throw new Error(`start time is not finite (${spec.startMs})`);
}

/**
 * Choose first anomalous rows: one slot per anomaly after the probation period, each start
 * far enough from its neighbours that windows do not overlap.
 */
function placeAnomalies(spec: SeriesSpec, half: number, rng: Rng): number[] {
  const k = spec.anomalies.length;
  const lo = Math.max(Math.ceil(PROBATION_FRACTION * spec.length), half + 1);
  const hi = spec.length - 1 - half;
  const slot = (hi - lo + 1) / k;
  if (slot < 2 * half + 2) {
    throw new Error(
      `cannot place ${k} anomalies with non-overlapping windows in ${spec.length} rows; ` +
        'use a longer series or fewer anomalies'
    );
  }
  const starts: number[] = [];
  for (let j = 0; j < k; j++) {
    const requested = spec.anomalies[j]?.at;
    if (requested !== undefined) {
      if (!Number.isInteger(requested) || requested < 1 || requested >= spec.length) {
        throw new Error(`anomaly ${j}: at=${requested} is outside rows 1..${spec.length - 1}`);
      }
      starts.push(requested);
      continue;
    }
    const a = Math.floor(lo + j * slot + half + 1);
    const b = Math.floor(lo + (j + 1) * slot - half - 1);
    starts.push(rng.int(a, Math.max(a, b)));
  }
  const sorted = starts.slice().sort((x, y) => x - y);
  for (let j = 1; j < sorted.length; j++) {
    if ((sorted[j] as number) - (sorted[j - 1] as number) <= 2 * half) {
      throw new Error(`anomalies at rows ${sorted[j - 1]} and ${sorted[j]} would have overlapping windows`);
    }
  }
  return starts;
}

function inject(
  kind: AnomalyKind,
  start: number,
  half: number,
  values: Float64Array,
  baseline: Float64Array,
  noise: Float64Array,
  model: MetricModel,
  rng: Rng
): InjectedAnomaly {
  const n = values.length;
  const window: [number, number] = [Math.max(0, start - half), Math.min(n - 1, start + half)];
  const lastAllowed = window[1];
  const level = model.anomalyScale(Math.abs(baseline[start] as number));
  const sigma = model.noiseSigma(Math.abs(baseline[start] as number));
  const span = (rows: number): number => Math.min(lastAllowed, start + rows - 1);
  let end = start;
  let magnitude = 0;
  switch (kind) {
    case 'spike': {
      end = span(rng.int(1, 3));
      magnitude = Math.max(7 * sigma, rng.uniform(0.6, 1.5) * level);
      for (let i = start; i <= end; i++) values[i] = (values[i] as number) + magnitude;
      break;
    }
    case 'dip': {
      end = span(rng.int(1, 3));
      magnitude = -Math.max(6 * sigma, rng.uniform(0.5, 0.85) * level);
      for (let i = start; i <= end; i++) values[i] = (values[i] as number) + magnitude;
      break;
    }
    case 'level_shift': {
      end = span(longDuration(rng, half));
      const dir = rng.next() < 0.5 ? -1 : 1;
      magnitude = dir * Math.max(5 * sigma, rng.uniform(0.25, 0.5) * level);
      for (let i = start; i <= end; i++) values[i] = (values[i] as number) + magnitude;
      break;
    }
    case 'variance_change': {
      end = span(longDuration(rng, half));
      magnitude = rng.uniform(4, 8);
      for (let i = start; i <= end; i++) {
        values[i] = (baseline[i] as number) + (noise[i] as number) * magnitude;
      }
      break;
    }
    case 'drift': {
      end = span(longDuration(rng, half));
      const dir = rng.next() < 0.5 ? -1 : 1;
      magnitude = dir * Math.max(10 * sigma, rng.uniform(0.3, 0.7) * level);
      const rows = end - start + 1;
      for (let i = start; i <= end; i++) {
        values[i] = (values[i] as number) + (magnitude * (i - start + 1)) / rows;
      }
      break;
    }
    case 'stuck': {
      end = span(longDuration(rng, half));
      magnitude = values[start - 1] as number;
      for (let i = start; i <= end; i++) values[i] = magnitude;
      break;
    }
    case 'dropout': {
      end = span(longDuration(rng, half));
      magnitude = model.min;
      for (let i = start; i <= end; i++) values[i] = magnitude;
      break;
    }
  }
  for (let i = start; i <= end; i++) values[i] = clampRound(values[i] as number, model);
  return { kind, start, end, window, magnitude };
}

/** Generate one labeled series. Pure: no I/O, no global state. */
export function generateSeries(spec: SeriesSpec, seed: number): GeneratedSeries {
  validate(spec);
  const n = spec.length;
  const model = drawMetricModel(spec.metric, new Rng(deriveSeed(seed, 'model')), spec.startMs);
  const noiseRng = new Rng(deriveSeed(seed, 'noise'));
  const anomalyRng = new Rng(deriveSeed(seed, 'anomalies'));

  const timestamps = new Float64Array(n);
  const baseline = new Float64Array(n);
  const noise = new Float64Array(n);
  const clean = new Float64Array(n);
  // Stationary AR(1): innovations scaled so the marginal deviation is noiseSigma.
  const innovation = Math.sqrt(1 - model.noisePhi * model.noisePhi);
  let ar = noiseRng.normal();
  for (let i = 0; i < n; i++) {
    const t = spec.startMs + i * spec.stepMs;
    timestamps[i] = t;
    const b = model.baseline(t);
    baseline[i] = b;
    if (i > 0) ar = model.noisePhi * ar + innovation * noiseRng.normal();
    noise[i] = ar * model.noiseSigma(Math.abs(b));
    clean[i] = clampRound(b + (noise[i] as number), model);
  }

  const values = Float64Array.from(clean);
  const half = windowHalfWidth(n, spec.anomalies.length);
  const anomalies: InjectedAnomaly[] = [];
  if (spec.anomalies.length > 0) {
    const starts = placeAnomalies(spec, half, anomalyRng);
    spec.anomalies.forEach((req, j) => {
      anomalies.push(inject(req.kind, starts[j] as number, half, values, baseline, noise, model, anomalyRng));
    });
    anomalies.sort((a, b) => a.start - b.start);
  }
  return { metric: spec.metric, unit: model.unit, timestamps, values, clean, anomalies };
}
