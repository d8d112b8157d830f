/**
 * Leave-one-category-out cross-validation of a detector's settings. Every method (the
 * detector, each baseline) comes as a set of variants (settings; for baselines, each with
 * its alarm threshold), each scored per seed and per file as NAB raw scores of its own 0/1
 * decisions. For each fold (one category of one corpus) the variant that scores best on
 * every other category of every corpus is chosen and scored on the held-out one; the
 * held-out scores, pooled per corpus, are the cross-validated figures. The in-sample
 * figure chooses on everything and scores on everything; the difference is what choosing
 * on the test data would have flattered. Pure: no I/O.
 */

export interface FileInfo {
  corpus: string;
  /** `<corpus>/<category>`: the unit held out. */
  fold: string;
  /** Raw NAB score of detecting nothing, and of detecting every window at its start. */
  nullRaw: number;
  perfectRaw: number;
}

export interface MethodScores {
  method: string;
  variants: string[];
  /** raw[variant][seed][file]: NAB raw score of the variant's decisions on the file. */
  raw: Float64Array[][];
}

export interface Spread {
  mean: number;
  sd: number;
}

export interface FoldOutcome {
  fold: string;
  chosen: string;
  /** Held-out normalised score of the fold alone (NaN when it has no windows), seed mean. */
  heldOut: number;
  /** Held-out raw score minus the null detector's, seed mean (comparable when heldOut is NaN). */
  heldOutGain: number;
}

export interface CorpusOutcome {
  corpus: string;
  crossValidated: Spread;
  inSample: Spread;
}

export interface CrossValidation {
  method: string;
  /** The variant chosen on all files: the default this evaluation recommends. */
  chosen: string;
  folds: FoldOutcome[];
  corpora: CorpusOutcome[];
  /** Mean over corpora, per seed, then mean ± sd over seeds. */
  pooled: { crossValidated: Spread; inSample: Spread };
}

export function spread(xs: readonly number[]): Spread {
  const n = xs.length;
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  const sd = n > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : 0;
  return { mean, sd };
}

function normalised(raw: number, nullRaw: number, perfectRaw: number): number {
  return perfectRaw === nullRaw ? NaN : (100 * (raw - nullRaw)) / (perfectRaw - nullRaw);
}

/** Mean over corpora of the normalised score of `pick(f)` over the files in `members`. */
function objective(
  files: readonly FileInfo[],
  members: readonly number[],
  pick: (f: number) => number
): number {
  const sums = new Map<string, [number, number, number]>();
  for (const f of members) {
    const info = files[f]!;
    const s = sums.get(info.corpus) ?? [0, 0, 0];
    s[0] += pick(f);
    s[1] += info.nullRaw;
    s[2] += info.perfectRaw;
    sums.set(info.corpus, s);
  }
  let total = 0;
  let n = 0;
  for (const [raw, nul, perfect] of sums.values()) {
    const v = normalised(raw, nul, perfect);
    if (!Number.isNaN(v)) {
      total += v;
      n++;
    }
  }
  return n > 0 ? total / n : NaN;
}

/** Index of the variant with the best seed-mean objective on `members` (first on ties). */
function choose(files: readonly FileInfo[], m: MethodScores, members: readonly number[]): number {
  let best = -1;
  let bestValue = -Infinity;
  m.raw.forEach((bySeed, v) => {
    let total = 0;
    for (const raw of bySeed) total += objective(files, members, (f) => raw[f]!);
    const value = total / bySeed.length;
    if (value > bestValue) {
      bestValue = value;
      best = v;
    }
  });
  if (best < 0) throw new Error(`${m.method}: no variant scores on the training files`);
  return best;
}

export function crossValidate(files: readonly FileInfo[], m: MethodScores): CrossValidation {
  const seeds = m.raw[0]!.length;
  const all = files.map((_, f) => f);
  const foldNames = [...new Set(files.map((f) => f.fold))];
  // heldOutRaw[seed][file]: the file's score under the variant chosen without its fold.
  const heldOutRaw = Array.from({ length: seeds }, () => new Float64Array(files.length));
  const folds: FoldOutcome[] = foldNames.map((fold) => {
    const test = all.filter((f) => files[f]!.fold === fold);
    const train = all.filter((f) => files[f]!.fold !== fold);
    const v = choose(files, m, train);
    const perSeed: number[] = [];
    const gains: number[] = [];
    for (let s = 0; s < seeds; s++) {
      let raw = 0;
      let nul = 0;
      let perfect = 0;
      for (const f of test) {
        heldOutRaw[s]![f] = m.raw[v]![s]![f]!;
        raw += heldOutRaw[s]![f]!;
        nul += files[f]!.nullRaw;
        perfect += files[f]!.perfectRaw;
      }
      perSeed.push(normalised(raw, nul, perfect));
      gains.push(raw - nul);
    }
    return { fold, chosen: m.variants[v]!, heldOut: spread(perSeed).mean, heldOutGain: spread(gains).mean };
  });
  const chosen = choose(files, m, all);
  const corpusNames = [...new Set(files.map((f) => f.corpus))];
  const corpora = corpusNames.map((corpus) => {
    const members = all.filter((f) => files[f]!.corpus === corpus);
    const cv: number[] = [];
    const ins: number[] = [];
    for (let s = 0; s < seeds; s++) {
      cv.push(objective(files, members, (f) => heldOutRaw[s]![f]!));
      ins.push(objective(files, members, (f) => m.raw[chosen]![s]![f]!));
    }
    return { corpus, crossValidated: spread(cv), inSample: spread(ins) };
  });
  const pooledCv: number[] = [];
  const pooledIn: number[] = [];
  for (let s = 0; s < seeds; s++) {
    pooledCv.push(objective(files, all, (f) => heldOutRaw[s]![f]!));
    pooledIn.push(objective(files, all, (f) => m.raw[chosen]![s]![f]!));
  }
  return {
    method: m.method,
    chosen: m.variants[chosen]!,
    folds,
    corpora,
    pooled: { crossValidated: spread(pooledCv), inSample: spread(pooledIn) },
  };
}

/** Seed-mean in-sample score of every variant per corpus (for reading how a knob behaves). */
export function variantTable(
  files: readonly FileInfo[],
  m: MethodScores
): Array<{ variant: string; byCorpus: Record<string, number>; mean: number }> {
  const corpusNames = [...new Set(files.map((f) => f.corpus))];
  const all = files.map((_, f) => f);
  return m.variants.map((variant, v) => {
    const byCorpus: Record<string, number> = {};
    for (const c of corpusNames) {
      const members = all.filter((f) => files[f]!.corpus === c);
      byCorpus[c] = spread(m.raw[v]!.map((raw) => objective(files, members, (f) => raw[f]!))).mean;
    }
    const mean = spread(m.raw[v]!.map((raw) => objective(files, all, (f) => raw[f]!))).mean;
    return { variant, byCorpus, mean };
  });
}
