import { decodeCollectd, looksLikeCollectd, type CollectdSample } from './collectd';
import { decodeInflux, looksLikeInflux } from './influx';
import { checkPoint, DEFAULT_INGEST_LIMITS, type IngestLimits, type PointShape } from './limits';
import { decodeNative } from './native';
import { InvalidMessageError, type InputFormat, type MetricPoint } from './types';

export type Decoded =
  { format: 'native' | 'influx'; points: MetricPoint[] } | { format: 'collectd'; samples: CollectdSample[] };

export interface DecodeOptions {
  format: InputFormat;
  maxBytes: number;
  /** Used for line-protocol lines without a timestamp (the Kafka record time). */
  messageTimestamp: number;
  /** Timestamp window, label count and lengths (DEFAULT_INGEST_LIMITS when absent). */
  limits?: IngestLimits;
  /** The detector's clock for the timestamp window; without it the window is not checked. */
  now?: number;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Decode one Kafka record value; throws InvalidMessageError with a reason on bad input. A
 * message is taken whole or dead-lettered whole: one point outside the limits rejects it.
 */
export function decodeMessage(value: Buffer | null, opts: DecodeOptions): Decoded {
  const decoded = decodeFormat(value, opts);
  const limits = opts.limits ?? DEFAULT_INGEST_LIMITS;
  const list: PointShape[] = decoded.format === 'collectd' ? decoded.samples : decoded.points;
  let checkedLabels: Record<string, string> | undefined;
  for (let i = 0; i < list.length; i++) {
    const p = list[i];
    // Fields of one line / value list share their labels object: check those once.
    const labelsChecked = p.labels === checkedLabels;
    checkPoint(p, limits, opts.now, i, list.length, labelsChecked);
    checkedLabels = p.labels;
  }
  return decoded;
}

function decodeFormat(value: Buffer | null, opts: DecodeOptions): Decoded {
  if (value === null || value.length === 0) throw new InvalidMessageError('empty', 'empty message');
  if (value.length > opts.maxBytes) {
    throw new InvalidMessageError('oversized', `message is ${value.length} bytes, limit ${opts.maxBytes}`);
  }
  let text: string;
  try {
    text = utf8.decode(value);
  } catch {
    throw new InvalidMessageError('invalid_encoding', 'message is not valid UTF-8');
  }
  if (text.trim() === '') throw new InvalidMessageError('empty', 'message is blank');

  switch (opts.format) {
    case 'influx':
      return { format: 'influx', points: decodeInflux(text, opts.messageTimestamp) };
    case 'native':
      return { format: 'native', points: decodeNative(parseJson(text)) };
    case 'collectd':
      return { format: 'collectd', samples: decodeCollectd(parseJson(text)) };
    case 'auto':
      return autoDetect(text, opts.messageTimestamp);
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new InvalidMessageError('invalid_json', (e as Error).message);
  }
}

function autoDetect(text: string, messageTimestamp: number): Decoded {
  const first = text.trimStart()[0];
  if (first === '{' || first === '[') {
    const parsed = parseJson(text);
    if (looksLikeCollectd(parsed)) return { format: 'collectd', samples: decodeCollectd(parsed) };
    return { format: 'native', points: decodeNative(parsed) };
  }
  if (looksLikeInflux(text)) return { format: 'influx', points: decodeInflux(text, messageTimestamp) };
  throw new InvalidMessageError('unknown_format', 'neither JSON nor InfluxDB line protocol');
}
