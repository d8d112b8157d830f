/**
 * Simple detectors computed in the same run as the real one, so every quality figure has a
 * floor beside it. Pure and causal: the score of row i uses rows ≤ i only. A row without
 * a value scores 0 and is not learned.
 */
import { IsolationForest, Prng } from '../model/iforest';

/** |x − mean| / sd of the previous `window` values (0 until `window` values were seen). */
export function runningZScore(values: Float64Array, window: number): Float64Array {
  const out = new Float64Array(values.length);
  const ring = new Float64Array(window);
  let head = 0;
  let count = 0;
  let sum = 0;
  let sumSq = 0;
  for (let i = 0; i < values.length; i++) {
    const x = values[i]!;
    if (Number.isNaN(x)) continue;
    if (count === window) {
      const mean = sum / window;
      const variance = Math.max(sumSq / window - mean * mean, 0);
      const sd = Math.sqrt(variance);
      const dev = Math.abs(x - mean);
      out[i] = sd > 1e-12 * Math.max(1, Math.abs(mean)) ? dev / sd : dev > 0 ? 1e6 : 0;
      const old = ring[head]!;
      sum -= old;
      sumSq -= old * old;
    } else {
      count++;
    }
    ring[head] = x;
    head = (head + 1) % window;
    sum += x;
    sumSq += x * x;
    // Re-sum now and then: running sums of squares drift on long series of large values.
    if (head === 0 && count === window) {
      sum = 0;
      sumSq = 0;
      for (let k = 0; k < window; k++) {
        sum += ring[k]!;
        sumSq += ring[k]! * ring[k]!;
      }
    }
  }
  return out;
}

/** 0/1 flags: score ≥ threshold, except within `holdoff` rows after the last flag. */
export function flagsWithHoldoff(scores: Float64Array, threshold: number, holdoff: number): Float64Array {
  const out = new Float64Array(scores.length);
  let last = -Infinity;
  for (let i = 0; i < scores.length; i++) {
    if (scores[i]! >= threshold && i - last > holdoff) {
      out[i] = 1;
      last = i;
    }
  }
  return out;
}

export interface SlidingForestOptions {
  window: number;
  refitEvery: number;
  trees: number;
  sampleSize: number;
  seed: number;
}

/**
 * The paper's Isolation Forest on the value alone, refitted every `refitEvery` rows on the
 * last `window` values (the approach this project started from). Plain scoring, no
 * range-aware extension; 0 until the first fit.
 */
export function slidingForest(values: Float64Array, o: SlidingForestOptions): Float64Array {
  const out = new Float64Array(values.length);
  const ring = new Float32Array(o.window);
  const rng = new Prng(o.seed);
  const point = new Float64Array(1);
  let head = 0;
  let count = 0;
  let seen = 0;
  let nextFit = Math.min(64, o.window);
  let forest: IsolationForest | null = null;
  for (let i = 0; i < values.length; i++) {
    const x = values[i]!;
    if (Number.isNaN(x)) continue;
    if (forest) {
      point[0] = x;
      out[i] = forest.score(point, 0);
    }
    ring[head] = x;
    head = (head + 1) % o.window;
    if (count < o.window) count++;
    seen++;
    if (seen >= nextFit) {
      // The ring's order does not matter to a forest: fit on its filled part.
      forest = IsolationForest.fit(ring, count, 1, { trees: o.trees, sampleSize: o.sampleSize }, rng);
      nextFit = seen + o.refitEvery;
    }
  }
  return out;
}
