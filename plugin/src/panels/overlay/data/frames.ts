import { DataFrame, Field, FieldType } from '@grafana/data';
import { EXPECTED_ROLES, OverlayOptions, ROLE_OPTION, SeriesRole, SERIES_ROLES } from '../types';

/** One role's samples of one input series, in time order. */
export interface RoleSeries {
  times: number[];
  values: Array<number | null>;
}

/** Everything the detector wrote for one input series (input labels + `metric`). */
export interface SeriesGroup {
  key: string;
  labels: Record<string, string>;
  displayName: string;
  roles: Partial<Record<SeriesRole, RoleSeries>>;
}

/** Display settings of the observed values (Grafana's standard Unit and Decimals options). */
export interface ValueDisplay {
  unit?: string;
  decimals?: number;
}

export interface FrameMapping {
  groups: SeriesGroup[];
  display: ValueDisplay;
  /** Numeric fields that matched no role and could not be used as observed values. */
  unmatchedFields: number;
}

const NAME_LABEL = '__name__';

function splitList(list: string): string[] {
  return list
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** Names a field answers to: its metric name, field name, frame name and query refId. */
function fieldNames(frame: DataFrame, field: Field): string[] {
  const names = [field.labels?.[NAME_LABEL], field.name, frame.name, frame.refId, field.config?.displayNameFromDS];
  return names.filter((n): n is string => typeof n === 'string' && n.length > 0);
}

export function roleOfField(frame: DataFrame, field: Field, options: OverlayOptions): SeriesRole | undefined {
  const names = fieldNames(frame, field);
  // Exact metric-name matches win over refId / frame-name matches, so a query with refId
  // "anomalylens_score" that returns observed values is still read by its __name__.
  const metricName = field.labels?.[NAME_LABEL];
  if (metricName !== undefined) {
    const byMetric = SERIES_ROLES.find((role) => options[ROLE_OPTION[role]] === metricName);
    if (byMetric) {
      return byMetric;
    }
  }
  return SERIES_ROLES.find((role) => names.includes(String(options[ROLE_OPTION[role]])));
}

/** The labels that identify the input series, per the groupBy / ignore options. */
export function identityLabels(labels: Record<string, string>, options: OverlayOptions): Record<string, string> {
  const groupBy = splitList(options.groupByLabels);
  const ignore = new Set([NAME_LABEL, ...splitList(options.ignoreLabels)]);
  const out: Record<string, string> = {};
  const keys = groupBy.length > 0 ? groupBy : Object.keys(labels);
  for (const k of keys.sort()) {
    if (!ignore.has(k) && labels[k] !== undefined) {
      out[k] = labels[k];
    }
  }
  return out;
}

export function seriesKey(identity: Record<string, string>): string {
  return Object.keys(identity)
    .sort()
    .map((k) => `${k}=${JSON.stringify(identity[k])}`)
    .join(',');
}

/** `{{label}}` templating like Prometheus legends; default `metric{other="labels"}`. */
export function formatDisplayName(identity: Record<string, string>, legendFormat: string, fallback: string): string {
  if (legendFormat.trim().length > 0) {
    return legendFormat.replace(/\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g, (_, k: string) => identity[k] ?? '');
  }
  const { metric, ...rest } = identity;
  const inner = Object.keys(rest)
    .sort()
    .map((k) => `${k}="${rest[k]}"`)
    .join(', ');
  const head = metric ?? fallback;
  return inner.length > 0 ? `${head}{${inner}}` : head;
}

function toNumberOrNull(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function readSeries(time: Field, value: Field): RoleSeries {
  const n = Math.min(time.values.length, value.values.length);
  const times: number[] = [];
  const values: Array<number | null> = [];
  let sorted = true;
  for (let i = 0; i < n; i++) {
    const t = time.values[i];
    if (typeof t !== 'number' || !Number.isFinite(t)) {
      continue;
    }
    if (times.length > 0 && t < times[times.length - 1]) {
      sorted = false;
    }
    times.push(t);
    values.push(toNumberOrNull(value.values[i]));
  }
  if (!sorted) {
    const order = times.map((_, i) => i).sort((a, b) => times[a] - times[b]);
    return { times: order.map((i) => times[i]), values: order.map((i) => values[i]) };
  }
  return { times, values };
}

/** Appends samples from a second frame of the same role and series (e.g. split query results). */
function mergeInto(target: RoleSeries, extra: RoleSeries): RoleSeries {
  const byTime = new Map<number, number | null>();
  target.times.forEach((t, i) => byTime.set(t, target.values[i]));
  extra.times.forEach((t, i) => {
    if (!byTime.has(t) || byTime.get(t) === null) {
      byTime.set(t, extra.values[i]);
    }
  });
  const times = [...byTime.keys()].sort((a, b) => a - b);
  return { times, values: times.map((t) => byTime.get(t) ?? null) };
}

/**
 * Maps the panel's frames (Prometheus: one frame per series, labels on the value field) into one
 * group per input series with its role series. When nothing matches the observed role, plain
 * numeric series are shown as observed so the panel still draws ordinary metrics.
 */
export function mapFramesToGroups(frames: DataFrame[], options: OverlayOptions): FrameMapping {
  const groups = new Map<string, SeriesGroup>();
  const unassigned: Array<{ frame: DataFrame; time: Field; field: Field }> = [];
  let sawObserved = false;
  const display: ValueDisplay = {};

  const add = (role: SeriesRole, frame: DataFrame, time: Field, field: Field) => {
    const labels = { ...(field.labels ?? {}) };
    const identity = identityLabels(labels, options);
    const key = seriesKey(identity);
    let group = groups.get(key);
    if (!group) {
      const fallback = labels[NAME_LABEL] ?? field.config?.displayNameFromDS ?? frame.name ?? field.name;
      group = {
        key,
        labels: identity,
        displayName: formatDisplayName(identity, options.legendFormat, fallback),
        roles: {},
      };
      groups.set(key, group);
    }
    const series = readSeries(time, field);
    const existing = group.roles[role];
    group.roles[role] = existing ? mergeInto(existing, series) : series;
  };

  for (const frame of frames) {
    const time = frame.fields.find((f) => f.type === FieldType.time);
    if (!time) {
      continue;
    }
    for (const field of frame.fields) {
      if (field.type !== FieldType.number) {
        continue;
      }
      const role = roleOfField(frame, field, options);
      if (role) {
        sawObserved = sawObserved || role === 'observed';
        if (role === 'observed' && display.unit === undefined) {
          display.unit = field.config?.unit;
          display.decimals = field.config?.decimals ?? undefined;
        }
        add(role, frame, time, field);
      } else {
        unassigned.push({ frame, time, field });
      }
    }
  }

  let unmatchedFields = unassigned.length;
  if (!sawObserved && groups.size === 0) {
    for (const { frame, time, field } of unassigned) {
      add('observed', frame, time, field);
    }
    display.unit = unassigned[0]?.field.config?.unit;
    display.decimals = unassigned[0]?.field.config?.decimals ?? undefined;
    unmatchedFields = 0;
  }

  if (options.legendFormat.trim().length === 0) {
    shortenNames([...groups.values()]);
  }
  const sorted = [...groups.values()].sort((a, b) =>
    a.displayName.localeCompare(b.displayName, undefined, { numeric: true })
  );
  return { groups: sorted, unmatchedFields, display };
}

/**
 * Like Grafana's legends: labels every series shares (a `job`, a run id) say nothing about which
 * series is which, so names of several series leave them out (the metric name stays).
 */
function shortenNames(groups: SeriesGroup[]): void {
  if (groups.length < 2) {
    return;
  }
  const common = Object.keys(groups[0].labels).filter(
    (k) => k !== 'metric' && groups.every((g) => g.labels[k] === groups[0].labels[k])
  );
  if (common.length === 0) {
    return;
  }
  for (const g of groups) {
    const shown = { ...g.labels };
    common.forEach((k) => delete shown[k]);
    g.displayName = formatDisplayName(shown, '', g.displayName);
  }
}

/** Roles missing from a series (its `roles` map, or any object keyed by role). */
export function missingRoles(present: Partial<Record<SeriesRole, unknown>>): SeriesRole[] {
  return EXPECTED_ROLES.filter((r) => present[r] === undefined);
}
