import { cleanLabels } from './labels';
import { parseEpochSeconds } from './timestamps';
import { InvalidMessageError } from './types';

export type DsType = 'gauge' | 'counter' | 'derive' | 'absolute';
const DS_TYPES = new Set<string>(['gauge', 'counter', 'derive', 'absolute']);

/** One data source of one collectd value list, before counter/derive become rates. */
export interface CollectdSample {
  metric: string;
  labels: Record<string, string>;
  timestamp: number;
  /** Raw value; null where collectd wrote `null` (an unknown gauge, e.g. NaN). */
  value: number | null;
  dstype: DsType;
  /** Seconds between reads, as collectd reports it. */
  interval: number;
}

/** Does this parsed JSON look like collectd write_kafka output (for auto-detection)? */
export function looksLikeCollectd(parsed: unknown): boolean {
  if (!Array.isArray(parsed) || parsed.length === 0) return false;
  const first: unknown = parsed[0];
  return typeof first === 'object' && first !== null && 'dstypes' in first && 'values' in first;
}

/**
 * collectd `write_kafka` with `Format JSON`: an array of value lists.
 * Series name follows collectd's own write_prometheus plugin: `collectd_<plugin>_<type>`
 * plus `_<dsname>` unless the data source is the conventional `value`; the entity is the
 * `host` label and the instances are `plugin_instance` / `type_instance` labels.
 */
export function decodeCollectd(parsed: unknown): CollectdSample[] {
  if (!Array.isArray(parsed))
    throw new InvalidMessageError('wrong_type', 'collectd message must be a JSON array');
  if (parsed.length === 0) throw new InvalidMessageError('empty', 'empty array');
  const out: CollectdSample[] = [];
  parsed.forEach((item, i) => decodeValueList(item, `[${i}]`, out));
  return out;
}

function str(o: Record<string, unknown>, field: string, where: string, required: boolean): string {
  const v = o[field];
  if (v === undefined || v === null) {
    if (required) throw new InvalidMessageError('missing_field', `${where}.${field} is missing`);
    return '';
  }
  if (typeof v !== 'string')
    throw new InvalidMessageError('wrong_type', `${where}.${field} must be a string`);
  return v;
}

function arr(o: Record<string, unknown>, field: string, where: string): unknown[] {
  const v = o[field];
  if (v === undefined || v === null)
    throw new InvalidMessageError('missing_field', `${where}.${field} is missing`);
  if (!Array.isArray(v)) throw new InvalidMessageError('wrong_type', `${where}.${field} must be an array`);
  return v;
}

function decodeValueList(item: unknown, where: string, out: CollectdSample[]): void {
  if (item === null || typeof item !== 'object' || Array.isArray(item)) {
    throw new InvalidMessageError('wrong_type', `${where} must be an object`);
  }
  const o = item as Record<string, unknown>;
  const values = arr(o, 'values', where);
  const dstypes = arr(o, 'dstypes', where);
  const dsnames = arr(o, 'dsnames', where);
  if (values.length === 0 || values.length !== dstypes.length || values.length !== dsnames.length) {
    throw new InvalidMessageError(
      'wrong_type',
      `${where}: values, dstypes and dsnames must have the same non-zero length`
    );
  }
  if (o.time === undefined || o.time === null)
    throw new InvalidMessageError('missing_field', `${where}.time is missing`);
  const timestamp = parseEpochSeconds(o.time);
  const interval = o.interval === undefined ? 10 : o.interval;
  if (typeof interval !== 'number' || !(interval > 0)) {
    throw new InvalidMessageError('wrong_type', `${where}.interval must be a positive number`);
  }
  const host = str(o, 'host', where, true);
  const plugin = str(o, 'plugin', where, true);
  const type = str(o, 'type', where, true);
  if (plugin === '' || type === '')
    throw new InvalidMessageError('missing_field', `${where}: plugin and type must be non-empty`);
  const labels = cleanLabels({
    host,
    plugin_instance: str(o, 'plugin_instance', where, false),
    type_instance: str(o, 'type_instance', where, false),
  });
  const base = plugin === type ? `collectd_${plugin}` : `collectd_${plugin}_${type}`;
  for (let i = 0; i < values.length; i++) {
    const dstype = dstypes[i];
    const dsname = dsnames[i];
    const value = values[i];
    if (typeof dstype !== 'string' || !DS_TYPES.has(dstype)) {
      throw new InvalidMessageError(
        'wrong_type',
        `${where}.dstypes[${i}] is not one of gauge, counter, derive, absolute`
      );
    }
    if (typeof dsname !== 'string' || dsname === '') {
      throw new InvalidMessageError('wrong_type', `${where}.dsnames[${i}] must be a non-empty string`);
    }
    if (value !== null && typeof value !== 'number') {
      throw new InvalidMessageError('wrong_type', `${where}.values[${i}] must be a number or null`);
    }
    if (typeof value === 'number' && !Number.isFinite(value)) {
      throw new InvalidMessageError('non_finite', `${where}.values[${i}] is not finite`);
    }
    out.push({
      metric: dsname === 'value' ? base : `${base}_${dsname}`,
      labels,
      timestamp,
      value,
      dstype: dstype as DsType,
      interval,
    });
  }
}
