/**
 * The hostile-input corpus of fuzz.test.ts: seeded, so a failing run is reproduced by its
 * printed seed. Every message knows what the detector must make of it — the exact
 * dead-letter reason of a bad one, or the exact output series and point count of a valid
 * one — so the test can account for each message, not just count totals.
 *
 * Two topics: `auto` (format auto-detected: native JSON, collectd JSON and line protocol
 * mixed) and `influx` (forced line protocol). Valid traffic is keyed per stream so each
 * series stays on one partition, in time order; bad messages get random keys.
 */
import type { InvalidReason } from '../../src/ingest/types';
import { Rng } from '../../src/simulate/random';

export type FuzzTopic = 'auto' | 'influx';

export interface FuzzMessage {
  /** Carried in the `fuzz-id` header, which the dead-letter record keeps. */
  id: number;
  topic: FuzzTopic;
  key: string | null;
  value: Buffer | null;
  /** Kafka record timestamp (ms) when it matters (line protocol without a timestamp). */
  timestamp?: number;
  /** Case name, for the report. */
  kind: string;
  /** Expected dead-letter reason; undefined for a valid message. */
  reason?: InvalidReason;
}

/** One expected output series: its labels as Prometheus shows them (without __name__). */
export interface ExpectedSeries {
  labels: Record<string, string>;
  points: number;
}

const DAY = 86_400_000;
const NS = 1_000_000n;

export interface CorpusOptions {
  seed: number;
  /** The generator's clock; timestamps are placed relative to it. */
  now: number;
  /** ANOMALYLENS_MAX_MESSAGE_BYTES of the detector under test. */
  maxMessageBytes: number;
  warmupTicks: number;
  ticks: number;
  /** Bad messages per tick, on average. */
  badPerTick: number;
  /** Label explosion: messages of `explosionBatch` new series each, one point per series. */
  explosionMessages: number;
  explosionBatch: number;
}

/** Canonical identity of an output label set (sorted JSON). */
export function labelsId(labels: Record<string, string>): string {
  return JSON.stringify(
    Object.keys(labels)
      .sort()
      .map((k) => [k, labels[k]])
  );
}

export class FuzzCorpus {
  readonly warmup: FuzzMessage[] = [];
  readonly hostile: FuzzMessage[] = [];
  /** Regular series (created during warm-up) by labelsId. */
  readonly series = new Map<string, ExpectedSeries>();
  readonly explosionSeries: number;
  private nextId = 1;
  private readonly rng: Rng;
  private readonly base: number;

  constructor(readonly o: CorpusOptions) {
    this.rng = new Rng(o.seed);
    // Whole seconds, minutes before now: inside Prometheus's in-order window (an hour behind
    // its newest sample), so the stored-sample counts below do not go through the TSDB's
    // out-of-order head. With points 3 h old, Debian's Prometheus 2.42 twice read one
    // sample of a series short, for longer than 30 s, after a 2xx for every write.
    this.base = Math.floor((o.now - 15 * 60_000) / 1000) * 1000;
    for (let k = 0; k < o.warmupTicks; k++) this.warmup.push(...this.validTick(k));
    const total = o.warmupTicks + o.ticks;
    const explodeEvery = Math.max(1, Math.floor(o.ticks / Math.max(1, o.explosionMessages)));
    let exploded = 0;
    for (let k = o.warmupTicks; k < total; k++) {
      const batch = this.validTick(k);
      const bad = this.rng.int(0, 2 * o.badPerTick);
      for (let i = 0; i < bad; i++) batch.push(this.badMessage());
      if ((k - o.warmupTicks) % explodeEvery === 0 && exploded < o.explosionMessages)
        batch.push(this.explosion(exploded++));
      // Valid messages of one stream keep their relative order (one key, one partition);
      // everything else is interleaved at random.
      this.hostile.push(...this.interleave(batch));
    }
    while (exploded < o.explosionMessages) this.hostile.push(this.explosion(exploded++));
    // Always a few of the largest records the broker takes, bad: their dead letters (value
    // plus headers) are larger than the broker allows.
    for (let i = 0; i < 3; i++) {
      const text = JSON.stringify(this.point({ labels: { pad: '' } }));
      const value = text.replace('"pad":""', `"pad":"${'p'.repeat(BROKER_MAX_VALUE - text.length)}"`);
      const topic: FuzzTopic = i === 2 ? 'influx' : 'auto';
      const at = this.rng.int(0, this.hostile.length);
      this.hostile.splice(at, 0, this.msg(topic, `big-${i}`, value, 'at-broker-limit', 'oversized'));
    }
    this.explosionSeries = o.explosionMessages * o.explosionBatch;
  }

