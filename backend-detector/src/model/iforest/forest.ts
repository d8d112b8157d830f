import { StateFormatError, StateReader, StateWriter } from '../binary';
import { averagePathLength } from './pathLength';
import { Prng } from './prng';

/**
 * Isolation Forest exactly as in Liu, Ting & Zhou (2008): each tree is grown on its own
 * ψ-point subsample drawn without replacement, to height limit ⌈log2 ψ⌉; a point's path
 * length is the depth of the external node it reaches plus c(size) of that node; the score
 * is 2^(−E[h(x)] / c(ψ)).
 *
 * Hand-written rather than taken from npm: the `isolation-forest` package grows every tree
 * on the full data set (mis-calibrated scores, masked clusters) and `ml-isolation-forest`
 * does not subsample at all (see issue 2 and bench/iforest.bench.ts).
 *
 * Storage is flat: all trees of a forest share five typed arrays, 18 bytes per node.
 * A tree of ψ points has at most 2ψ − 1 nodes, so a forest takes at most t·(2ψ−1)·18 bytes
 * (100 trees × 256 points: ≤ 920 kB; typically far less because the height limit stops
 * growth early).
 */
export interface IsolationForestOptions {
  /** Number of trees t (default 100). */
  trees?: number;
  /** Subsample size ψ (default 256; capped at the number of points). */
  sampleSize?: number;
  /** Seed of the PRNG when no generator is passed (default 1). */
  seed?: number;
}

export const IFOREST_FORMAT = 'anomaly-lens/iforest';
export const IFOREST_VERSION = 2;

/** Largest subsample size: leaf sizes and tree-local node indices must fit 15 bits. */
export const MAX_SAMPLE_SIZE = 32768;

/** Training values are quantized to integer levels 0..LEVELS of each feature's range. */
const LEVELS = 65535;

/** JSON-safe serialized forest. Typed arrays travel as little-endian base64. */
export interface SerializedForest {
  format: typeof IFOREST_FORMAT;
  version: number;
  dim: number;
  trees: number;
  sampleSize: number;
  /** Per feature: level = (x − origin) × scale. */
  origin: number[];
  scale: number[];
  base: string;
  rootLeaf: string;
  feature: string;
  split: string;
  low: string;
  high: string;
  left: string;
  right: string;
}

type RefArray = Uint8Array | Uint16Array;

/**
 * Child references: below `tag` a tree-local internal node index, from `tag` on an
 * external node holding (ref − tag) training points. One byte per reference while ψ ≤ 128
 * (the default), two above.
 */
function refTag(psi: number): number {
  return psi <= 128 ? 0x80 : 0x8000;
}

/** c(n) for every n ≤ the largest ψ seen, shared by all forests of the process. */
let cTable = new Float64Array(0);
function ensureCTable(psi: number): void {
  if (cTable.length > psi) return;
  cTable = new Float64Array(psi + 1);
  for (let i = 0; i <= psi; i++) cTable[i] = averagePathLength(i);
}

/** Query levels, one per feature; scoring is synchronous, so one buffer serves every forest. */
let queryScratch = new Float64Array(16);

/** The forest's typed arrays, carved out of one ArrayBuffer (one allocation per fit). */
class Layout {
  readonly origin: Float64Array;
  readonly scale: Float64Array;
  readonly base: Uint32Array;
  readonly split: Uint16Array;
  readonly low: Uint16Array;
  readonly high: Uint16Array;
  readonly rootLeaf: Uint16Array;
  readonly left: RefArray;
  readonly right: RefArray;
  readonly feature: Uint8Array;

