import type { IHeaders, Message } from 'kafkajs';

/**
 * Sizing of dead-letter writes. A dead letter is the original record plus headers, so it is
 * larger than a record the broker accepted; and one produce request carries one record batch
 * per partition, which the broker refuses whole beyond its message.max.bytes (1 MB by
 * default). Written naively, one fetch batch of bad messages could be refused forever and
 * stall its partition, so requests are kept small and a record too large on its own is
 * written without its value (the original stays in the source topic, at the offset the
 * headers name).
 */

/** Header on a dead letter whose value was left out, saying why and how large it was. */
export const VALUE_DROPPED_HEADER = 'x-anomalylens-value-dropped';

/** Bytes per dead-letter produce request: well under the broker's default 1 MB. */
export const DLQ_REQUEST_BYTES = 512 * 1024;

function headerBytes(headers: IHeaders | undefined): number {
  let n = 0;
  for (const [k, v] of Object.entries(headers ?? {})) {
    n += k.length + 8;
    if (typeof v === 'string') n += Buffer.byteLength(v);
    else if (Buffer.isBuffer(v)) n += v.length;
    else if (Array.isArray(v))
      for (const x of v) n += typeof x === 'string' ? Buffer.byteLength(x) : x.length;
  }
  return n;
}

/** Approximate encoded size of a record (value, key, headers, per-record overhead). */
export function recordBytes(m: Message): number {
  const len = (b: Message['value'] | Message['key']) =>
    b === null || b === undefined ? 0 : typeof b === 'string' ? Buffer.byteLength(b) : b.length;
  return len(m.value) + len(m.key) + headerBytes(m.headers) + 32;
}

/** Consecutive groups of at most `maxBytes` (a larger record goes alone), order kept. */
export function chunkBySize<T extends Message>(records: T[], maxBytes: number): T[][] {
  const out: T[][] = [];
  let chunk: T[] = [];
  let bytes = 0;
  for (const r of records) {
    const size = recordBytes(r);
    if (chunk.length > 0 && bytes + size > maxBytes) {
      out.push(chunk);
      chunk = [];
      bytes = 0;
    }
    chunk.push(r);
    bytes += size;
  }
  if (chunk.length > 0) out.push(chunk);
  return out;
}

/** The dead letter without its value, saying so in a header. */
export function withoutValue<T extends Message>(m: T): T {
  const size = m.value === null || m.value === undefined ? 0 : Buffer.byteLength(m.value);
  return {
    ...m,
    value: null,
    headers: {
      ...m.headers,
      [VALUE_DROPPED_HEADER]: `${size} bytes: larger than the broker accepts; the original is at the source topic, partition and offset in the headers`,
    },
  };
}

/**
 * The next smaller form of a dead letter the broker refused as too large: first without its
 * value; then (a huge key or original headers) with only the detector's own headers.
 * Undefined when nothing is left to remove.
 */
export function shrink<T extends Message>(m: T): T | undefined {
  if (m.value !== null && m.value !== undefined) return withoutValue(m);
  const own = Object.entries(m.headers ?? {}).filter(([k]) => k.startsWith('x-anomalylens-'));
  if ((m.key === null || m.key === undefined) && own.length === Object.keys(m.headers ?? {}).length)
    return undefined;
  return {
    ...m,
    key: null,
    value: null,
    headers: {
      ...Object.fromEntries(own),
      [VALUE_DROPPED_HEADER]: `${recordBytes(m)} bytes without the value: key and original headers left out too; the original is at the source topic, partition and offset in the headers`,
    },
  };
}

/** The broker refused a record or request as larger than its message.max.bytes. */
export function isTooLarge(e: unknown): boolean {
  const seen = new Set<unknown>();
  const visit = (x: unknown): boolean => {
    if (x === null || typeof x !== 'object' || seen.has(x)) return false;
    seen.add(x);
    const o = x as { type?: unknown; cause?: unknown; originalError?: unknown; errors?: unknown };
    if (o.type === 'MESSAGE_TOO_LARGE' || o.type === 'RECORD_LIST_TOO_LARGE') return true;
    if (visit(o.cause) || visit(o.originalError)) return true;
    return Array.isArray(o.errors) && o.errors.some(visit);
  };
  return visit(e);
}