  get bad(): FuzzMessage[] {
    return [...this.warmup, ...this.hostile].filter((m) => m.reason !== undefined);
  }

  /** Points of regular series (each must be scored exactly once). */
  get regularPoints(): number {
    let n = 0;
    for (const s of this.series.values()) n += s.points;
    return n;
  }

  private msg(
    topic: FuzzTopic,
    key: string | null,
    value: string | Buffer | null,
    kind: string,
    reason?: InvalidReason,
    timestamp?: number
  ): FuzzMessage {
    return {
      id: this.nextId++,
      topic,
      key,
      value: typeof value === 'string' ? Buffer.from(value, 'utf8') : value,
      kind,
      reason,
      timestamp,
    };
  }

  private expect(labels: Record<string, string>): void {
    const id = labelsId(labels);
    const s = this.series.get(id);
    if (s) s.points++;
    else this.series.set(id, { labels, points: 1 });
  }

  private interleave(batch: FuzzMessage[]): FuzzMessage[] {
    const valid = batch.filter((m) => m.reason === undefined && m.kind !== 'explosion');
    const rest = this.rng.shuffle(batch.filter((m) => !valid.includes(m)));
    const out: FuzzMessage[] = [];
    // Random merge: valid ones in order, the rest anywhere around them.
    let v = 0;
    let r = 0;
    while (v < valid.length || r < rest.length) {
      const takeValid = r >= rest.length || (v < valid.length && this.rng.next() < 0.5);
      out.push(takeValid ? valid[v++] : rest[r++]);
    }
    return out;
  }

  // ---------------------------------------------------------------- valid traffic

