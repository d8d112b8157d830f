/**
 * Turns raw Isolation Forest scores into "how improbable is this score for this series",
 * with the peaks-over-threshold approach of extreme value theory (as in SPOT, Siffer et
 * al., KDD 2017): below a high quantile u of the recent raw scores the tail probability
 * q of a score is its empirical one; above u the excesses are modelled as exponential
 * with the mean excess β, q = p_u · exp(−(x − u)/β), which keeps resolving how extreme a
 * score is beyond anything in the history. The normalized score is s = log(q) / log(ε),
 * so s ≥ 1 exactly when q ≤ ε.
 *
 * An empirical tail instead of a Gaussian one matters: a raw score that is high but
 * recurs (the edges of a square wave, a nightly batch job) has an honest, unremarkable
 * tail probability, so regular behaviour stays quiet however peculiar it looks locally.
 *
 * The quantiles and β are re-estimated every 128 points from the sorted window (sorted
 * in a buffer shared by all series, so nothing sorted is kept per series). Below u the
 * tail probability is interpolated in a 20-quantile table. Raw scores lie in (0, 1] and
 * are kept as 12-bit levels, two in three bytes (resolution 2.4e-4: well below the score
 * noise of a 64-tree forest and an eighth of the smallest mean excess). Memory: 1.5 bytes
 * per remembered score (6 kB for 4096, 2 kB less than 16-bit levels).
 */
import { StateFormatError, StateReader, StateWriter } from './binary';
import { Slab, slabBytes } from './slab';

const LEVELS = 20;
/** Raw score r is stored as round(r × SCORE_LEVELS), in 12 bits. */
const SCORE_LEVELS = 4095;

/** Bytes holding the first `count` packed 12-bit levels. */
function packedBytes(count: number): number {
  return Math.ceil((count * 3) / 2);
}

/** Level j of a packed array: even j in byte 3p and the low nibble of 3p+1, odd j in the high nibble and 3p+2. */
function levelAt(b: Uint8Array, j: number): number {
  const o = 3 * (j >> 1);
  return (j & 1) === 0 ? b[o] | ((b[o + 1] & 0x0f) << 8) : (b[o + 1] >> 4) | (b[o + 2] << 4);
}

function setLevel(b: Uint8Array, j: number, level: number): void {
  const o = 3 * (j >> 1);
  if ((j & 1) === 0) {
    b[o] = level & 0xff;
    b[o + 1] = (b[o + 1] & 0xf0) | (level >> 8);
  } else {
    b[o + 1] = (b[o + 1] & 0x0f) | ((level & 0x0f) << 4);
    b[o + 2] = level >> 4;
  }
}

/** Sort buffers shared by all normalizers (calibration is synchronous): nothing per series. */
let sortScratch = new Uint16Array(0);
let sortTemp = new Uint16Array(0);
const byteCounts = new Int32Array(256);

/**
 * Sort 16-bit levels ascending in place: LSD radix sort, two byte passes through `temp`.
 * Hand-written because TypedArray.prototype.sort is a comparison sort (~10× slower on
 * 4096 levels), and calibration runs every 128 points of every series.
 */
function radixSort(a: Uint16Array, temp: Uint16Array): void {
  const n = a.length;
  for (let shift = 0, src = a, dst = temp; shift < 16; shift += 8, [src, dst] = [dst, src]) {
    byteCounts.fill(0);
    for (let i = 0; i < n; i++) byteCounts[(src[i] >> shift) & 0xff]++;
    let sum = 0;
    for (let b = 0; b < 256; b++) {
      const c = byteCounts[b];
      byteCounts[b] = sum;
      sum += c;
    }
    for (let i = 0; i < n; i++) {
      const v = src[i];
      dst[byteCounts[(v >> shift) & 0xff]++] = v;
    }
  }
}

/** Re-estimate u and β this often (points). */
const RECALIBRATE_EVERY = 128;
/** Upper quantile that, with u, fixes the tail's scale. */
const TAIL_QUANTILE = 0.99;
/** Smallest tail scale, relative to the score scale: a flat history must not make every wiggle infinite. */
const MIN_EXCESS = 0.002;

export class ScoreNormalizer {
  /** Packed 12-bit levels (see levelAt), a ring of `capacity`. */
  private readonly history: Uint8Array;
  private readonly capacity: number;
  private historyCount = 0;
  private historyHead = 0;
  private sinceCalibration = 0;
  private calibrated = false;
  /** Values at quantile levels i/LEVELS, i = 0..LEVELS−1; the last one is u. */
  private readonly quantiles: Float64Array;
  private u = 0;
  private beta = 1;
  private readonly pu = 1 - (LEVELS - 1) / LEVELS;
  private readonly logEpsilon: number;

