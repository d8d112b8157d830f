import { cleanLabels } from './labels';
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
  for (const field of ['ts', 'metric', 'value'] as const) {
    if (o[field] === undefined || o[field] === null) {
      throw new InvalidMessageError('missing_field', `${where}${where ? '.' : ''}${field} is missing`);
    }
  }
  if (typeof o.metric !== 'string' || o.metric === '') {
    throw new InvalidMessageError('wrong_type', `${where}.metric must be a non-empty string`);
  }
  if (typeof o.value !== 'number') {
    throw new InvalidMessageError('wrong_type', `${where}.value must be a number, got ${typeof o.value}`);
  }
  // JSON has no NaN, but 1e999 parses to Infinity.
  if (!Number.isFinite(o.value)) {
    throw new InvalidMessageError('non_finite', `${where}.value is not finite`);
  }
  const timestamp = parseNativeTimestamp(o.ts);
  return { metric: o.metric, labels: decodeLabels(o.labels, where), timestamp, value: o.value };
}

function decodeLabels(raw: unknown, where: string): Record<string, string> {
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw new InvalidMessageError('wrong_type', `${where}.labels must be an object`);
  }
  const source = raw as Record<string, unknown>;
  for (const name of Object.keys(source)) {
    if (typeof source[name] !== 'string') {
      throw new InvalidMessageError('wrong_type', `${where}.labels.${name} must be a string`);
    }
  }
  // cleanLabels copies into an object of its own (sanitized names, never `__proto__`), and
  // JSON.parse made every label, `__proto__` included, an own data property: no copy first.
  return cleanLabels(source as Record<string, string>);
}