  /** One tick of every valid stream: tick k is at base + k s. */
  private validTick(k: number): FuzzMessage[] {
    const t = this.base + k * 1000;
    const r = this.rng;
    const out: FuzzMessage[] = [];

    // Native JSON: ordinary hosts and metrics, one array.
    const points: Array<Record<string, unknown>> = [];
    for (const host of ['web-1', 'web-2', 'db-1'])
      for (const metric of ['cpu_utilization', 'memory_used_percent']) {
        const labels = { host, region: 'eu-west-1' };
        points.push({ ts: t, metric, value: r.uniform(0, 100), labels });
        this.expect({ ...labels, metric });
      }
    out.push(this.msg('auto', 'native', JSON.stringify(points), 'valid:native'));

    // Native JSON at the edges of what is valid, one message each (same key: in order).
    const edge = (kind: string, point: Record<string, unknown>, labels: Record<string, string>) => {
      out.push(this.msg('auto', 'native', JSON.stringify(point), `valid:${kind}`));
      this.expect(labels);
    };
    edge(
      'sanitized-names',
      {
        ts: t,
        metric: 'edge_names',
        value: k,
        labels: {
          'k8s.pod-name': 'api-1',
          '0day': 'y',
          __meta: 'z',
          metric: 'shadow',
          '': 'nameless',
          e: '',
        },
      },
      {
        k8s_pod_name: 'api-1',
        _0day: 'y',
        label__meta: 'z',
        exported_metric: 'shadow',
        _: 'nameless',
        metric: 'edge_names',
      }
    );
    const unicode = { host: '東京-1', note: '😀 שלום ✓', ctl: 'a\u0000b\u0001c\nd' };
    edge(
      'unicode',
      { ts: t, metric: 'réseau entrant ✓', value: r.normal(), labels: unicode },
      { ...unicode, metric: 'réseau entrant ✓' }
    );
    const many: Record<string, string> = {};
    for (let i = 0; i < 30; i++) many[`l${String(i).padStart(2, '0')}`] = `v${i}`;
    edge(
      '30-labels',
      { ts: t, metric: 'edge_many', value: r.normal(), labels: many },
      { ...many, metric: 'edge_many' }
    );
    const longValue = { v: 'x'.repeat(2048) };
    const longMetric = 'm'.repeat(2048);
    edge(
      '2048-char-value',
      { ts: t, metric: 'edge_long', value: 1, labels: longValue },
      { ...longValue, metric: 'edge_long' }
    );
    edge('2048-char-metric', { ts: t, metric: longMetric, value: 1 }, { metric: longMetric });
    const longName = { ['n'.repeat(1024)]: 'v' };
    edge(
      '1024-char-name',
      { ts: t, metric: 'edge_long_name', value: 1, labels: longName },
      { ...longName, metric: 'edge_long_name' }
    );
    edge(
      '28-days-old',
      { ts: this.o.now - 28 * DAY + k * 1000, metric: 'edge_old', value: r.normal() },
      { metric: 'edge_old' }
    );
    edge(
      'minutes-ahead',
      { ts: this.o.now + 2 * 60_000 + k * 1000, metric: 'edge_future', value: r.normal() },
      { metric: 'edge_future' }
    );
    edge(
      'fractional-ms',
      { ts: t + 0.75, metric: 'edge_fraction', value: r.normal() },
      { metric: 'edge_fraction' }
    );
    const iso = new Date(t + 2 * 3600_000).toISOString().replace('Z', '+02:00');
    edge('iso-offset', { ts: iso, metric: 'edge_iso', value: r.normal() }, { metric: 'edge_iso' });
    const extremes = [
      1.7976931348623157e308, -1.7976931348623157e308, 5e-324, -0, 0, 1e-300, 123456789012345,
    ];
    edge(
      'extreme-values',
      { ts: t, metric: 'edge_extreme', value: extremes[k % extremes.length] },
      { metric: 'edge_extreme' }
    );

    // collectd write_kafka JSON (StoreRates on: derive values arrive as rates).
    const time = t / 1000;
    const vl = (o: Record<string, unknown>) => ({
      time,
      interval: 10,
      host: 'c-1',
      plugin_instance: '',
      type_instance: '',
      ...o,
    });
    out.push(
      this.msg(
        'auto',
        'collectd',
        JSON.stringify([
          vl({
            plugin: 'load',
            type: 'load',
            values: [r.uniform(0, 4), r.uniform(0, 4), r.uniform(0, 4)],
            dstypes: ['gauge', 'gauge', 'gauge'],
            dsnames: ['shortterm', 'midterm', 'longterm'],
          }),
          vl({
            plugin: 'memory',
            type: 'memory',
            type_instance: 'used',
            values: [r.uniform(1e9, 2e9)],
            dstypes: ['gauge'],
            dsnames: ['value'],
          }),
          vl({
            plugin: 'interface',
            plugin_instance: 'eth0',
            type: 'if_octets',
            values: [r.uniform(0, 1e6), r.uniform(0, 1e6)],
            dstypes: ['derive', 'derive'],
            dsnames: ['rx', 'tx'],
          }),
          vl({
            plugin: 'cpu',
            plugin_instance: '0',
            type: 'percent',
            type_instance: 'idle',
            values: [r.uniform(0, 100)],
            dstypes: ['gauge'],
            dsnames: ['value'],
          }),
        ]),
        'valid:collectd'
      )
    );
    for (const m of ['collectd_load_shortterm', 'collectd_load_midterm', 'collectd_load_longterm'])
      this.expect({ host: 'c-1', metric: m });
    this.expect({ host: 'c-1', type_instance: 'used', metric: 'collectd_memory' });
    this.expect({ host: 'c-1', plugin_instance: 'eth0', metric: 'collectd_interface_if_octets_rx' });
    this.expect({ host: 'c-1', plugin_instance: 'eth0', metric: 'collectd_interface_if_octets_tx' });
    this.expect({ host: 'c-1', plugin_instance: '0', type_instance: 'idle', metric: 'collectd_cpu_percent' });

    // Line protocol, auto-detected: types, a string field (no point), escapes, CRLF, comments.
    const ns = BigInt(t) * NS + 123_456n; // sub-millisecond part is cut
    out.push(
      this.msg(
        'auto',
        'influx',
        [
          '# telegraf',
          `net,host=i-1,iface=eth0 rx=${r.uniform(0, 1e6)},tx=${r.int(0, 1e6)}i,up=true,desc="link \\"up\\", fine" ${ns}\r`,
          `my\\ meas,tag\\,k=v\\ al\\=x rate=${r.uniform(-1, 1)},count=${r.int(0, 99)}u ${ns}`,
          '',
        ].join('\n'),
        'valid:influx'
      )
    );
    for (const f of ['rx', 'tx', 'up']) this.expect({ host: 'i-1', iface: 'eth0', metric: `net_${f}` });
    for (const f of ['rate', 'count']) this.expect({ tag_k: 'v al=x', metric: `my meas_${f}` });

    // Forced line protocol on its own topic; one line without a timestamp takes the record's.
    out.push(
      this.msg(
        'influx',
        'disk',
        `disk,host=d-1,path=/var used_percent=${r.uniform(0, 100)},inodes_free=${r.int(0, 1e6)}i ${BigInt(t) * NS}`,
        'valid:influx-forced'
      )
    );
    this.expect({ host: 'd-1', path: '/var', metric: 'disk_used_percent' });
    this.expect({ host: 'd-1', path: '/var', metric: 'disk_inodes_free' });
    out.push(
      this.msg(
        'influx',
        'disk',
        `swap,host=d-1 used=${r.uniform(0, 1)}`,
        'valid:influx-record-time',
        undefined,
        t
      )
    );
    this.expect({ host: 'd-1', metric: 'swap_used' });
    return out;
  }

