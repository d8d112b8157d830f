import { encodedLabels, encodeWriteRequest } from '../../../src/sink/encode';
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
