/**
 * What a policy says about one series: every rule whose selector matches applies, in file
 * order, later fields overriding earlier ones; every matching maintenance entry applies.
 */
import type { SeasonalSettings } from '../model/config';
import type { Seasonality } from '../model/features';
import { DEFAULT_OUTPUT_POLICY, type OutputPolicy } from '../model/output-policy';
import type { MaintenanceEntry, Policy } from './parse';
import { newCursor, type WindowCursor } from './schedule';
import { matches } from './selector';

export interface SeriesPolicy {
  ignore: boolean;
  output: OutputPolicy;
  /** Seasonality and time zone of the series' model (a change rebuilds the model). */
  model: SeasonalSettings;
  /** Indices of the rules that matched, in order (for /api/status and tests). */
  rules: number[];
  /** Matching maintenance entries, each with this series' own cursor. */
  maintenance: { entry: MaintenanceEntry; cursor: WindowCursor }[];
}

const DEFAULT_MODEL: SeasonalSettings = Object.freeze({ seasonality: 'daily', timezone: 'UTC' });

/** No policy: today's behaviour. */
export const NO_POLICY: SeriesPolicy = Object.freeze({
  ignore: false,
  output: DEFAULT_OUTPUT_POLICY,
  model: DEFAULT_MODEL,
  rules: [],
  maintenance: [],
});

export function resolveSeries(policy: Policy, labels: Readonly<Record<string, string>>): SeriesPolicy {
  let threshold = DEFAULT_OUTPUT_POLICY.threshold;
  let direction = DEFAULT_OUTPUT_POLICY.direction;
  let minDeviation = DEFAULT_OUTPUT_POLICY.minDeviation;
  let minRelativeDeviation = DEFAULT_OUTPUT_POLICY.minRelativeDeviation;
  let seasonality: Seasonality = 'daily';
  let timezone = 'UTC';
  let ignore = false;
  const rules: number[] = [];
  for (const r of policy.rules) {
    if (!matches(r.match, labels)) continue;
    rules.push(r.index);
    if (r.threshold !== undefined) threshold = r.threshold;
    if (r.direction !== undefined) direction = r.direction;
    if (r.minDeviation !== undefined) minDeviation = r.minDeviation;
    if (r.minRelativeDeviation !== undefined) minRelativeDeviation = r.minRelativeDeviation;
    // `auto` is the detector's own default: the same half hour of the previous day.
    if (r.seasonality !== undefined) seasonality = r.seasonality === 'auto' ? 'daily' : r.seasonality;
    if (r.timezone !== undefined) timezone = r.timezone;
    if (r.ignore !== undefined) ignore = r.ignore;
  }
  const isDefault =
    threshold === 1 && direction === 'both' && minDeviation === 0 && minRelativeDeviation === 0;
  return {
    ignore,
    // The default object itself lets the detector skip the policy step (bit-identical scores).
    output: isDefault ? DEFAULT_OUTPUT_POLICY : { threshold, direction, minDeviation, minRelativeDeviation },
    model: seasonality === 'daily' && timezone === 'UTC' ? DEFAULT_MODEL : { seasonality, timezone },
    rules,
    maintenance: policy.maintenance
      .filter((m) => matches(m.match, labels))
      .map((entry) => ({ entry, cursor: newCursor() })),
  };
}

/** Whether the series' point at `ts` is inside one of its maintenance windows. */
export function inMaintenance(series: SeriesPolicy, ts: number): boolean {
  for (const m of series.maintenance) if (m.entry.window.contains(ts, m.cursor)) return true;
  return false;
}

/** Whether a series must get a fresh model when its policy changes from `a` to `b`. */
export function modelChanged(a: SeriesPolicy, b: SeriesPolicy): boolean {
  return a.model.seasonality !== b.model.seasonality || a.model.timezone !== b.model.timezone;
}
