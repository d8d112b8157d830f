import * as fs from 'fs';
import * as path from 'path';
import { DetectorConfig } from '../model/config';
import { createSeriesDetector } from '../model/detector';
import { SeriesDetector } from '../model/types';
import { CSV_HEADER_EXPECTED, parseCsvHeader } from '../csv/columns';
import { parseTimestamp, parseValue, readLines, splitCsv } from '../csv/read';
import { PolicyError } from '../policy/parse';
import { loadPolicyFile, type LoadedPolicy } from '../policy/load';
import { inMaintenance, NO_POLICY, resolveSeries, type SeriesPolicy } from '../policy/resolve';
import { withSeasonal } from '../model/config';
import { Progress } from './progress';

const HELP = `usage: anomaly-lens replay --input <file.csv|dir> --output <file.csv|dir> [--config <file.json>]
                           [--policy <policy.yaml>]

Score NAB-format CSV files offline with the streaming detector, exactly as the live
service would have scored them point by point.

  --input   a CSV file with a header containing timestamp,value (NAB format
            "2014-02-14 14:30:00", ISO-8601, or epoch seconds/ms), or a directory
            searched recursively for *.csv
  --output  the output CSV file, or (directory input) a directory mirrored from the input
  --config  optional JSON file overriding detector settings (see docs), e.g. {"seed": 7}
  --policy  a detection policy (docs/policy.md), applied as the service applies it; a
            file's series has the labels metric="<file name without .csv>" and
            file="<path relative to --input, without .csv>". Rows inside a maintenance
            window get an empty anomaly_score and is_anomaly 0 and are not learned; a
            file whose series is ignored is skipped (no output file)
  --help    show this help

Output columns: timestamp,value,anomaly_score,is_anomaly,expected,lower,upper
  anomaly_score ∈ [0,1], monotone in the detector's score (0.5 ⇔ score 1, the
  anomaly threshold); is_anomaly is the detector's own 0/1 decision after event
  hysteresis; expected/lower/upper are empty while the detector warms up.

Causal and deterministic: row i depends only on rows ≤ i; scoring a prefix of a file
gives exactly the prefix of the full output. Files are streamed; an output file appears
only when its input was read completely and without error.
`;

export const OUTPUT_HEADER = 'timestamp,value,anomaly_score,is_anomaly,expected,lower,upper';

/** A problem with an input file, reported as `file:line: reason`. */
export class InputError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly reason: string
  ) {
    super(line > 0 ? `${file}:${line}: ${reason}` : `${file}: ${reason}`);
  }
}

interface Options {
  input: string;
  output: string;
  config: Partial<DetectorConfig>;
  policyFile?: string;
}

function parseArgs(argv: string[]): Options | string {
  let input: string | undefined;
  let output: string | undefined;
  let configFile: string | undefined;
  let policyFile: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [flag, inline] =
      arg.startsWith('--') && arg.includes('=') ? arg.split(/=(.*)/s, 2) : [arg, undefined];
    const value = (): string | undefined => inline ?? argv[++i];
    if (flag === '--input') input = value();
    else if (flag === '--output') output = value();
    else if (flag === '--config') configFile = value();
    else if (flag === '--policy') policyFile = value() ?? '';
    else return `unknown argument '${arg}'`;
  }
  if (!input) return 'missing --input';
  if (!output) return 'missing --output';
  let config: Partial<DetectorConfig> = {};
  if (configFile) {
    try {
      config = JSON.parse(fs.readFileSync(configFile, 'utf8')) as Partial<DetectorConfig>;
    } catch (err) {
      return `cannot read --config ${configFile}: ${(err as Error).message}`;
    }
    if (typeof config !== 'object' || config === null || Array.isArray(config)) {
      return `--config ${configFile} must hold a JSON object`;
    }
  }
  if (policyFile === '') return 'missing the file after --policy';
  return { input, output, config, policyFile };
}

/** Expected/lower/upper: 8 significant digits (plain toPrecision: fast, and any CSV reader parses it). */
function fmt(x: number): string {
  return Number.isNaN(x) ? '' : x.toPrecision(8);
}

/** anomaly_score ∈ [0, 1] at a fixed resolution of 1e-6. */
function fmtScore(x: number): string {
  return x.toFixed(6);
}

