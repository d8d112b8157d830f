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

function byName(a: Label, b: Label): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/**
 * Values of the six output series for one scored point, aligned with OUTPUT_NAMES.
 * The observed value and the score are always written (every input point is visible
 * in Prometheus); expected values are NaN while the model warms up and are skipped then.
 */
export function outputValues(out: DetectorOutput): Array<number | undefined> {
  const finite = (v: number) => (Number.isFinite(v) ? v : undefined);
  return [
    out.value,
    Number.isFinite(out.score) ? out.score : 0,
    out.isAnomaly ? 1 : 0,
    finite(out.expected),
    finite(out.lower),
    finite(out.upper),
  ];
}
