/**
 * Reading a NAB-style corpus (data CSVs + combined_windows.json + profiles.json) and a
 * detector's replay outputs mirrored as <results>/<category>/<name>.csv.
 */
import * as fs from 'fs';
import * as path from 'path';
import { NAB_PROFILES, parseNabTimestamp } from './nab-format';
import { AnomalyDetails, LabeledAnomaly } from './by-kind';
import { buildTruthFile, CostMatrix, Profiles, TruthFile } from './nab-rules';

export class EvalInputError extends Error {}

export interface Csv {
  header: string[];
  rows: string[][];
  /** 1-based file line of each row, for error messages. */
  lines: number[];
}

/** Plain comma-separated text as NAB and replay write it (no quoted commas); CRLF tolerated. */
export function readCsv(file: string): Csv {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new EvalInputError(`cannot read ${file}: ${(err as Error).message}`);
  }
  const all = text.replace(/^\uFEFF/, '').split('\n');
  let k = 0;
  while (k < all.length && (all[k] as string).trim() === '') k++;
  if (k === all.length) throw new EvalInputError(`${file}: empty CSV`);
  const header = (all[k] as string).split(',').map((h) => h.trim().replace(/^"(.*)"$/, '$1'));
  const rows: string[][] = [];
  const lines: number[] = [];
  for (let i = k + 1; i < all.length; i++) {
    const line = (all[i] as string).replace(/\r$/, '');
    if (line.trim() === '') continue;
    rows.push(line.split(','));
    lines.push(i + 1);
  }
  return { header, rows, lines };
}