  constructor(dim: number, trees: number, internal: number, psi: number) {
    const wide = refTag(psi) > 0xff;
    let at = 0;
    const take = (bytes: number, align: number): number => {
      at = Math.ceil(at / align) * align;
      const start = at;
      at += bytes;
      return start;
    };
    const o = take(8 * dim, 8);
    const s = take(8 * dim, 8);
    const b = take(4 * (trees + 1), 4);
    const sp = take(2 * internal, 2);
    const lo = take(2 * internal, 2);
    const hi = take(2 * internal, 2);
    const rl = take(2 * trees, 2);
    const lf = take((wide ? 2 : 1) * internal, wide ? 2 : 1);
    const rt = take((wide ? 2 : 1) * internal, wide ? 2 : 1);
    const ft = take(internal, 1);
    const buf = new ArrayBuffer(at);
    this.origin = new Float64Array(buf, o, dim);
    this.scale = new Float64Array(buf, s, dim);
    this.base = new Uint32Array(buf, b, trees + 1);
    this.split = new Uint16Array(buf, sp, internal);
    this.low = new Uint16Array(buf, lo, internal);
    this.high = new Uint16Array(buf, hi, internal);
    this.rootLeaf = new Uint16Array(buf, rl, trees);
    this.left = wide ? new Uint16Array(buf, lf, internal) : new Uint8Array(buf, lf, internal);
    this.right = wide ? new Uint16Array(buf, rt, internal) : new Uint8Array(buf, rt, internal);
    this.feature = new Uint8Array(buf, ft, internal);
  }

  /** In a fixed order: what writeState/readState and serialize walk through. */
  arrays(): (Float64Array | Uint32Array | Uint16Array | Uint8Array)[] {
    return [
      this.origin,
      this.scale,
      this.base,
      this.split,
      this.low,
      this.high,
      this.rootLeaf,
      this.left,
      this.right,
      this.feature,
    ];
  }

  get byteLength(): number {
    return this.origin.buffer.byteLength;
  }
}

export class IsolationForest {
  /** c(ψ): the normaliser of the score. */
  private readonly cPsi: number;
  private readonly tag: number;

  private constructor(
    readonly dim: number,
    readonly trees: number,
    readonly sampleSize: number,
    /**
     * Internal nodes of all trees in preorder, tree t at [base[t], base[t+1]); its root is
     * its first node unless rootLeaf[t] > 0 (the tree is one external node of that size).
     * Split attribute, split level (x goes left when its level < split), the node's training
     * range [low, high] in levels, and the two child references.
     */
    private readonly nodes: Layout
  ) {
    this.cPsi = averagePathLength(sampleSize);
    this.tag = refTag(sampleSize);
    ensureCTable(sampleSize);
  }

  /**
   * Grow a forest on `n` points of dimension `dim`, stored row-major in `data`.
   * Pass `rng` to continue an existing random stream (the streaming detector does).
   */
  static fit(
    data: ArrayLike<number>,
    n: number,
    dim: number,
    options: IsolationForestOptions = {},
    rng?: Prng
  ): IsolationForest {
    const trees = options.trees ?? 100;
    const psi = Math.min(options.sampleSize ?? 256, n);
    if (!Number.isInteger(dim) || dim < 1 || dim > 255) throw new Error(`iforest: bad dimension ${dim}`);
    if (!Number.isInteger(n) || n < 1) throw new Error('iforest: need at least one point to fit');
    if (data.length < n * dim) throw new Error(`iforest: data holds ${data.length} values, need ${n * dim}`);
    if (!Number.isInteger(trees) || trees < 1) throw new Error(`iforest: bad tree count ${trees}`);
    if (!Number.isInteger(psi) || psi < 1 || psi > MAX_SAMPLE_SIZE) {
      throw new Error(`iforest: bad sample size ${psi} (1..${MAX_SAMPLE_SIZE})`);
    }
    const random = rng ?? new Prng(options.seed ?? 1);
    const { levels, origin, scale } = quantize(data, n, dim);
    const builder = new TreeBuilder(levels, n, dim, psi, trees, random);
    const rootLeaf = new Uint16Array(trees);
    const base = new Uint32Array(trees + 1);
    for (let t = 0; t < trees; t++) {
      base[t] = builder.used;
      rootLeaf[t] = builder.buildTree();
    }
    const used = builder.used;
    base[trees] = used;
    const nodes = new Layout(dim, trees, used, psi);
    nodes.origin.set(origin);
    nodes.scale.set(scale);
    nodes.base.set(base);
    nodes.rootLeaf.set(rootLeaf);
    nodes.split.set(builder.split.subarray(0, used));
    nodes.low.set(builder.low.subarray(0, used));
    nodes.high.set(builder.high.subarray(0, used));
    nodes.left.set(builder.left.subarray(0, used));
    nodes.right.set(builder.right.subarray(0, used));
    nodes.feature.set(builder.feature.subarray(0, used));
    return new IsolationForest(dim, trees, psi, nodes);
  }

