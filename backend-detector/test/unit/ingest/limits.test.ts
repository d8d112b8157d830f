import { decodeMessage, type Decoded, type DecodeOptions } from '../../../src/ingest/decode';
import { seriesKey } from '../../../src/ingest/labels';
import { DEFAULT_INGEST_LIMITS, ingestLimitsFrom, type IngestLimits } from '../../../src/ingest/limits';
import { loadConfig } from '../../../src/config/load';
import { InvalidMessageError, type InputFormat, type InvalidReason } from '../../../src/ingest/types';

/** Hostile-input hardening of the decoders: every case here once reached (or wedged) the sink. */

const NOW = Date.UTC(2026, 10, 24, 10, 0, 0);
const DAY = 86_400_000;
const NS = 1_000_000n;

function opts(over: Partial<DecodeOptions> = {}, format: InputFormat = 'auto'): DecodeOptions {
  return { format, maxBytes: 2_000_000, messageTimestamp: NOW, now: NOW, ...over };
}

function dec(text: string, over: Partial<DecodeOptions> = {}, format: InputFormat = 'auto'): Decoded {
  return decodeMessage(Buffer.from(text), opts(over, format));
}

function failure(fn: () => unknown): InvalidMessageError {
  try {
    fn();
  } catch (e) {
    if (e instanceof InvalidMessageError) return e;
    throw e;
  }
  throw new Error('expected an InvalidMessageError');
}

const reasonOf = (fn: () => unknown): InvalidReason => failure(fn).reason;

const native = (o: Record<string, unknown>) => JSON.stringify({ ts: NOW, metric: 'm', value: 1, ...o });
const influx = (tsMs: number) => `cpu,host=a usage=1 ${BigInt(tsMs) * NS}`;
const collectd = (timeS: number) =>
  JSON.stringify([
    {
      values: [1],
      dstypes: ['gauge'],
      dsnames: ['value'],
      time: timeS,
      interval: 10,
      host: 'h',
      plugin: 'load',
      type: 'load',
    },
  ]);

describe('accepted time window (Prometheus rejects a whole batch for one sample outside it)', () => {
  const d = DEFAULT_INGEST_LIMITS;

  it('defaults to 29 days back and 10 minutes ahead', () => {
    expect(d.maxAgeMs).toBe(29 * DAY);
    expect(d.maxFutureMs).toBe(600_000);
  });

  it.each<[string, (ms: number) => string]>([
    ['native', (ms) => native({ ts: ms })],
    ['influx', influx],
    ['collectd', (ms) => collectd(ms / 1000)],
  ])('%s: edges of the window are accepted, one millisecond beyond is not', (_, msg) => {
    expect(() => dec(msg(NOW - d.maxAgeMs))).not.toThrow();
    expect(() => dec(msg(NOW + d.maxFutureMs))).not.toThrow();
    expect(reasonOf(() => dec(msg(NOW - d.maxAgeMs - 1)))).toBe('timestamp_too_old');
    expect(reasonOf(() => dec(msg(NOW + d.maxFutureMs + 1)))).toBe('timestamp_in_future');
  });

  it('checks a line-protocol line without timestamp against the Kafka record time it takes', () => {
    const text = 'cpu,host=a usage=1';
    expect(() => dec(text, { messageTimestamp: NOW - DAY })).not.toThrow();
    expect(reasonOf(() => dec(text, { messageTimestamp: NOW + DAY }))).toBe('timestamp_in_future');
    expect(reasonOf(() => dec(text, { messageTimestamp: 0 }))).toBe('timestamp_too_old');
  });

  it('follows the configured window and names the limit and the point', () => {
    const limits: IngestLimits = { ...d, maxAgeMs: 60_000, maxFutureMs: 1000 };
    const e = failure(() =>
      dec(
        JSON.stringify([
          { ts: NOW, metric: 'm', value: 1 },
          { ts: NOW - 61_000, metric: 'm', value: 1 },
        ]),
        { limits }
      )
    );
    expect(e.reason).toBe('timestamp_too_old');
    expect(e.message).toMatch(
      /^point 2 of 2: timestamp 2026-11-24T09:58:59.000Z is older than the accepted 60 s/
    );
    expect(reasonOf(() => dec(native({ ts: NOW + 1001 }), { limits }))).toBe('timestamp_in_future');
  });

  it('rejects a whole message for one point outside the window', () => {
    const text = [influx(NOW), influx(NOW - 30 * DAY)].join('\n');
    expect(reasonOf(() => dec(text))).toBe('timestamp_too_old');
  });

  it('is not checked without a clock (offline decoding)', () => {
    expect(() => dec(native({ ts: NOW - 400 * DAY }), { now: undefined })).not.toThrow();
  });
});

