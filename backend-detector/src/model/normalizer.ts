/**
 * Turns raw Isolation Forest scores into "how improbable is what we see now", in the
 * spirit of Numenta's anomaly likelihood (Ahmad et al. 2017): the mean of the last few raw
 * scores is compared with the distribution of such means over a long recent history, and
 * its Gaussian upper-tail probability q is mapped to a normalized score
 * s = log(q) / log(ε), so s ≥ 1 exactly when q ≤ ε. A raw score that is high but usual
 * for this series (a noisy metric) stays quiet; a jump in the score's own level pages.
 *
 * Memory: (history + average) × 8 bytes.
 */
export interface NormalizerState {
  history: number[];
  recent: number[];
  historyCount: number;
  historyHead: number;
  recentCount: number;
  recentHead: number;
  sum: number;
  sumSq: number;
}

/** Floor of the history's standard deviation: raw scores of a perfectly regular series barely move. */
const MIN_SPREAD = 0.004;

export class ScoreNormalizer {
  private readonly history: Float64Array;
  private readonly recent: Float64Array;
  private historyCount = 0;
  private historyHead = 0;
  private recentCount = 0;
  private recentHead = 0;
  /** Running sums over the history; recomputed exactly each time the ring wraps to bound drift. */
  private sum = 0;
  private sumSq = 0;
  private readonly logEpsilon: number;

  constructor(
    historySize: number,
    averageSize: number,
    tailProbability: number,
    private readonly warmup: number
  ) {
    this.history = new Float64Array(historySize);
    this.recent = new Float64Array(averageSize);
    this.logEpsilon = Math.log(tailProbability);
  }

  /** True until the history holds enough scores to judge against. */
  get warmingUp(): boolean {
    return this.historyCount < this.warmup;
  }

  /** Feed one raw score; returns the normalized score (0 while the history is too short). */
  update(raw: number): number {
    const recent = this.recent;
    recent[this.recentHead] = raw;
    this.recentHead = (this.recentHead + 1) % recent.length;
    if (this.recentCount < recent.length) this.recentCount++;
    let sum = 0;
    for (let i = 0; i < this.recentCount; i++) sum += recent[i];
    const avg = sum / this.recentCount;

    let score = 0;
    if (this.historyCount >= this.warmup) {
      const n = this.historyCount;
      const mean = this.sum / n;
      const sd = Math.max(Math.sqrt(Math.max(this.sumSq / n - mean * mean, 0)), MIN_SPREAD);
      const z = (avg - mean) / sd;
      score = Math.max(0, logUpperTail(z) / this.logEpsilon);
    }
    this.push(avg);
    return score;
  }

  private push(avg: number): void {
    const h = this.history;
    if (this.historyCount === h.length) {
      const old = h[this.historyHead];
      this.sum -= old;
      this.sumSq -= old * old;
    } else {
      this.historyCount++;
    }
    h[this.historyHead] = avg;
    this.sum += avg;
    this.sumSq += avg * avg;
    this.historyHead = (this.historyHead + 1) % h.length;
    if (this.historyHead === 0) {
      let s = 0;
      let s2 = 0;
      for (let i = 0; i < this.historyCount; i++) {
        s += h[i];
        s2 += h[i] * h[i];
      }
      this.sum = s;
      this.sumSq = s2;
    }
  }

  snapshot(): NormalizerState {
    return {
      history: Array.from(this.history.subarray(0, this.historyCount)),
      recent: Array.from(this.recent.subarray(0, this.recentCount)),
      historyCount: this.historyCount,
      historyHead: this.historyHead,
      recentCount: this.recentCount,
      recentHead: this.recentHead,
      sum: this.sum,
      sumSq: this.sumSq,
    };
  }

  restore(s: NormalizerState): void {
    if (s.history.length > this.history.length || s.recent.length > this.recent.length) {
      throw new Error('normalizer state does not fit the configured sizes');
    }
    this.history.set(s.history);
    this.recent.set(s.recent);
    this.historyCount = s.historyCount;
    this.historyHead = s.historyHead;
    this.recentCount = s.recentCount;
    this.recentHead = s.recentHead;
    this.sum = s.sum;
    this.sumSq = s.sumSq;
  }
}

/**
 * log Q(z), the log of the standard normal upper tail, computed without underflow for
 * large z (erfc approximation of Numerical Recipes, fractional error < 1.2e-7).
 */
export function logUpperTail(z: number): number {
  const x = z / Math.SQRT2;
  const ax = Math.abs(x);
  const t = 1 / (1 + 0.5 * ax);
  const poly =
    -ax * ax -
    1.26551223 +
    t *
      (1.00002368 +
        t *
          (0.37409196 +
            t *
              (0.09678418 +
                t *
                  (-0.18628806 +
                    t *
                      (0.27886807 +
                        t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  const logErfc = Math.log(t) + poly;
  if (x >= 0) return logErfc - Math.LN2;
  // erfc(−a) = 2 − erfc(a)
  return Math.log(1 - 0.5 * Math.exp(logErfc));
}