  /** `explosionBatch` series never seen before, one point each. */
  private explosion(n: number): FuzzMessage {
    const points = [];
    for (let i = 0; i < this.o.explosionBatch; i++)
      points.push({
        ts: this.base + i,
        metric: 'http_requests_total',
        value: i,
        labels: {
          pod: `api-${this.o.seed.toString(36)}-${n}-${i}`,
          request_id: `${this.rng.nextUint32().toString(16)}`,
        },
      });
    return this.msg('auto', `explode-${n}`, JSON.stringify(points), 'explosion');
  }

  // ---------------------------------------------------------------- hostile traffic

  private badMessage(): FuzzMessage {
    const topic: FuzzTopic = this.rng.next() < 0.8 ? 'auto' : 'influx';
    const key = this.rng.next() < 0.3 ? null : `k${this.rng.int(0, 1000)}`;
    const c = topic === 'auto' ? this.rng.pick(AUTO_CASES)(this) : this.rng.pick(INFLUX_CASES)(this);
    return this.msg(topic, key, c.value, c.kind, c.reason, c.timestamp);
  }

  // Helpers the case functions use.
  get r(): Rng {
    return this.rng;
  }
  get now(): number {
    return this.o.now;
  }
  get t(): number {
    return this.base;
  }
  get maxBytes(): number {
    return this.o.maxMessageBytes;
  }
  /** A point that would be valid, of a series that must never reach Prometheus. */
  point(over: Record<string, unknown> = {}): Record<string, unknown> {
    return { ts: this.base, metric: 'fz_never', value: 1, labels: { host: 'x' }, ...over };
  }
  nanos(ms: number): string {
    return String(BigInt(Math.round(ms)) * NS);
  }
}

interface Case {
  kind: string;
  value: string | Buffer | null;
  reason: InvalidReason;
  timestamp?: number;
}

type CaseFn = (c: FuzzCorpus) => Case;

