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
 * What the sink keeps per output label set: the labels, their encoded bytes, and scratch
 * fields with which one request groups its samples by series without a Map of its own (one
 * lookup per sample instead of three: at 10,000+ series these lookups are cache misses, not
 * hashing). Samples are queued with their record itself, not the label array: reaching the
 * record through the array's property cost two more cache misses per sample at 10,000 series.
 */
export interface LabelSetRecord {
  readonly labels: Label[];
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

/**
 * Bytes of a varint of a non-negative integer below 2^53, by comparison: at one sample per
 * series per request this runs twice per sample, and a division loop on a millisecond
 * timestamp (six bytes) showed in the live-pipeline profile.
 */
function varintSize(n: number): number {
  if (n < 0x80) return 1;
  if (n < 0x4000) return 2;
  if (n < 0x200000) return 3;
  if (n < 0x10000000) return 4;
  if (n < 0x800000000) return 5;
  if (n < 0x40000000000) return 6;
  if (n < 0x2000000000000) return 7;
  return 8;
}

/** Writes n (a non-negative integer below 2^53) as a varint at pos; returns the next position. */
function writeVarint(buf: Uint8Array, pos: number, n: number): number {
  if (n < 0x80) {
    buf[pos] = n;
    return pos + 1;
  }
  // 32-bit halves, so every step is integer arithmetic (n / 128 on a double is not).
  let lo = n >>> 0;
  let hi = (n - lo) / 0x100000000;
  while (hi > 0 || lo >= 0x80) {
    buf[pos++] = (lo & 0x7f) | 0x80;
    lo = ((lo >>> 7) | (hi << 25)) >>> 0;
    hi >>>= 7;
  }
  buf[pos++] = lo;
  return pos;
}

/** Encoded `labels` fields (field 1 of TimeSeries) of one label set, cached per array. */
export function encodedLabels(labels: Label[]): Buffer {
  return labelSetRecord(labels).bytes;
}

/**
 * The record of one label set, created on first use with its encoded bytes (`bytes` when
 * given, already encoded elsewhere; encoded here otherwise).
 */
export function labelSetRecord(labels: Label[], bytes?: Buffer): LabelSetRecord {
  const carrier = labels as WithRecord;
  let record = carrier[RECORD];
  if (!record) {
    record = { labels, bytes: bytes ?? encodeLabels(labels), request: -1, index: 0 };
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

/** Epoch milliseconds: a non-negative integer the varint writer's 32-bit halves can hold. */
function checkTimestamp(timestamp: number): void {
  if (!(timestamp >= 0 && timestamp <= Number.MAX_SAFE_INTEGER) || !Number.isInteger(timestamp))
    throw new RangeError(`bad sample timestamp ${timestamp}`);
}

/** Bytes of one `samples` field of a TimeSeries, tag and length included. */
function sampleFieldSize(value: number, timestamp: number): number {
  // Sample's body is at most 18 bytes (9 + 1 + 8): its length is always one byte.
  return 2 + (isPositiveZero(value) ? 0 : 9) + (timestamp === 0 ? 0 : 1 + varintSize(timestamp));
}

/** Writes one `samples` field (TimeSeries field 2) at p; returns the next position. */
function writeSample(buf: Buffer, view: DataView, p: number, value: number, timestamp: number): number {
  buf[p++] = 0x12; // TimeSeries.samples
  buf[p++] = sampleFieldSize(value, timestamp) - 2;
  if (!isPositiveZero(value)) {
    buf[p++] = 0x09; // Sample.value, 64-bit
    view.setFloat64(p, value, true);
    p += 8;
  }
  if (timestamp !== 0) {
    buf[p++] = 0x10; // Sample.timestamp, varint
    p = writeVarint(buf, p, timestamp);
  }
  return p;
}

function viewOf(buf: Buffer): DataView {
  return new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
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
      checkTimestamp(s.timestamp);
      body += sampleFieldSize(s.value, s.timestamp);
    }
    seriesSizes[i] = body;
    total += 1 + varintSize(body) + body;
  }
  const buf = Buffer.allocUnsafe(total);
  const view = viewOf(buf);
  let p = 0;
  for (let i = 0; i < n; i++) {
    buf[p++] = 0x0a; // WriteRequest.timeseries
    p = writeVarint(buf, p, seriesSizes[i]);
    const lb = labels[i];
    buf.set(lb, p);
    p += lb.length;
    const samples = timeseries[i].samples;
    for (let k = 0; k < samples.length; k++)
      p = writeSample(buf, view, p, samples[k].value, samples[k].timestamp);
  }
  return buf;
}

/**
 * Records of a series' output label sets, their bytes side by side in one buffer: a point's
 * six samples then copy from one place rather than six.
 */
export function labelSetRecords(sets: Label[][]): LabelSetRecord[] {
  const encoded = sets.map(encodeLabels);
  const whole = Buffer.concat(encoded);
  let start = 0;
  return sets.map((labels, i) => {
    const end = start + encoded[i].length;
    const bytes = whole.subarray(start, end);
    start = end;
    return labelSetRecord(labels, bytes);
  });
}

/**
 * Samples queued for one request in columns (the sink's chunks): sample i is of the label
 * set `series[i]`, `values[i]` at `timestamps[i]`, for i below `length`.
 */
export interface SampleColumns {
  readonly series: ReadonlyArray<LabelSetRecord>;
  readonly values: Float64Array;
  readonly timestamps: Float64Array;
  readonly length: number;
}

/**
 * Room for one request's bytes, reused from request to request (the sink keeps one per
 * shard, whose requests go out one at a time). A request of 5,000 samples at 10,000+ series
 * is about 1 MB, each a fresh ArrayBuffer otherwise: some 20 MB/s at 20,000 points/s, and
 * external memory growing that fast made V8 start a full mark of the detectors' heap every
 * few seconds (its worker threads took about a third of the process's CPU in the e2e budget
 * bench's live phase).
 */
export class RequestBuffer {
  private buf = Buffer.alloc(0);

