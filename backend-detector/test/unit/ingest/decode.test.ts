import { decodeMessage, type Decoded } from '../../../src/ingest/decode';
import { InvalidMessageError, type InputFormat, type InvalidReason } from '../../../src/ingest/types';

const T = Date.UTC(2026, 10, 24, 10, 0, 0);
const opts = (format: InputFormat = 'auto') => ({ format, maxBytes: 4096, messageTimestamp: T });
const dec = (text: string, format: InputFormat = 'auto'): Decoded =>
  decodeMessage(Buffer.from(text), opts(format));

function reasonOf(fn: () => unknown): InvalidReason {
  try {
    fn();
  } catch (e) {
    if (e instanceof InvalidMessageError) return e.reason;
    throw e;
  }
  throw new Error('expected an InvalidMessageError');
}

describe('native JSON', () => {
  it('decodes one object with ISO time and labels', () => {
    const d = dec('{"ts":"2026-11-24T10:00:00Z","metric":"cpu","value":42.5,"labels":{"host":"web-1"}}');
    expect(d).toEqual({
      format: 'native',
      points: [{ metric: 'cpu', labels: { host: 'web-1' }, timestamp: T, value: 42.5 }],
    });
  });

  it('decodes arrays and epoch-millisecond timestamps', () => {
    const d = dec(
      JSON.stringify([
        { ts: T, metric: 'a', value: 1 },
        { ts: T + 1000, metric: 'b', value: -2 },
      ])
    );
    expect(d.format).toBe('native');
    if (d.format !== 'collectd')
      expect(d.points.map((p) => [p.metric, p.timestamp, p.value])).toEqual([
        ['a', T, 1],
        ['b', T + 1000, -2],
      ]);
  });

  it('renames labels that clash with the output labels and sanitizes names', () => {
    const d = dec(
      JSON.stringify({ ts: T, metric: 'm', value: 1, labels: { metric: 'x', 'a.b': 'y', __x: 'z', e: '' } })
    );
    if (d.format === 'collectd') throw new Error('wrong format');
    expect(d.points[0].labels).toEqual({ exported_metric: 'x', a_b: 'y', label__x: 'z' });
  });

  it.each([
    ['an empty value alone', '{"host":"a","e":""}', { host: 'a' }],
    ['a __proto__ label alone', '{"host":"a","__proto__":"p"}', { host: 'a', label__proto__: 'p' }],
    ['clean labels', '{"host":"a","dc":"x"}', { host: 'a', dc: 'x' }],
  ])('labels with %s come out clean, as own properties of a plain object', (_, labels, want) => {
    const d = dec(`{"ts":${T},"metric":"m","value":1,"labels":${labels}}`);
    if (d.format === 'collectd') throw new Error('wrong format');
    const got = d.points[0].labels;
    expect(got).toEqual(want);
    expect(Object.keys(got)).toEqual(Object.keys(want));
    expect(Object.getPrototypeOf(got)).toBe(Object.prototype);
  });

  it.each<[string, InvalidReason]>([
    ['{"ts":1,"metric":', 'invalid_json'],
    ['{"metric":"m","value":1}', 'missing_field'],
    ['{"ts":"2026-11-24T10:00:00Z","value":1}', 'missing_field'],
    ['{"ts":"2026-11-24T10:00:00Z","metric":"m","value":"1"}', 'wrong_type'],
    ['{"ts":"2026-11-24T10:00:00Z","metric":"m","value":1e999}', 'non_finite'],
    ['{"ts":"yesterday","metric":"m","value":1}', 'invalid_timestamp'],
    ['{"ts":1700000000,"metric":"m","value":1}', 'invalid_timestamp'],
    ['{"ts":"2026-11-24T10:00:00Z","metric":"m","value":1,"labels":{"h":3}}', 'wrong_type'],
    [
      '[{"ts":"2026-11-24T10:00:00Z","metric":"m","value":1},{"ts":"2026-11-24T10:00:00Z","metric":"m"}]',
      'missing_field',
    ],
    ['[]', 'empty'],
    ['   ', 'empty'],
    ['hello world', 'unknown_format'],
    ['42', 'unknown_format'],
  ])('rejects %s as %s', (text, reason) => {
    expect(reasonOf(() => dec(text))).toBe(reason);
  });

  it('rejects oversized and non-UTF-8 messages before parsing', () => {
    expect(reasonOf(() => decodeMessage(Buffer.alloc(5000, 0x20), opts()))).toBe('oversized');
    expect(reasonOf(() => decodeMessage(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), opts()))).toBe(
      'invalid_encoding'
    );
    expect(reasonOf(() => decodeMessage(null, opts()))).toBe('empty');
  });

  it('keeps the forced format even when the text looks like another one', () => {
    expect(reasonOf(() => dec('cpu,host=a usage=1 1700000000000000000', 'native'))).toBe('invalid_json');
    expect(reasonOf(() => dec('42', 'native'))).toBe('wrong_type');
  });
});