const json = (v: unknown) => JSON.stringify(v);
/** The largest value a record can carry on a default broker (message.max.bytes 1048588, less record overhead). */
export const BROKER_MAX_VALUE = 1_048_400;
const noise = (c: FuzzCorpus, n: number) => {
  const abc = 'abcdefghijklmnopqrstuvwxyz0123456789 ';
  let s = abc[c.r.int(0, 25)];
  for (let i = 1; i < n; i++) s += abc[c.r.int(0, abc.length - 1)];
  return s;
};
const nested = (d: number) => '{"a":'.repeat(d) + '1' + '}'.repeat(d);

/** Cases valid in neither format whatever the topic's mode (bytes, emptiness, size). */
const ANY_CASES: CaseFn[] = [
  (c) => {
    const b = Buffer.alloc(c.r.int(1, 2000));
    for (let i = 0; i < b.length; i++) b[i] = c.r.int(0, 255);
    b[c.r.int(0, b.length - 1)] = 0xff; // never valid in UTF-8
    return { kind: 'random-bytes', value: b, reason: 'invalid_encoding' };
  },
  (c) => {
    const text = Buffer.from(json(c.point({ labels: { host: 'XX' } })));
    const bad = c.r.pick([
      [0xc3, 0x28],
      [0xc0, 0xaf],
      [0xed, 0xa0, 0x80],
      [0xf8, 0x88, 0x80, 0x80, 0x80],
    ]);
    const at = text.indexOf('XX');
    return {
      kind: 'invalid-utf8-in-string',
      value: Buffer.concat([text.subarray(0, at), Buffer.from(bad), text.subarray(at + 2)]),
      reason: 'invalid_encoding',
    };
  },
  () => ({ kind: 'null-value', value: null, reason: 'empty' }),
  () => ({ kind: 'zero-bytes', value: Buffer.alloc(0), reason: 'empty' }),
  (c) => ({ kind: 'whitespace', value: ' \n\t\r '.repeat(c.r.int(1, 100)), reason: 'empty' }),
  (c) => {
    // Rare (each is up to a megabyte); a few just under the broker's message.max.bytes,
    // where the dead-letter record, with its headers added, no longer fits.
    if (c.r.next() >= 0.15) return { kind: 'oversized', value: null, reason: 'empty' };
    const size =
      c.r.next() < 0.3 ? c.r.int(1_047_000, BROKER_MAX_VALUE) : c.maxBytes + c.r.int(1, c.maxBytes);
    const text = json(c.point({ labels: { pad: '' } }));
    return {
      kind: 'oversized',
      value: text.replace('"pad":""', `"pad":"${'p'.repeat(size - text.length)}"`),
      reason: 'empty',
    };
  },
];

/** Fixes up the "oversized" case: most draws fall back to a null value (kept rare). */
function oversizedOrEmpty(c: Case): Case {
  return c.kind === 'oversized' && c.value !== null
    ? { ...c, reason: 'oversized' }
    : c.kind === 'oversized'
      ? { ...c, kind: 'null-value' }
      : c;
}