/** Buffered writer on a file descriptor (synchronous writes keep memory flat). */
class OutBuffer {
  private parts: string[] = [];
  private size = 0;
  constructor(private readonly fd: number) {}
  write(s: string): void {
    this.parts.push(s);
    this.size += s.length;
    if (this.size >= 1 << 16) this.flush();
  }
  flush(): void {
    if (this.parts.length === 0) return;
    fs.writeSync(this.fd, this.parts.join(''));
    this.parts = [];
    this.size = 0;
  }
}

export interface ReplayStats {
  rows: number;
  anomalies: number;
  /** Rows inside a maintenance window (not scored, not learned). */
  maintenance: number;
}

/** The labels a policy sees for a replayed file: its name as `metric`, its path as `file`. */
export function replayLabels(inFile: string, inputRoot: string): Record<string, string> {
  const stat = fs.statSync(inputRoot);
  const rel = stat.isDirectory() ? path.relative(inputRoot, inFile) : path.basename(inFile);
  const strip = (p: string) => p.replace(/\.csv$/i, '');
  return { metric: strip(path.basename(inFile)), file: strip(rel.split(path.sep).join('/')) };
}

/**
 * Score one CSV file into `outFile`. Writes to a temporary sibling first and renames it
 * into place on success; on any error the temporary file is removed and nothing that
 * looks like a finished output is left behind.
 */
export async function replayFile(
  inFile: string,
  outFile: string,
  config: Partial<DetectorConfig>,
  onRow?: (rows: number) => void,
  makeDetector: (config: Partial<DetectorConfig>) => SeriesDetector = createSeriesDetector,
  series: SeriesPolicy = NO_POLICY
): Promise<ReplayStats> {
  const detector = makeDetector(withSeasonal(config, series.model));
  fs.mkdirSync(path.dirname(path.resolve(outFile)), { recursive: true });
  const tmp = path.join(
    path.dirname(path.resolve(outFile)),
    `.${path.basename(outFile)}.${process.pid}.partial`
  );
  const fd = fs.openSync(tmp, 'w');
  const out = new OutBuffer(fd);
  let ok = false;
  const stats: ReplayStats = { rows: 0, anomalies: 0, maintenance: 0 };
  const hasMaintenance = series.maintenance.length > 0;
  try {
    let tsCol = -1;
    let valCol = -1;
    let sawHeader = false;
    for await (const [line, lineNo] of readLines(inFile)) {
      if (!sawHeader) {
        const header = parseCsvHeader(line);
        if (!header) {
          throw new InputError(inFile, lineNo, `missing header: ${CSV_HEADER_EXPECTED}, got '${line}'`);
        }
        tsCol = header.timestamp;
        valCol = header.value;
        sawHeader = true;
        out.write(OUTPUT_HEADER + '\n');
        continue;
      }
      if (line.trim().length === 0) continue;
      const cells = splitCsv(line);
      const tsCell = cells[tsCol];
      const valCell = cells[valCol];
      if (tsCell === undefined || valCell === undefined) {
        throw new InputError(inFile, lineNo, `expected at least ${Math.max(tsCol, valCol) + 1} columns`);
      }
      const ts = parseTimestamp(tsCell);
      if (Number.isNaN(ts)) throw new InputError(inFile, lineNo, `unparseable timestamp '${tsCell}'`);
      // A row without a value is a gap: it keeps its place with an empty score and is not learned.
      const gap = valCell.trim().length === 0;
      const value = gap ? NaN : parseValue(valCell);
      if (!gap && Number.isNaN(value)) throw new InputError(inFile, lineNo, `non-numeric value '${valCell}'`);
      // Inside maintenance the detector only reports its expected range: nothing is learned.
      const paused = hasMaintenance && !gap && inMaintenance(series, ts);
      const r = gap || paused ? detector.gap(ts) : detector.update(ts, value, series.output);
      stats.rows++;
      if (paused) stats.maintenance++;
      if (r.isAnomaly) stats.anomalies++;
      const score = gap || paused ? '' : fmtScore(r.score01);
      out.write(
        `${tsCell},${valCell},${score},${r.isAnomaly ? 1 : 0},${fmt(r.expected)},${fmt(r.lower)},${fmt(r.upper)}\n`
      );
      if (onRow !== undefined && (stats.rows & 1023) === 0) onRow(stats.rows);
    }
    if (!sawHeader) throw new InputError(inFile, 0, 'empty file (no header line)');
    out.flush();
    ok = true;
  } finally {
    fs.closeSync(fd);
    if (ok) fs.renameSync(tmp, outFile);
    else fs.rmSync(tmp, { force: true });
  }
  return stats;
}

