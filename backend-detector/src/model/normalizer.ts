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
 * The quantiles and β are re-estimated every 128 points from a sorted copy of the history
 * that is kept up to date by merging: the 128 new scores are sorted and merged in, the
 * scores that left the window are dropped, O(history) simple steps instead of a sort.
 * Below u the tail probability is interpolated in a 20-quantile table. Scores are kept as
 * float32 (ample for values in (0, 1]). Memory: 2 × history × 4 bytes.
 */
export interface NormalizerState {
  /** Raw scores in ring order as stored (little-endian float32, base64). */
  history: string;
  historyHead: number;
  historyCount: number;
  sinceCalibration: number;
  /** Scores that left the window since the last calibration. */
  evicted: number[];
  /** Quantile table (levels 0, 0.05, …, 0.95) and exponential tail; null while warming up. */
  calibration: { quantiles: number[]; beta: number } | null;
}

import { StateFormatError, StateReader, StateWriter } from './binary';

const LEVELS = 20;

/** Merge scratch shared by all normalizers (calibration is synchronous): nothing per series. */
let mergeScratch = new Float32Array(0);
let addScratch = new Float32Array(0);

/** Re-estimate u and β this often (points). */
const RECALIBRATE_EVERY = 128;
/** Smallest mean excess, relative to the score scale: a flat history must not make every wiggle infinite. */
const MIN_EXCESS = 0.002;

export class ScoreNormalizer {
  private readonly history: Float32Array;
  private historyCount = 0;
  private historyHead = 0;
  private sinceCalibration = 0;
  /** The history as of the last calibration, sorted ascending (sortedCount values). */
  private readonly sorted: Float32Array;
  private sortedCount = 0;
  /** Scores overwritten in the ring since the last calibration (still in `sorted`). */
  private readonly evicted: Float32Array;
  private evictedCount = 0;
  private calibrated = false;
  /** Values at quantile levels i/LEVELS, i = 0..LEVELS−1; the last one is u. */
  private readonly quantiles = new Float64Array(LEVELS);
  private u = 0;
  private beta = 1;
  private readonly pu = 1 - (LEVELS - 1) / LEVELS;
  private readonly logEpsilon: number;

  constructor(
    historySize: number,
    tailProbability: number,
    private readonly warmup: number
  ) {
    // A score that arrives and leaves between two calibrations would break the merge.
    if (historySize < 2 * Math.max(RECALIBRATE_EVERY, warmup)) {
      throw new Error(
        `detector config: 'scoreHistory' must be at least ${2 * Math.max(RECALIBRATE_EVERY, warmup)}`
      );
    }
    this.history = new Float32Array(historySize);
    this.sorted = new Float32Array(historySize);
    this.evicted = new Float32Array(Math.max(RECALIBRATE_EVERY, warmup));
    this.logEpsilon = Math.log(tailProbability);
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
    const h = this.history;
    if (this.historyCount === h.length) this.evicted[this.evictedCount++] = h[this.historyHead];
    else this.historyCount++;
    h[this.historyHead] = raw;
    this.historyHead = (this.historyHead + 1) % h.length;
  }

  /** Copy the last `count` pushes (ring order) into out[0..count). */
  private recent(count: number, out: Float32Array): void {
    const h = this.history;
    for (let k = 0; k < count; k++) out[k] = h[(this.historyHead - count + k + 2 * h.length) % h.length];
  }

  /** sorted := (sorted − evicted) ∪ the scores pushed since the last calibration. */
  private mergeRecent(): void {
    const added = this.sinceCalibration;
    if (addScratch.length < added) addScratch = new Float32Array(Math.max(added, RECALIBRATE_EVERY));
    const add = addScratch.subarray(0, added);
    this.recent(added, add);
    add.sort();
    const ev = this.evicted.subarray(0, this.evictedCount);
    ev.sort();
    const n = this.sortedCount - this.evictedCount + added;
    if (mergeScratch.length < n) mergeScratch = new Float32Array(this.history.length);
    const out = mergeScratch;
    const old = this.sorted;
    let i = 0;
    let j = 0;
    let a = 0;
    let k = 0;
    while (i < this.sortedCount) {
      const v = old[i];
      if (j < ev.length && v === ev[j]) {
        i++;
        j++;
        continue;
      }
      while (a < added && add[a] < v) out[k++] = add[a++];
      out[k++] = v;
      i++;
    }
    while (a < added) out[k++] = add[a++];
    this.sorted.set(out.subarray(0, k));
    this.sortedCount = k;
    this.evictedCount = 0;
    this.sinceCalibration = 0;
  }