  /** `size` bytes, valid until the next take(). */
  take(size: number): Buffer {
    if (this.buf.length < size)
      this.buf = Buffer.allocUnsafe(Math.max(size, Math.ceil(1.25 * this.buf.length)));
    return this.buf.subarray(0, size);
  }
}

let requestIds = 0;

/**
 * Grouping scratch of encodeColumns (encoding is synchronous, so one set serves every
 * request): per series of the request its record, first and last sample and body size;
 * per sample the next sample of its series (-1 at the end).
 */
const scratch = {
  records: [] as LabelSetRecord[],
  head: new Int32Array(0),
  tail: new Int32Array(0),
  size: new Int32Array(0),
  next: new Int32Array(0),
};

function ensureScratch(n: number): void {
  if (scratch.next.length >= n) return;
  const cap = Math.max(n, 2 * scratch.next.length);
  scratch.head = new Int32Array(cap);
  scratch.tail = new Int32Array(cap);
  scratch.size = new Int32Array(cap);
  scratch.next = new Int32Array(cap);
}

/**
 * Serialize queued samples as one WriteRequest, samples of the same series (same label-set
 * object) in one TimeSeries, series in first-seen order, samples in queue order: the bytes
 * encodeWriteRequest gives for that grouping. Grouping goes through each label set's record
 * (which also holds its encoded bytes) and typed-array links, so a sample costs one lookup
 * and no object.
 */
export function encodeColumns(columns: SampleColumns, out?: RequestBuffer): Buffer {
  const { series, values, timestamps, length: n } = columns;
  ensureScratch(n);
  const { records, head, tail, size, next } = scratch;
  const request = ++requestIds;
  let groups = 0;
  for (let i = 0; i < n; i++) {
    const timestamp = timestamps[i];
    checkTimestamp(timestamp);
    const field = sampleFieldSize(values[i], timestamp);
    const record = series[i];
    next[i] = -1;
    if (record.request === request) {
      const g = record.index;
      next[tail[g]] = i;
      tail[g] = i;
      size[g] += field;
    } else {
      record.request = request;
      record.index = groups;
      records[groups] = record;
      head[groups] = i;
      tail[groups] = i;
      size[groups] = record.bytes.length + field;
      groups++;
    }
  }
  let total = 0;
  for (let g = 0; g < groups; g++) total += 1 + varintSize(size[g]) + size[g];
  const buf = out ? out.take(total) : Buffer.allocUnsafe(total);
  const view = viewOf(buf);
  let p = 0;
  for (let g = 0; g < groups; g++) {
    buf[p++] = 0x0a; // WriteRequest.timeseries
    p = writeVarint(buf, p, size[g]);
    const lb = records[g].bytes;
    buf.set(lb, p);
    p += lb.length;
    for (let i = head[g]; i !== -1; i = next[i]) p = writeColumnSample(buf, view, p, columns, i);
  }
  return buf;
}

/**
 * writeSample for sample i of the columns. The value and timestamp are read here, not in
 * encodeColumns: a fractional number passed to a function that is not inlined is boxed, and
 * two such arguments per sample were about a tenth of the detector's allocations on the live
 * path; this small function inlines writeSample, so they stay unboxed.
 */
function writeColumnSample(
  buf: Buffer,
  view: DataView,
  p: number,
  columns: SampleColumns,
  i: number
): number {
  return writeSample(buf, view, p, columns.values[i], columns.timestamps[i]);
}
