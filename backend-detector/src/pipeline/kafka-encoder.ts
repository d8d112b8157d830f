/**
 * kafkajs 2.2 builds a produce request as nested Encoders (record → batch body → batch →
 * partition → topic → request → size-framed request) and copies each level into the next
 * with `Buffer.alloc` grown to the next power of two. A 512 KiB checkpoint request therefore
 * allocates about 10 MB of zero-filled off-heap buffers (measured: 19 bytes allocated per
 * byte produced); at 10,000 series those short-lived buffers set off most of the detector's
 * garbage collections (V8 collects early when off-heap allocation runs fast), and every
 * collection marks all the series' models.
 *
 * This override keeps an encoder's large pieces (≥ REFERENCE_MIN_BYTES) as references to the
 * buffers they already live in and copies the whole once, when kafkajs asks for the bytes
 * (a batch's CRC, the socket write): the same bytes on the wire, three copies instead of ~8.
 * kafkajs is no longer developed (2.2.4, February 2023) and this is its internal API, so the
 * override applies only to the version it was written against and only if that Encoder has
 * the expected shape; otherwise kafkajs runs unchanged. test/unit/pipeline/kafka-encoder
 * checks byte-for-byte equality with the original on produce requests and random encodings.
 *
 * Buffers handed to a produce call are read when the request is written to the socket, not
 * while it is being encoded; kafkajs encodes asynchronously anyway, so callers already must
 * not change a message's buffers before `send` resolves.
 */

/** Pieces at least this large are referenced rather than copied. */
export const REFERENCE_MIN_BYTES = 2048;

const PATCHED_KAFKAJS_VERSION = '2.2.4';

/** The members of kafkajs's Encoder this module reads or replaces. */
interface KafkajsEncoder {
  buf: Buffer;
  offset: number;
  /** Referenced pieces that come before `buf[0, offset)` (absent while there are none). */
  parts?: Buffer[] | null;
  partsBytes?: number;
  size(): number;
  readonly buffer: Buffer;
  ensureAvailable(length: number): void;
  writeBufferInternal(buffer: Buffer): void;
  writeInt32(value: number): KafkajsEncoder;
  writeBytes(value: unknown): KafkajsEncoder;
  writeEncoder(value: KafkajsEncoder): KafkajsEncoder;
  writeEncoderArray(value: KafkajsEncoder[]): KafkajsEncoder;
}

type EncoderClass = { prototype: KafkajsEncoder };

const REPLACED = [
  'size',
  'buffer',
  'writeBufferInternal',
  'writeBytes',
  'writeEncoder',
  'writeEncoderArray',
] as const;

let original: Map<string, PropertyDescriptor> | undefined;

function loadEncoder(): { Encoder: EncoderClass; version: string } {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const Encoder = require('kafkajs/src/protocol/encoder') as EncoderClass;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { version } = require('kafkajs/package.json') as { version: string };
  return { Encoder, version };
}

/** Why the override cannot apply to the installed kafkajs, or undefined when it can. */
export function encoderOverrideMismatch(): string | undefined {
  const { Encoder, version } = loadEncoder();
  if (version !== PATCHED_KAFKAJS_VERSION) {
    return `kafkajs ${version} is installed; the encoder override was written for ${PATCHED_KAFKAJS_VERSION}`;
  }
  const p = Encoder.prototype as unknown as Record<string, unknown>;
  for (const name of [...REPLACED, 'ensureAvailable', 'writeInt32']) {
    const d = Object.getOwnPropertyDescriptor(p, name);
    if (!d || (name === 'buffer' ? typeof d.get !== 'function' : typeof d.value !== 'function')) {
      return `kafkajs Encoder has no ${name === 'buffer' ? 'buffer getter' : `method ${name}`}`;
    }
  }
  return undefined;
}

/**
 * Install the override once per process (later calls do nothing). Returns false when the
 * installed kafkajs is not the version it was written for: kafkajs then runs unchanged.
 */
