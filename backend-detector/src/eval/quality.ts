/**
 * `anomaly-lens quality` (what `npm run eval` runs): the detector and the baselines over
 * every labelled development corpus, in one process, with leave-one-category-out
 * cross-validation of the detector's settings and the baselines' thresholds.
 */
import { DetectorConfig } from '../model/config';
import { createSeriesDetector } from '../model/detector';
import { flagsWithHoldoff, runningZScore, slidingForest } from './baselines';
import { crossValidate, CrossValidation, FileInfo, MethodScores, variantTable } from './cross-validation';
import { NAB_PROFILES } from './nab-format';
import { CostMatrix } from './nab-rules';
import { evaluateFile, sweep } from './scoring';
import { LabelledCorpus, LabelledSeries } from './series';

export const STANDARD: CostMatrix = NAB_PROFILES.standard.CostMatrix;

/** Settings tried for the detector: every combination of these values. */
export type Grid = Partial<Record<keyof DetectorConfig, number[]>>;

export interface QualityOptions {
  grid: Grid;
  seeds: number;
  /** Z-score windows and thresholds tried for the baselines. */
  zWindows: number[];
  zThresholds: number[];
  holdoffs: number[];
  forestThresholds: number[];
  progress?: (done: number, total: number, what: string) => void;
}

export const DEFAULT_QUALITY_OPTIONS: QualityOptions = {
  grid: {},
  seeds: 10,
  zWindows: [48, 288],
  // Geometric steps of 8 %: finer than the differences that matter between corpora.
  zThresholds: Array.from({ length: 36 }, (_, k) => Number((2 * 1.08 ** k).toFixed(3))),
  holdoffs: [100, 400],
  forestThresholds: Array.from({ length: 21 }, (_, k) => 0.5 + 0.02 * k),
};

export interface Entry {
  corpus: string;
  series: LabelledSeries;
}

export function fileInfos(entries: readonly Entry[]): FileInfo[] {
  return entries.map(({ corpus, series }) => {
    const tf = series.truth;
    const nullRaw = evaluateFile(tf, new Float64Array(tf.n), STANDARD, 1).score;
    const perfectRaw = STANDARD.tpWeight * tf.windows.length;
    return { corpus, fold: `${corpus}/${tf.category}`, nullRaw, perfectRaw };
  });
}

export function entriesOf(corpora: readonly LabelledCorpus[]): Entry[] {
  return corpora.flatMap((c) => c.series.map((series) => ({ corpus: c.name, series })));
}

/** Every combination of the grid's values, as config overrides with a readable name. */
export function gridVariants(grid: Grid): Array<{ name: string; config: Partial<DetectorConfig> }> {
  let out: Array<{ name: string; config: Record<string, number> }> = [{ name: '', config: {} }];
  for (const [key, values] of Object.entries(grid)) {
    if (!values || values.length === 0) continue;
    out = out.flatMap((v) =>
      values.map((value) => ({
        name: `${v.name}${v.name ? ' ' : ''}${key}=${value}`,
        config: { ...v.config, [key]: value },
      }))
    );
  }
  return out.map((v) => ({ name: v.name || 'defaults', config: v.config as Partial<DetectorConfig> }));
}

export interface DetectorRun {
  /** score01 per row (0 for gaps), and the detector's own 0/1 decision. */
  scores: Float32Array;
  flags: Float64Array;
}

/** Replay one series through a fresh detector, exactly as `anomaly-lens replay` does. */
export function runDetector(series: LabelledSeries, config: Partial<DetectorConfig>): DetectorRun {
  const d = createSeriesDetector(config);
  const n = series.values.length;
  const scores = new Float32Array(n);
  const flags = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = series.values[i]!;
    const out = Number.isNaN(v) ? d.gap(series.times[i]!) : d.update(series.times[i]!, v);
    scores[i] = Number.isNaN(out.score01) ? 0 : out.score01;
    flags[i] = out.isAnomaly ? 1 : 0;
  }
  return { scores, flags };
}

export interface DetectorScores extends MethodScores {
  /** runs[variant][seed][file] */
  runs: DetectorRun[][][];
}

export function scoreDetector(entries: readonly Entry[], o: QualityOptions): DetectorScores {
  const variants = gridVariants(o.grid);
  const total = variants.length * o.seeds;
  let done = 0;
  const runs = variants.map((v) =>
    Array.from({ length: o.seeds }, (_, s) => {
      const r = entries.map((e) => runDetector(e.series, { ...v.config, seed: s + 1 }));
      o.progress?.(++done, total, `detector ${v.name} seed ${s + 1}`);
      return r;
    })
  );
  const raw = runs.map((bySeed) =>
    bySeed.map((byFile) =>
      Float64Array.from(
        byFile,
        (run, f) => evaluateFile(entries[f]!.series.truth, run.flags, STANDARD, 0.5).score
      )
    )
  );
  return { method: 'Anomaly Lens (as deployed)', variants: variants.map((v) => v.name), raw, runs };
}