/** Bad line protocol that still looks like line protocol (so auto-detection picks it). */
const INFLUX_BAD: CaseFn[] = [
  (c) => ({
    kind: 'lp-bad-number',
    value: `fz_never,host=a usage=${c.r.pick(['abc', '1.2.3', '--1', '0x10', 'NaN', 'Infinity', '1e', '.'])} ${c.nanos(c.t)}`,
    reason: 'invalid_line_protocol',
  }),
  (c) => ({
    kind: 'lp-redos-digits',
    value: `fz_never usage=${'1'.repeat(c.r.int(1000, 200_000))}x`,
    reason: 'invalid_line_protocol',
  }),
  () => ({
    kind: 'lp-unterminated-string',
    value: 'fz_never,host=a msg="open',
    reason: 'invalid_line_protocol',
  }),
  () => ({ kind: 'lp-inf', value: 'fz_never,host=a usage=1e999', reason: 'non_finite' }),
  (c) => ({
    kind: 'lp-duplicate-tag',
    value: `fz_never,host=a,${c.r.pick(['host=b', 'a-b=1,a.b=2'])} usage=1 ${c.nanos(c.t)}`,
    reason: 'duplicate_label',
  }),
  (c) => ({
    kind: 'lp-too-old',
    value: `fz_never,host=a usage=1 ${c.nanos(c.now - c.r.uniform(30, 3000) * DAY)}`,
    reason: 'timestamp_too_old',
  }),
  (c) => ({
    kind: 'lp-future',
    value: `fz_never,host=a usage=1 ${c.nanos(c.now + c.r.uniform(0.1, 50000) * DAY)}`,
    reason: 'timestamp_in_future',
  }),
  (c) => ({
    kind: 'lp-huge-timestamp',
    value: `fz_never usage=1 ${'9'.repeat(c.r.int(20, 100_000))}`,
    reason: 'invalid_timestamp',
  }),
  (c) => ({
    kind: 'lp-tiny-timestamp',
    value: `fz_never usage=1 ${c.r.int(0, 1e9)}`,
    reason: 'invalid_timestamp',
  }),
  (c) => ({
    kind: 'lp-record-time-old',
    value: 'fz_never,host=a usage=1',
    reason: 'timestamp_too_old',
    timestamp: c.now - 40 * DAY,
  }),
  (c) => ({
    kind: 'lp-record-time-ahead',
    value: 'fz_never,host=a usage=1',
    reason: 'timestamp_in_future',
    timestamp: c.now + 30 * 60_000,
  }),
  (c) => ({
    kind: 'lp-huge-tag',
    value: `fz_never,host=${'h'.repeat(c.r.int(2049, 100_000))} usage=1`,
    reason: 'label_too_long',
  }),
  (c) => ({
    kind: 'lp-too-many-tags',
    value: `fz_never,${Array.from({ length: c.r.int(31, 300) }, (_, i) => `t${i}=v`).join(',')} usage=1`,
    reason: 'too_many_labels',
  }),
  (c) => ({
    kind: 'lp-good-then-bad-line',
    value: `fz_never,host=a usage=1 ${c.nanos(c.t)}\nfz_never,host=a usage=oops`,
    reason: 'invalid_line_protocol',
  }),
];

