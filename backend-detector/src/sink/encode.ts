import type { Label, TimeSeries } from './proto';

/**
 * WriteRequest encoder for the detector's hot path. Hand-written on purpose: every output
 * series keeps the same label set for its whole life, so its encoded labels are cached
 * once per label-set object and copied as bytes, where protobufjs would re-encode every
 * label string for every sample (about 40 % of the pipeline's CPU at full load in the e2e
 * bench). The wire format is checked byte for byte against protobufjs in the unit tests.
 *
 *   WriteRequest { repeated TimeSeries timeseries = 1; }
 *   TimeSeries   { repeated Label labels = 1; repeated Sample samples = 2; }
 *   Label        { string name = 1; string value = 2; }
 *   Sample       { double value = 1; int64 timestamp = 2; }
 */

/**
 * What the sink keeps per output label set: its encoded bytes, and scratch fields with
 * which one request groups its samples by series without a Map of its own (one lookup per
 * sample instead of three: at 10,000+ series these lookups are cache misses, not hashing).
 */
export interface LabelSetRecord {
  bytes: Buffer;
  /** Id of the last request that grouped this label set, and its series' index there. */
  request: number;
  index: number;
}

/**
 * Each label set carries its record in a symbol-keyed property: a property read, where a
 * WeakMap lookup per sample (six per point) showed up in the live-pipeline profile.
 */
const RECORD = Symbol('anomalylens.labelSetRecord');
type WithRecord = Label[] & { [RECORD]?: LabelSetRecord };

/** A TimeSeries whose label bytes are already known (the encoder skips the lookup). */
export interface EncodableSeries extends TimeSeries {
  labelBytes?: Buffer;
}

function varintSize(n: number): number {
  let size = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 128);
    size++;
  }
  return size;
}

function writeVarint(buf: Buffer, pos: number, n: number): number {
  while (n >= 0x80) {
    buf[pos++] = (n % 128) | 0x80;
    n = Math.floor(n / 128);
  }
  buf[pos++] = n;
  return pos;
}

/** Encoded `labels` fields (field 1 of TimeSeries) of one label set, cached per array. */
export function encodedLabels(labels: Label[]): Buffer {
  return labelSetRecord(labels).bytes;
}

/** The record of one label set (created, with its encoded bytes, on first use). */
export function labelSetRecord(labels: Label[]): LabelSetRecord {
  const carrier = labels as WithRecord;
  let record = carrier[RECORD];
  if (!record) {
    record = { bytes: encodeLabels(labels), request: -1, index: 0 };
    Object.defineProperty(carrier, RECORD, { value: record, enumerable: false });
  }
  return record;
}

function encodeLabels(labels: Label[]): Buffer {
  const parts = labels.map((l) => {
    const name = Buffer.from(l.name, 'utf8');
    const value = Buffer.from(l.value, 'utf8');
    const body = 1 + varintSize(name.length) + name.length + 1 + varintSize(value.length) + value.length;
    const out = Buffer.allocUnsafe(1 + varintSize(body) + body);
    let p = 0;
    out[p++] = 0x0a; // field 1, length-delimited
    p = writeVarint(out, p, body);
    out[p++] = 0x0a; // name
    p = writeVarint(out, p, name.length);
    p += name.copy(out, p);
    out[p++] = 0x12; // value
    p = writeVarint(out, p, value.length);
    value.copy(out, p);
    return out;
  });
  return Buffer.concat(parts);
}

/** Default values (+0) are left out, as proto3 and protobufjs do; -0 is not a default. */
function isPositiveZero(v: number): boolean {
  return v === 0 && 1 / v > 0;
}

function sampleSize(value: number, timestamp: number): number {
  return (isPositiveZero(value) ? 0 : 9) + (timestamp === 0 ? 0 : 1 + varintSize(timestamp));
}

/**
 * Serialize a WriteRequest (uncompressed). Timestamps must be non-negative integers.
 * Two passes (sizes, then bytes) into one exact-size buffer; each series' cached label
 * bytes are looked up once and copied with TypedArray#set, which unlike Buffer#copy has no
 * per-call JS wrapper: at one sample per series per request (the common case at 10,000+
 * series) the label copy is the bulk of the work.
 */
export function encodeWriteRequest(timeseries: EncodableSeries[]): Buffer {
  const n = timeseries.length;
  let total = 0;
  const seriesSizes = new Array<number>(n);
  const labels = new Array<Buffer>(n);
  for (let i = 0; i < n; i++) {
    const ts = timeseries[i];
    const lb = ts.labelBytes ?? encodedLabels(ts.labels);
    labels[i] = lb;
    let body = lb.length;
    const samples = ts.samples;
    for (let k = 0; k < samples.length; k++) {
      const s = samples[k];
      if (!(s.timestamp >= 0) || !Number.isInteger(s.timestamp))
        throw new RangeError(`bad sample timestamp ${s.timestamp}`);
      const inner = sampleSize(s.value, s.timestamp);
      body += 1 + varintSize(inner) + inner;
    }
    seriesSizes[i] = body;
    total += 1 + varintSize(body) + body;
  }
  const buf = Buffer.allocUnsafe(total);
  let p = 0;
  for (let i = 0; i < n; i++) {
    buf[p++] = 0x0a; // WriteRequest.timeseries
    p = writeVarint(buf, p, seriesSizes[i]);
    const lb = labels[i];
    buf.set(lb, p);
    p += lb.length;
    const samples = timeseries[i].samples;
    for (let k = 0; k < samples.length; k++) {
      const s = samples[k];
      buf[p++] = 0x12; // TimeSeries.samples
      p = writeVarint(buf, p, sampleSize(s.value, s.timestamp));
      if (!isPositiveZero(s.value)) {
        buf[p++] = 0x09; // Sample.value, 64-bit
        p = buf.writeDoubleLE(s.value, p);
      }
      if (s.timestamp !== 0) {
        buf[p++] = 0x10; // Sample.timestamp, varint
        p = writeVarint(buf, p, s.timestamp);
      }
    }
  }
  return buf;
}