  /** `slab`: where to carve the arrays (storageBytes of it); a buffer of its own when omitted. */
  constructor(
    historySize: number,
    tailProbability: number,
    private readonly warmup: number,
    slab?: Slab
  ) {
    if (historySize < 2 * Math.max(RECALIBRATE_EVERY, warmup)) {
      throw new Error(
        `detector config: 'scoreHistory' must be at least ${2 * Math.max(RECALIBRATE_EVERY, warmup)}`
      );
    }
    this.capacity = historySize;
    const from = slab ?? Slab.of(ScoreNormalizer.storageBytes(historySize));
    this.quantiles = from.float64(LEVELS);
    this.history = from.uint8(packedBytes(historySize));
    this.logEpsilon = Math.log(tailProbability);
  }

  /** Bytes of slab the normalizer's arrays take. */
  static storageBytes(historySize: number): number {
    return slabBytes(8 * LEVELS) + slabBytes(packedBytes(historySize));
  }

  /** True until the history holds enough scores to judge against. */
  get warmingUp(): boolean {
    return !this.calibrated;
  }

  /** Tail probability q of a raw score under the current calibration. */
  tailProbability(raw: number): number {
    if (raw > this.u) return this.pu * Math.exp(-(raw - this.u) / this.beta);
    // Empirical, interpolated between the quantile table's levels.
    const qs = this.quantiles;
    if (raw <= qs[0]) return 1;
    let i = 1;
    while (qs[i] < raw) i++;
    const span = qs[i] - qs[i - 1];
    const frac = span > 0 ? (raw - qs[i - 1]) / span : 1;
    return 1 - (i - 1 + frac) / LEVELS;
  }

  /** Feed one raw score; returns the normalized score (0 while warming up). */
  update(raw: number): number {
    const score = this.calibrated ? Math.max(0, Math.log(this.tailProbability(raw)) / this.logEpsilon) : 0;
    this.push(raw);
    this.sinceCalibration++;
    if (
      this.historyCount >= this.warmup &&
      (!this.calibrated || this.sinceCalibration >= RECALIBRATE_EVERY)
    ) {
      this.calibrate();
    }
    return score;
  }

  private push(raw: number): void {
    if (this.historyCount < this.capacity) this.historyCount++;
    const level = Math.round(raw * SCORE_LEVELS);
    setLevel(this.history, this.historyHead, level > SCORE_LEVELS ? SCORE_LEVELS : level < 0 ? 0 : level);
    this.historyHead = (this.historyHead + 1) % this.capacity;
  }

  private calibrate(): void {
    const n = this.historyCount;
    if (sortScratch.length < n) {
      sortScratch = new Uint16Array(this.capacity);
      sortTemp = new Uint16Array(this.capacity);
    }
    const s = sortScratch.subarray(0, n);
    const h = this.history;
    for (let j = 0; j < n; j++) s[j] = levelAt(h, j);
    // Two passes end back in `s`.
    radixSort(s, sortTemp.subarray(0, n));
    for (let i = 0; i < LEVELS; i++) this.quantiles[i] = s[Math.floor((i / LEVELS) * (n - 1))] / SCORE_LEVELS;
    this.u = this.quantiles[LEVELS - 1];
    // The exponential tail's scale from two upper quantiles, not from the mean excess: the
    // 99th percentile ignores the top 1 %, so a few extreme episodes (warm-up included)
    // cannot stretch the tail and hide the next incident. For an exponential tail beyond
    // u (the 95th), the 99th lies β·ln 5 above it.
    const q99 = s[Math.floor(TAIL_QUANTILE * (n - 1))] / SCORE_LEVELS;
    this.beta = Math.max(
      (q99 - this.u) / Math.log((1 - (LEVELS - 1) / LEVELS) / (1 - TAIL_QUANTILE)),
      MIN_EXCESS
    );
    this.sinceCalibration = 0;
    this.calibrated = true;
  }

  /** Binary form for the detector state codec. */
  writeState(w: StateWriter): void {
    w.u32(this.historyHead);
    w.u32(this.historyCount);
    w.u32(this.sinceCalibration);
    w.array(this.history.subarray(0, packedBytes(this.historyCount)));
    w.bool(this.calibrated);
    w.array(this.quantiles);
    w.f64(this.beta);
  }

  readState(r: StateReader): void {
    const h = this.history;
    this.historyHead = r.count(this.capacity - 1, 'score history head');
    this.historyCount = r.count(this.capacity, 'score history count');
    this.sinceCalibration = r.count(this.historyCount, 'scores since calibration');
    if (this.historyCount < this.capacity && this.historyHead !== this.historyCount) {
      throw new StateFormatError('score history head does not match its count');
    }
    const used = packedBytes(this.historyCount);
    r.arrayInto(h.subarray(0, used));
    h.fill(0, used);
    this.calibrated = r.bool();
    r.arrayInto(this.quantiles);
    this.u = this.quantiles[LEVELS - 1];
    this.beta = r.number('score tail scale', MIN_EXCESS);
  }
}
