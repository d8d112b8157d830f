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
export const IFOREST_VERSION = 1;

/** JSON-safe serialized forest. Typed arrays travel as little-endian base64. */
export interface SerializedForest {
  format: typeof IFOREST_FORMAT;
  version: number;
  dim: number;
  trees: number;
  sampleSize: number;
  nodeStart: string;
  child: string;
  feature: string;
  value: string;
  low: string;
  high: string;
}

const LEAF = -1;

export class IsolationForest {
  /** c(ψ): the normaliser of the score. */
  private readonly cPsi: number;

  private constructor(
    readonly dim: number,
    readonly trees: number,
    readonly sampleSize: number,
    /** Index of each tree's root in the node arrays. */
    private readonly nodeStart: Int32Array,
    /** Absolute index of the left child (right child = left + 1), or −1 for an external node. */
    private readonly child: Int32Array,
    /** Split attribute of an internal node. */
    private readonly feature: Uint16Array,
    /** Split value of an internal node; path length (depth + c(size)) of an external node. */
    private readonly value: Float32Array,
    /** Range [low, high] of the split attribute over the node's training points (internal nodes). */
    private readonly low: Float32Array,
    private readonly high: Float32Array
  ) {
    this.cPsi = averagePathLength(sampleSize);
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
    if (!Number.isInteger(dim) || dim < 1 || dim > 65535) throw new Error(`iforest: bad dimension ${dim}`);
    if (!Number.isInteger(n) || n < 1) throw new Error('iforest: need at least one point to fit');
    if (data.length < n * dim) throw new Error(`iforest: data holds ${data.length} values, need ${n * dim}`);
    if (!Number.isInteger(trees) || trees < 1) throw new Error(`iforest: bad tree count ${trees}`);
    if (!Number.isInteger(psi) || psi < 1) throw new Error(`iforest: bad sample size ${psi}`);
    const random = rng ?? new Prng(options.seed ?? 1);
    // One concrete array type keeps the hot loops monomorphic.
    const rows =
      data instanceof Float64Array ? data : Float64Array.from(Array.prototype.slice.call(data, 0, n * dim));
    const builder = new TreeBuilder(rows, n, dim, psi, trees, random);
    const nodeStart = new Int32Array(trees);
    for (let t = 0; t < trees; t++) nodeStart[t] = builder.buildTree();
    const used = builder.used;
    return new IsolationForest(
      dim,
      trees,
      psi,
      nodeStart,
      builder.child.slice(0, used),
      builder.feature.slice(0, used),
      builder.value.slice(0, used),
      builder.low.slice(0, used),
      builder.high.slice(0, used)
    );
  }