describe('labels', () => {
  const limits: IngestLimits = {
    ...DEFAULT_INGEST_LIMITS,
    maxLabels: 3,
    maxLabelNameLength: 8,
    maxLabelValueLength: 10,
  };

  it('defaults to at most 30 labels, names of 1024 and values of 2048 characters', () => {
    expect(DEFAULT_INGEST_LIMITS).toMatchObject({
      maxLabels: 30,
      maxLabelNameLength: 1024,
      maxLabelValueLength: 2048,
    });
  });

  it('accepts labels at the limits and rejects one more label', () => {
    const three = { a: '1', b: '2', c: '3' };
    expect(() => dec(native({ labels: three }), { limits })).not.toThrow();
    const e = failure(() => dec(native({ labels: { ...three, d: '4' } }), { limits }));
    expect(e.reason).toBe('too_many_labels');
    expect(e.message).toBe('4 labels, limit 3');
  });

  it('counts labels after empty values are dropped', () => {
    expect(() => dec(native({ labels: { a: '1', b: '2', c: '3', d: '' } }), { limits })).not.toThrow();
  });

  it.each<[string, string]>([
    ['a long label name', native({ labels: { abcdefghi: 'x' } })],
    ['a long label value', native({ labels: { a: 'x'.repeat(11) } })],
    ['a long metric name', native({ metric: 'm'.repeat(11) })],
    ['a long influx tag', 'cpu,host=hhhhhhhhhhh usage=1'],
    ['a long influx metric', 'cpuuuuuu usage=1'],
    ['a long collectd host', collectd(NOW / 1000).replace('"host":"h"', '"host":"hhhhhhhhhhhh"')],
  ])('rejects %s as label_too_long', (_, text) => {
    expect(reasonOf(() => dec(text, { limits }))).toBe('label_too_long');
  });

  it('accepts names and values exactly at the length limits', () => {
    expect(() =>
      dec(native({ metric: 'm'.repeat(10), labels: { abcdefgh: 'x'.repeat(10) } }), { limits })
    ).not.toThrow();
  });

  it('measures length in UTF-16 code units of the decoded text, after JSON escapes', () => {
    // 10 characters spelled with 60 bytes of escapes
    expect(() =>
      dec(native({ labels: { a: 'é'.repeat(10) } }).replace(/é/g, '\\u00e9'), { limits })
    ).not.toThrow();
  });

  it.each<[string, string]>([
    ['native', native({ labels: { 'a-b': '1', 'a.b': '2' } })],
    ['native, metric vs exported_metric', native({ labels: { metric: '1', exported_metric: '2' } })],
    ['influx, sanitized', 'cpu,a-b=1,a.b=2 usage=1'],
    ['influx, the same tag twice', 'cpu,host=a,host=b usage=1'],
  ])('refuses two labels that end up with one name (%s)', (_, text) => {
    const e = failure(() => dec(text));
    expect(e.reason).toBe('duplicate_label');
  });

  it('names both inputs of a sanitizing clash', () => {
    expect(failure(() => dec(native({ labels: { 'a-b': '1', 'a.b': '2' } }))).message).toBe(
      "labels 'a-b' and 'a.b' both become the label name 'a_b'"
    );
  });

  it('keeps a label named __proto__ as a label, in native and line protocol', () => {
    const n = dec('{"ts":' + NOW + ',"metric":"m","value":1,"labels":{"__proto__":"x"}}');
    const i = dec('cpu,__proto__=x usage=1');
    for (const d of [n, i]) {
      if (d.format === 'collectd') throw new Error('wrong format');
      expect(d.points[0].labels).toEqual({ label__proto__: 'x' });
    }
  });

  it('rejects unpaired UTF-16 surrogates (no UTF-8 exists for them) and keeps real pairs', () => {
    expect(reasonOf(() => dec('{"ts":' + NOW + ',"metric":"m","value":1,"labels":{"a":"x\\ud800"}}'))).toBe(
      'invalid_encoding'
    );
    expect(reasonOf(() => dec('{"ts":' + NOW + ',"metric":"\\udc00","value":1}'))).toBe('invalid_encoding');
    const d = dec('{"ts":' + NOW + ',"metric":"m","value":1,"labels":{"a":"\\ud83d\\ude00"}}');
    if (d.format === 'collectd') throw new Error('wrong format');
    expect(d.points[0].labels.a).toBe('😀');
  });
});