/** Bad native JSON (auto-detected as native: not an array of value lists). */
const NATIVE_BAD: CaseFn[] = [
  (c) => {
    const text = json(Array.from({ length: c.r.int(1, 5) }, () => c.point()));
    return {
      kind: 'truncated-json',
      value: text.slice(0, c.r.int(1, text.length - 1)),
      reason: 'invalid_json',
    };
  },
  (c) => {
    const d = c.r.int(2, 100_000);
    return { kind: 'deep-arrays', value: '['.repeat(d) + ']'.repeat(d), reason: 'wrong_type' };
  },
  // 6 bytes per level: at most 240 kB, under the detector's limit in the test.
  (c) => ({ kind: 'deep-objects', value: nested(c.r.int(1, 40_000)), reason: 'missing_field' }),
  (c) => ({
    kind: 'deep-label',
    value: json(c.point()).replace('"x"', nested(c.r.int(1, 20_000))),
    reason: 'wrong_type',
  }),
  (c) => ({
    kind: 'huge-metric',
    value: json(c.point({ metric: 'm'.repeat(c.r.int(2049, 200_000)) })),
    reason: 'label_too_long',
  }),
  (c) => ({
    kind: 'huge-label-value',
    value: json(c.point({ labels: { host: 'v'.repeat(c.r.int(2049, 200_000)) } })),
    reason: 'label_too_long',
  }),
  (c) => ({
    kind: 'huge-label-name',
    value: json(c.point({ labels: { ['n'.repeat(c.r.int(1025, 50_000))]: 'v' } })),
    reason: 'label_too_long',
  }),
  (c) => ({
    kind: 'too-many-labels',
    value: json(
      c.point({
        labels: Object.fromEntries(Array.from({ length: c.r.int(31, 2000) }, (_, i) => [`l${i}`, 'v'])),
      })
    ),
    reason: 'too_many_labels',
  }),
  (c) => ({
    kind: 'labels-clash-after-sanitizing',
    value: json(
      c.point({
        labels: c.r.pick([
          { 'a-b': '1', 'a.b': '2' },
          { metric: 'x', exported_metric: 'y' },
          { __x: '1', label__x: '2' },
        ]),
      })
    ),
    reason: 'duplicate_label',
  }),
  (c) => ({
    kind: 'lone-surrogate',
    value: `{"ts":${c.t},"metric":"fz_never","value":1,"labels":{"a":"${c.r.pick(['\\ud800x', '\\udfff', 'x\\udc00'])}"}}`,
    reason: 'invalid_encoding',
  }),
  (c) => ({
    kind: 'wrong-type-value',
    value: json(c.point({ value: c.r.pick(['42', true, [], {}, 'NaN']) })),
    reason: 'wrong_type',
  }),
  (c) => ({
    kind: 'wrong-type-metric',
    value: json(c.point({ metric: c.r.pick([5, '', true, ['m'], {}]) })),
    reason: 'wrong_type',
  }),
  (c) => ({
    kind: 'wrong-type-labels',
    value: json(
      c.point({ labels: c.r.pick([[], 'host=a', 5, { host: 5 }, { host: null }, { host: ['a'] }]) })
    ),
    reason: 'wrong_type',
  }),
  (c) => ({
    kind: 'wrong-type-ts',
    value: json(c.point({ ts: c.r.pick([true, {}, ['2026-01-01']]) })),
    reason: 'wrong_type',
  }),
  (c) => ({
    kind: 'wrong-type-element',
    value: json([c.point(), c.r.pick([1, 'x', null, [], true])]),
    reason: 'wrong_type',
  }),
  (c) => {
    const p = c.point();
    const field = c.r.pick(['ts', 'metric', 'value']);
    if (c.r.next() < 0.5) delete p[field];
    else p[field] = null;
    return { kind: 'missing-field', value: json(p), reason: 'missing_field' };
  },
  (c) => ({
    kind: 'non-finite-value',
    value: json(c.point({ value: 0 })).replace(
      '"value":0',
      `"value":${c.r.pick(['1e999', '-1e999', '9e400'])}`
    ),
    reason: 'non_finite',
  }),
  (c) => ({
    kind: 'nan-literal',
    value: json(c.point({ value: 0 })).replace(
      '"value":0',
      `"value":${c.r.pick(['NaN', 'Infinity', '-Infinity', 'undefined'])}`
    ),
    reason: 'invalid_json',
  }),
  (c) => ({
    kind: 'ts-too-old',
    value: json(c.point({ ts: c.now - c.r.uniform(29.5, 12000) * DAY })),
    reason: 'timestamp_too_old',
  }),
  (c) => ({
    kind: 'ts-too-old-iso',
    value: json(c.point({ ts: new Date(c.now - c.r.uniform(30, 12000) * DAY).toISOString() })),
    reason: 'timestamp_too_old',
  }),
  (c) => ({
    kind: 'ts-ahead',
    value: json(c.point({ ts: c.now + c.r.uniform(0.05, 60000) * DAY })),
    reason: 'timestamp_in_future',
  }),
  (c) => ({
    kind: 'ts-out-of-range',
    value: json(
      c.point({ ts: c.r.pick([0, -1, 1.7e9, 1e20, -1e15, Date.UTC(2300, 0, 1), Date.UTC(1970, 5, 1)]) })
    ),
    reason: 'invalid_timestamp',
  }),
  (c) => ({
    kind: 'ts-bad-string',
    value: json(
      c.point({
        ts: c.r.pick(['yesterday', '', '2026-13-45T99:00:00Z', '24/11/2026', 'NaN', '1795000000000']),
      })
    ),
    reason: 'invalid_timestamp',
  }),
  () => ({ kind: 'empty-array', value: '[]', reason: 'empty' }),
  (c) => {
    // Valid points around one bad one: the whole message goes, none of it is scored.
    const pts: unknown[] = Array.from({ length: c.r.int(1, 20) }, () => c.point());
    pts.splice(c.r.int(0, pts.length), 0, c.point({ value: 'high' }));
    return { kind: 'valid-points-around-a-bad-one', value: json(pts), reason: 'wrong_type' };
  },
];

