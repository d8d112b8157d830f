/**
 * `anomaly-lens eval`: NAB scores of replay outputs against labeled windows.
 */
import * as fs from 'fs';
import * as path from 'path';
import { evaluate } from '../eval/evaluate';
import { EvalInputError, loadAnomalyDetails, loadCorpus, loadProfiles } from '../eval/load';
import { TruthError } from '../eval/nab-rules';
import { formatReport, reportJson } from '../eval/report';
import { parseOptions, reportCliError, splitList as list, UsageError } from './args';

const USAGE = `usage: anomaly-lens eval --results <dir> (--nab-root <dir> | --data <dir> --labels <file>) [options]

Scores a detector's replay outputs with the Numenta Anomaly Benchmark rules (probationary
period, windows, scaled sigmoid, cost profiles) over the selected files only: the threshold
is swept over every distinct score, and the detector's own decisions are scored "as deployed".
Normalised: 0 = null detector, 100 = perfect, on the same files.

options:
  --results <dir>        replay outputs mirrored as <dir>/<category>/<name>.csv
  --nab-root <dir>       corpus root with data/, labels/combined_windows.json, config/profiles.json
  --data <dir>           data directory (default <nab-root>/data)
  --labels <file>        windows JSON (default <nab-root>/labels/combined_windows.json)
  --profiles <file>      cost profiles JSON (default <nab-root>/config/profiles.json if present,
                         else NAB's standard, reward_low_FP_rate, reward_low_FN_rate)
  --profile <list>       profiles to report (default all)
  --categories <list>    only these categories (first path component)
  --files <list>         only these files (name, category/name)
  --score-column <name>  score column (default anomaly_score)
  --flag-column <name>   the detector's own 0/1 decisions (default is_anomaly; '' to skip)
  --threshold <t>        score at this fixed threshold instead of sweeping
  --missing-as-zero      data rows missing from a results file get score 0
  --per-file             per-file detail
  --json                 machine-readable output
  -h, --help             show this help
`;

export async function run(argv: string[]): Promise<number> {
  try {
    const values = parseOptions(argv, {
      results: { type: 'string' },
      'nab-root': { type: 'string' },
      data: { type: 'string' },
      labels: { type: 'string' },
      profiles: { type: 'string' },
      profile: { type: 'string' },
      categories: { type: 'string' },
      files: { type: 'string' },
      'score-column': { type: 'string', default: 'anomaly_score' },
      'flag-column': { type: 'string', default: 'is_anomaly' },
      threshold: { type: 'string' },
      'missing-as-zero': { type: 'boolean', default: false },
      'per-file': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    });
    if (values.help) {
      process.stdout.write(USAGE);
      return 0;
    }
    const root = values['nab-root'];
    const dataDir = values.data ?? (root ? path.join(root, 'data') : undefined);
    const labelsFile =
      values.labels ?? (root ? path.join(root, 'labels', 'combined_windows.json') : undefined);
    if (!values.results) throw new UsageError('--results <dir> is required');
    if (!dataDir || !labelsFile) throw new UsageError('give --nab-root, or both --data and --labels');
    let profilesFile = values.profiles;
    if (!profilesFile && root && fs.existsSync(path.join(root, 'config', 'profiles.json'))) {
      profilesFile = path.join(root, 'config', 'profiles.json');
    }
    const allProfiles = loadProfiles(profilesFile);
    const wanted = list(values.profile);
    for (const p of wanted) {
      if (!allProfiles[p])
        throw new UsageError(
          `--profile: unknown profile '${p}' (have: ${Object.keys(allProfiles).join(', ')})`
        );
    }
    const profiles = wanted.length
      ? Object.fromEntries(wanted.map((p) => [p, allProfiles[p]!]))
      : allProfiles;
    let mode: { kind: 'sweep' } | { kind: 'fixed'; threshold: number } = { kind: 'sweep' };
    if (values.threshold !== undefined) {
      const t = Number(values.threshold);
      if (values.threshold.trim() === '' || Number.isNaN(t))
        throw new UsageError(`--threshold: not a number: '${values.threshold}'`);
      mode = { kind: 'fixed', threshold: t };
    }
    const corpus = loadCorpus({
      dataDir,
      labelsFile,
      categories: list(values.categories),
      files: list(values.files),
    });
    const report = evaluate(corpus, profiles, {
      resultsDir: values.results,
      scoreColumn: values['score-column'] as string,
      flagColumn: values['flag-column'] ? values['flag-column'] : undefined,
      mode,
      missingAsZero: values['missing-as-zero'] as boolean,
      anomalyDetails: loadAnomalyDetails(path.join(path.dirname(labelsFile), 'anomalies.json')),
    });
    process.stdout.write(
      values.json
        ? JSON.stringify(reportJson(report, values['per-file'] as boolean), null, 2) + '\n'
        : formatReport(report, values['per-file'] as boolean)
    );
    return 0;
  } catch (err) {
    return reportCliError('eval', USAGE, err, (e) => e instanceof EvalInputError || e instanceof TruthError);
  }
}
