/**
 * The cardinality guard: the series cap (ANOMALYLENS_MAX_SERIES) protects the detector's
 * memory from a label explosion (a pod id or request id turned into a label). The processor
 * refuses points of new series while the cap is full; this class turns those refusals into
 * what an operator needs: whether the cap is reached right now, and how many distinct series
 * were refused (not just how many points), so the size of the explosion is visible.
 */
export interface SeriesGuardState {
  max: number;
  /** True from the first refused series until active series drop below the cap again. */
  reached: boolean;
  /** Distinct series refused since start. */
  refusedSeries: number;
  /** Wall-clock time the cap was last reached (0 = never). */
  reachedAt: number;
}

export type GuardEvent = 'reached' | 'cleared';

export class SeriesGuard {
  /** Hashes of series refused during the current episode, to count each one once. */
  private readonly refused = new Set<number>();
  private refusedTotal = 0;
  private isReached = false;
  private reachedAt = 0;

  /**
   * @param rememberUpTo refused series remembered per episode; beyond it the memory is
   *   cleared and a series may be counted again (keeps the guard itself bounded: a 53-bit
   *   hash per series, about 1.6 MB at the default).
   */
  constructor(
    readonly max: number,
    private readonly rememberUpTo = 100_000,
    private readonly now: () => number = Date.now
  ) {}

  /** A point of the new series `key` was refused; 'reached' when this starts an episode. */
  refuse(key: string): GuardEvent | undefined {
    const h = hash53(key);
    if (!this.refused.has(h)) {
      if (this.refused.size >= this.rememberUpTo) this.refused.clear();
      this.refused.add(h);
      this.refusedTotal++;
    }
    if (this.isReached) return undefined;
    this.isReached = true;
    this.reachedAt = this.now();
    return 'reached';
  }

  /** The number of active series changed; 'cleared' when it ends an episode. */
  update(active: number): GuardEvent | undefined {
    if (!this.isReached || active >= this.max) return undefined;
    this.isReached = false;
    this.refused.clear();
    return 'cleared';
  }

  get state(): SeriesGuardState {
    return {
      max: this.max,
      reached: this.isReached,
      refusedSeries: this.refusedTotal,
      reachedAt: this.reachedAt,
    };
  }
}

/** cyrb53: a fast 53-bit string hash (fits a JS number exactly, so Set<number> works). */
function hash53(s: string): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}