/** Bad collectd value lists (still recognised as collectd: the first has values and dstypes). */
const COLLECTD_BAD: CaseFn[] = [
  (c) => {
    const base = {
      values: [1],
      dstypes: ['gauge'],
      dsnames: ['value'],
      time: c.t / 1000,
      interval: 10,
      host: 'h',
      plugin: 'fz_never',
      type: 'gauge',
    };
    const patches: Array<[Record<string, unknown>, InvalidReason]> = [
      [{ values: [1, 2] }, 'wrong_type'],
      [{ dstypes: ['histogram'] }, 'wrong_type'],
      [{ values: ['1'] }, 'wrong_type'],
      [{ values: 'x' }, 'wrong_type'],
      [{ dsnames: [''] }, 'wrong_type'],
      [{ time: 'now' }, 'wrong_type'],
      [{ time: null }, 'missing_field'],
      [{ time: 0 }, 'invalid_timestamp'],
      [{ time: (c.now - 40 * DAY) / 1000 }, 'timestamp_too_old'],
      [{ time: (c.now + 2 * DAY) / 1000 }, 'timestamp_in_future'],
      [{ host: null }, 'missing_field'],
      [{ host: 7 }, 'wrong_type'],
      [{ plugin: '' }, 'missing_field'],
      [{ interval: -5 }, 'wrong_type'],
      [{ host: 'h'.repeat(2049) }, 'label_too_long'],
      [{ type_instance: '\ud800' }, 'invalid_encoding'],
    ];
    const [patch, reason] = c.r.pick(patches);
    const lists: unknown[] = [{ ...base, ...patch }];
    if (c.r.next() < 0.5) lists.unshift(base); // a good value list first: the message still goes whole
    return { kind: `collectd-${Object.keys(patch)[0]}`, value: json(lists), reason };
  },
  (c) => ({
    kind: 'collectd-non-finite',
    value: json([
      {
        values: [1],
        dstypes: ['gauge'],
        dsnames: ['value'],
        time: c.t / 1000,
        host: 'h',
        plugin: 'fz_never',
        type: 'gauge',
      },
    ]).replace('"values":[1]', '"values":[1e999]'),
    reason: 'non_finite',
  }),
];

/** Auto-detected topic: bad native, collectd and line protocol, plus text in no format. */
const AUTO_CASES: CaseFn[] = [
  ...ANY_CASES.map(
    (f): CaseFn =>
      (c) =>
        oversizedOrEmpty(f(c))
  ),
  ...NATIVE_BAD,
  ...NATIVE_BAD, // the richest family: drawn twice as often
  ...COLLECTD_BAD,
  ...INFLUX_BAD,
  (c) => ({ kind: 'noise', value: noise(c, c.r.int(1, 300)), reason: 'unknown_format' }),
  (c) => ({
    kind: 'json-scalar',
    value: c.r.pick(['42', '"str"', 'null', 'true', '-1']),
    reason: 'unknown_format',
  }),
  () => ({ kind: 'lp-no-fields', value: 'fz_never,host=a', reason: 'unknown_format' }),
];

/** Forced line protocol: JSON and noise are just bad line protocol there. */
const INFLUX_CASES: CaseFn[] = [
  ...ANY_CASES.map(
    (f): CaseFn =>
      (c) =>
        oversizedOrEmpty(f(c))
  ),
  ...INFLUX_BAD,
  ...INFLUX_BAD,
  (c) => ({ kind: 'lp-noise', value: noise(c, c.r.int(1, 300)), reason: 'invalid_line_protocol' }),
  (c) => ({ kind: 'lp-json', value: json(c.point()), reason: 'invalid_line_protocol' }),
  () => ({ kind: 'lp-no-fields', value: 'fz_never,host=a', reason: 'invalid_line_protocol' }),
  () => ({ kind: 'lp-only-comments', value: '# one\n# two\n', reason: 'empty' }),
];
