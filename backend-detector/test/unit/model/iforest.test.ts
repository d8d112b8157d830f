import { IsolationForest, Prng, averagePathLength } from '../../../src/model/iforest';
import { spanCode, spanDistance } from '../../../src/model/iforest/forest';

function gaussian(rng: Prng): number {
  // Box–Muller on the seeded generator keeps the fixtures deterministic.
  const u = Math.max(rng.next(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.next());
}

function uniformData(n: number, dim: number, seed: number): Float64Array {
  const rng = new Prng(seed);
  const data = new Float64Array(n * dim);
  for (let i = 0; i < data.length; i++) data[i] = rng.next();
  return data;
}

describe('averagePathLength c(n)', () => {
  it('matches the closed form of Liu, Ting & Zhou (2008)', () => {
    expect(averagePathLength(0)).toBe(0);
    expect(averagePathLength(1)).toBe(0);
    expect(averagePathLength(2)).toBe(1);
    // 2H(n−1) − 2(n−1)/n with H(i) ≈ ln(i) + γ
    expect(averagePathLength(256)).toBeCloseTo(10.2448, 3);
    expect(averagePathLength(128)).toBeCloseTo(8.8584, 3);
    expect(averagePathLength(1000)).toBeCloseTo(12.9699, 3);
  });

  it('grows like 2 ln n', () => {
    expect(averagePathLength(1e6) / (2 * Math.log(1e6))).toBeGreaterThan(0.9);
  });
});

describe('IsolationForest', () => {
  it('scores uniform data near 0.5 with no point standing out', () => {
    const data = uniformData(2000, 2, 11);
    const forest = IsolationForest.fit(data, 2000, 2, { seed: 3 });
    let sum = 0;
    let max = 0;
    for (let i = 0; i < 2000; i++) {
      const s = forest.score(data, i * 2);
      sum += s;
      max = Math.max(max, s);
    }
    const mean = sum / 2000;
    expect(mean).toBeGreaterThan(0.45);
    expect(mean).toBeLessThan(0.55);
    expect(max).toBeLessThan(0.65);
  });

  it('scores clear outliers above 0.6 and above 99 % of the inliers', () => {
    const rng = new Prng(5);
    const n = 1000;
    const data = new Float64Array(n * 3);
    for (let i = 0; i < data.length; i++) data[i] = gaussian(rng);
    const outliers = [
      [8, 8, 8],
      [-7, 0, 6],
      [0, 9, 0],
    ];
    outliers.forEach((o, k) => data.set(o, (n - 1 - k) * 3));
    const forest = IsolationForest.fit(data, n, 3, { seed: 9 });
    const inliers: number[] = [];
    for (let i = 0; i < n - outliers.length; i++) inliers.push(forest.score(data, i * 3));
    inliers.sort((a, b) => a - b);
    const p99 = inliers[Math.floor(inliers.length * 0.99)];
    expect(inliers[Math.floor(inliers.length / 2)]).toBeLessThan(0.5);
    for (const o of outliers) {
      const s = forest.score(o);
      expect(s).toBeGreaterThan(0.6);
      expect(s).toBeGreaterThan(p99);
    }
  });

  it('resolves values that are huge against their spread (a byte counter near 1e12)', () => {
    // float32 cannot tell 1e12 from 1e12 + 65,000; the forest works on levels of the range.
    const rng = new Prng(6);
    const n = 1000;
    const data = new Float64Array(n);
    for (let i = 0; i < n; i++) data[i] = 1e12 + 1000 * gaussian(rng);
    data[n - 1] = 1e12 + 9000;
    const forest = IsolationForest.fit(data, n, 1, { seed: 4 });
    const inliers = Array.from({ length: n - 1 }, (_, i) => forest.score(data, i)).sort((a, b) => a - b);
    const outlier = forest.score(data, n - 1);
    expect(outlier).toBeGreaterThan(0.6);
    expect(outlier).toBeGreaterThan(inliers[Math.floor(0.99 * inliers.length)]);
    // Beyond everything seen still scores higher than the most extreme training point.
    expect(forest.scoreRangeAware([1e12 + 50_000])).toBeGreaterThan(forest.scoreRangeAware([1e12 + 9000]));
  });

  it('subsamples ψ points per tree and respects the height limit', () => {
    const data = uniformData(20000, 2, 1);
    const forest = IsolationForest.fit(data, 20000, 2, { trees: 50, sampleSize: 64, seed: 2 });
    expect(forest.sampleSize).toBe(64);
    // A tree over ψ points has at most 2ψ − 1 nodes.
    expect(forest.nodeCount).toBeLessThanOrEqual(50 * 127);
    // No path is longer than ⌈log2 ψ⌉ + c(ψ) (the deepest external node plus its adjustment).
    for (let i = 0; i < 200; i++) {
      expect(forest.meanPathLength(data, i * 2)).toBeLessThanOrEqual(6 + averagePathLength(64) + 1e-6);
    }
  });

  it('caps ψ at the number of points', () => {
    const data = uniformData(50, 1, 4);
    const forest = IsolationForest.fit(data, 50, 1, { seed: 1 });
    expect(forest.sampleSize).toBe(50);
  });

  it('is reproducible per seed and differs across seeds', () => {
    const data = uniformData(500, 3, 8);
    const a = IsolationForest.fit(data, 500, 3, { seed: 17 });
    const b = IsolationForest.fit(data, 500, 3, { seed: 17 });
    const c = IsolationForest.fit(data, 500, 3, { seed: 18 });
    const probe = [0.1, 0.9, 0.5];
    expect(a.score(probe)).toBe(b.score(probe));
    expect(a.serialize()).toEqual(b.serialize());
    expect(c.score(probe)).not.toBe(a.score(probe));
  });

  it('round-trips through JSON with identical scores', () => {
    const data = uniformData(800, 4, 21);
    const forest = IsolationForest.fit(data, 800, 4, { seed: 5 });
    const copy = IsolationForest.deserialize(JSON.parse(JSON.stringify(forest.serialize())));
    for (let i = 0; i < 800; i += 7) {
      expect(copy.score(data, i * 4)).toBe(forest.score(data, i * 4));
      expect(copy.scoreRangeAware(data, i * 4)).toBe(forest.scoreRangeAware(data, i * 4));
    }
    expect(copy.score([5, 5, 5, 5])).toBe(forest.score([5, 5, 5, 5]));
  });

  it('rejects an unknown serialized version or format with a clear error', () => {
    const forest = IsolationForest.fit(uniformData(100, 1, 1), 100, 1, { seed: 1 });
    expect(() => IsolationForest.deserialize({ ...forest.serialize(), version: 99 })).toThrow(
      /unsupported serialized version 99/
    );
    expect(() => IsolationForest.deserialize({ ...forest.serialize(), format: 'other' })).toThrow(
      /unknown format/
    );
    expect(() => IsolationForest.deserialize(null)).toThrow(/must be an object/);
  });

  it('rejects corrupt node arrays', () => {
    const forest = IsolationForest.fit(uniformData(100, 1, 1), 100, 1, { seed: 1 });
    const s = forest.serialize();
    expect(() =>
      IsolationForest.deserialize({ ...s, refs: Buffer.from([1, 2, 3]).toString('base64') })
    ).toThrow(/truncated|differ/);
  });

  it('validates its inputs', () => {
    expect(() => IsolationForest.fit(new Float64Array(0), 0, 1)).toThrow(/at least one point/);
    expect(() => IsolationForest.fit(new Float64Array(4), 4, 2)).toThrow(/need 8/);
    expect(() => IsolationForest.fit(new Float64Array(4), 4, 1, { trees: 0 })).toThrow(/tree count/);
  });

  it('makes a leaf of identical points instead of splitting forever', () => {
    const forest = IsolationForest.fit(new Float64Array(300).fill(1), 300, 1, { seed: 1 });
    // Every tree is a single external node holding ψ points: h = c(ψ), so s = 0.5.
    expect(forest.nodeCount).toBe(100);
    expect(forest.score([1])).toBeCloseTo(0.5, 6);
  });

  it.each([3, 4, 5, 9])(
    'splits only on the one varying attribute, the last of %i (attributes packed up to 4, a byte each above)',
    (dim) => {
      const rng = new Prng(11);
      const n = 600;
      const data = new Float64Array(n * dim);
      // Only the last attribute varies, so every split is on it: the attribute index must survive storage.
      for (let i = 0; i < n; i++) data[i * dim + dim - 1] = gaussian(rng);
      const forest = IsolationForest.fit(data, n, dim, { trees: 64, sampleSize: 128, seed: 5 });
      const normal = new Float64Array(dim);
      const outlier = new Float64Array(dim);
      outlier[dim - 1] = 8;
      const elsewhere = new Float64Array(dim).fill(100);
      elsewhere[dim - 1] = 0;
      expect(forest.score(outlier)).toBeGreaterThan(forest.score(normal) + 0.1);
      expect(forest.scoreRangeAware(outlier)).toBeGreaterThan(forest.scoreRangeAware(normal) + 0.1);
      expect(forest.score(elsewhere)).toBe(forest.score(normal));
      expect(forest.scoreRangeAware(elsewhere)).toBe(forest.scoreRangeAware(normal));
      const copy = IsolationForest.deserialize(JSON.parse(JSON.stringify(forest.serialize())));
      for (let i = 0; i < 50; i++) {
        expect(copy.score(data, i * dim)).toBe(forest.score(data, i * dim));
        expect(copy.scoreRangeAware(data, i * dim)).toBe(forest.scoreRangeAware(data, i * dim));
      }
    }
  );

  describe('range-aware scoring', () => {
    const rng = new Prng(3);
    const data = new Float64Array(1000);
    for (let i = 0; i < data.length; i++) data[i] = gaussian(rng);
    const forest = IsolationForest.fit(data, 1000, 1, { seed: 4 });

    it('tells a far value from the edge of the data, which plain scoring cannot', () => {
      let max = -Infinity;
      for (const v of data) max = Math.max(max, v);
      expect(forest.score([max + 100])).toBeCloseTo(forest.score([max + 1]), 10);
      expect(forest.scoreRangeAware([max + 100])).toBeGreaterThan(forest.scoreRangeAware([max + 1]));
      expect(forest.scoreRangeAware([max + 100])).toBeGreaterThan(0.75);
    });

    it('agrees with plain scoring in the bulk of the data', () => {
      expect(forest.scoreRangeAware([0])).toBeCloseTo(forest.score([0]), 2);
    });

    it('stores node ranges as 7-bit spans that cover the true range, within 8 % beyond 16 levels', () => {
      let worst = 0;
      for (let d = 0; d <= 65535; d++) {
        const code = spanCode(d);
        const stored = spanDistance(code);
        // In 7 bits, covers the distance, is the tightest code that does, and is exact up to 16.
        const ok =
          code >= 0 &&
          code <= 127 &&
          stored >= d &&
          (code === 0 || spanDistance(code - 1) < d) &&
          (d > 16 || stored === d);
        if (!ok) throw new Error(`bad span code ${code} for distance ${d}`);
        if (d > 16) worst = Math.max(worst, stored / d - 1);
      }
      expect(worst).toBeLessThan(0.08);
    });
  });
});
