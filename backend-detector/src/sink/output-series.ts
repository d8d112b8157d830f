import type { DetectorOutput } from '../model/types';
import type { Label } from './proto';

/** The output series (docs/detector-service.md, "Output: remote write"), in the order they are written per point. */
export const OUTPUT_NAMES = [
  'anomalylens_observed',
  'anomalylens_score',
  'anomalylens_anomalous',
  'anomalylens_expected',
  'anomalylens_expected_lower',
  'anomalylens_expected_upper',
] as const;

/**
 * Label sets of the six output series of one input series, built once per series:
 * input labels + `metric="<name>"` + `__name__` (+ configured extra labels), sorted by
 * name as remote write requires.
 */
export function outputLabelSets(
  metric: string,
  labels: Record<string, string>,
  extra: Readonly<Record<string, string>> = {}
): Label[][] {
  // Input labels win over the detector's static extra labels.
  const merged = { ...extra, ...labels };
  const base: Label[] = Object.entries(merged).map(([name, value]) => ({ name, value }));
  base.push({ name: 'metric', value: metric });
  return OUTPUT_NAMES.map((name) => [{ name: '__name__', value: name }, ...base].sort(byName));
}

/**
 * `anomalylens_maintenance{L}`: 1 for a point inside a maintenance window (written instead
 * of its score), 0 once at the first point after one, so the shading ends with the window.
 */
export const MAINTENANCE_NAME = 'anomalylens_maintenance';

/** The label set of another output of the same series (one of outputLabelSets' sets renamed). */
export function renamedLabelSet(labels: Label[], name: string): Label[] {
  return [{ name: '__name__', value: name }, ...labels.filter((l) => l.name !== '__name__')].sort(byName);
}

function byName(a: Label, b: Label): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/**
 * Values of the six output series for one scored point, aligned with OUTPUT_NAMES, written
 * into `into` (the processor reuses one array rather than allocating one per point); returns
 * how many are written. The observed value and the score are always written (every input
 * point is visible in Prometheus); expected values are NaN while the model warms up and are
 * skipped then: NaN in `into` marks an output not written for this point. A typed array
 * rather than an array of numbers: storing a fractional number in a plain array boxes it, six
 * heap objects per point on the live path.
 */
export function fillOutputValues(out: DetectorOutput, into: Float64Array): number {
  into[0] = out.value;
  into[1] = Number.isFinite(out.score) ? out.score : 0;
  into[2] = out.isAnomaly ? 1 : 0;
  let n = 3;
  into[3] = Number.isFinite(out.expected) ? (n++, out.expected) : NaN;
  into[4] = Number.isFinite(out.lower) ? (n++, out.lower) : NaN;
  into[5] = Number.isFinite(out.upper) ? (n++, out.upper) : NaN;
  return n;
}

/** Room for one point's output values (fillOutputValues). */
export function outputValueScratch(): Float64Array {
  return new Float64Array(OUTPUT_NAMES.length);
}

/** fillOutputValues into a new array, `undefined` for an output not written. */
export function outputValues(out: DetectorOutput): Array<number | undefined> {
  const values = outputValueScratch();
  fillOutputValues(out, values);
  return Array.from(values, (v) => (Number.isNaN(v) ? undefined : v));
}
