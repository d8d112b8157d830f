import {
  createSeriesDetector,
  decodeDetectorState,
  DETECTOR_STATE_BINARY_VERSION,
  detectorConfigFingerprint,
  encodeDetectorState,
  IncompatibleStateError,
  resolveDetectorConfig,
  SeriesDetector,
  SeriesDetectorOutput,
} from '../../../src/model';
import { crc32, StateReader } from '../../../src/model/binary';
import {
  encodeDetectorStateTransient,
  joinForestToState,
  splitForestFromState,
} from '../../../src/model/state-codec';
import { DetectorConfig } from '../../../src/model/config';
import { FEATURE_DIM } from '../../../src/model/features';
import { IsolationForest, Prng } from '../../../src/model/iforest';

const MINUTE = 60_000;
const START = Date.UTC(2026, 0, 5);

interface Point {
  t: number;
  v: number;
}

/**
 * A series that exercises every piece of detector state: daily seasonality with noise,
 * spikes and dips (events, holdoff, refractory damping), a level shift, runs of exact
 * repeats, gaps of hours and days, and timestamps that go backwards.
 */
function hostileSeries(n: number, seed: number): Point[] {
  const rng = new Prng(seed);
  const out: Point[] = [];
  let t = START;
  let shift = 0;
  let stuckLeft = 0;
  let stuckValue = 0;
  for (let i = 0; i < n; i++) {
    const r = rng.next();
    if (r < 0.002)
      t += 6 * 3_600_000; // gap of six hours
    else if (r < 0.003)
      t += 3 * 86_400_000; // gap of three days
    else if (r < 0.006)
      t -= 7 * MINUTE; // a point from the past
    else t += 5 * MINUTE;
    if (i === Math.floor(n * 0.6)) shift = 40;
    let v = 50 + shift + 20 * Math.sin((2 * Math.PI * (t % 86_400_000)) / 86_400_000) + 3 * rng.next();
    if (rng.next() < 0.004) v += 80 * (rng.next() < 0.5 ? -1 : 1);
    if (stuckLeft === 0 && rng.next() < 0.002) {
      stuckLeft = 20 + Math.floor(rng.next() * 60);
      stuckValue = v;
    }
    if (stuckLeft > 0) {
      v = stuckValue;
      stuckLeft--;
    }
    out.push({ t, v });
  }
  return out;
}

/** Bit-level equality of two outputs (NaN equals NaN, 0 differs from −0). */
function sameOutput(a: SeriesDetectorOutput, b: SeriesDetectorOutput): boolean {
  const keys = Object.keys(a) as (keyof SeriesDetectorOutput)[];
  for (const k of keys) {
    const x = a[k];
    const y = b[k];
    if (typeof x === 'number' || typeof x === 'boolean') {
      if (!Object.is(x, y)) return false;
    } else if (JSON.stringify(x) !== JSON.stringify(y)) return false;
  }
  return keys.length === Object.keys(b).length;
}

function feed(d: SeriesDetector, points: Point[]): SeriesDetectorOutput[] {
  return points.map((p) => d.update(p.t, p.v) as SeriesDetectorOutput);
}

/** Index of the first output that differs, or −1. */
function firstDifference(a: SeriesDetectorOutput[], b: SeriesDetectorOutput[]): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (!sameOutput(a[i], b[i])) return i;
  return -1;
}

const ALT_CONFIG: Partial<DetectorConfig> = {
  trees: 24,
  sampleSize: 64,
  historySize: 300,
  refitEvery: 97,
  window: 40,
  scaleWindow: 100,
  refractoryMinutes: 17,
  holdoffMinutes: 40,
  scoreHistory: 512,
  events: { ...resolveDetectorConfig().events, closeAfter: 3 },
};

