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
 * Storage is compact: each feature's training range is mapped onto 16-bit levels and the
 * trees are grown on those levels; only internal nodes are stored (split level, the node's
 * training range as two 7-bit distances from the split that also carry a split attribute
 * below 4, two child references that carry an external node's size inline), 6 bytes each
 * while ψ ≤ 128 and there are at most 4 features, all in one buffer per forest. A tree of
 * ψ points has at most ψ − 1 internal nodes (64 trees × ψ 128: ≤ 49 kB; typically ~17 kB
 * because the height limit stops growth early). The
 * range only feeds the range-aware score, where a few per cent of the distance beyond it
 * change nothing that matters, so it is stored widened (see SPAN); splits, which decide
 * every path, keep their exact level. Levels resolve 1/65535 of a feature's
 * range, finer than float32 splits for any series whose values are large against their
 * range, and the unit tests pin expected path lengths to a plain transcription of the paper.
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
export const IFOREST_VERSION = 5;

/** Largest subsample size: leaf sizes and tree-local node indices must fit 15 bits. */
export const MAX_SAMPLE_SIZE = 32768;

/** Training values are quantized to integer levels 0..LEVELS of each feature's range. */
const LEVELS = 65535;

/**
 * A node's training range [low, high] on its split attribute is stored as two 7-bit codes
 * of the distances split − 1 − low and high − split (both 0..LEVELS − 1), each rounded UP
 * to the next entry of this table, so the stored range always covers the true one. Exact
 * up to 16 levels, then geometric (steps of ~7.8 %) up to LEVELS. The two codes sit in
 * the high 7 bits of two bytes whose low bits hold the split attribute when the forest has
 * at most 4 features (PACKED_FEATURES): 3 bytes per node instead of 5 for 16-bit low,
 * high and a feature byte, ~9 kB per series with the defaults. The range-aware penalty of
 * a point beyond the range moves by at most that fraction of its distance from the split.
 */
const SPAN_CODES = 128;
const SPAN = ((): Float64Array => {
  const exact = 16;
  const last = SPAN_CODES - 1;
  const table = new Float64Array(SPAN_CODES);
  const ratio = Math.pow(LEVELS / exact, 1 / (last - exact));
  for (let k = 0; k < SPAN_CODES; k++) {
    table[k] = k <= exact ? k : Math.max(table[k - 1] + 1, Math.ceil(exact * Math.pow(ratio, k - exact)));
  }
  table[last] = LEVELS;
  return table;
})();

/** Forests with at most this many features keep each node's split attribute in its span bytes. */
const PACKED_FEATURES = 4;

/** The distance a span code stands for (≥ every distance that encodes to it). */
export function spanDistance(code: number): number {
  return SPAN[code];
}

/** Smallest k with SPAN[k] ≥ distance (0 ≤ distance ≤ LEVELS). Exported for tests. */
export function spanCode(distance: number): number {
  let lo = 0;
  let hi = SPAN_CODES - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (SPAN[mid] >= distance) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

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
  /** Per internal node: split level (uint16). */
  splits: string;
  /** Per internal node: SPAN codes of split − 1 − low and high − split, << 1 | attribute bit (uint8). */
  spans: string;
  /** Per internal node: left, right (uint8 while ψ ≤ 128, else uint16). */
  refs: string;
  /** Per internal node: split attribute (uint8); empty when it is packed into `spans`. */
  feature: string;
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
/**
 * The same levels rounded to the integer n with x < split − 0.5 ⇔ n < split for every split
 * (clamped to −1..LEVELS + 1; NaN goes right, as the float comparison sends it). Choosing the
 * child from the sign of n − split takes no branch: a data-dependent branch mispredicts on
 * about half the nodes, and that cost ~25 % of a score.
 */
let sideScratch = new Int32Array(16);

/**
 * A forest's arrays, carved out of one exactly sized ArrayBuffer: one allocation per fit
 * and few objects per series. (Recycling the replaced forest's buffer with headroom was
 * measured: it raised RSS per series by 7 kB at 10,000 series; exact sizes fragment less.)
 *
 *   quant     float64 × 2·dim   per feature: origin, then scale (level = (x − origin) × scale)
 *   base      uint32 × trees+1  internal nodes of tree t are [base[t], base[t+1]), preorder
 *   rootLeaf  uint16 × trees    0, or the size of a tree that is a single external node
 *   splits    uint16 × nodes    split level
 *   refs      uint8|16 × 2·nodes  left and right child references (see refTag)
 *   spans     uint8 × 2·nodes   span code << 1 | attribute bit, below then above the split:
 *                               the node's training range (SPAN) and, with ≤ 4 features,
 *                               bits 0 and 1 of its split attribute
 *   feature   uint8 × nodes     split attribute, only with more than 4 features (else empty)
 */
class Layout {
  readonly quant: Float64Array;
  readonly base: Uint32Array;
  readonly rootLeaf: Uint16Array;
  readonly splits: Uint16Array;
  readonly refs: RefArray;
  readonly spans: Uint8Array;
  /** Split attributes live in the low bits of `spans` (feature is empty). */
  readonly packed: boolean;
  readonly feature: Uint8Array;

  constructor(
    readonly dim: number,
    trees: number,
    readonly internal: number,
    psi: number
  ) {
    const wide = refTag(psi) > 0xff;
    const refBytes = wide ? 2 : 1;
    // Widest elements first, so every array is aligned.
    const oBase = 16 * dim;
    const oRoot = oBase + 4 * (trees + 1);
    const oSplits = oRoot + 2 * trees;
    const oRefs = oSplits + 2 * internal;
    const oSpans = oRefs + 2 * refBytes * internal;
    const oFeature = oSpans + 2 * internal;
    this.packed = dim <= PACKED_FEATURES;
    const featureBytes = this.packed ? 0 : internal;
    const buf = new ArrayBuffer(oFeature + featureBytes);
    this.quant = new Float64Array(buf, 0, 2 * dim);
    this.base = new Uint32Array(buf, oBase, trees + 1);
    this.rootLeaf = new Uint16Array(buf, oRoot, trees);
    this.splits = new Uint16Array(buf, oSplits, internal);
    this.refs = wide ? new Uint16Array(buf, oRefs, 2 * internal) : new Uint8Array(buf, oRefs, 2 * internal);
    this.spans = new Uint8Array(buf, oSpans, 2 * internal);
    this.feature = new Uint8Array(buf, oFeature, featureBytes);
  }

  /** In a fixed order: what writeState/readState walk through. */
  arrays(): (Float64Array | Uint32Array | Uint16Array | Uint8Array)[] {
    return [this.quant, this.base, this.rootLeaf, this.splits, this.refs, this.spans, this.feature];
  }

  /** Split attribute of internal node i. */
  featureOf(i: number): number {
    return this.packed ? (this.spans[2 * i] & 1) | ((this.spans[2 * i + 1] & 1) << 1) : this.feature[i];
  }

  get byteLength(): number {
    return this.quant.buffer.byteLength;
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
    nodes.quant.set(origin);
    nodes.quant.set(scale, dim);
    nodes.base.set(base);
    nodes.rootLeaf.set(rootLeaf);
    const { splits, spans, refs, packed } = nodes;
    for (let i = 0; i < used; i++) {
      const split = builder.split[i];
      const f = packed ? builder.feature[i] : 0;
      splits[i] = split;
      spans[2 * i] = (spanCode(split - 1 - builder.low[i]) << 1) | (f & 1);
      spans[2 * i + 1] = (spanCode(builder.high[i] - split) << 1) | (f >> 1);
      refs[2 * i] = builder.left[i];
      refs[2 * i + 1] = builder.right[i];
    }
    if (!packed) nodes.feature.set(builder.feature.subarray(0, used));
    return new IsolationForest(dim, trees, psi, nodes);
  }

  /** x's level on every feature, in the shared query buffers (float, and rounded for the sides). */
  private levelsOf(x: ArrayLike<number>, offset: number): Float64Array {
    const quant = this.nodes.quant;
    const dim = this.dim;
    if (queryScratch.length < dim) {
      queryScratch = new Float64Array(dim);
      sideScratch = new Int32Array(dim);
    }
    const q = queryScratch;
    const side = sideScratch;
    for (let f = 0; f < dim; f++) {
      const level = (x[offset + f] - quant[f]) * quant[dim + f];
      q[f] = level;
      const n = Math.floor(level + 0.5);
      side[f] = n < -1 ? -1 : n <= LEVELS + 1 ? n : LEVELS + 1;
    }
    return q;
  }

  /** Mean path length E[h(x)] of the point at `offset` in `x` (allocation-free). */
  meanPathLength(x: ArrayLike<number>, offset = 0): number {
    this.levelsOf(x, offset);
    const side = sideScratch;
    const { base, rootLeaf, feature, splits, spans, refs, packed } = this.nodes;
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
        const f = packed ? (spans[2 * i] & 1) | ((spans[2 * i + 1] & 1) << 1) : feature[i];
        // Left (2i) when the level is below the split, else right: (n − split) >>> 31 is 1 or 0.
        const ref = refs[2 * i + 1 - ((side[f] - splits[i]) >>> 31)];
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
    const side = sideScratch;
    const { base, rootLeaf, feature, splits, spans, refs, packed } = this.nodes;
    const tag = this.tag;
    const c = cTable;
    const span = SPAN;
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
        const below = spans[2 * i];
        const above = spans[2 * i + 1];
        const f = packed ? (below & 1) | ((above & 1) << 1) : feature[i];
        const v = q[f];
        // A level stands for the interval ±0.5 around it; low = split − 1 − span, high = split + span.
        const split = splits[i];
        const lo = split - 1.5 - span[below >> 1];
        const hi = split + 0.5 + span[above >> 1];
        if (v > hi) {
          const p = (v - hi) / (v - lo);
          acc += survive * p * (depth + 1);
          survive *= 1 - p;
        } else if (v < lo) {
          const p = (lo - v) / (hi - v);
          acc += survive * p * (depth + 1);
          survive *= 1 - p;
        }
        const ref = refs[2 * i + 1 - ((side[f] - split) >>> 31)];
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
    return 2 * this.nodes.internal + this.trees;
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
      origin: Array.from(n.quant.subarray(0, this.dim)),
      scale: Array.from(n.quant.subarray(this.dim)),
      base: toBase64(n.base),
      rootLeaf: toBase64(n.rootLeaf),
      splits: toBase64(n.splits),
      refs: toBase64(n.refs),
      spans: toBase64(n.spans),
      feature: toBase64(n.feature),
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
    const internal = fromBase64(s.splits, 'splits', 2).byteLength / 2;
    const nodes = new Layout(dim, trees, internal, sampleSize);
    if (
      !Array.isArray(s.origin) ||
      !Array.isArray(s.scale) ||
      s.origin.length !== dim ||
      s.scale.length !== dim
    ) {
      throw new Error('iforest: origin and scale must hold one number per feature');
    }
    nodes.quant.set(s.origin.map(Number));
    nodes.quant.set(s.scale.map(Number), dim);
    const fields: [keyof SerializedForest, Uint32Array | Uint16Array | Uint8Array][] = [
      ['base', nodes.base],
      ['rootLeaf', nodes.rootLeaf],
      ['splits', nodes.splits],
      ['refs', nodes.refs],
      ['spans', nodes.spans],
      ['feature', nodes.feature],
    ];
    for (const [name, into] of fields) {
      const bytes = fromBase64(s[name], name, into.BYTES_PER_ELEMENT);
      if (bytes.byteLength !== into.byteLength) {
        throw new Error(`iforest: node arrays differ in length ('${name}')`);
      }
      new Uint8Array(into.buffer, into.byteOffset, into.byteLength).set(new Uint8Array(bytes));
    }
    checkStructure(sampleSize, nodes, (m) => new Error(m));
    return new IsolationForest(dim, trees, sampleSize, nodes);
  }

  /** Binary form for the detector state codec: shape, then the node arrays as raw bytes. */
  /** Length of writeState's output. */
  get stateBytes(): number {
    return 2 + 4 + 4 + 4 + this.nodes.arrays().reduce((sum, a) => sum + a.byteLength, 0);
  }

  writeState(w: StateWriter): void {
    w.u16(this.dim);
    w.u32(this.trees);
    w.u32(this.sampleSize);
    w.u32(this.nodes.internal);
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
    checkStructure(sampleSize, nodes, fail);
    return new IsolationForest(dim, trees, sampleSize, nodes);
  }
}

/**
 * A forest that traversal cannot run off: trees partition the node arrays in order, every
 * child reference points forward inside its tree or names an external node of 1..ψ
 * points, and every attribute exists.
 */
function checkStructure(psi: number, n: Layout, fail: (message: string) => Error): void {
  const { dim, internal, quant, base, rootLeaf, refs } = n;
  const trees = rootLeaf.length;
  const tag = refTag(psi);
  for (let f = 0; f < dim; f++) {
    const scale = quant[dim + f];
    if (!Number.isFinite(quant[f]) || !(scale >= 0) || !Number.isFinite(scale)) {
      throw fail(`iforest: bad quantization of feature ${f}`);
    }
  }
  if (base[0] !== 0 || base[trees] !== internal) throw fail('iforest: corrupt tree offsets');
  for (let t = 0; t < trees; t++) {
    const from = base[t];
    const to = base[t + 1];
    if (to < from || to - from > psi - 1) throw fail(`iforest: corrupt tree offsets at tree ${t}`);
    if (rootLeaf[t] > 0 !== (to === from) || rootLeaf[t] > psi)
      throw fail(`iforest: corrupt root of tree ${t}`);
    for (let i = from; i < to; i++) {
      if (n.featureOf(i) >= dim) throw fail(`iforest: corrupt node ${i}`);
      for (let k = 2 * i; k < 2 * i + 2; k++) {
        const ref = refs[k];
        const ok = ref >= tag ? ref - tag >= 1 && ref - tag <= psi : ref > i - from && from + ref < to;
        if (!ok) throw fail(`iforest: corrupt node ${i}`);
      }
    }
  }
}

/**
 * Map each feature's training range onto integer levels 0..LEVELS. Trees are grown on the
 * levels, so split values take two bytes each, and precision follows the
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
