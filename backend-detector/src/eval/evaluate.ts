/**
 * One evaluation run: a detector's replay outputs scored against a corpus under every
 * profile, swept, and "as deployed" (the detector's own 0/1 decisions at threshold 0.5).
 */
import { AnomalyDetails, detectionByKind, KindRow } from './by-kind';
import { Corpus, loadResults, resultPath } from './load';
import { Profiles } from './nab-rules';
import { nullScore, perfectScore, ProfileScore, scoreProfile, ThresholdMode } from './scoring';

export interface EvalOptions {
  resultsDir: string;
  scoreColumn: string;
  /** Column with the detector's own decisions; skipped when absent from any file. */
  flagColumn: string | undefined;
  mode: ThresholdMode;
  missingAsZero: boolean;
  /** What each window holds (simulated sets): enables the per-kind breakdown. */
  anomalyDetails?: AnomalyDetails;
}

export interface EvalReport {
  nFiles: number;
  nRows: number;
  nWindows: number;
  categories: string[];
  scoreColumn: string;
  flagColumn: string | undefined;
  baselines: Record<string, { nullScore: number; perfectScore: number }>;
  scores: Record<string, ProfileScore>;
  /** Undefined when no flag column was requested or some file lacks it. */
  deployed: Record<string, ProfileScore> | undefined;
  deployedMissingIn: string[];
  /** Detection per anomaly kind under the standard profile (or the first one reported). */
  byKind: { profile: string; swept: KindRow[]; deployed: KindRow[] | undefined } | undefined;
}

export function evaluate(corpus: Corpus, profiles: Profiles, opts: EvalOptions): EvalReport {
  const { files } = corpus;
  const scoreLists: Float64Array[] = [];
  const flagLists: Float64Array[] = [];
  const flagMissing: string[] = [];
  const cols = opts.flagColumn ? [opts.scoreColumn, opts.flagColumn] : [opts.scoreColumn];
  files.forEach((tf, f) => {
    const file = resultPath(opts.resultsDir, tf);
    const res = loadResults(file, tf, corpus.stamps[f] as Corpus['stamps'][number], cols, opts.missingAsZero);
    const s = res.columns[opts.scoreColumn];
    if (!s) throw new Error(`${file} has no column '${opts.scoreColumn}'`);
    scoreLists.push(s);
    if (opts.flagColumn) {
      const flags = res.columns[opts.flagColumn];
      if (flags) flagLists.push(flags);
      else flagMissing.push(file);
    }
  });
  const baselines: EvalReport['baselines'] = {};
  const scores: Record<string, ProfileScore> = {};
  const deployed: Record<string, ProfileScore> | undefined =
    opts.flagColumn && flagMissing.length === 0 ? {} : undefined;
  for (const [name, cm] of Object.entries(profiles)) {
    const b = { nullScore: nullScore(files, cm), perfectScore: perfectScore(files, cm) };
    baselines[name] = b;
    scores[name] = scoreProfile(name, cm, files, scoreLists, opts.mode, b);
    if (deployed)
      deployed[name] = scoreProfile(name, cm, files, flagLists, { kind: 'fixed', threshold: 0.5 }, b);
  }
  const kindProfile = scores.standard ? 'standard' : Object.keys(scores)[0];
  const byKind =
    opts.anomalyDetails && kindProfile
      ? {
          profile: kindProfile,
          swept: detectionByKind(files, (scores[kindProfile] as ProfileScore).perFile, opts.anomalyDetails),
          deployed: deployed?.[kindProfile]
            ? detectionByKind(files, (deployed[kindProfile] as ProfileScore).perFile, opts.anomalyDetails)
            : undefined,
        }
      : undefined;
  return {
    nFiles: files.length,
    nRows: files.reduce((n, tf) => n + tf.n, 0),
    nWindows: files.reduce((n, tf) => n + tf.windows.length, 0),
    categories: [...new Set(files.map((tf) => tf.category))].sort(),
    scoreColumn: opts.scoreColumn,
    flagColumn: opts.flagColumn,
    baselines,
    scores,
    deployed,
    deployedMissingIn: flagMissing,
    byKind,
  };
}
