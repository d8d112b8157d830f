import {
  encoderOverrideMismatch,
  installKafkaEncoderOverride,
  REFERENCE_MIN_BYTES,
  uninstallKafkaEncoderOverride,
} from '../../../src/pipeline/kafka-encoder';
import { seededBytes } from '../../support/seeded-bytes';

/* eslint-disable @typescript-eslint/no-require-imports */
type AnyEncoder = {
  buffer: Buffer;
  size(): number;
  [method: string]: unknown;
};
const Encoder = require('kafkajs/src/protocol/encoder') as new (initialSize?: number) => AnyEncoder;
const frameRequest = require('kafkajs/src/protocol/request') as (r: {
  correlationId: number;
  clientId: string;
  request: unknown;
}) => Promise<AnyEncoder>;
const produceV3 = require('kafkajs/src/protocol/requests/produce/v3/request') as (args: object) => unknown;
const { Types: Compression } = require('kafkajs/src/protocol/message/compression') as {
  Types: { None: number; GZIP: number };
};
/* eslint-enable @typescript-eslint/no-require-imports */

/** xorshift32: the same pseudo-random cases on every run. */
function prng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

const bytes = seededBytes;

/** A produce request like a checkpoint write: several partitions, record sizes around the threshold. */
async function produceRequestBytes(compression: number): Promise<Buffer> {
  const sizes = [0, 1, 100, REFERENCE_MIN_BYTES - 1, REFERENCE_MIN_BYTES, 6_800, 70_000];
  const partitions = [0, 1, 2].map((partition) => ({
    partition,
    firstSequence: 0,
    messages: sizes.map((n, i) => ({
      key: i % 3 === 0 ? null : Buffer.from(`series-${partition}-${i}`),
      value: n === 0 ? null : bytes(n, 7 + partition * 31 + i),
      headers: i % 2 === 0 ? { 'anomalylens-kind': 'checkpoint', big: bytes(3000, i).toString('hex') } : {},
      timestamp: String(1_790_000_000_000 + i),
    })),
  }));
  const request = produceV3({
    acks: -1,
    timeout: 30_000,
    compression,
    topicData: [
      { topic: 'anomalylens.models', partitions },
      { topic: 'x'.repeat(200), partitions: partitions.slice(0, 1) },
    ],
  });
  const framed = await frameRequest({ correlationId: 42, clientId: 'anomaly-lens-detector', request });
  // The socket write asks twice (once for the size): both must be the same bytes.
  const first = Buffer.from(framed.buffer);
  expect(framed.buffer.equals(first)).toBe(true);
  expect(framed.size()).toBe(first.length);
  return first;
}

type Op = (e: AnyEncoder, depth: number) => void;

/** Random writes through kafkajs's Encoder API, nested encoders and arrays included. */
function randomProgram(seed: number): (e: AnyEncoder) => void {
  const r = prng(seed);
  const ops: Op[] = [];
  const pick = (n: number) => Math.floor(r() * n);
  const size = () => [0, 1, 63, 600, REFERENCE_MIN_BYTES - 1, REFERENCE_MIN_BYTES, 5_000, 40_000][pick(8)];
  const build = (depth: number, count: number): Op[] => {
    const list: Op[] = [];
    for (let k = 0; k < count; k++) {
      const kind = pick(depth > 2 ? 9 : 12);
      const n = size();
      const s = pick(1e9);
      switch (kind) {
        case 0:
          list.push((e) => void (e.writeInt8 as (v: number) => void)(s % 128));
          break;
        case 1:
          list.push((e) => void (e.writeInt32 as (v: number) => void)(s));
          break;
        case 2:
          list.push((e) => void (e.writeInt64 as (v: string) => void)(String(s * 1000)));
          break;
        case 3:
          list.push((e) => void (e.writeString as (v: string) => void)('s'.repeat(n % 3000)));
          break;
        case 4:
          list.push((e) => void (e.writeBytes as (v: Buffer) => void)(bytes(n, s)));
          break;
        case 5:
          list.push(
            (e) => void (e.writeVarIntBytes as (v: Buffer | null) => void)(n === 0 ? null : bytes(n, s))
          );
          break;
        case 6:
          list.push((e) => void (e.writeUVarIntBytes as (v: Buffer) => void)(bytes(n, s)));
          break;
        case 7:
          list.push((e) => void (e.writeBytes as (v: string) => void)('t'.repeat(n)));
          break;
        case 8:
          // Reading the bytes half-way (kafkajs does for a batch's CRC) and writing on.
          list.push((e) => void e.buffer);
          break;
        case 9: {
          const inner = build(depth + 1, 1 + pick(5));
          list.push((e) => {
            const child = new Encoder();
            for (const op of inner) op(child, depth + 1);
            (e.writeEncoder as (v: AnyEncoder) => void)(child);
          });
          break;
        }
        case 10: {
          const inners = [0, 1, 2].map(() => build(depth + 1, 1 + pick(4)));
          list.push((e) => {
            const children = inners.map((inner) => {
              const child = new Encoder();
              for (const op of inner) op(child, depth + 1);
              return child;
            });
            (e.writeArray as (v: AnyEncoder[]) => void)(children);
          });
          break;
        }
        default: {
          const inners = [0, 1].map(() => build(depth + 1, 1 + pick(4)));
          list.push((e) => {
            const children = inners.map((inner) => {
              const child = new Encoder();
              for (const op of inner) op(child, depth + 1);
              return child;
            });
            (e.writeEncoderArray as (v: AnyEncoder[]) => void)(children);
          });
        }
      }
    }
    return list;
  };
  ops.push(...build(0, 4 + pick(12)));
  return (e) => {
    for (const op of ops) op(e, 0);
  };
}

