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

const labelBytes = new WeakMap<Label[], Buffer>();

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
  let cached = labelBytes.get(labels);
  if (cached) return cached;
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
  cached = Buffer.concat(parts);
  labelBytes.set(labels, cached);
  return cached;
}

/** Default values (+0) are left out, as proto3 and protobufjs do; -0 is not a default. */
function isPositiveZero(v: number): boolean {
  return v === 0 && 1 / v > 0;
}

function sampleSize(value: number, timestamp: number): number {
  return (isPositiveZero(value) ? 0 : 9) + (timestamp === 0 ? 0 : 1 + varintSize(timestamp));
}

/** Serialize a WriteRequest (uncompressed). Timestamps must be non-negative integers. */
export function encodeWriteRequest(timeseries: TimeSeries[]): Buffer {
  let total = 0;
  const seriesSizes = new Array<number>(timeseries.length);
  for (let i = 0; i < timeseries.length; i++) {
    const ts = timeseries[i];
    let body = encodedLabels(ts.labels).length;
    for (const s of ts.samples) {
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
  for (let i = 0; i < timeseries.length; i++) {
    const ts = timeseries[i];
    buf[p++] = 0x0a; // WriteRequest.timeseries
    p = writeVarint(buf, p, seriesSizes[i]);
    p += encodedLabels(ts.labels).copy(buf, p);
    for (const s of ts.samples) {
      buf[p++] = 0x12; // TimeSeries.samples
      p = writeVarint(buf, p, sampleSize(s.value, s.timestamp));
      if (!isPositiveZero(s.value)) {
        buf[p++] = 0x09; // Sample.value, 64-bit
        buf.writeDoubleLE(s.value, p);
        p += 8;
      }
      if (s.timestamp !== 0) {
        buf[p++] = 0x10; // Sample.timestamp, varint
        p = writeVarint(buf, p, s.timestamp);
      }
    }
  }
  return buf;
}