export function installKafkaEncoderOverride(): boolean {
  if (original) return true;
  if (encoderOverrideMismatch() !== undefined) return false;
  const { Encoder } = loadEncoder();
  const proto = Encoder.prototype;
  const saved = new Map<string, PropertyDescriptor>();
  for (const name of REPLACED) saved.set(name, Object.getOwnPropertyDescriptor(proto, name)!);
  const copyIn = saved.get('writeBufferInternal')!.value as (this: KafkajsEncoder, b: Buffer) => void;
  const writeBytes = saved.get('writeBytes')!.value as (this: KafkajsEncoder, v: unknown) => KafkajsEncoder;

  Object.defineProperties(proto, {
    size: {
      configurable: true,
      writable: true,
      value(this: KafkajsEncoder): number {
        return this.offset + (this.partsBytes ?? 0);
      },
    },
    buffer: {
      configurable: true,
      get(this: KafkajsEncoder): Buffer {
        if (!this.parts) return this.buf.subarray(0, this.offset);
        const pieces = this.parts;
        if (this.offset > 0) pieces.push(this.buf.subarray(0, this.offset));
        // Collapsed into one exactly sized buffer: asking again (kafkajs does) costs nothing.
        const whole = Buffer.concat(pieces, this.size());
        this.parts = null;
        this.partsBytes = 0;
        this.buf = whole;
        this.offset = whole.length;
        return whole;
      },
    },
    writeBufferInternal: {
      configurable: true,
      writable: true,
      value(this: KafkajsEncoder, buffer: Buffer): void {
        if (buffer.length < REFERENCE_MIN_BYTES) copyIn.call(this, buffer);
        else reference(this, buffer);
      },
    },
    writeBytes: {
      configurable: true,
      writable: true,
      value(this: KafkajsEncoder, value: unknown): KafkajsEncoder {
        // The original first grows its buffer to hold the whole value; a reference needs no room.
        if (!Buffer.isBuffer(value) || value.length < REFERENCE_MIN_BYTES)
          return writeBytes.call(this, value);
        this.writeInt32(value.length);
        reference(this, value);
        return this;
      },
    },
    writeEncoder: {
      configurable: true,
      writable: true,
      value(this: KafkajsEncoder, value: KafkajsEncoder): KafkajsEncoder {
        if (value == null || !Buffer.isBuffer(value.buf))
          throw new Error('value should be an instance of Encoder');
        if (value.size() < REFERENCE_MIN_BYTES) {
          copyIn.call(this, value.buffer);
          return this;
        }
        sealTail(this);
        if (value.parts) for (const piece of value.parts) addPiece(this, piece);
        if (value.offset > 0) addPiece(this, value.buf.subarray(0, value.offset));
        return this;
      },
    },
    writeEncoderArray: {
      configurable: true,
      writable: true,
      value(this: KafkajsEncoder, value: KafkajsEncoder[]): KafkajsEncoder {
        if (!Array.isArray(value) || value.some((v) => v == null || !Buffer.isBuffer(v.buf))) {
          throw new Error('all values should be an instance of Encoder[]');
        }
        for (const v of value) this.writeEncoder(v);
        return this;
      },
    },
  });
  original = saved;
  return true;
}

/** Put kafkajs's own Encoder back (tests compare the two). */
export function uninstallKafkaEncoderOverride(): void {
  if (!original) return;
  const { Encoder } = loadEncoder();
  for (const [name, descriptor] of original) Object.defineProperty(Encoder.prototype, name, descriptor);
  original = undefined;
}

const EMPTY = Buffer.alloc(0);

/** What was written so far becomes a piece; later writes start a fresh buffer. */
function sealTail(e: KafkajsEncoder): void {
  if (e.offset > 0) addPiece(e, e.buf.subarray(0, e.offset));
  e.buf = EMPTY;
  e.offset = 0;
}

function reference(e: KafkajsEncoder, buffer: Buffer): void {
  sealTail(e);
  addPiece(e, buffer);
}

function addPiece(e: KafkajsEncoder, piece: Buffer): void {
  if (piece.length === 0) return;
  if (!e.parts) {
    e.parts = [];
    e.partsBytes = 0;
  }
  e.parts.push(piece);
  e.partsBytes! += piece.length;
}
