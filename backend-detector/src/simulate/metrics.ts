/**
 * Noise-free behaviour of typical cloud metrics: level, daily and weekly seasonality, trend,
 * plus the noise model and physical bounds of each metric. Parameters are drawn per series
 * from a seeded Rng so that every host looks a little different.
 */
import { Rng } from './random';

export const METRIC_KINDS = [
  'cpu_utilization',
  'request_rate',
  'latency_p95_ms',
  'memory_used_percent',
  'disk_used_percent',
  'network_in_bytes',
] as const;
export type MetricKind = (typeof METRIC_KINDS)[number];

export function isMetricKind(name: string): name is MetricKind {
  return (METRIC_KINDS as readonly string[]).includes(name);
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

export interface MetricModel {
  metric: MetricKind;
  unit: string;
  /** Noise-free value at epoch-ms time t. */
  baseline(tMs: number): number;
  /** Standard deviation of the noise around a baseline value. */
  noiseSigma(baselineValue: number): number;
  /**
   * Size unit of injected anomalies at a baseline value: the level itself for rates and
   * latencies (a spike doubles traffic), a fixed number of percentage points for slow gauges
   * such as memory and disk (a disk does not jump by half its usage).
   */
  anomalyScale(baselineValue: number): number;
  /** AR(1) coefficient of the noise: real metrics are autocorrelated, not white. */
  noisePhi: number;
  min: number;
  max: number;
  /** Decimal places the metric is reported with. */
  decimals: number;
}

/**
 * Diurnal load curve in [0, 1]: quiet at night, peak in the afternoon of the series' own time
 * zone, with a small second harmonic so that the shape is not a pure sine.
 */
function diurnal(tMs: number, tzHours: number): number {
  const hour = ((((tMs / HOUR_MS + tzHours) % 24) + 24) % 24) / 24;
  const v = 0.5 * (1 - Math.cos(2 * Math.PI * (hour - 3 / 24))) + 0.12 * Math.sin(4 * Math.PI * hour);
  return Math.min(1, Math.max(0, v / 1.1));
}

/** 1 on weekdays, 1 - drop on Saturday and Sunday (in the series' time zone). */
function weekly(tMs: number, tzHours: number, drop: number): number {
  const day = new Date(tMs + tzHours * HOUR_MS).getUTCDay();
  return day === 0 || day === 6 ? 1 - drop : 1;
}

/** Draw one series' model. `t0` anchors the trend so that it starts at the series' level. */
export function drawMetricModel(metric: MetricKind, rng: Rng, t0Ms: number): MetricModel {
  const tz = rng.int(-8, 9);
  const days = (t: number): number => (t - t0Ms) / DAY_MS;
  switch (metric) {
    case 'cpu_utilization': {
      const level = rng.uniform(12, 30);
      const amp = rng.uniform(10, 28);
      const drop = rng.uniform(0.2, 0.6);
      const trend = rng.uniform(-0.3, 0.6); // percentage points per day
      const sigma = rng.uniform(1.2, 2.8);
      return {
        metric,
        unit: 'percent',
        baseline: (t) => level + trend * days(t) + amp * diurnal(t, tz) * weekly(t, tz, drop),
        noiseSigma: () => sigma,
        anomalyScale: (b) => Math.max(b, 15),
        noisePhi: 0.5,
        min: 0,
        max: 100,
        decimals: 2,
      };
    }
    case 'request_rate': {
      const peak = rng.uniform(200, 2500);
      const night = rng.uniform(0.15, 0.4);
      const drop = rng.uniform(0.3, 0.6);
      const growth = rng.uniform(0, 0.02); // relative per day
      return {
        metric,
        unit: 'requests/s',
        baseline: (t) =>
          peak * (1 + growth * days(t)) * (night + (1 - night) * diurnal(t, tz) * weekly(t, tz, drop)),
        // Poisson-like counting noise plus a few percent of burstiness.
        noiseSigma: (b) => Math.sqrt(Math.max(b, 1)) * 1.5 + 0.03 * b,
        anomalyScale: (b) => b,
        noisePhi: 0.3,
        min: 0,
        max: Number.POSITIVE_INFINITY,
        decimals: 1,
      };
    }
    case 'latency_p95_ms': {
      const base = rng.uniform(60, 250);
      const loadFactor = rng.uniform(0.15, 0.5);
      const drop = rng.uniform(0.3, 0.6);
      const rel = rng.uniform(0.04, 0.09);
      return {
        metric,
        unit: 'ms',
        baseline: (t) => base * (1 + loadFactor * diurnal(t, tz) * weekly(t, tz, drop)),
        noiseSigma: (b) => rel * b,
        anomalyScale: (b) => b,
        noisePhi: 0.4,
        min: 0,
        max: Number.POSITIVE_INFINITY,
        decimals: 1,
      };
    }
    case 'memory_used_percent': {
      const level = rng.uniform(35, 55);
      const leak = rng.uniform(0.2, 1.2); // percentage points per day
      const amp = rng.uniform(1.5, 5);
      const sigma = rng.uniform(0.2, 0.6);
      return {
        metric,
        unit: 'percent',
        baseline: (t) => level + leak * days(t) + amp * diurnal(t, tz),
        noiseSigma: () => sigma,
        anomalyScale: () => 15,
        noisePhi: 0.85,
        min: 0,
        max: 100,
        decimals: 2,
      };
    }
    case 'disk_used_percent': {
      const start = rng.uniform(25, 55);
      const growth = rng.uniform(0.4, 1.5); // percentage points per day, before rotation
      const rotated = rng.uniform(0.5, 0.9); // share of each day's growth freed by log rotation
      const rotationHour = rng.int(0, 23);
      const sigma = rng.uniform(0.03, 0.08);
      return {
        metric,
        unit: 'percent',
        baseline: (t) => {
          // Grows through the day, log rotation at a fixed hour frees most of it.
          const d = days(t) - rotationHour / 24;
          const whole = Math.floor(d);
          return start + growth * (1 - rotated) * whole + growth * (d - whole);
        },
        noiseSigma: () => sigma,
        anomalyScale: () => 6,
        noisePhi: 0.9,
        min: 0,
        max: 100,
        decimals: 3,
      };
    }
    case 'network_in_bytes': {
      const peak = rng.uniform(2e6, 6e7);
      const night = rng.uniform(0.1, 0.35);
      const drop = rng.uniform(0.25, 0.55);
      return {
        metric,
        unit: 'bytes/s',
        baseline: (t) => peak * (night + (1 - night) * diurnal(t, tz) * weekly(t, tz, drop)),
        noiseSigma: (b) => 0.06 * b,
        anomalyScale: (b) => b,
        noisePhi: 0.5,
        min: 0,
        max: Number.POSITIVE_INFINITY,
        decimals: 0,
      };
    }
  }
}