describe('binary detector state codec', () => {
  const N = 7000;

  it.each([
    ['defaults', {}, 11],
    ['other windows and sizes', ALT_CONFIG, 12],
  ])(
    'continues bit-identically after encode → decode at every cut point (%s)',
    (_name, config: Partial<DetectorConfig>, seed: number) => {
      const cfg = resolveDetectorConfig(config);
      const points = hostileSeries(N, seed);
      const reference = feed(createSeriesDetector(cfg), points);
      // The series produced what it is meant to exercise.
      expect(reference.filter((o) => o.event?.kind === 'open').length).toBeGreaterThan(5);
      expect(reference.filter((o) => o.event?.kind === 'close').length).toBeGreaterThan(5);

      // One chain that is cut and decoded every few points (cut spacing varies, so cuts land
      // right before, on and after refits, calibrations and event transitions).
      const rng = new Prng(seed + 100);
      let d: SeriesDetector = createSeriesDetector(cfg);
      const chained: SeriesDetectorOutput[] = [];
      let cuts = 0;
      let refitCuts = 0;
      for (let i = 0; i < N; i++) {
        if (i < 140 || rng.next() < 0.06) {
          const before = d.fits;
          const bytes = encodeDetectorState(d);
          d = decodeDetectorState(bytes, cfg);
          // Every field is carried: re-encoding gives the same bytes.
          expect(encodeDetectorState(d).equals(bytes)).toBe(true);
          cuts++;
          chained.push(d.update(points[i].t, points[i].v) as SeriesDetectorOutput);
          if (d.fits > 0 || before > 0) refitCuts++;
        } else {
          chained.push(d.update(points[i].t, points[i].v) as SeriesDetectorOutput);
        }
      }
      expect(cuts).toBeGreaterThan(400);
      expect(refitCuts).toBeGreaterThan(0);
      expect(firstDifference(chained, reference)).toBe(-1);

      // Independent continuations from single cuts, decoded once and run to the end.
      for (const cut of [0, 1, 63, 64, 65, 127, 128, 512, 1023, 1024, 2049, 4096, N - 1]) {
        const a = createSeriesDetector(cfg);
        feed(a, points.slice(0, cut));
        const b = decodeDetectorState(encodeDetectorState(a), cfg);
        expect([cut, firstDifference(feed(b, points.slice(cut)), reference.slice(cut))]).toEqual([cut, -1]);
      }
    }
  );

  it('cuts right at every refit and every event transition continue identically', () => {
    const points = hostileSeries(4000, 21);
    const reference = feed(createSeriesDetector(), points);
    const probe = createSeriesDetector();
    const cuts = new Set<number>();
    points.forEach((p, i) => {
      const before = probe.fits;
      const out = probe.update(p.t, p.v) as SeriesDetectorOutput;
      if (probe.fits !== before || out.event) for (const c of [i, i + 1]) cuts.add(c);
    });
    expect(cuts.size).toBeGreaterThan(20);
    for (const cut of cuts) {
      if (cut >= points.length) continue;
      const a = createSeriesDetector();
      feed(a, points.slice(0, cut));
      const b = decodeDetectorState(encodeDetectorState(a), resolveDetectorConfig());
      const rest = feed(b, points.slice(cut, cut + 600));
      expect([cut, firstDifference(rest, reference.slice(cut, cut + 600))]).toEqual([cut, -1]);
    }
  });

  it('two fresh detectors fed the same points are identical, state bytes included', () => {
    const points = hostileSeries(3000, 5);
    const a = createSeriesDetector();
    const b = createSeriesDetector();
    expect(firstDifference(feed(a, points), feed(b, points))).toBe(-1);
    expect(encodeDetectorState(a).equals(encodeDetectorState(b))).toBe(true);
  });

  it('the forest is the last forestStateBytes before the CRC (checkpoints store it apart)', () => {
    const d = createSeriesDetector();
    expect(d.forestStateBytes).toBe(0);
    feed(d, hostileSeries(700, 3));
    const bytes = encodeDetectorState(d);
    const f = d.forestStateBytes;
    expect(f).toBeGreaterThan(1000);
    const end = bytes.length - 4;
    expect(bytes[end - f - 1]).toBe(1); // the "has a forest" flag right before it
    const r = new StateReader(bytes, end - f, end);
    const cfg = resolveDetectorConfig();
    expect(IsolationForest.readState(r, FEATURE_DIM, cfg.trees).trees).toBe(cfg.trees);
    r.expectEnd();
  });

  it('the transient encoding is the same bytes, in memory the next encoding reuses', () => {
    const a = createSeriesDetector();
    const b = createSeriesDetector({ seed: 7 });
    feed(a, hostileSeries(300, 2));
    feed(b, hostileSeries(300, 4));
    const viewA = encodeDetectorStateTransient(a);
    expect(Buffer.from(viewA).equals(encodeDetectorState(a))).toBe(true);
    const copyA = Buffer.from(viewA);
    const viewB = encodeDetectorStateTransient(b);
    expect(Buffer.from(viewB).equals(encodeDetectorState(b))).toBe(true);
    // The contract callers rely on: copy before encoding the next state.
    expect(viewB.buffer).toBe(viewA.buffer);
    expect(Buffer.from(viewA).equals(copyA)).toBe(false);
  });

  it('splits the forest out and joins it back; a forest from another state is refused', () => {
    const points = hostileSeries(1400, 6);
    const d = createSeriesDetector();
    const other = createSeriesDetector({ seed: 99 });
    feed(d, points);
    feed(other, points);
    const bytes = encodeDetectorState(d);
    const { withoutForest, forest } = splitForestFromState(bytes, d.forestStateBytes);
    expect(forest.length).toBe(d.forestStateBytes);
    expect(withoutForest.length).toBe(bytes.length - d.forestStateBytes);
    const joined = joinForestToState(withoutForest, forest);
    expect(joined.equals(bytes)).toBe(true);
    const cfg = resolveDetectorConfig();
    expect(encodeDetectorState(decodeDetectorState(joined, cfg)).equals(bytes)).toBe(true);
    const foreign = splitForestFromState(encodeDetectorState(other), other.forestStateBytes).forest;
    expect(Buffer.from(foreign).equals(Buffer.from(forest))).toBe(false);
    expect(() => decodeDetectorState(joinForestToState(withoutForest, foreign), cfg)).toThrow(
      /CRC-32 mismatch|length mismatch/
    );
    expect(() => splitForestFromState(bytes, bytes.length)).toThrow(RangeError);
  });

  it('is a compact binary: raw arrays, no JSON or base64', () => {
    const d = createSeriesDetector();
    feed(d, hostileSeries(5000, 8));
    const bytes = encodeDetectorState(d);
    expect(bytes.subarray(0, 4).toString('latin1')).toBe('ALDS');
    expect(bytes.readUInt16LE(4)).toBe(DETECTOR_STATE_BINARY_VERSION);
    expect(bytes.subarray(6, 14).toString('hex')).toBe(detectorConfigFingerprint(resolveDetectorConfig()));
    expect(bytes.readUInt32LE(14)).toBe(bytes.length - 22);
    expect(bytes.readUInt32LE(bytes.length - 4)).toBe(crc32(bytes, 0, bytes.length - 4));
    // History (512 × 4 float32), 4096 12-bit scores, two 48-bucket ranges (float64), the
    // forest and a few scalars: nothing textual.
    expect(bytes.length).toBeLessThan(8192 + 6144 + 768 + d.forestStateBytes + 600);
  });

  describe('rejects what it cannot read exactly', () => {
    const cfg = resolveDetectorConfig();
    const d = createSeriesDetector(cfg);
    feed(d, hostileSeries(1500, 3));
    const good = encodeDetectorState(d);

    const reasonOf = (bytes: Uint8Array, config: DetectorConfig = cfg): string => {
      try {
        decodeDetectorState(bytes, config);
      } catch (e) {
        if (e instanceof IncompatibleStateError) return e.reason;
        throw e;
      }
      return 'accepted';
    };

    /** Recompute the CRC after a deliberate edit, so only the edited field is wrong. */
    const resealed = (edit: (b: Buffer) => void): Buffer => {
      const b = Buffer.from(good);
      edit(b);
      b.writeUInt32LE(crc32(b, 0, b.length - 4), b.length - 4);
      return b;
    };

    it('accepts its own bytes', () => {
      expect(reasonOf(good)).toBe('accepted');
    });

    it('other formats: JSON, random bytes, empty input', () => {
      expect(
        reasonOf(Buffer.from(JSON.stringify({ format: 'anomaly-lens/series-detector', version: 5 })))
      ).toBe('format');
      expect(reasonOf(Buffer.alloc(0))).toBe('format');
      expect(reasonOf(Buffer.from('ALD'))).toBe('format');
      const rng = new Prng(4);
      expect(reasonOf(Uint8Array.from({ length: 3000 }, () => Math.floor(rng.next() * 256)))).toBe('format');
    });

    it('another format version, named in the message', () => {
      const next = resealed((b) => b.writeUInt16LE(DETECTOR_STATE_BINARY_VERSION + 1, 4));
      expect(reasonOf(next)).toBe('version');
      expect(() => decodeDetectorState(next, cfg)).toThrow(
        new RegExp(`version ${DETECTOR_STATE_BINARY_VERSION + 1}, this build reads`)
      );
    });

    it('state made under a different state-shaping config', () => {
      for (const change of [
        { trees: 32 },
        { sampleSize: 64 },
        { historySize: 256 },
        { window: 8 },
        { scaleWindow: 128 },
        { scoreHistory: 2048 },
      ] as Partial<DetectorConfig>[]) {
        const other = resolveDetectorConfig(change);
        expect(detectorConfigFingerprint(other)).not.toBe(detectorConfigFingerprint(cfg));
        expect([change, reasonOf(good, other)]).toEqual([change, 'config']);
      }
    });

    it('keeps the learned state when only thresholds or event settings change', () => {
      const tuned = resolveDetectorConfig({
        tailProbability: 0.001,
        magnitude: 5,
        damping: 0.2,
        holdoffMinutes: 10,
        refractoryMinutes: 5,
        seed: 7,
      });
      expect(detectorConfigFingerprint(tuned)).toBe(detectorConfigFingerprint(cfg));
      expect(reasonOf(good, tuned)).toBe('accepted');
    });

    it('every truncation', () => {
      for (let len = 0; len < good.length; len += len < 64 ? 1 : 97) {
        const reason = reasonOf(good.subarray(0, len));
        expect([len, reason]).toEqual([len, len < 4 ? 'format' : 'corrupt']);
      }
      expect(reasonOf(Buffer.concat([good, Buffer.from([0])]))).toBe('corrupt');
    });

    it('any flipped bit in the body or CRC', () => {
      const rng = new Prng(17);
      for (let k = 0; k < 300; k++) {
        const b = Buffer.from(good);
        const at = 14 + Math.floor(rng.next() * (b.length - 14));
        b[at] ^= 1 << Math.floor(rng.next() * 8);
        expect([at, reasonOf(b)]).toEqual([at, 'corrupt']);
      }
    });

    it('a well-sealed but inconsistent body (writer bug or forgery) is corrupt, not half-read', () => {
      // Body: point count f64 @0, lastTimestamp f64 @8, nextFit f64 @16, rng u32 @24,
      // history head u32 @28, history count u32 @32.
      const body = 18;
      expect(reasonOf(resealed((b) => b.writeDoubleLE(-5, body)))).toBe('corrupt');
      expect(reasonOf(resealed((b) => b.writeDoubleLE(0.5, body)))).toBe('corrupt');
      expect(reasonOf(resealed((b) => b.writeDoubleLE(0.5, body + 16)))).toBe('corrupt');
      expect(reasonOf(resealed((b) => b.writeUInt32LE(512, body + 28)))).toBe('corrupt');
      expect(reasonOf(resealed((b) => b.writeUInt32LE(99_999, body + 32)))).toBe('corrupt');
      expect(reasonOf(resealed((b) => b.writeUInt32LE(b.readUInt32LE(14) + 8, 14)))).toBe('corrupt');
    });
  });

  it('refuses detectors it did not make', () => {
    const foreign = { update: () => undefined, snapshot: () => ({}), fits: 0 } as unknown as SeriesDetector;
    expect(() => encodeDetectorState(foreign)).toThrow(/not a detector made by this module/);
  });
});