/** Every *.csv below `dir`, as paths relative to it, in a stable order. */
function listCsv(dir: string): string[] {
  const found: string[] = [];
  const walk = (rel: string): void => {
    const entries = fs.readdirSync(path.join(dir, rel), { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const r = path.join(rel, e.name);
      if (e.isDirectory()) walk(r);
      else if (e.isFile() && e.name.toLowerCase().endsWith('.csv')) found.push(r);
    }
  };
  walk('');
  return found;
}

export async function run(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(HELP);
    return 0;
  }
  const opts = parseArgs(argv);
  if (typeof opts === 'string') {
    process.stderr.write(`anomaly-lens replay: ${opts}\n\n${HELP}`);
    return 2;
  }
  try {
    createSeriesDetector(opts.config); // validate the config once, before touching files
  } catch (err) {
    process.stderr.write(`anomaly-lens replay: ${(err as Error).message}\n`);
    return 2;
  }
  let policy: LoadedPolicy | undefined;
  if (opts.policyFile !== undefined) {
    try {
      policy = loadPolicyFile(opts.policyFile);
    } catch (err) {
      if (!(err instanceof PolicyError)) throw err;
      process.stderr.write(`anomaly-lens replay: ${err.message}\n`);
      return 2;
    }
  }
  let stat: fs.Stats;
  try {
    stat = fs.statSync(opts.input);
  } catch {
    process.stderr.write(`anomaly-lens replay: input '${opts.input}' does not exist\n`);
    return 2;
  }
  const jobs: [string, string][] = [];
  if (stat.isDirectory()) {
    if (fs.existsSync(opts.output) && !fs.statSync(opts.output).isDirectory()) {
      process.stderr.write(`anomaly-lens replay: input is a directory, so --output must be one too\n`);
      return 2;
    }
    for (const rel of listCsv(opts.input))
      jobs.push([path.join(opts.input, rel), path.join(opts.output, rel)]);
    if (jobs.length === 0) {
      process.stderr.write(`anomaly-lens replay: no .csv files under '${opts.input}'\n`);
      return 1;
    }
  } else {
    let out = opts.output;
    if (fs.existsSync(out) && fs.statSync(out).isDirectory()) out = path.join(out, path.basename(opts.input));
    jobs.push([opts.input, out]);
  }

  const progress = new Progress();
  const started = Date.now();
  let failed = 0;
  let total = 0;
  for (let i = 0; i < jobs.length; i++) {
    const [inFile, outFile] = jobs[i];
    const label = `replay [${i + 1}/${jobs.length}] ${path.basename(inFile)}`;
    const series = policy ? resolveSeries(policy.policy, replayLabels(inFile, opts.input)) : NO_POLICY;
    if (series.ignore) {
      progress.done();
      process.stderr.write(`anomaly-lens replay: ${inFile}: ignored by the policy, no output\n`);
      continue;
    }
    try {
      const s = await replayFile(
        inFile,
        outFile,
        opts.config,
        (rows) =>
          progress.tick(() => {
            const secs = Math.max((Date.now() - started) / 1000, 1e-3);
            return `${label}: ${rows.toLocaleString('en-US')} rows (${Math.round((total + rows) / secs).toLocaleString('en-US')} rows/s)`;
          }),
        undefined,
        series
      );
      total += s.rows;
    } catch (err) {
      failed++;
      progress.done();
      const msg = err instanceof InputError ? err.message : `${inFile}: ${(err as Error).message}`;
      process.stderr.write(`anomaly-lens replay: ${msg}\n`);
    }
  }
  progress.done();
  if (failed > 0) {
    process.stderr.write(
      `anomaly-lens replay: ${failed} of ${jobs.length} file(s) failed; no output written for them\n`
    );
    return 1;
  }
  return 0;
}
