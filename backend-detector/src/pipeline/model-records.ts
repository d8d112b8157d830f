import type { SeasonalSettings } from '../model/config';
/**
 * Records of the compacted model-state topic (`anomalylens.models`): one per input series,
 * keyed by where the series comes from, holding the detector's binary state plus the little
 * pipeline state needed to continue the series exactly where the checkpoint left it.
 *
 * Value layout (big-endian framing, so a foreign or damaged record is recognised, never misread):
 *   "ALCP" | u8 framing version | u32 meta length | meta (UTF-8 JSON) | detector state bytes
 *
 * The forest, about half of a state, changes only when the series refits. From framing
 * version 2 its bytes are cut out of the detector state (model/state-codec's
 * splitForestFromState) into a record of their own, written only after a refit:
 *   "ALFT" | u8 framing version | forest bytes          key: forestKey(...)
 * and the state record's meta says how many bytes were cut (`f`). A restore puts them back
 * before decoding; the state's CRC covers the reassembled bytes, so a forest that does not
 * belong to the state (a crash between the two writes) is rejected, never misread.
 */
import { forestParts, joinForestToState } from '../model/state-codec';
import type { SeriesDetector } from '../model/types';

const MAGIC = Buffer.from('ALCP', 'ascii');
const FOREST_MAGIC = Buffer.from('ALFT', 'ascii');
/** Version of this framing (the detector state inside carries its own version). */
export const CHECKPOINT_FRAMING_VERSION = 2;
/** Framing versions this build reads (1: the forest always inside the state). */
const READABLE_FRAMING_VERSIONS = new Set([1, 2]);

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
  /**
   * The detector's binary state (model/state-codec). Decoded from a record whose forest is
   * stored apart, these are the state's bytes without the forest: see joinForest.
   */
  model: Uint8Array;
  /** Bytes of the forest at the end of the state (before its CRC), stored apart; 0 = inside. */
  forestBytes?: number;
  /** When taken: the forest changed since it was last written (not stored in the record). */
  forestChanged?: boolean;
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

const FOREST_SUFFIX = ':forest';

/** Key of a series' forest record: the partition field carries a suffix no state key has. */
export function forestKey(topic: string, partition: number, seriesKey: string): string {
  return `${topic}\u0000${partition}${FOREST_SUFFIX}\u0000${seriesKey}`;
}

/** Inverse of checkpointKey and forestKey; undefined for keys that are not ours. */
export function parseCheckpointKey(
  key: string
): { topic: string; partition: number; seriesKey: string; kind: 'state' | 'forest' } | undefined {
  const a = key.indexOf('\u0000');
  const b = a < 0 ? -1 : key.indexOf('\u0000', a + 1);
  if (b < 0) return undefined;
  let field = key.slice(a + 1, b);
  const kind = field.endsWith(FOREST_SUFFIX) ? 'forest' : 'state';
  if (kind === 'forest') field = field.slice(0, -FOREST_SUFFIX.length);
  if (!/^\d+$/.test(field)) return undefined;
  return { topic: key.slice(0, a), partition: Number(field), seriesKey: key.slice(b + 1), kind };
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
  /** Forest bytes stored apart (framing 2). */
  f?: number;
}

/**
 * The state record of a checkpoint; with `forestBytes` > 0 the forest is left out (it goes
 * in encodeForestRecord's record).
 */
export function encodeCheckpoint(c: SeriesCheckpoint): Buffer {
  const forest = c.forestBytes ?? 0;
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
    ...(forest > 0 ? { f: forest } : {}),
  };
  const json = Buffer.from(JSON.stringify(meta), 'utf8');
  const head = Buffer.alloc(MAGIC.length + 5);
  MAGIC.copy(head, 0);
  head.writeUInt8(CHECKPOINT_FRAMING_VERSION, MAGIC.length);
  head.writeUInt32BE(json.length, MAGIC.length + 1);
  if (forest === 0) return Buffer.concat([head, json, c.model]);
  const { before, after } = forestParts(c.model, forest);
  return Buffer.concat([head, json, before, after]);
}

/** The forest record of a checkpoint whose `forestBytes` > 0. */
export function encodeForestRecord(c: SeriesCheckpoint): Buffer {
  const { forest } = forestParts(c.model, c.forestBytes ?? 0);
  const head = Buffer.alloc(FOREST_MAGIC.length + 1);
  FOREST_MAGIC.copy(head, 0);
  head.writeUInt8(CHECKPOINT_FRAMING_VERSION, FOREST_MAGIC.length);
  return Buffer.concat([head, forest]);
}

/**
 * The whole detector state of a decoded checkpoint: its own bytes, with the forest record's
 * bytes put back when the forest was stored apart. Throws CheckpointFormatError when that
 * record is missing or not a forest of the right size.
 */
export function joinForest(c: SeriesCheckpoint, forestRecord: Buffer | undefined): Uint8Array {
  const forest = c.forestBytes ?? 0;
  if (forest === 0) return c.model;
  if (!forestRecord) throw new CheckpointFormatError('the forest record of this state is missing');
  const head = FOREST_MAGIC.length + 1;
  checkFraming(forestRecord, FOREST_MAGIC, head, 'forest');
  if (forestRecord.length - head !== forest)
    throw new CheckpointFormatError(
      `the forest record has ${forestRecord.length - head} bytes, the state expects ${forest}`
    );
  return joinForestToState(c.model, forestRecord.subarray(head));
}

/** Our magic bytes and a framing version this build reads, or CheckpointFormatError. */
function checkFraming(value: Buffer, magic: Buffer, headLength: number, what: string): void {
  if (value.length < headLength || !value.subarray(0, magic.length).equals(magic))
    throw new CheckpointFormatError(`not an Anomaly Lens ${what} record`);
  const version = value.readUInt8(magic.length);
  if (!READABLE_FRAMING_VERSIONS.has(version))
    throw new CheckpointFormatError(
      `${what} framing version ${version}, this detector reads ${CHECKPOINT_FRAMING_VERSION}`
    );
}

export function decodeCheckpoint(value: Buffer): SeriesCheckpoint {
  const headLength = MAGIC.length + 5;
  checkFraming(value, MAGIC, headLength, 'checkpoint');
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
    typeof meta.a !== 'boolean' ||
    (meta.f !== undefined && !(Number.isInteger(meta.f) && meta.f > 0))
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
    ...(meta.f ? { forestBytes: meta.f } : {}),
  };
}

/** How the pipeline turns a series' detector into bytes and back (model/state-codec). */
export interface DetectorStateCodec {
  encode(detector: SeriesDetector): Uint8Array;
  /**
   * encode's bytes in memory the next call may reuse (no copy): checkpoints turn each state
   * into records before taking the next one.
   */
  encodeTransient?(detector: SeriesDetector): Uint8Array;
  /** Bytes of the forest at the end of encode's output, right before its 4-byte CRC (0: none). */
  forestBytes(detector: SeriesDetector): number;
  /** Throws when the bytes are of another version/config or damaged; never returns a half-read detector. */
  /** `model`: the seasonality the series' policy gives it (its state was taken under it). */
  decode(bytes: Uint8Array, model?: SeasonalSettings): SeriesDetector;
  /** State format version and detector-config fingerprint, written as record headers. */
  readonly version: number;
  readonly fingerprint: string;
}