describe('series keys', () => {
  it('never give two different label sets the same key, whatever the values contain', () => {
    const pairs: Array<[string, Record<string, string>]> = [
      ['m', { a: 'x\u0000b\u0001y' }],
      ['m', { a: 'x', b: 'y' }],
      ['m\u0000a\u0001x', {}],
      ['m', { a: 'x' }],
      ['m', { a: 'x\u0002' }],
      ['m', { a: 'x\u00022' }],
      ['m', { a: 'x\u0002\u0002' }],
    ];
    const keys = pairs.map(([m, l]) => seriesKey(m, l));
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('leave ordinary keys as they were (checkpointed keys stay valid)', () => {
    expect(seriesKey('cpu', { z: '1', a: '2' })).toBe('cpu\u0000a\u00012\u0000z\u00011');
  });
});

describe('timestamps', () => {
  it('cuts fractional epoch milliseconds to the integer milliseconds Prometheus stores', () => {
    const d = dec(native({ ts: NOW + 0.75 }));
    if (d.format === 'collectd') throw new Error('wrong format');
    expect(d.points[0].timestamp).toBe(NOW);
  });

  it('refuses an over-long line-protocol timestamp without parsing it', () => {
    expect(reasonOf(() => dec(`cpu usage=1 ${'9'.repeat(200_000)}`))).toBe('invalid_timestamp');
    expect(reasonOf(() => dec(`cpu usage=1 -${'1'.repeat(20)}`))).toBe('invalid_timestamp');
  });
});

describe('pathological sizes decode in linear time', () => {
  // Each of these is about 1 MB; a quadratic step took minutes to hours on them. The bound
  // is generous (the decode takes milliseconds) so only a complexity regression trips it.
  const MB = 1_000_000;
  const cases: Array<[string, string, InvalidReason | undefined]> = [
    [
      'a digit run ending in garbage (line protocol)',
      `cpu usage=${'1'.repeat(MB)}x`,
      'invalid_line_protocol',
    ],
    ['a long float mantissa', `cpu usage=0.${'1'.repeat(MB)}`, undefined],
    ['deeply nested arrays', '['.repeat(MB / 2) + ']'.repeat(MB / 2), 'wrong_type'],
    ['deeply nested objects', '{"a":'.repeat(MB / 5) + '1' + '}'.repeat(MB / 5), 'missing_field'],
    ['a line of spaces', `cpu ${' '.repeat(MB)}x=1`, 'invalid_line_protocol'],
    ['one huge tag value', `cpu,host=${'h'.repeat(MB)} usage=1`, 'label_too_long'],
    ['many short lines', 'cpu,host=a usage=1\n'.repeat(MB / 20), undefined],
  ];
  it.each(cases)('%s', (_, text, reason) => {
    const t0 = process.hrtime.bigint();
    if (reason) expect(reasonOf(() => dec(text, { now: undefined }))).toBe(reason);
    else expect(() => dec(text, { now: undefined })).not.toThrow();
    expect(Number(process.hrtime.bigint() - t0) / 1e6).toBeLessThan(5000);
  });
});

describe('dead-letter details', () => {
  it('are bounded however large the offending field', () => {
    const e = failure(() => dec(`cpu usage=${'x'.repeat(100_000)}`));
    expect(e.message.length).toBeLessThanOrEqual(501);
  });
});

describe('settings', () => {
  it('the defaults of the settings are the decoder defaults', () => {
    const c = loadConfig({});
    expect(ingestLimitsFrom(c)).toEqual(DEFAULT_INGEST_LIMITS);
  });
});

describe('auto-detection', () => {
  it('recognises line protocol that starts with comment lines', () => {
    const d = dec('# written by telegraf\n\n# another\ncpu,host=a usage=1');
    expect(d.format).toBe('influx');
    expect(reasonOf(() => dec('# only a comment'))).toBe('unknown_format');
  });
});