  /** x's level on every feature, in the shared query buffer. */
  private levelsOf(x: ArrayLike<number>, offset: number): Float64Array {
    const { origin, scale } = this.nodes;
    if (queryScratch.length < this.dim) queryScratch = new Float64Array(this.dim);
    const q = queryScratch;
    for (let f = 0; f < this.dim; f++) q[f] = (x[offset + f] - origin[f]) * scale[f];
    return q;
  }

  /** Mean path length E[h(x)] of the point at `offset` in `x` (allocation-free). */
  meanPathLength(x: ArrayLike<number>, offset = 0): number {
    const q = this.levelsOf(x, offset);
    const { base, rootLeaf, feature, split, left, right } = this.nodes;
    const tag = this.tag;
    const c = cTable;
    let sum = 0;
    for (let t = 0; t < this.trees; t++) {
      if (rootLeaf[t] > 0) {
        sum += c[rootLeaf[t]];
        continue;
      }
      const b = base[t];
      let i = b;
      let depth = 0;
      for (;;) {
        const ref = q[feature[i]] < split[i] - 0.5 ? left[i] : right[i];
        depth++;
        if (ref >= tag) {
          sum += depth + c[ref - tag];
          break;
        }
        i = b + ref;
      }
    }
    return sum / this.trees;
  }

  /**
   * Expected path length of x as if x had been part of each node's points: where x lies
   * outside the range [low, high] that a node's points span on its split attribute, a
   * uniform split over the widened range would have isolated x right there with
   * probability (distance beyond the range) / (widened range). The plain score treats a
   * value far beyond everything seen like the most extreme value seen; streaming data
   * needs the difference (a new all-time high is more anomalous than the old one).
   * Equals meanPathLength for points inside every range. Allocation-free.
   */
  meanPathLengthRangeAware(x: ArrayLike<number>, offset = 0): number {
    const q = this.levelsOf(x, offset);
    const { base, rootLeaf, feature, split, low, high, left, right } = this.nodes;
    const tag = this.tag;
    const c = cTable;
    let sum = 0;
    for (let t = 0; t < this.trees; t++) {
      if (rootLeaf[t] > 0) {
        sum += c[rootLeaf[t]];
        continue;
      }
      const b = base[t];
      let i = b;
      let depth = 0;
      let survive = 1;
      let acc = 0;
      for (;;) {
        const v = q[feature[i]];
        // A level stands for the interval ±0.5 around it.
        const lo = low[i] - 0.5;
        const hi = high[i] + 0.5;
        if (v > hi) {
          const p = (v - hi) / (v - lo);
          acc += survive * p * (depth + 1);
          survive *= 1 - p;
        } else if (v < lo) {
          const p = (lo - v) / (hi - v);
          acc += survive * p * (depth + 1);
          survive *= 1 - p;
        }
        const ref = v < split[i] - 0.5 ? left[i] : right[i];
        depth++;
        if (ref >= tag) {
          sum += acc + survive * (depth + c[ref - tag]);
          break;
        }
        i = b + ref;
      }
    }
    return sum / this.trees;
  }

  /** Score from meanPathLengthRangeAware, on the same scale as score(). */
  scoreRangeAware(x: ArrayLike<number>, offset = 0): number {
    if (this.cPsi === 0) return 0.5;
    return Math.pow(2, -this.meanPathLengthRangeAware(x, offset) / this.cPsi);
  }

  /** Anomaly score s(x, ψ) = 2^(−E[h(x)]/c(ψ)) in (0, 1]; ≈0.5 for ordinary points. */
  score(x: ArrayLike<number>, offset = 0): number {
    if (this.cPsi === 0) return 0.5;
    return Math.pow(2, -this.meanPathLength(x, offset) / this.cPsi);
  }

