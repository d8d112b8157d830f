import {
  encodeColumns,
  encodedLabels,
  encodeWriteRequest,
  labelSetRecord,
  labelSetRecords,
  RequestBuffer,
} from '../../../src/sink/encode';
import {
  decodeWriteRequest,
  encodeWithProtobufjs,
  type Label,
  type TimeSeries,
} from '../../../src/sink/proto';

/** Deterministic pseudo-random request: varied label sizes (incl. multi-byte UTF-8 and >127-byte values), values and timestamps. */
function request(seed: number): TimeSeries[] {
  let x = seed;
  const rnd = () => (x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const series: TimeSeries[] = [];
  for (let i = 0; i < 40; i++) {
    const labels: Label[] = [
      { name: '__name__', value: 'anomalylens_score' },
      { name: 'host', value: `höst-${i}-${'x'.repeat(Math.floor(rnd() * 300))}` },
      { name: 'metric', value: `cpu ✓ ${i}` },
    ];
    const samples = Array.from({ length: 1 + Math.floor(rnd() * 5) }, (_, k) => ({
      value: [0, -0, 1.5, -2e300, NaN, Infinity, rnd() * 1e6][k % 7],
      timestamp: [1795000000123, 0, 1, 127, 128, 2 ** 53 - 1][Math.floor(rnd() * 6)],
    }));
    series.push({ labels, samples });
  }
  return series;
}

describe('encodeWriteRequest', () => {
  it.each([1, 2, 3])('produces the same bytes as protobufjs (seed %i)', (seed) => {
    const ts = request(seed);
    expect(Buffer.compare(encodeWriteRequest(ts), Buffer.from(encodeWithProtobufjs(ts)))).toBe(0);
  });

  it('round-trips through the protobufjs decoder', () => {
    const ts = request(9);
    const decoded = decodeWriteRequest(encodeWriteRequest(ts)).timeseries;
    expect(decoded.map((t) => t.labels)).toEqual(ts.map((t) => t.labels));
    expect(decoded.map((t) => t.samples.map((s) => s.timestamp))).toEqual(
      ts.map((t) => t.samples.map((s) => s.timestamp))
    );
    expect(decoded.map((t) => t.samples.map((s) => s.value))).toEqual(
      ts.map((t) => t.samples.map((s) => s.value))
    );
  });

  it('encodes an empty request as zero bytes and caches label sets per array', () => {
    expect(encodeWriteRequest([])).toHaveLength(0);
    const labels: Label[] = [{ name: 'a', value: 'b' }];
    expect(encodedLabels(labels)).toBe(encodedLabels(labels));
  });

  it('rejects timestamps it cannot represent', () => {
    expect(() => encodeWriteRequest([{ labels: [], samples: [{ value: 1, timestamp: -5 }] }])).toThrow(
      RangeError
    );
    expect(() => encodeWriteRequest([{ labels: [], samples: [{ value: 1, timestamp: 1.5 }] }])).toThrow(
      RangeError
    );
  });
});

describe('encodeColumns', () => {
  /** The request's samples interleaved across series (queue order), as the sink's columns. */
  function columns(ts: TimeSeries[]) {
    const labels: Label[][] = [];
    const values: number[] = [];
    const timestamps: number[] = [];
    const left = ts.map((t) => [...t.samples]);
    for (let round = 0; left.some((l) => l.length > 0); round++) {
      // Round robin from a shifting start, so series are not visited in one fixed order.
      for (let k = 0; k < ts.length; k++) {
        const i = (k + round) % ts.length;
        const s = left[i].shift();
        if (!s) continue;
        labels.push(ts[i].labels);
        values.push(s.value);
        timestamps.push(s.timestamp);
      }
    }
    return {
      series: labels.map((l) => labelSetRecord(l)),
      values: Float64Array.from(values),
      timestamps: Float64Array.from(timestamps),
      length: values.length,
    };
  }

  /** What the columns mean: series in first-seen order, each with its samples in queue order. */
  function grouped(c: ReturnType<typeof columns>): TimeSeries[] {
    const out: TimeSeries[] = [];
    const bySet = new Map<Label[], TimeSeries>();
    for (let i = 0; i < c.length; i++) {
      const labels = c.series[i].labels;
      let t = bySet.get(labels);
      if (!t) {
        t = { labels, samples: [] };
        bySet.set(labels, t);
        out.push(t);
      }
      t.samples.push({ value: c.values[i], timestamp: c.timestamps[i] });
    }
    return out;
  }

  it.each([1, 2, 3])("gives protobufjs's bytes for the grouped request (seed %i)", (seed) => {
    const c = columns(request(seed));
    expect(Buffer.compare(encodeColumns(c), Buffer.from(encodeWithProtobufjs(grouped(c))))).toBe(0);
  });

  it('round-trips through the protobufjs decoder, one TimeSeries per label set, samples in order', () => {
    const ts = request(11);
    const c = columns(ts);
    const decoded = decodeWriteRequest(encodeColumns(c)).timeseries;
    expect(decoded).toHaveLength(ts.length);
    const expected = grouped(c);
    expect(decoded.map((t) => t.labels)).toEqual(expected.map((t) => t.labels));
    expect(decoded.map((t) => t.samples)).toEqual(
      expected.map((t) => t.samples.map((s) => ({ value: s.value, timestamp: s.timestamp })))
    );
    // Every sample of the input is there once.
    expect(decoded.reduce((n, t) => n + t.samples.length, 0)).toBe(c.length);
  });

  it('groups afresh per request and only the first `length` samples', () => {
    const a = labelSetRecord([{ name: '__name__', value: 'a' }]);
    const b = labelSetRecord([{ name: '__name__', value: 'b' }]);
    const c = {
      series: [a, b, a, b],
      values: Float64Array.of(1, 2, 3, 4),
      timestamps: Float64Array.of(10, 20, 30, 40),
      length: 3,
    };
    const first = decodeWriteRequest(encodeColumns(c)).timeseries;
    const second = decodeWriteRequest(encodeColumns({ ...c, series: [b, a, b, a] })).timeseries;
    expect(first.map((t) => [t.labels[0].value, t.samples.map((s) => s.value)])).toEqual([
      ['a', [1, 3]],
      ['b', [2]],
    ]);
    expect(second.map((t) => [t.labels[0].value, t.samples.map((s) => s.value)])).toEqual([
      ['b', [1, 3]],
      ['a', [2]],
    ]);
    expect(encodeColumns({ ...c, length: 0 })).toHaveLength(0);
  });

  it('writes into a reused RequestBuffer the same bytes it would allocate', () => {
    const out = new RequestBuffer();
    const big = columns(request(4));
    const small = columns(request(5).slice(0, 10));
    const first = encodeColumns(big, out);
    expect(Buffer.compare(first, encodeColumns(big))).toBe(0);
    const second = encodeColumns(small, out);
    expect(Buffer.compare(second, encodeColumns(small))).toBe(0);
    // The smaller request reused the first one's memory.
    expect(second.buffer).toBe(first.buffer);
    expect(second.length).toBeLessThan(first.length);
  });

  it("encodes a series' label sets side by side, one record per set whichever made it", () => {
    const sets: Label[][] = ['x', 'y', 'z'].map((name) => [
      { name: '__name__', value: name },
      { name: 'host', value: 'web-1' },
    ]);
    const earlier = labelSetRecord(sets[1]);
    const records = labelSetRecords(sets);
    expect(records[1]).toBe(earlier);
    expect(labelSetRecord(sets[0])).toBe(records[0]);
    expect(records[2].bytes.buffer).toBe(records[0].bytes.buffer);
    expect(records[2].bytes.byteOffset).toBe(records[0].bytes.byteOffset + 2 * records[0].bytes.length);
    for (const [i, r] of records.entries()) {
      expect(r.labels).toBe(sets[i]);
      expect(Buffer.compare(r.bytes, encodedLabels([...sets[i]]))).toBe(0);
    }
  });

  it('rejects timestamps it cannot represent', () => {
    const at = (timestamp: number) => ({
      series: [labelSetRecord([])],
      values: Float64Array.of(1),
      timestamps: Float64Array.of(timestamp),
      length: 1,
    });
    for (const bad of [-5, 1.5, NaN, 2 ** 53, Infinity])
      expect(() => encodeColumns(at(bad))).toThrow(RangeError);
    expect(() => encodeColumns(at(2 ** 53 - 1))).not.toThrow();
  });
});