function run(program: (e: AnyEncoder) => void): { bytes: Buffer; size: number } {
  const e = new Encoder();
  program(e);
  return { size: e.size(), bytes: Buffer.from(e.buffer) };
}

/** Bytes kafkajs allocates (Buffer.alloc, Buffer.concat) while `fn` runs. */
async function allocatedBytes(fn: () => Promise<unknown>): Promise<number> {
  let total = 0;
  const { alloc, concat } = Buffer;
  Buffer.alloc = ((n: number) => {
    total += n;
    return alloc(n);
  }) as typeof Buffer.alloc;
  Buffer.concat = ((list: readonly Uint8Array[], length?: number) => {
    const b = concat(list, length);
    total += b.length;
    return b;
  }) as typeof Buffer.concat;
  try {
    await fn();
  } finally {
    Buffer.alloc = alloc;
    Buffer.concat = concat;
  }
  return total;
}

/** A 512 KiB produce request of 6.8 kB values: the checkpoint writer's request. */
async function checkpointRequest(): Promise<Buffer> {
  const messages = Array.from({ length: 75 }, (_, i) => ({
    key: Buffer.from(`t/0/series-${i}`),
    value: bytes(6_800, i),
    headers: { 'anomalylens-kind': 'checkpoint' },
    timestamp: String(1_790_000_000_000 + i),
  }));
  const request = produceV3({
    acks: -1,
    timeout: 30_000,
    compression: Compression.None,
    topicData: [{ topic: 'anomalylens.models', partitions: [{ partition: 0, firstSequence: 0, messages }] }],
  });
  return (await frameRequest({ correlationId: 1, clientId: 'c', request })).buffer;
}

describe('kafkajs encoder override', () => {
  afterEach(() => uninstallKafkaEncoderOverride());

  it('applies to the installed kafkajs (if this fails, kafkajs changed: re-check the override)', () => {
    expect(encoderOverrideMismatch()).toBeUndefined();
    expect(installKafkaEncoderOverride()).toBe(true);
    expect(installKafkaEncoderOverride()).toBe(true);
  });

  it.each([
    ['uncompressed', Compression.None],
    ['gzip', Compression.GZIP],
  ])('encodes %s produce requests to the same bytes as kafkajs', async (_name, compression) => {
    const expected = await produceRequestBytes(compression);
    installKafkaEncoderOverride();
    const actual = await produceRequestBytes(compression);
    expect(actual.length).toBe(expected.length);
    expect(actual.equals(expected)).toBe(true);
  });

  it('gives the same bytes and sizes as kafkajs for 300 random encodings', () => {
    const programs = Array.from({ length: 300 }, (_, i) => randomProgram(i + 1));
    const expected = programs.map(run);
    installKafkaEncoderOverride();
    const actual = programs.map(run);
    let referencing = 0;
    for (let i = 0; i < programs.length; i++) {
      expect(actual[i].size).toBe(expected[i].size);
      expect(actual[i].bytes.equals(expected[i].bytes)).toBe(true);
      if (expected[i].size >= REFERENCE_MIN_BYTES) referencing++;
    }
    // The cases reach the referencing path, not only the copying one.
    expect(referencing).toBeGreaterThan(100);
  });

  it('keeps pieces it references unchanged by later writes to their encoder', () => {
    installKafkaEncoderOverride();
    const inner = new Encoder();
    (inner.writeBytes as (v: Buffer) => void)(Buffer.alloc(4000, 1));
    const outer = new Encoder();
    (outer.writeEncoder as (v: AnyEncoder) => void)(inner);
    (inner.writeInt32 as (v: number) => void)(-1);
    void inner.buffer;
    expect(outer.size()).toBe(4004);
    expect(outer.buffer.subarray(4).every((b) => b === 1)).toBe(true);
  });

  it('allocates a fraction of what kafkajs does for a checkpoint request', async () => {
    let plain: Buffer | undefined;
    const without = await allocatedBytes(async () => void (plain = await checkpointRequest()));
    installKafkaEncoderOverride();
    let patched: Buffer | undefined;
    const withOverride = await allocatedBytes(async () => void (patched = await checkpointRequest()));
    expect(patched!.equals(plain!)).toBe(true);
    const payload = plain!.length;
    // kafkajs: ~8 nested copies into power-of-two buffers; with the override: the batch for
    // its CRC, the batch framed, the request for the socket.
    expect(without / payload).toBeGreaterThan(8);
    expect(withOverride / payload).toBeLessThan(4);
  });
});
