/**
 * Records of the compacted model-state topic (`anomalylens.models`): one per input series,
 * keyed by where the series comes from, holding the detector's binary state plus the little
 * pipeline state needed to continue the series exactly where the checkpoint left it.
 *
 * Value layout (big-endian framing, so a foreign or damaged record is recognised, never misread):
 *   "ALCP" | u8 framing version | u32 meta length | meta (UTF-8 JSON) | detector state bytes
 */
import type { SeriesDetector } from '../model/types';

const MAGIC = Buffer.from('ALCP', 'ascii');
/** Version of this framing (the detector state inside carries its own version). */
export const CHECKPOINT_FRAMING_VERSION = 1;

/** Record headers: readable without decoding the value (tools, compatibility checks). */
export const CHECKPOINT_HEADERS = {
  framing: 'x-anomalylens-checkpoint-framing',
  stateVersion: 'x-anomalylens-state-version',
  config: 'x-anomalylens-detector-config',
  sourceOffset: 'x-anomalylens-source-offset',
} as const;

export interface CounterCheckpoint {
  value: number;
  timestamp: number;
}

/** The state of one series as of input offset `offset` of its source partition. */
export interface SeriesCheckpoint {
  sourceTopic: string;
  sourcePartition: number;
  seriesKey: string;
  /** Last input offset of the source partition this state has seen (decimal string). */
  offset: string;
  metric: string;
  labels: Record<string, string>;
  /** Timestamp of the last point the series scored (the processor's out-of-order guard). */
  lastTimestamp: number;
  anomalous: boolean;
  /** Previous raw reading of a collectd counter turned into rates (absent for gauges). */
  counter?: CounterCheckpoint;
  /** The detector's binary state (model/state-codec). */
  model: Uint8Array;
}

export class CheckpointFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CheckpointFormatError';
  }
}

/** Record key: source topic, partition and series key, NUL-separated (series keys use NUL too). */
export function checkpointKey(topic: string, partition: number, seriesKey: string): string {
  return `${topic}\u0000${partition}\u0000${seriesKey}`;
}

/** Inverse of checkpointKey; undefined for keys that are not ours. */
export function parseCheckpointKey(
  key: string
): { topic: string; partition: number; seriesKey: string } | undefined {
  const a = key.indexOf('\u0000');
  const b = a < 0 ? -1 : key.indexOf('\u0000', a + 1);
  if (b < 0) return undefined;
  const partition = Number(key.slice(a + 1, b));
  if (!Number.isInteger(partition) || partition < 0) return undefined;
  return { topic: key.slice(0, a), partition, seriesKey: key.slice(b + 1) };
}

interface Meta {
  t: string;
  p: number;
  k: string;
  o: string;
  m: string;
  l: Record<string, string>;
  ts: number;
  a: boolean;
  c?: CounterCheckpoint;
}

export function encodeCheckpoint(c: SeriesCheckpoint): Buffer {
  const meta: Meta = {
    t: c.sourceTopic,
    p: c.sourcePartition,
    k: c.seriesKey,
    o: c.offset,
    m: c.metric,
    l: c.labels,
    // JSON has no -Infinity: a series that never scored a point has no last timestamp.
    ts: Number.isFinite(c.lastTimestamp) ? c.lastTimestamp : -1,
    a: c.anomalous,
    ...(c.counter ? { c: c.counter } : {}),
  };
  const json = Buffer.from(JSON.stringify(meta), 'utf8');
  const head = Buffer.alloc(MAGIC.length + 5);
  MAGIC.copy(head, 0);
  head.writeUInt8(CHECKPOINT_FRAMING_VERSION, MAGIC.length);
  head.writeUInt32BE(json.length, MAGIC.length + 1);
  return Buffer.concat([head, json, c.model]);
}

export function decodeCheckpoint(value: Buffer): SeriesCheckpoint {
  const headLength = MAGIC.length + 5;
  if (value.length < headLength || !value.subarray(0, MAGIC.length).equals(MAGIC))
    throw new CheckpointFormatError('not an Anomaly Lens checkpoint record');
  const version = value.readUInt8(MAGIC.length);
  if (version !== CHECKPOINT_FRAMING_VERSION)
    throw new CheckpointFormatError(
      `checkpoint framing version ${version}, this detector reads ${CHECKPOINT_FRAMING_VERSION}`
    );
  const metaLength = value.readUInt32BE(MAGIC.length + 1);
  if (headLength + metaLength > value.length) throw new CheckpointFormatError('checkpoint record truncated');
  let meta: Meta;
  try {
    meta = JSON.parse(value.subarray(headLength, headLength + metaLength).toString('utf8')) as Meta;
  } catch {
    throw new CheckpointFormatError('checkpoint metadata is not valid JSON');
  }
  if (
    typeof meta.t !== 'string' ||
    typeof meta.p !== 'number' ||
    typeof meta.k !== 'string' ||
    typeof meta.o !== 'string' ||
    !/^\d+$/.test(meta.o) ||
    typeof meta.m !== 'string' ||
    typeof meta.l !== 'object' ||
    meta.l === null ||
    typeof meta.ts !== 'number' ||
    typeof meta.a !== 'boolean'
  )
    throw new CheckpointFormatError('checkpoint metadata is incomplete');
  return {
    sourceTopic: meta.t,
    sourcePartition: meta.p,
    seriesKey: meta.k,
    offset: meta.o,
    metric: meta.m,
    labels: meta.l,
    lastTimestamp: meta.ts < 0 ? -Infinity : meta.ts,
    anomalous: meta.a,
    counter: meta.c,
    model: value.subarray(headLength + metaLength),
  };
}

/** How the pipeline turns a series' detector into bytes and back (model/state-codec). */
export interface DetectorStateCodec {
  encode(detector: SeriesDetector): Uint8Array;
  /** Throws when the bytes are of another version/config or damaged; never returns a half-read detector. */
  decode(bytes: Uint8Array): SeriesDetector;
  /** State format version and detector-config fingerprint, written as record headers. */
  readonly version: number;
  readonly fingerprint: string;
}