  /** Number of tree nodes held, internal and external (for memory accounting). */
  get nodeCount(): number {
    return 2 * this.nodes.feature.length + this.trees;
  }

  /** Bytes held by the typed arrays. */
  get byteSize(): number {
    return this.nodes.byteLength;
  }

  serialize(): SerializedForest {
    const n = this.nodes;
    return {
      format: IFOREST_FORMAT,
      version: IFOREST_VERSION,
      dim: this.dim,
      trees: this.trees,
      sampleSize: this.sampleSize,
      origin: Array.from(n.origin),
      scale: Array.from(n.scale),
      base: toBase64(n.base),
      rootLeaf: toBase64(n.rootLeaf),
      feature: toBase64(n.feature),
      split: toBase64(n.split),
      low: toBase64(n.low),
      high: toBase64(n.high),
      left: toBase64(n.left),
      right: toBase64(n.right),
    };
  }

  static deserialize(raw: unknown): IsolationForest {
    if (typeof raw !== 'object' || raw === null)
      throw new Error('iforest: serialized forest must be an object');
    const s = raw as Partial<SerializedForest>;
    if (s.format !== IFOREST_FORMAT) throw new Error(`iforest: unknown format '${String(s.format)}'`);
    if (s.version !== IFOREST_VERSION) {
      throw new Error(
        `iforest: unsupported serialized version ${String(s.version)} (this build reads ${IFOREST_VERSION})`
      );
    }
    const dim = requireInt(s.dim, 'dim');
    const trees = requireInt(s.trees, 'trees');
    const sampleSize = requireInt(s.sampleSize, 'sampleSize');
    if (sampleSize > MAX_SAMPLE_SIZE) throw new Error('iforest: sampleSize too large');
    const feature = fromBase64(s.feature, 'feature', 1);
    const internal = feature.byteLength;
    const nodes = new Layout(dim, trees, internal, sampleSize);
    if (
      !Array.isArray(s.origin) ||
      !Array.isArray(s.scale) ||
      s.origin.length !== dim ||
      s.scale.length !== dim
    ) {
      throw new Error('iforest: origin and scale must hold one number per feature');
    }
    nodes.origin.set(s.origin.map(Number));
    nodes.scale.set(s.scale.map(Number));
    const fields: [keyof SerializedForest, Uint32Array | Uint16Array | Uint8Array][] = [
      ['base', nodes.base],
      ['rootLeaf', nodes.rootLeaf],
      ['feature', nodes.feature],
      ['split', nodes.split],
      ['low', nodes.low],
      ['high', nodes.high],
      ['left', nodes.left],
      ['right', nodes.right],
    ];
    for (const [name, into] of fields) {
      const bytes = fromBase64(s[name], name, into.BYTES_PER_ELEMENT);
      if (bytes.byteLength !== into.byteLength)
        throw new Error(`iforest: node arrays differ in length ('${name}')`);
      new Uint8Array(into.buffer, into.byteOffset, into.byteLength).set(new Uint8Array(bytes));
    }
    checkStructure(dim, sampleSize, nodes, (m) => new Error(m));
    return new IsolationForest(dim, trees, sampleSize, nodes);
  }

  /** Binary form for the detector state codec: shape, then the node arrays as raw bytes. */
  writeState(w: StateWriter): void {
    w.u16(this.dim);
    w.u32(this.trees);
    w.u32(this.sampleSize);
    w.u32(this.nodes.feature.length);
    for (const a of this.nodes.arrays()) w.array(a);
  }

  /** Read writeState's output; the forest must have `dim` features and `trees` trees. */
  static readState(r: StateReader, dim: number, trees: number): IsolationForest {
    const fail = (m: string): Error => new StateFormatError(`forest: ${m}`);
    if (r.u16() !== dim) throw fail('dimension does not match the features');
    if (r.u32() !== trees) throw fail('tree count does not match');
    const sampleSize = r.count(MAX_SAMPLE_SIZE, 'sample size', 1);
    const internal = r.count(trees * (sampleSize - 1), 'internal node count');
    const nodes = new Layout(dim, trees, internal, sampleSize);
    for (const a of nodes.arrays()) r.arrayInto(a);
    checkStructure(dim, sampleSize, nodes, fail);
    return new IsolationForest(dim, trees, sampleSize, nodes);
  }
}

