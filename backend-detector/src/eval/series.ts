/**
 * A labelled corpus in memory for in-process evaluation: each file's values (NaN where a
 * row has no value) beside its NAB truth. Reads the layout of ../shared/nab and of the
 * generated set: data/<category>/<name>.csv and labels/combined_windows.json.
 */
import * as path from 'path';
import { EvalInputError, loadCorpus, readCsv } from './load';
import { TruthFile } from './nab-rules';

export interface LabelledSeries {
  truth: TruthFile;
  times: Float64Array;
  /** NaN where the row has no value (a gap). */
  values: Float64Array;
}

export interface LabelledCorpus {
  name: string;
  series: LabelledSeries[];
}

export function loadLabelledCorpus(name: string, root: string): LabelledCorpus {
  const dataDir = path.join(root, 'data');
  const corpus = loadCorpus({ dataDir, labelsFile: path.join(root, 'labels', 'combined_windows.json') });
  const series = corpus.files.map((truth, f) => {
    const file = path.join(dataDir, ...truth.rel.split('/'));
    const csv = readCsv(file);
    const col = csv.header.indexOf('value');
    if (col < 0) throw new EvalInputError(`${file} has no value column`);
    const values = Float64Array.from(csv.rows, (r, i) => {
      const t = (r[col] ?? '').trim();
      if (t === '') return NaN;
      const v = Number(t);
      if (!Number.isFinite(v)) throw new EvalInputError(`${file} line ${csv.lines[i]}: bad value '${t}'`);
      return v;
    });
    return { truth, times: corpus.stamps[f]!.ms, values };
  });
  return { name, series };
}
