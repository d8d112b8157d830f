import type { Message } from 'kafkajs';
import {
  chunkBySize,
  isTooLarge,
  recordBytes,
  shrink,
  VALUE_DROPPED_HEADER,
  withoutValue,
} from '../../../src/pipeline/dead-letters';

const rec = (bytes: number, i = 0): Message => ({
  key: `k${i}`,
  value: Buffer.alloc(bytes, 0x61),
  headers: { 'x-anomalylens-reason': 'invalid_json' },
});

describe('dead-letter request sizing', () => {
  it('counts value, key, headers and overhead', () => {
    expect(recordBytes(rec(1000))).toBeGreaterThan(
      1000 + 2 + 'x-anomalylens-reason'.length + 'invalid_json'.length
    );
    expect(recordBytes({ key: null, value: null })).toBeGreaterThan(0);
  });

  it('groups consecutive records under the limit, in order, a large one alone', () => {
    const records = [rec(100, 0), rec(100, 1), rec(900, 2), rec(100, 3), rec(5000, 4), rec(10, 5)];
    const chunks = chunkBySize(records, 1000);
    expect(chunks.map((c) => c.map((r) => r.key))).toEqual([['k0', 'k1'], ['k2'], ['k3'], ['k4'], ['k5']]);
    expect(chunks.flat()).toEqual(records);
    for (const c of chunks)
      if (c.length > 1) expect(c.reduce((n, r) => n + recordBytes(r), 0)).toBeLessThanOrEqual(1000);
  });

  it('drops only the value of a record too large on its own, saying so', () => {
    const big = rec(2_000_000);
    const slim = withoutValue(big);
    expect(slim.value).toBeNull();
    expect(slim.key).toBe(big.key);
    expect(slim.headers).toMatchObject({ 'x-anomalylens-reason': 'invalid_json' });
    expect(String(slim.headers?.[VALUE_DROPPED_HEADER])).toMatch(
      /^2000000 bytes: larger than the broker accepts/
    );
    expect(big.value).not.toBeNull(); // the input is not changed
  });

  it('recognises the broker refusing a message or request as too large, also wrapped', () => {
    expect(isTooLarge({ type: 'MESSAGE_TOO_LARGE' })).toBe(true);
    expect(isTooLarge({ type: 'RECORD_LIST_TOO_LARGE' })).toBe(true);
    expect(isTooLarge({ name: 'KafkaJSNonRetriableError', cause: { type: 'MESSAGE_TOO_LARGE' } })).toBe(true);
    expect(
      isTooLarge({
        errors: [{ type: 'LEADER_NOT_AVAILABLE' }, { originalError: { type: 'MESSAGE_TOO_LARGE' } }],
      })
    ).toBe(true);
    expect(isTooLarge({ type: 'LEADER_NOT_AVAILABLE' })).toBe(false);
    expect(isTooLarge(new Error('MESSAGE_TOO_LARGE'))).toBe(false);
    const loop: Record<string, unknown> = {};
    loop.cause = loop;
    expect(isTooLarge(loop)).toBe(false);
  });
});

describe('shrink', () => {
  it('drops the value first, then the key and foreign headers, then gives up', () => {
    const m: Message = {
      key: 'k'.repeat(2_000_000),
      value: 'v',
      headers: { 'x-anomalylens-reason': 'invalid_json', 'x-anomalylens-source-offset': '7', 'fuzz-id': 'x' },
    };
    const one = shrink(m)!;
    expect(one.value).toBeNull();
    expect(one.key).toBe(m.key);
    const two = shrink(one)!;
    expect(two.key).toBeNull();
    expect(Object.keys(two.headers ?? {}).sort()).toEqual([
      'x-anomalylens-reason',
      'x-anomalylens-source-offset',
      VALUE_DROPPED_HEADER,
    ]);
    expect(String(two.headers?.[VALUE_DROPPED_HEADER])).toMatch(/key and original headers left out/);
    expect(shrink(two)).toBeUndefined();
  });
});
