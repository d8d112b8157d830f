/**
 * Writes a generated data set as a NAB-style tree that both `anomaly-lens eval` and NAB's own
 * tooling read:
 *   data/<metric>/<host>.csv          timestamp,value (NAB format)
 *   labels/combined_windows.json      ground-truth windows (NAB format)
 *   labels/combined_labels.json       first anomalous timestamp of each anomaly (NAB format)
 *   labels/anomalies.json             kind, rows, magnitude of each injected anomaly
 *   config/profiles.json              NAB's cost profiles, so the tree is a complete NAB root
 * Files are written to a temporary name and renamed, so a crash never leaves a file that
 * looks complete.
 */
import * as fs from 'fs';
import * as path from 'path';
import { formatNabLabelTimestamp, formatNabTimestamp, NAB_PROFILES } from '../eval/nab-format';
import { DatasetOptions, DatasetSeries } from './dataset';

function writeAtomic(file: string, content: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, content);
  fs.renameSync(tmp, file);
}

export function seriesCsv(s: DatasetSeries): string {
  const lines = ['timestamp,value'];
  for (let i = 0; i < s.values.length; i++) {
    lines.push(`${formatNabTimestamp(s.timestamps[i] as number)},${s.values[i]}`);
  }
  return lines.join('\n') + '\n';
}

export function combinedWindows(series: readonly DatasetSeries[]): Record<string, [string, string][]> {
  const out: Record<string, [string, string][]> = {};
  for (const s of series) {
    out[`${s.name}.csv`] = s.anomalies.map((a) => [
      formatNabLabelTimestamp(s.timestamps[a.window[0]] as number),
      formatNabLabelTimestamp(s.timestamps[a.window[1]] as number),
    ]);
  }
  return out;
}

export interface WriteResult {
  files: number;
  rows: number;
  windows: number;
}

export function writeDataset(
  dir: string,
  series: readonly DatasetSeries[],
  options: DatasetOptions,
  onFile?: (done: number, total: number) => void
): WriteResult {
  let rows = 0;
  series.forEach((s, k) => {
    writeAtomic(path.join(dir, 'data', ...`${s.name}.csv`.split('/')), seriesCsv(s));
    rows += s.values.length;
    onFile?.(k + 1, series.length);
  });
  const labels: Record<string, string[]> = {};
  const details: Record<string, unknown> = {};
  for (const s of series) {
    labels[`${s.name}.csv`] = s.anomalies.map((a) =>
      formatNabLabelTimestamp(s.timestamps[a.start] as number)
    );
    details[`${s.name}.csv`] = {
      metric: s.metric,
      unit: s.unit,
      anomalies: s.anomalies.map((a) => ({
        kind: a.kind,
        start: formatNabTimestamp(s.timestamps[a.start] as number),
        end: formatNabTimestamp(s.timestamps[a.end] as number),
        startRow: a.start,
        endRow: a.end,
        windowRows: a.window,
        magnitude: a.magnitude,
      })),
    };
  }
  const json = (v: unknown): string => JSON.stringify(v, null, 2) + '\n';
  writeAtomic(path.join(dir, 'labels', 'combined_windows.json'), json(combinedWindows(series)));
  writeAtomic(path.join(dir, 'labels', 'combined_labels.json'), json(labels));
  writeAtomic(
    path.join(dir, 'labels', 'anomalies.json'),
    json({ generator: 'anomaly-lens simulate', options, series: details })
  );
  writeAtomic(path.join(dir, 'config', 'profiles.json'), json(NAB_PROFILES));
  return { files: series.length, rows, windows: series.reduce((n, s) => n + s.anomalies.length, 0) };
}