describe('collectd write_kafka JSON', () => {
  const vl = {
    values: [1901474177, 1901474],
    dstypes: ['derive', 'derive'],
    dsnames: ['rx', 'tx'],
    time: 1795000000.25,
    interval: 10,
    host: 'web-1',
    plugin: 'interface',
    plugin_instance: 'eth0',
    type: 'if_octets',
    type_instance: '',
  };

  it('auto-detects value lists and names series like write_prometheus', () => {
    const d = dec(
      JSON.stringify([
        vl,
        {
          ...vl,
          values: [0.5],
          dstypes: ['gauge'],
          dsnames: ['shortterm'],
          plugin: 'load',
          type: 'load',
          plugin_instance: '',
        },
      ])
    );
    if (d.format !== 'collectd') throw new Error(`format ${d.format}`);
    expect(d.samples.map((s) => [s.metric, s.labels, s.dstype, s.timestamp])).toEqual([
      [
        'collectd_interface_if_octets_rx',
        { host: 'web-1', plugin_instance: 'eth0' },
        'derive',
        1795000000250,
      ],
      [
        'collectd_interface_if_octets_tx',
        { host: 'web-1', plugin_instance: 'eth0' },
        'derive',
        1795000000250,
      ],
      ['collectd_load_shortterm', { host: 'web-1' }, 'gauge', 1795000000250],
    ]);
  });

  it('uses the bare name for the conventional "value" data source', () => {
    const d = dec(
      JSON.stringify([
        {
          ...vl,
          values: [12],
          dstypes: ['gauge'],
          dsnames: ['value'],
          plugin: 'memory',
          type: 'memory',
          type_instance: 'used',
        },
      ]),
      'collectd'
    );
    if (d.format !== 'collectd') throw new Error('wrong format');
    expect(d.samples[0]).toMatchObject({
      metric: 'collectd_memory',
      labels: { host: 'web-1', type_instance: 'used' },
      value: 12,
    });
  });

  it.each<[Record<string, unknown>, InvalidReason]>([
    [{ values: undefined }, 'missing_field'],
    [{ dstypes: ['derive'] }, 'wrong_type'],
    [{ dstypes: ['derive', 'histogram'] }, 'wrong_type'],
    [{ values: ['1', 2] }, 'wrong_type'],
    [{ time: 'now' }, 'wrong_type'],
    [{ host: undefined }, 'missing_field'],
  ])('rejects a bad value list %j as %s', (patch, reason) => {
    expect(reasonOf(() => dec(JSON.stringify([{ ...vl, ...patch }]), 'collectd'))).toBe(reason);
  });

  it('keeps collectd nulls (unknown gauges) as null values', () => {
    const d = dec(JSON.stringify([{ ...vl, values: [null, 3] }]));
    if (d.format !== 'collectd') throw new Error('wrong format');
    expect(d.samples.map((s) => s.value)).toEqual([null, 3]);
  });
});

describe('InfluxDB line protocol', () => {
  it('turns each numeric field into <measurement>_<field> with tags as labels', () => {
    const d = dec('cpu,cpu=cpu-total,host=web-1 usage_idle=97.5,usage_user=1.25 1795000000123456789\n');
    if (d.format !== 'influx') throw new Error(`format ${d.format}`);
    expect(d.points).toEqual([
      {
        metric: 'cpu_usage_idle',
        labels: { cpu: 'cpu-total', host: 'web-1' },
        timestamp: 1795000000123,
        value: 97.5,
      },
      {
        metric: 'cpu_usage_user',
        labels: { cpu: 'cpu-total', host: 'web-1' },
        timestamp: 1795000000123,
        value: 1.25,
      },
    ]);
  });

  it('handles integers, unsigned, booleans, exponents, strings and escapes', () => {
    const text = [
      '# a comment',
      'my\\ meas,tag\\,k=v\\ al\\=x int=-5i,uns=7u,ok=true,bad=F,exp=1.5e3,s="a \\"quoted\\", string=1",last=2 1795000000000000000',
      '',
      'mem,host=a used=1',
    ].join('\n');
    const d = dec(text, 'influx');
    if (d.format !== 'influx') throw new Error('wrong format');
    expect(d.points.map((p) => [p.metric, p.value, p.labels])).toEqual([
      ['my meas_int', -5, { tag_k: 'v al=x' }],
      ['my meas_uns', 7, { tag_k: 'v al=x' }],
      ['my meas_ok', 1, { tag_k: 'v al=x' }],
      ['my meas_bad', 0, { tag_k: 'v al=x' }],
      ['my meas_exp', 1500, { tag_k: 'v al=x' }],
      ['my meas_last', 2, { tag_k: 'v al=x' }],
      ['mem_used', 1, { host: 'a' }],
    ]);
    // A line without a timestamp takes the Kafka record's time.
    expect(d.points[6].timestamp).toBe(T);
  });

  it.each<[string, InvalidReason]>([
    ['cpu,host=a usage=abc 1795000000000000000', 'invalid_line_protocol'],
    ['cpu,host=a usage=1 17950000000x', 'invalid_line_protocol'],
    ['cpu,host usage=1', 'invalid_line_protocol'],
    ['cpu,host=a usage="open', 'invalid_line_protocol'],
    ['cpu,host=a usage=1 12', 'invalid_timestamp'],
    ['cpu,host=a usage=1e999', 'non_finite'],
  ])('rejects %s as %s', (text, reason) => {
    expect(reasonOf(() => dec(text, 'influx'))).toBe(reason);
  });

  it('names the failing line', () => {
    expect(() => dec('cpu a=1\ncpu a=x', 'influx')).toThrow(/line 2/);
  });
});
