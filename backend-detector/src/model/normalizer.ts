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
 * The quantiles and β are re-estimated every 128 points from a copy of the history by
 * multi-target selection (amortized cost ≈ history·log(20)/128 per point); below u the tail probability is
 * interpolated in a 20-quantile table, so the calibration is a few numbers that
 * snapshots carry exactly. Memory: history × 8 bytes (the sort scratch is shared).
 */
export interface NormalizerState {
  /** Raw scores, oldest slot first as stored (little-endian float64, base64). */
  history: string;
  historyHead: number;
  historyCount: number;
  sinceCalibration: number;
  /** Quantile table (levels 0, 0.05, …, 0.95) and exponential tail; null while warming up. */
  calibration: { quantiles: number[]; beta: number } | null;
}

const LEVELS = 20;

const targets = new Int32Array(LEVELS);

/**
 * Rearrange a[lo..hi] so that a[targets[t]] holds the value a full sort would put there,
 * for t in [tlo, thi] (targets ascending). Three-way partitioning copes with long runs of
 * equal scores; the pivot is a deterministic median of three.
 */
function multiSelect(a: Float64Array, lo: number, hi: number, tlo: number, thi: number): void {
  while (tlo <= thi && lo < hi) {
    const mid = (lo + hi) >>> 1;
    const x = a[lo];
    const y = a[mid];
    const z = a[hi];
    const pivot = x < y ? (y < z ? y : x < z ? z : x) : x < z ? x : y < z ? z : y;
    let lt = lo;
    let gt = hi;
    let i = lo;
    while (i <= gt) {
      const v = a[i];
      if (v < pivot) {
        a[i++] = a[lt];
        a[lt++] = v;
      } else if (v > pivot) {
        a[i] = a[gt];
        a[gt--] = v;
      } else {
        i++;
      }
    }
    // a[lo..lt-1] < pivot, a[lt..gt] = pivot, a[gt+1..hi] > pivot
    let leftEnd = tlo;
    while (leftEnd <= thi && targets[leftEnd] < lt) leftEnd++;
    let rightStart = leftEnd;
    while (rightStart <= thi && targets[rightStart] <= gt) rightStart++;
    if (leftEnd - tlo < thi - rightStart + 1) {
      multiSelect(a, lo, lt - 1, tlo, leftEnd - 1);
      lo = gt + 1;
      tlo = rightStart;
    } else {
      multiSelect(a, gt + 1, hi, rightStart, thi);
      hi = lt - 1;
      thi = leftEnd - 1;
    }
  }
}

/** Sorting scratch shared by all normalizers (calibration is synchronous), so it costs nothing per series. */
let sortScratch = new Float64Array(0);

/** Re-estimate u and β this often (points). */
const RECALIBRATE_EVERY = 128;
/** Smallest mean excess, relative to the score scale: a flat history must not make every wiggle infinite. */
const MIN_EXCESS = 0.002;

export class ScoreNormalizer {
  private readonly history: Float64Array;
  private historyCount = 0;
  private historyHead = 0;
  private sinceCalibration = 0;
  /** Calibration (derived from the history, rebuilt on restore). */
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
    this.history = new Float64Array(historySize);
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
    this.history[this.historyHead] = raw;
    this.historyHead = (this.historyHead + 1) % this.history.length;
    if (this.historyCount < this.history.length) this.historyCount++;
  }

  private calibrate(): void {
    const n = this.historyCount;
    if (sortScratch.length < n) sortScratch = new Float64Array(n);
    const s = sortScratch.subarray(0, n);
    s.set(this.history.subarray(0, n));
    // Only LEVELS order statistics are needed: a multi-target quickselect finds them
    // exactly at a fraction of a full sort's cost.
    for (let i = 0; i < LEVELS; i++) targets[i] = Math.floor((i / LEVELS) * (n - 1));
    multiSelect(s, 0, n - 1, 0, LEVELS - 1);
    for (let i = 0; i < LEVELS; i++) this.quantiles[i] = s[targets[i]];
    this.u = this.quantiles[LEVELS - 1];
    let excess = 0;
    let k = 0;
    for (let i = 0; i < n; i++) {
      if (s[i] > this.u) {
        excess += s[i] - this.u;
        k++;
      }
    }
    this.beta = Math.max(k > 0 ? excess / k : 0, MIN_EXCESS);
    this.calibrated = true;
    this.sinceCalibration = 0;
  }

  snapshot(): NormalizerState {
    return {
      history: Buffer.from(this.history.buffer, 0, this.historyCount * 8).toString('base64'),
      historyHead: this.historyHead,
      historyCount: this.historyCount,
      sinceCalibration: this.sinceCalibration,
      calibration: this.calibrated ? { quantiles: Array.from(this.quantiles), beta: this.beta } : null,
    };
  }

  restore(st: NormalizerState): void {
    const raw = Buffer.from(st.history, 'base64');
    if (st.historyCount > this.history.length || raw.length !== st.historyCount * 8) {
      throw new Error('normalizer state does not fit the configured sizes');
    }
    new Uint8Array(this.history.buffer).set(raw);
    this.historyHead = st.historyHead;
    this.historyCount = st.historyCount;
    this.sinceCalibration = st.sinceCalibration;
    this.calibrated = st.calibration !== null;
    if (st.calibration) {
      if (st.calibration.quantiles.length !== LEVELS) throw new Error('normalizer state: bad quantile table');
      this.quantiles.set(st.calibration.quantiles);
      this.u = this.quantiles[LEVELS - 1];
      this.beta = st.calibration.beta;
    }
  }
}