  /** Mean path length E[h(x)] of the point at `offset` in `x` (allocation-free). */
  meanPathLength(x: ArrayLike<number>, offset = 0): number {
    const { child, feature, value, nodeStart } = this;
    let sum = 0;
    for (let t = 0; t < this.trees; t++) {
      let node = nodeStart[t];
      let left = child[node];
      while (left !== LEAF) {
        node = x[offset + feature[node]] < value[node] ? left : left + 1;
        left = child[node];
      }
      sum += value[node];
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
    const { child, feature, value, nodeStart, low, high } = this;
    let sum = 0;
    for (let t = 0; t < this.trees; t++) {
      let node = nodeStart[t];
      let left = child[node];
      let depth = 0;
      let survive = 1;
      let acc = 0;
      while (left !== LEAF) {
        const v = x[offset + feature[node]];
        const lo = low[node];
        const hi = high[node];
        if (v > hi) {
          const p = (v - hi) / (v - lo);
          acc += survive * p * (depth + 1);
          survive *= 1 - p;
        } else if (v < lo) {
          const p = (lo - v) / (hi - v);
          acc += survive * p * (depth + 1);
          survive *= 1 - p;
        }
        node = v < value[node] ? left : left + 1;
        left = child[node];
        depth++;
      }
      sum += acc + survive * value[node];
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

  /** Number of tree nodes held (for memory accounting). */
  get nodeCount(): number {
    return this.child.length;
  }

  /** Bytes held by the typed arrays. */
  get byteSize(): number {
    return (
      this.child.byteLength +
      this.feature.byteLength +
      this.value.byteLength +
      this.low.byteLength +
      this.high.byteLength +
      this.nodeStart.byteLength
    );
  }

  serialize(): SerializedForest {
    return {
      format: IFOREST_FORMAT,
      version: IFOREST_VERSION,
      dim: this.dim,
      trees: this.trees,
      sampleSize: this.sampleSize,
      nodeStart: toBase64(this.nodeStart),
      child: toBase64(this.child),
      feature: toBase64(this.feature),
      value: toBase64(this.value),
      low: toBase64(this.low),
      high: toBase64(this.high),
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
    const nodeStart = new Int32Array(fromBase64(s.nodeStart, 'nodeStart', 4));
    const child = new Int32Array(fromBase64(s.child, 'child', 4));
    const feature = new Uint16Array(fromBase64(s.feature, 'feature', 2));
    const value = new Float32Array(fromBase64(s.value, 'value', 4));
    const low = new Float32Array(fromBase64(s.low, 'low', 4));
    const high = new Float32Array(fromBase64(s.high, 'high', 4));
    if (nodeStart.length !== trees) throw new Error('iforest: nodeStart length does not match trees');
    if (
      feature.length !== child.length ||
      value.length !== child.length ||
      low.length !== child.length ||
      high.length !== child.length
    ) {
      throw new Error('iforest: node arrays differ in length');
    }
    checkStructure(dim, nodeStart, child, feature, (m) => new Error(m));
    return new IsolationForest(dim, trees, sampleSize, nodeStart, child, feature, value, low, high);
  }

  /** Binary form for the detector state codec: shape, then the node arrays as raw bytes. */
  writeState(w: StateWriter): void {
    w.u16(this.dim);
    w.u32(this.trees);
    w.u32(this.sampleSize);
    w.u32(this.child.length);
    w.array(this.nodeStart);
    w.array(this.child);
    w.array(this.feature);
    w.array(this.value);
    w.array(this.low);
    w.array(this.high);
  }

  /** Read writeState's output; the forest must have `dim` features and `trees` trees. */
  static readState(r: StateReader, dim: number, trees: number): IsolationForest {
    const fail = (m: string): Error => new StateFormatError(`forest: ${m}`);
    if (r.u16() !== dim) throw fail('dimension does not match the features');
    if (r.u32() !== trees) throw fail('tree count does not match');
    const sampleSize = r.count(1 << 24, 'sample size', 1);
    const nodes = r.count(trees * (2 * sampleSize - 1), 'node count', trees);
    const nodeStart = new Int32Array(trees);
    const child = new Int32Array(nodes);
    const feature = new Uint16Array(nodes);
    const value = new Float32Array(nodes);
    const low = new Float32Array(nodes);
    const high = new Float32Array(nodes);
    for (const a of [nodeStart, child, feature, value, low, high]) r.arrayInto(a);
    checkStructure(dim, nodeStart, child, feature, fail);
    return new IsolationForest(dim, trees, sampleSize, nodeStart, child, feature, value, low, high);
  }
}

/** Every child index points forward and inside the arrays, every root is a node. */
function checkStructure(
  dim: number,
  nodeStart: Int32Array,
  child: Int32Array,
  feature: Uint16Array,
  fail: (message: string) => Error
): void {
  for (let i = 0; i < child.length; i++) {
    if (child[i] !== LEAF && (child[i] <= i || child[i] + 1 >= child.length || feature[i] >= dim)) {
      throw fail(`iforest: corrupt node ${i}`);
    }
  }
  for (let t = 0; t < nodeStart.length; t++) {
    if (nodeStart[t] < 0 || nodeStart[t] >= child.length) throw fail(`iforest: corrupt root of tree ${t}`);
  }
}

/** Grows trees into shared, pre-sized node arrays; scratch buffers are reused across trees. */
let cTable = new Float64Array(0);

const scratch = {
  child: new Int32Array(0),
  feature: new Uint16Array(0),
  value: new Float32Array(0),
  low: new Float32Array(0),
  high: new Float32Array(0),
  order: new Int32Array(0),
};

class TreeBuilder {
  readonly child: Int32Array;
  readonly feature: Uint16Array;
  readonly value: Float32Array;
  readonly low: Float32Array;
  readonly high: Float32Array;
  used = 0;
  private readonly order: Int32Array;
  private readonly sample: Int32Array;
  private readonly heightLimit: number;
  private readonly candidates: Int32Array;
  /** c(size) for every size an external node can hold (≤ ψ). */
  private readonly cOf: Float64Array;

  constructor(
    private readonly data: Float64Array,
    private readonly n: number,
    private readonly dim: number,
    private readonly psi: number,
    trees: number,
    private readonly rng: Prng
  ) {
    // Fits are synchronous, so one set of growth buffers serves every forest in the
    // process; a fit copies out only the nodes it used. Streaming detectors refit often.
    const maxNodes = trees * (2 * psi - 1);
    if (scratch.child.length < maxNodes) {
      scratch.child = new Int32Array(maxNodes);
      scratch.feature = new Uint16Array(maxNodes);
      scratch.value = new Float32Array(maxNodes);
      scratch.low = new Float32Array(maxNodes);
      scratch.high = new Float32Array(maxNodes);
    }
    if (scratch.order.length < n) scratch.order = new Int32Array(n);
    this.child = scratch.child;
    this.feature = scratch.feature;
    this.value = scratch.value;
    this.low = scratch.low;
    this.high = scratch.high;
    this.order = scratch.order;
    for (let i = 0; i < n; i++) this.order[i] = i;
    this.sample = new Int32Array(psi);
    this.heightLimit = Math.ceil(Math.log2(Math.max(psi, 2)));
    this.candidates = new Int32Array(dim);
    if (cTable.length <= psi) {
      cTable = new Float64Array(psi + 1);
      for (let i = 0; i <= psi; i++) cTable[i] = averagePathLength(i);
    }
    this.cOf = cTable;
  }

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
    const root = this.used++;
    this.grow(root, 0, psi, 0);
    return root;
  }

  private leaf(node: number, size: number, depth: number): void {
    this.child[node] = LEAF;
    this.feature[node] = 0;
    this.value[node] = depth + this.cOf[size];
  }

  private grow(node: number, from: number, to: number, depth: number): void {
    const size = to - from;
    if (depth >= this.heightLimit || size <= 1) return this.leaf(node, size, depth);
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
      lo = Infinity;
      hi = -Infinity;
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
    if (q === -1) return this.leaf(node, size, depth);
    // Split values are stored as float32; nudge into (lo, hi] so both sides are non-empty.
    let split = Math.fround(lo + this.rng.next() * (hi - lo));
    if (!(split > lo)) split = Math.fround((lo + hi) / 2);
    if (!(split > lo) || split > hi) split = nextFloat32Above(lo);
    if (!(split > lo) || split > hi) return this.leaf(node, size, depth);
    // Partition: x[q] < split goes left.
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
    if (i === from || i === to) return this.leaf(node, size, depth);
    const left = this.used;
    this.used += 2;
    this.child[node] = left;
    this.feature[node] = q;
    this.value[node] = split;
    this.low[node] = lo;
    this.high[node] = hi;
    this.grow(left, from, i, depth + 1);
    this.grow(left + 1, i, to, depth + 1);
  }
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
/** Smallest float32 strictly greater than v (v finite). */
function nextFloat32Above(v: number): number {
  f32[0] = v;
  if (f32[0] > v) return f32[0];
  if (f32[0] === 0) {
    u32[0] = 1;
    return f32[0];
  }
  u32[0] += f32[0] > 0 ? 1 : -1;
  return f32[0];
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