/**
 * A forest that traversal cannot run off: trees partition the node arrays in order, every
 * child reference points forward inside its tree or names an external node of 1..ψ
 * points, and every attribute exists.
 */
function checkStructure(dim: number, psi: number, n: Layout, fail: (message: string) => Error): void {
  const trees = n.rootLeaf.length;
  const internal = n.feature.length;
  const tag = refTag(psi);
  for (let f = 0; f < dim; f++) {
    if (!Number.isFinite(n.origin[f]) || !(n.scale[f] >= 0) || !Number.isFinite(n.scale[f])) {
      throw fail(`iforest: bad quantization of feature ${f}`);
    }
  }
  if (n.base[0] !== 0 || n.base[trees] !== internal) throw fail('iforest: corrupt tree offsets');
  for (let t = 0; t < trees; t++) {
    const from = n.base[t];
    const to = n.base[t + 1];
    if (to < from || to - from > psi - 1) throw fail(`iforest: corrupt tree offsets at tree ${t}`);
    if (n.rootLeaf[t] > 0 !== (to === from) || n.rootLeaf[t] > psi)
      throw fail(`iforest: corrupt root of tree ${t}`);
    for (let i = from; i < to; i++) {
      if (n.feature[i] >= dim) throw fail(`iforest: corrupt node ${i}`);
      for (const ref of [n.left[i], n.right[i]]) {
        const ok = ref >= tag ? ref - tag >= 1 && ref - tag <= psi : ref > i - from && from + ref < to;
        if (!ok) throw fail(`iforest: corrupt node ${i}`);
      }
    }
  }
}

/**
 * Map each feature's training range onto integer levels 0..LEVELS. Trees are grown on the
 * levels, so split values and node ranges take two bytes each, and precision follows the
 * series' own range rather than its magnitude (a float32 split on a counter near 1e12
 * cannot tell values 100 000 apart; levels can).
 */
let levelScratch = new Uint16Array(0);
function quantize(
  data: ArrayLike<number>,
  n: number,
  dim: number
): { levels: Uint16Array; origin: Float64Array; scale: Float64Array } {
  const origin = new Float64Array(dim);
  const scale = new Float64Array(dim);
  if (levelScratch.length < n * dim) levelScratch = new Uint16Array(n * dim);
  const levels = levelScratch;
  for (let f = 0; f < dim; f++) {
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < n; i++) {
      const v = data[i * dim + f];
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    const k = hi > lo ? LEVELS / (hi - lo) : 0;
    origin[f] = lo;
    scale[f] = Number.isFinite(k) ? k : 0;
    for (let i = 0; i < n; i++) {
      const level = Math.round((data[i * dim + f] - lo) * scale[f]);
      levels[i * dim + f] = level > LEVELS ? LEVELS : level;
    }
  }
  return { levels, origin, scale };
}

/** Growth buffers shared by all fits of the process (fits are synchronous). */
const scratch = {
  feature: new Uint8Array(0),
  split: new Uint16Array(0),
  low: new Uint16Array(0),
  high: new Uint16Array(0),
  left: new Uint16Array(0),
  right: new Uint16Array(0),
  order: new Int32Array(0),
};

class TreeBuilder {
  readonly feature: Uint8Array;
  readonly split: Uint16Array;
  readonly low: Uint16Array;
  readonly high: Uint16Array;
  readonly left: Uint16Array;
  readonly right: Uint16Array;
  used = 0;
  private treeBase = 0;
  private readonly tag: number;
  private readonly order: Int32Array;
  private readonly sample: Int32Array;
  private readonly heightLimit: number;
  private readonly candidates: Int32Array;

