/**
 * Carves a series' fixed-size typed arrays out of one ArrayBuffer. Every separate
 * ArrayBuffer costs a few hundred bytes beyond its contents (a JS object, V8's backing
 * store record and extension, a malloc header), which at tens of thousands of series is
 * worth saving: the detector, its feature extractor and its score normalizer share one.
 *
 * Every array starts on an 8-byte boundary, so a part's size is the sum of its arrays'
 * sizes each rounded up to 8 (slabBytes), whatever the order the parts are carved in.
 */
export class Slab {
  private offset = 0;

  constructor(private readonly buffer: ArrayBuffer) {}

  /** A slab exactly as large as the listed parts need. */
  static of(bytes: number): Slab {
    return new Slab(new ArrayBuffer(bytes));
  }

  float64(length: number): Float64Array {
    return new Float64Array(this.buffer, this.take(8 * length), length);
  }

  float32(length: number): Float32Array {
    return new Float32Array(this.buffer, this.take(4 * length), length);
  }

  uint8(length: number): Uint8Array {
    return new Uint8Array(this.buffer, this.take(length), length);
  }

  private take(bytes: number): number {
    const at = this.offset;
    this.offset += slabBytes(bytes);
    if (this.offset > this.buffer.byteLength) {
      throw new RangeError(`slab: ${this.offset} bytes needed, ${this.buffer.byteLength} reserved`);
    }
    return at;
  }
}

/** Bytes an array of `bytes` takes in a slab (rounded up to 8). */
export function slabBytes(bytes: number): number {
  return (bytes + 7) & ~7;
}
