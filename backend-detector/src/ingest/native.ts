import { cleanLabels, sanitizeLabelName } from './labels';
import { parseNativeTimestamp } from './timestamps';
import { InvalidMessageError, type MetricPoint } from './types';

/**
 * The native format (docs/detector-service.md, "Native JSON"): one JSON object or an array of them,
 * `{ts, metric, value, labels?}`. A message is taken whole or dead-lettered whole, so
 * a bad element rejects the message (its index is in the reason detail).
 */
export function decodeNative(parsed: unknown): MetricPoint[] {
  if (Array.isArray(parsed)) {
    if (parsed.length === 0) throw new InvalidMessageError('empty', 'empty array');
    return parsed.map((item, i) => decodeOne(item, `[${i}]`));
  }
  return [decodeOne(parsed, '')];
}

function decodeOne(item: unknown, where: string): MetricPoint {
  if (item === null || typeof item !== 'object' || Array.isArray(item)) {
    throw new InvalidMessageError('wrong_type', `${where || 'message'} must be an object`);
  }
  const o = item as Record<string, unknown>;
  const { ts, metric, value } = o;
  if (ts === undefined || ts === null) throw missing(where, 'ts');
  if (metric === undefined || metric === null) throw missing(where, 'metric');
  if (value === undefined || value === null) throw missing(where, 'value');
  if (typeof metric !== 'string' || metric === '') {
    throw new InvalidMessageError('wrong_type', `${where}.metric must be a non-empty string`);
  }
  if (typeof value !== 'number') {
    throw new InvalidMessageError('wrong_type', `${where}.value must be a number, got ${typeof value}`);
  }
  // JSON has no NaN, but 1e999 parses to Infinity.
  if (!Number.isFinite(value)) {
    throw new InvalidMessageError('non_finite', `${where}.value is not finite`);
  }
  const timestamp = parseNativeTimestamp(ts);
  return { metric, labels: decodeLabels(o.labels, where), timestamp, value };
}

function missing(where: string, field: string): InvalidMessageError {
  return new InvalidMessageError('missing_field', `${where}${where ? '.' : ''}${field} is missing`);
}

function decodeLabels(raw: unknown, where: string): Record<string, string> {
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw new InvalidMessageError('wrong_type', `${where}.labels must be an object`);
  }
  const source = raw as Record<string, unknown>;
  let clean = true;
  for (const name in source) {
    const value = source[name];
    if (typeof value !== 'string') {
      throw new InvalidMessageError('wrong_type', `${where}.labels.${name} must be a string`);
    }
    if (value === '' || sanitizeLabelName(name) !== name) clean = false;
  }
  // JSON.parse made a plain object of our own whose every label, `__proto__` included, is an
  // own data property. When no name needs sanitizing and no value is empty, it is what
  // cleanLabels would build (the usual message: no copy per point); otherwise cleanLabels
  // copies into an object of its own with sanitized names.
  return clean ? (source as Record<string, string>) : cleanLabels(source as Record<string, string>);
}