  private calibrate(): void {
    this.mergeRecent();
    const s = this.sorted;
    const n = this.sortedCount;
    for (let i = 0; i < LEVELS; i++) this.quantiles[i] = s[Math.floor((i / LEVELS) * (n - 1))];
    this.u = this.quantiles[LEVELS - 1];
    let excess = 0;
    let k = 0;
    for (let i = n - 1; i >= 0 && s[i] > this.u; i--, k++) excess += s[i] - this.u;
    this.beta = Math.max(k > 0 ? excess / k : 0, MIN_EXCESS);
    this.calibrated = true;
  }

  snapshot(): NormalizerState {
    return {
      history: Buffer.from(this.history.buffer, 0, this.historyCount * 4).toString('base64'),
      historyHead: this.historyHead,
      historyCount: this.historyCount,
      sinceCalibration: this.sinceCalibration,
      evicted: Array.from(this.evicted.subarray(0, this.evictedCount)),
      calibration: this.calibrated ? { quantiles: Array.from(this.quantiles), beta: this.beta } : null,
    };
  }

  restore(st: NormalizerState): void {
    const raw = Buffer.from(st.history, 'base64');
    const h = this.history;
    if (
      st.historyCount > h.length ||
      raw.length !== st.historyCount * 4 ||
      st.evicted.length > this.evicted.length ||
      st.sinceCalibration > st.historyCount
    ) {
      throw new Error('normalizer state does not fit the configured sizes');
    }
    new Uint8Array(h.buffer).set(raw);
    this.historyHead = st.historyHead;
    this.historyCount = st.historyCount;
    this.sinceCalibration = st.sinceCalibration;
    this.evicted.set(st.evicted);
    this.evictedCount = st.evicted.length;
    this.rebuildSorted();
    this.calibrated = st.calibration !== null;
    if (st.calibration) {
      if (st.calibration.quantiles.length !== LEVELS) throw new Error('normalizer state: bad quantile table');
      this.quantiles.set(st.calibration.quantiles);
      this.u = this.quantiles[LEVELS - 1];
      this.beta = st.calibration.beta;
    }
  }

  /**
   * The sorted calibration set is not stored: it is the window minus the scores pushed
   * since the last calibration, plus those that have left it since.
   */
  private rebuildSorted(): void {
    const h = this.history;
    const kept = this.historyCount - this.sinceCalibration;
    const firstKept = this.historyCount < h.length ? 0 : this.historyHead;
    for (let k = 0; k < kept; k++) this.sorted[k] = h[(firstKept + k) % h.length];
    this.sorted.set(this.evicted.subarray(0, this.evictedCount), kept);
    this.sortedCount = kept + this.evictedCount;
    this.sorted.subarray(0, this.sortedCount).sort();
  }

  /** Binary form for the detector state codec (the sorted copy is rebuilt, not stored). */
  writeState(w: StateWriter): void {
    w.u32(this.historyHead);
    w.u32(this.historyCount);
    w.u32(this.sinceCalibration);
    w.u32(this.evictedCount);
    w.array(this.history.subarray(0, this.historyCount));
    w.array(this.evicted.subarray(0, this.evictedCount));
    w.bool(this.calibrated);
    w.array(this.quantiles);
    w.f64(this.beta);
  }

  readState(r: StateReader): void {
    const h = this.history;
    this.historyHead = r.count(h.length - 1, 'score history head');
    this.historyCount = r.count(h.length, 'score history count');
    this.sinceCalibration = r.count(this.historyCount, 'scores since calibration');
    this.evictedCount = r.count(this.evicted.length, 'evicted scores');
    if (this.historyCount < h.length && this.historyHead !== this.historyCount) {
      throw new StateFormatError('score history head does not match its count');
    }
    r.arrayInto(h.subarray(0, this.historyCount));
    h.fill(0, this.historyCount);
    r.arrayInto(this.evicted.subarray(0, this.evictedCount));
    this.calibrated = r.bool();
    r.arrayInto(this.quantiles);
    this.u = this.quantiles[LEVELS - 1];
    this.beta = r.number('score tail scale', MIN_EXCESS);
    this.rebuildSorted();
  }
}