const NUMBER_RE = /^\s*[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?\s*$/i;

/** Strict number parsing (Number('') would be 0); true/false accepted for flag columns. */
export function parseScore(text: string | undefined, file: string, line: number): number {
  const t = (text ?? '').trim();
  if (NUMBER_RE.test(t)) return Number(t);
  if (/^true$/i.test(t)) return 1;
  if (/^false$/i.test(t)) return 0;
  if (/^[+-]?inf(inity)?$/i.test(t)) return t.startsWith('-') ? -Infinity : Infinity;
  throw new EvalInputError(`${file} line ${line}: not a number: '${text ?? ''}'`);
}

export interface CorpusSelection {
  dataDir: string;
  labelsFile: string;
  /** Keep only these categories (first path component); empty = all. */
  categories?: readonly string[];
  /** Keep only these files: stem, category/stem or category/stem.csv; empty = all. */
  files?: readonly string[];
}

export interface Corpus {
  files: TruthFile[];
  /** Each file's timestamp texts and parsed times, for aligning results. */
  stamps: Array<{ text: string[]; ms: Float64Array }>;
}

export function loadCorpus(sel: CorpusSelection): Corpus {
  let labels: Record<string, Array<[string, string]>>;
  try {
    labels = JSON.parse(fs.readFileSync(sel.labelsFile, 'utf8'));
  } catch (err) {
    throw new EvalInputError(`cannot read labels ${sel.labelsFile}: ${(err as Error).message}`);
  }
  let rels = Object.keys(labels).sort();
  const cats = sel.categories ?? [];
  if (cats.length > 0) {
    const known = new Set(rels.map((r) => r.split('/')[0]));
    const unknown = cats.filter((c) => !known.has(c));
    if (unknown.length > 0) throw new EvalInputError(`unknown categories: ${unknown.join(', ')}`);
    rels = rels.filter((r) => cats.includes(r.split('/')[0] as string));
  }
  const wanted = sel.files ?? [];
  if (wanted.length > 0) {
    rels = rels.filter((r) => {
      const stem = (r.split('/').pop() as string).replace(/\.csv$/, '');
      return wanted.some((f) => f === r || f === stem || f === r.replace(/\.csv$/, ''));
    });
  }
  if (rels.length === 0) throw new EvalInputError('no data files selected');
  const files: TruthFile[] = [];
  const stamps: Corpus['stamps'] = [];
  for (const rel of rels) {
    const file = path.join(sel.dataDir, ...rel.split('/'));
    if (!fs.existsSync(file)) throw new EvalInputError(`data file missing: ${file}`);
    const csv = readCsv(file);
    const col = csv.header.indexOf('timestamp');
    if (col < 0) throw new EvalInputError(`${file} has no timestamp column`);
    const text = csv.rows.map((r) => (r[col] ?? '').trim());
    const ms = Float64Array.from(text, (t, i) => {
      const v = parseNabTimestamp(t);
      if (Number.isNaN(v))
        throw new EvalInputError(`${file} line ${csv.lines[i]}: unparseable timestamp '${t}'`);
      return v;
    });
    const limits = (labels[rel] ?? []).map(([a, b]): [number, number] => {
      const ta = parseNabTimestamp(a);
      const tb = parseNabTimestamp(b);
      if (Number.isNaN(ta) || Number.isNaN(tb))
        throw new EvalInputError(`${sel.labelsFile}: bad window [${a}, ${b}] of ${rel}`);
      return [ta, tb];
    });
    files.push(buildTruthFile(rel, ms, limits));
    stamps.push({ text, ms });
  }
  return { files, stamps };
}

export function loadProfiles(file: string | undefined): Profiles {
  const raw: Record<string, { CostMatrix: CostMatrix }> =
    file === undefined
      ? NAB_PROFILES
      : (JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, { CostMatrix: CostMatrix }>);
  const out: Profiles = {};
  for (const [name, p] of Object.entries(raw)) {
    const cm = p?.CostMatrix;
    for (const k of ['tpWeight', 'fnWeight', 'fpWeight'] as const) {
      if (typeof cm?.[k] !== 'number')
        throw new EvalInputError(`${file}: profile ${name} has no numeric CostMatrix.${k}`);
    }
    out[name] = { tpWeight: cm.tpWeight, fnWeight: cm.fnWeight, fpWeight: cm.fpWeight };
  }
  return out;
}

export function resultPath(resultsDir: string, tf: TruthFile): string {
  return path.join(resultsDir, tf.category, `${tf.stem}.csv`);
}

export interface LoadedResults {
  /** One array per requested column, aligned with the data rows; undefined if the column is absent. */
  columns: Record<string, Float64Array | undefined>;
  missingRows: number;
}

/**
 * Read a result file's columns aligned with the data rows: positionally when the timestamps
 * match row for row, otherwise by timestamp (rows absent from the results fail unless
 * `missingAsZero`, which scores them 0).
 */
export function loadResults(
  file: string,
  tf: TruthFile,
  stamps: { text: string[]; ms: Float64Array },
  columns: readonly string[],
  missingAsZero: boolean
): LoadedResults {
  if (!fs.existsSync(file)) throw new EvalInputError(`results file missing for ${tf.rel}: ${file}`);
  const csv = readCsv(file);
  const out: Record<string, Float64Array | undefined> = {};
  const parsed: Record<string, Float64Array> = {};
  for (const c of columns) {
    const ci = csv.header.indexOf(c);
    if (ci < 0) {
      out[c] = undefined;
      continue;
    }
    // An empty score is a gap row (no value, not scored): no detection there.
    parsed[c] = Float64Array.from(csv.rows, (r, k) =>
      (r[ci] ?? '').trim() === '' ? 0 : parseScore(r[ci], file, csv.lines[k] as number)
    );
  }
  const ti = csv.header.indexOf('timestamp');
  let index: Int32Array | undefined; // data row → result row (−1 missing); undefined = positional
  let missing = 0;
  if (ti < 0) {
    if (csv.rows.length !== tf.n) {
      throw new EvalInputError(
        `${file}: ${csv.rows.length} rows but the data has ${tf.n} and there is no timestamp column`
      );
    }
  } else {
    const ts = csv.rows.map((r) => (r[ti] ?? '').trim());
    const samePositions =
      ts.length === tf.n && ts.every((t, k) => t === stamps.text[k] || parseNabTimestamp(t) === stamps.ms[k]);
    if (!samePositions) {
      const pos = new Map<number, number>();
      ts.forEach((t, k) => {
        const v = parseNabTimestamp(t);
        if (Number.isNaN(v))
          throw new EvalInputError(`${file} line ${csv.lines[k]}: unparseable timestamp '${t}'`);
        if (!pos.has(v)) pos.set(v, k);
      });
      index = Int32Array.from(stamps.ms, (t) => pos.get(t) ?? -1);
      missing = index.reduce((n, k) => n + (k < 0 ? 1 : 0), 0);
      if (missing > 0 && !missingAsZero) {
        throw new EvalInputError(
          `${file}: ${missing} data timestamps missing from the results (--missing-as-zero scores them 0)`
        );
      }
    }
  }
  for (const [c, vals] of Object.entries(parsed)) {
    out[c] = index === undefined ? vals : Float64Array.from(index, (k) => (k < 0 ? 0 : (vals[k] as number)));
  }
  return { columns: out, missingRows: missing };
}

/**
 * The simulator's labels/anomalies.json (kind and rows of every labeled anomaly), or undefined
 * when the corpus has none (NAB itself does not say what kind each anomaly is).
 */
export function loadAnomalyDetails(file: string): AnomalyDetails | undefined {
  if (!fs.existsSync(file)) return undefined;
  let doc: { series?: Record<string, { anomalies?: LabeledAnomaly[] }> };
  try {
    doc = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new EvalInputError(`cannot read ${file}: ${(err as Error).message}`);
  }
  const out: AnomalyDetails = {};
  for (const [rel, s] of Object.entries(doc.series ?? {})) {
    out[rel] = (s.anomalies ?? []).filter(
      (a) => typeof a.kind === 'string' && Number.isInteger(a.startRow) && Array.isArray(a.windowRows)
    );
  }
  return out;
}
