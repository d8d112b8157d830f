/**
 * Little-endian binary writer and bounds-checked reader for detector state (see
 * state-codec.ts). Typed arrays are copied as raw bytes; on a big-endian host they are
 * byte-swapped element by element, so the format is the same everywhere.
 */

import { crc32 as nativeCrc32 } from '@node-rs/crc32';

const HOST_LE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Typed arrays the state is made of. */
export type StateArray =
  Float64Array | Float32Array | Int32Array | Uint32Array | Uint16Array | Int16Array | Uint8Array | Int8Array;

/** The reader ran off the end, or a value is outside what the state allows. */
export class StateFormatError extends Error {}

/** Shared growth buffer: encoding is synchronous, so one serves every detector of a process. */
let scratch = Buffer.allocUnsafe(64 * 1024);

export class StateWriter {
  private buf = scratch;
  private pos = 0;

  get length(): number {
    return this.pos;
  }

  private reserve(bytes: number): void {
    if (this.pos + bytes <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + bytes) size *= 2;
    const grown = Buffer.allocUnsafe(size);
    this.buf.copy(grown, 0, 0, this.pos);
    this.buf = grown;
    scratch = grown;
  }

  u8(v: number): void {
    this.reserve(1);
    this.buf.writeUInt8(v, this.pos);
    this.pos += 1;
  }

  u16(v: number): void {
    this.reserve(2);
    this.buf.writeUInt16LE(v, this.pos);
    this.pos += 2;
  }

  u32(v: number): void {
    this.reserve(4);
    this.buf.writeUInt32LE(v, this.pos);
    this.pos += 4;
  }

  /** Any double, NaN and ±Infinity included, bit for bit. */
  f64(v: number): void {
    this.reserve(8);
    this.buf.writeDoubleLE(v, this.pos);
    this.pos += 8;
  }

  bool(v: boolean): void {
    this.u8(v ? 1 : 0);
  }

  /** Raw little-endian elements, no length prefix (the reader knows the length). */
  array(a: StateArray): void {
    const bytes = a.byteLength;
    this.reserve(bytes);
    if (HOST_LE || a.BYTES_PER_ELEMENT === 1) {
      this.buf.set(new Uint8Array(a.buffer, a.byteOffset, bytes), this.pos);
    } else {
      swapInto(a, this.buf, this.pos);
    }
    this.pos += bytes;
  }

  /** Patch a u32 written earlier (e.g. a length known only at the end). */
  setU32(at: number, v: number): void {
    this.buf.writeUInt32LE(v, at);
  }

  /** A copy of what was written (the growth buffer is reused). */
  finish(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.pos));
  }

  /** The bytes written so far, without copying (valid until the next writer runs). */
  view(from = 0): Uint8Array {
    return this.buf.subarray(from, this.pos);
  }
}

export class StateReader {
  private pos: number;
  private readonly view: DataView;

  constructor(
    private readonly bytes: Uint8Array,
    start = 0,
    private readonly end = bytes.length
  ) {
    this.pos = start;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  private take(n: number): number {
    if (n < 0 || this.pos + n > this.end) throw new StateFormatError('state ends early');
    const at = this.pos;
    this.pos += n;
    return at;
  }

  u8(): number {
    return this.view.getUint8(this.take(1));
  }

  u16(): number {
    return this.view.getUint16(this.take(2), true);
  }

  u32(): number {
    return this.view.getUint32(this.take(4), true);
  }

  f64(): number {
    return this.view.getFloat64(this.take(8), true);
  }

  bool(): boolean {
    const v = this.u8();
    if (v > 1) throw new StateFormatError(`bad flag ${v}`);
    return v === 1;
  }

  /** A count that must lie in [min, max]. */
  count(max: number, what: string, min = 0): number {
    const v = this.u32();
    if (v < min || v > max) throw new StateFormatError(`${what} ${v} outside [${min}, ${max}]`);
    return v;
  }

  /** A finite double that must lie in [min, max]. */
  number(what: string, min = -Infinity, max = Infinity): number {
    const v = this.f64();
    if (!(v >= min && v <= max)) throw new StateFormatError(`${what} ${v} outside [${min}, ${max}]`);
    return v;
  }

  /** Fill `into` (its whole length) with raw little-endian elements. */
  arrayInto(into: StateArray): void {
    const bytes = into.byteLength;
    const at = this.take(bytes);
    if (HOST_LE || into.BYTES_PER_ELEMENT === 1) {
      new Uint8Array(into.buffer, into.byteOffset, bytes).set(this.bytes.subarray(at, at + bytes));
    } else {
      swapFrom(this.view, at, into);
    }
  }

  /** Bytes left unread: a well-formed state has none. */
  expectEnd(): void {
    if (this.pos !== this.end) throw new StateFormatError(`${this.end - this.pos} unexpected trailing bytes`);
  }
}

function swapInto(a: StateArray, out: Buffer, at: number): void {
  const dv = new DataView(out.buffer, out.byteOffset, out.byteLength);
  const w = a.BYTES_PER_ELEMENT;
  for (let i = 0; i < a.length; i++) {
    const o = at + i * w;
    if (a instanceof Float64Array) dv.setFloat64(o, a[i], true);
    else if (a instanceof Float32Array) dv.setFloat32(o, a[i], true);
    else if (a instanceof Int32Array) dv.setInt32(o, a[i], true);
    else if (a instanceof Uint32Array) dv.setUint32(o, a[i], true);
    else if (a instanceof Int16Array) dv.setInt16(o, a[i], true);
    else dv.setUint16(o, a[i], true);
  }
}

function swapFrom(dv: DataView, at: number, into: StateArray): void {
  const w = into.BYTES_PER_ELEMENT;
  for (let i = 0; i < into.length; i++) {
    const o = at + i * w;
    if (into instanceof Float64Array) into[i] = dv.getFloat64(o, true);
    else if (into instanceof Float32Array) into[i] = dv.getFloat32(o, true);
    else if (into instanceof Int32Array) into[i] = dv.getInt32(o, true);
    else if (into instanceof Uint32Array) into[i] = dv.getUint32(o, true);
    else if (into instanceof Int16Array) into[i] = dv.getInt16(o, true);
    else into[i] = dv.getUint16(o, true);
  }
}

/**
 * CRC-32 (IEEE 802.3, the zlib/PNG polynomial) of bytes[start, end). @node-rs/crc32 is
 * native SIMD code: a 48 kB state checksums in microseconds, where a table-driven loop in
 * JS took ~0.7 ms, which would add seconds of CPU to every checkpoint round of 10,000
 * series. (zlib.crc32 only arrived in Node 22.)
 */
export function crc32(bytes: Uint8Array, start = 0, end = bytes.length): number {
  const view = Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start);
  return nativeCrc32(view) >>> 0;
}