  constructor(
    private readonly data: Uint16Array,
    private readonly n: number,
    private readonly dim: number,
    private readonly psi: number,
    trees: number,
    private readonly rng: Prng
  ) {
    const maxInternal = trees * (psi - 1);
    if (scratch.feature.length < maxInternal) {
      scratch.feature = new Uint8Array(maxInternal);
      scratch.split = new Uint16Array(maxInternal);
      scratch.low = new Uint16Array(maxInternal);
      scratch.high = new Uint16Array(maxInternal);
      scratch.left = new Uint16Array(maxInternal);
      scratch.right = new Uint16Array(maxInternal);
    }
    if (scratch.order.length < n) scratch.order = new Int32Array(n);
    this.feature = scratch.feature;
    this.split = scratch.split;
    this.low = scratch.low;
    this.high = scratch.high;
    this.left = scratch.left;
    this.right = scratch.right;
    this.order = scratch.order;
    for (let i = 0; i < n; i++) this.order[i] = i;
    this.tag = refTag(psi);
    this.sample = new Int32Array(psi);
    this.heightLimit = Math.ceil(Math.log2(Math.max(psi, 2)));
    this.candidates = new Int32Array(dim);
  }

  /** Grow one tree; returns its rootLeaf entry (0, or the size of a one-node tree). */
  buildTree(): number {
    // Partial Fisher–Yates: the first ψ slots become a uniform sample without replacement.
    const { order, sample, n, psi, rng } = this;
    for (let i = 0; i < psi; i++) {
      const j = i + rng.nextInt(n - i);
      const tmp = order[i];
      order[i] = order[j];
      order[j] = tmp;
      sample[i] = order[i];
    }
    this.treeBase = this.used;
    const root = this.grow(0, psi, 0);
    return root < 0 ? -root : 0;
  }

  /** Grow the node over sample[from, to); returns its tree-local index, or −size for an external node. */
  private grow(from: number, to: number, depth: number): number {
    const size = to - from;
    if (depth >= this.heightLimit || size <= 1) return -size;
    const { data, dim, sample, candidates } = this;
    // Draw attributes uniformly without replacement until one is not constant on this
    // node's points (a constant attribute cannot split); only that one is scanned.
    for (let k = 0; k < dim; k++) candidates[k] = k;
    let remaining = dim;
    let q = -1;
    let lo = 0;
    let hi = 0;
    while (remaining > 0) {
      const r = this.rng.nextInt(remaining);
      const cand = candidates[r];
      candidates[r] = candidates[remaining - 1];
      candidates[remaining - 1] = cand;
      remaining--;
      lo = LEVELS;
      hi = 0;
      for (let i = from; i < to; i++) {
        const v = data[sample[i] * dim + cand];
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      if (hi > lo) {
        q = cand;
        break;
      }
    }
    if (q === -1) return -size;
    // Uniform over the levels in (lo, hi]: both sides get at least one point.
    const split = lo + 1 + Math.floor(this.rng.next() * (hi - lo));
    let i = from;
    let j = to - 1;
    while (i <= j) {
      if (data[sample[i] * dim + q] < split) i++;
      else {
        const tmp = sample[i];
        sample[i] = sample[j];
        sample[j] = tmp;
        j--;
      }
    }
    const node = this.used++;
    this.feature[node] = q;
    this.split[node] = split;
    this.low[node] = lo;
    this.high[node] = hi;
    const l = this.grow(from, i, depth + 1);
    const r = this.grow(i, to, depth + 1);
    this.left[node] = l < 0 ? this.tag - l : l;
    this.right[node] = r < 0 ? this.tag - r : r;
    return node - this.treeBase;
  }
}

function toBase64(a: ArrayBufferView): string {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
}

function fromBase64(s: unknown, field: string, width: number): ArrayBuffer {
  if (typeof s !== 'string') throw new Error(`iforest: field '${field}' must be a base64 string`);
  const buf = Buffer.from(s, 'base64');
  if (buf.length % width !== 0) throw new Error(`iforest: field '${field}' has a truncated payload`);
  const out = new ArrayBuffer(buf.length);
  new Uint8Array(out).set(buf);
  return out;
}

function requireInt(v: unknown, field: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
    throw new Error(`iforest: field '${field}' must be a positive integer`);
  }
  return v;
}