/** A thresholded baseline: one variant per (setting, threshold), decisions with a holdoff. */
function thresholded(
  method: string,
  entries: readonly Entry[],
  settings: Array<{ name: string; seeds: Float64Array[][] }>,
  thresholds: readonly number[],
  holdoffs: readonly number[]
): MethodScores {
  const variants: string[] = [];
  const raw: Float64Array[][] = [];
  for (const s of settings) {
    for (const holdoff of holdoffs) {
      for (const t of thresholds) {
        variants.push(`${s.name}${holdoff > 0 ? ` holdoff ${holdoff}` : ''} threshold ${t}`);
        raw.push(
          s.seeds.map((byFile) =>
            Float64Array.from(
              byFile,
              (scores, f) =>
                evaluateFile(entries[f]!.series.truth, flagsWithHoldoff(scores, t, holdoff), STANDARD, 0.5)
                  .score
            )
          )
        );
      }
    }
  }
  return { method, variants, raw };
}

export function scoreBaselines(entries: readonly Entry[], o: QualityOptions): MethodScores[] {
  const z = o.zWindows.map((w) => ({
    name: `window ${w}`,
    seeds: [entries.map((e) => runningZScore(e.series.values, w))],
  }));
  const forest = [
    {
      name: 'window 512',
      seeds: Array.from({ length: o.seeds }, (_, s) =>
        entries.map((e) =>
          slidingForest(e.series.values, {
            window: 512,
            refitEvery: 128,
            trees: 64,
            sampleSize: 128,
            seed: s + 1,
          })
        )
      ),
    },
  ];
  return [
    thresholded('running z-score', entries, z, o.zThresholds, [0]),
    thresholded('running z-score, holdoff after an alarm', entries, z, o.zThresholds, o.holdoffs),
    thresholded('paper Isolation Forest, sliding window', entries, forest, o.forestThresholds, [0]),
  ];
}

/** Threshold swept per corpus (NAB's own procedure, in-sample) for one run per file. */
export function sweptByCorpus(
  entries: readonly Entry[],
  infos: readonly FileInfo[],
  runs: readonly DetectorRun[]
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const corpus of new Set(infos.map((f) => f.corpus))) {
    const idx = infos.map((f, i) => (f.corpus === corpus ? i : -1)).filter((i) => i >= 0);
    const files = idx.map((i) => entries[i]!.series.truth);
    const best = sweep(
      files,
      idx.map((i) => runs[i]!.scores),
      STANDARD
    );
    const nul = idx.reduce((a, i) => a + infos[i]!.nullRaw, 0);
    const perfect = idx.reduce((a, i) => a + infos[i]!.perfectRaw, 0);
    out[corpus] = perfect === nul ? NaN : (100 * (best.score - nul)) / (perfect - nul);
  }
  return out;
}

export interface QualityReport {
  detector: CrossValidation;
  baselines: CrossValidation[];
  /** Per baseline and corpus: its best variant chosen on that corpus alone (an upper bound). */
  baselineCeilings: Array<{ method: string; byCorpus: Record<string, { variant: string; score: number }> }>;
  variants: ReturnType<typeof variantTable>;
  /** Chosen variant, per seed: threshold swept per corpus (in-sample). */
  swept: Array<Record<string, number>>;
}

export function assessQuality(corpora: readonly LabelledCorpus[], o: QualityOptions): QualityReport {
  const entries = entriesOf(corpora);
  const infos = fileInfos(entries);
  const det = scoreDetector(entries, o);
  const detector = crossValidate(infos, det);
  const chosen = det.variants.indexOf(detector.chosen);
  const swept = det.runs[chosen]!.map((byFile) => sweptByCorpus(entries, infos, byFile));
  const baselineScores = scoreBaselines(entries, o);
  const baselines = baselineScores.map((m) => crossValidate(infos, m));
  const baselineCeilings = baselineScores.map((m) => {
    const table = variantTable(infos, m);
    const byCorpus: Record<string, { variant: string; score: number }> = {};
    for (const corpus of Object.keys(table[0]!.byCorpus)) {
      let best = { variant: '', score: -Infinity };
      for (const v of table)
        if (v.byCorpus[corpus]! > best.score) best = { variant: v.variant, score: v.byCorpus[corpus]! };
      byCorpus[corpus] = best;
    }
    return { method: m.method, byCorpus };
  });
  return { detector, baselines, baselineCeilings, variants: variantTable(infos, det), swept };
}
