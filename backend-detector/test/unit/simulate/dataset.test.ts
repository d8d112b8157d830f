import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DEFAULT_DATASET_OPTIONS, generateDataset } from '../../../src/simulate/dataset';
import { writeDataset } from '../../../src/simulate/file-output';
import { ANOMALY_KINDS } from '../../../src/simulate/generator';

const options = { ...DEFAULT_DATASET_OPTIONS, series: 14, length: 2016, seed: 5 };

describe('generateDataset + writeDataset', () => {
  it('covers every requested kind and metric, and adding series keeps the earlier ones', () => {
    const set = generateDataset(options);
    const kinds = new Set(set.flatMap((s) => s.anomalies.map((a) => a.kind)));
    expect([...kinds].sort()).toEqual([...ANOMALY_KINDS].sort());
    expect(new Set(set.map((s) => s.metric)).size).toBe(6);
    const more = generateDataset({ ...options, series: 15 });
    expect(Array.from(more[3]!.values)).toEqual(Array.from(set[3]!.values));
  });

  it('writes NAB-format CSVs and labels whose windows hit data timestamps', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'al-sim-'));
    try {
      const set = generateDataset({ ...options, series: 3 });
      const res = writeDataset(dir, set, options);
      expect(res.files).toBe(3);
      const windows = JSON.parse(fs.readFileSync(path.join(dir, 'labels', 'combined_windows.json'), 'utf8'));
      expect(Object.keys(windows).sort()).toEqual(set.map((s) => `${s.name}.csv`).sort());
      for (const s of set) {
        const text = fs.readFileSync(path.join(dir, 'data', `${s.name}.csv`), 'utf8');
        const lines = text.trimEnd().split('\n');
        expect(lines[0]).toBe('timestamp,value');
        expect(lines).toHaveLength(s.values.length + 1);
        expect(lines[1]).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2},-?\d+(\.\d+)?$/);
        const stamps = new Set(lines.slice(1).map((l) => l.split(',')[0]));
        const wins = windows[`${s.name}.csv`] as [string, string][];
        expect(wins).toHaveLength(s.anomalies.length);
        for (const [a, b] of wins) {
          expect(a).toMatch(/\.000000$/);
          expect(stamps.has(a.slice(0, 19))).toBe(true);
          expect(stamps.has(b.slice(0, 19))).toBe(true);
          expect(a < b).toBe(true);
        }
      }
      const profiles = JSON.parse(fs.readFileSync(path.join(dir, 'config', 'profiles.json'), 'utf8'));
      expect(profiles.standard.CostMatrix.fpWeight).toBe(0.11);
      expect(fs.readdirSync(path.join(dir, 'labels')).filter((f) => f.includes('.tmp-'))).toEqual([]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
