import { IsolationForest, Prng } from '../../../src/model/iforest';

/**
 * Checks the optimised forest against a deliberately plain transcription of Liu, Ting &
 * Zhou (2008), Algorithms 1–3: if subsampling, attribute choice, split draw, height limit
 * or the c(size) credit drifted from the paper, expected path lengths would part ways.
 */

function c(n: number): number {
  if (n <= 1) return 0;
  if (n === 2) return 1;
  return 2 * (Math.log(n - 1) + 0.5772156649) - (2 * (n - 1)) / n;
}

type Node = { size: number } | { q: number; p: number; left: Node; right: Node };

interface ReferenceOptions {
  /** Grow on every point instead of a ψ-subsample (what the isolation-forest npm package does). */
  fullData?: boolean;
}

function referenceTrees(
  rows: number[][],
  trees: number,
  psi: number,
  rng: Prng,
  options: ReferenceOptions = {}
): Node[] {
  const limit = Math.ceil(Math.log2(psi));
  const grow = (points: number[][], e: number): Node => {
    if (e >= limit || points.length <= 1) return { size: points.length };
    const q = rng.nextInt(points[0].length);
    const values = points.map((x) => x[q]);
    const lo = Math.min(...values);
    const hi = Math.max(...values);
    if (lo === hi) return { size: points.length };
    const p = lo + rng.next() * (hi - lo);
    return {
      q,
      p,
      left: grow(
        points.filter((x) => x[q] < p),
        e + 1
      ),
      right: grow(
        points.filter((x) => x[q] >= p),
        e + 1
      ),
    };
  };
  return Array.from({ length: trees }, () => {
    if (options.fullData) return grow(rows, 0);
    const pool = rows.slice();
    const sample: number[][] = [];
    for (let i = 0; i < psi; i++) sample.push(pool.splice(rng.nextInt(pool.length), 1)[0]);
    return grow(sample, 0);
  });
}

function referencePathLength(forest: Node[], x: number[]): number {
  let sum = 0;
  for (const tree of forest) {
    let node = tree;
    let e = 0;
    while (!('size' in node)) {
      node = x[node.q] < node.p ? node.left : node.right;
      e++;
    }
    sum += e + c(node.size);
  }
  return sum / forest.length;
}

function gaussian(rng: Prng): number {
  const u = Math.max(rng.next(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.next());
}

function mixture(n: number, seed: number): number[][] {
  // Two clusters of different spread plus sparse uniform noise.
  const rng = new Prng(seed);
  return Array.from({ length: n }, (_, i) => {
    if (i % 40 === 0) return [(rng.next() - 0.5) * 16, (rng.next() - 0.5) * 16];
    const [cx, s] = i % 2 === 0 ? [-3, 0.5] : [3, 1.5];
    return [cx + gaussian(rng) * s, gaussian(rng) * s];
  });
}

const probes = [
  [-3, 0], // dense centre
  [3, 0], // sparse centre
  [3, 3], // edge of the wide cluster
  [0, 0], // between the clusters
  [7, -7], // far outlier
];
const TREES = 3000;
const PSI = 256;
// Path lengths of one tree vary by ~2; over 3000 trees a mean differs from its
// expectation by ~0.04, so two honest forests agree within 0.15.
const TOLERANCE = 0.15;

function oursPathLengths(rows: number[][]): number[] {
  const forest = IsolationForest.fit(Float64Array.from(rows.flat()), rows.length, 2, {
    trees: TREES,
    sampleSize: PSI,
    seed: 5,
  });
  return probes.map((x) => forest.meanPathLength(x));
}

describe('IsolationForest against a plain transcription of the paper', () => {
  // 2000 points: ψ is a small fraction; 300 points: ψ is most of the data, where sampling
  // with replacement (or any other departure from a uniform draw) would show.
  it.each([2000, 300])('gives the same expected path length for every probe (%i points)', (n) => {
    const rows = mixture(n, 11);
    const ours = oursPathLengths(rows);
    const reference = referenceTrees(rows, TREES, PSI, new Prng(99));
    probes.forEach((x, k) => {
      expect(Math.abs(ours[k] - referencePathLength(reference, x))).toBeLessThan(TOLERANCE);
    });
  });

  it('is told apart from a forest grown on all points (the check has power)', () => {
    const rows = mixture(2000, 11);
    const ours = oursPathLengths(rows);
    const full = referenceTrees(rows, 300, PSI, new Prng(99), { fullData: true });
    const gaps = probes.map((x, k) => Math.abs(ours[k] - referencePathLength(full, x)));
    expect(Math.max(...gaps)).toBeGreaterThan(3 * TOLERANCE);
  });
});
