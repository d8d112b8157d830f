import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { run } from '../../../src/cli/eval';
import { captureRun } from '../../support/capture';

const FIX = path.join(__dirname, '..', '..', 'fixtures', 'eval');
const A = (y: number): number => Math.tanh(-2.5 * y);

const capture = (argv: string[]) => captureRun(run, argv);

const base = ['--nab-root', path.join(FIX, 'corpus'), '--results', path.join(FIX, 'results')];

describe('anomaly-lens eval on the fixture corpus', () => {
  // Fixture: demo/with_window.csv (20 rows, window rows 8–11, scores 0.99@1 (probation),
  // 0.7@5, 0.9@8, 0.95@14; flags at rows 10 and 14) and demo/quiet.csv (CRLF, no window,
  // score 0.8@10). Swept: the best threshold is 0.9 → window hit on its first row (+1) and one
  // false positive 3 rows after the window (y = 3/3).
  it('scores all three profiles swept and as deployed, normalised against null and perfect', async () => {
    const { code, out } = await capture([...base, '--json']);
    expect(code).toBe(0);
    const r = JSON.parse(out);
    expect(r).toMatchObject({ nFiles: 2, nRows: 40, nWindows: 1, categories: ['demo'] });
    // null: never detecting (−fnWeight) beats flagging all 34 scorable rows
    expect(r.baselines.standard).toEqual({ nullScore: -1, perfectScore: 1 });
    expect(r.baselines.reward_low_FN_rate).toEqual({ nullScore: -2, perfectScore: 1 });

    const std = 1 + 0.11 * A(1);
    expect(r.scores.standard.threshold).toBe(0.9);
    expect(r.scores.standard.score).toBeCloseTo(std, 9);
    expect(r.scores.standard.normalised).toBeCloseTo((100 * (std + 1)) / 2, 9);
    const lowFp = 1 + 0.22 * A(1);
    expect(r.scores.reward_low_FP_rate.normalised).toBeCloseTo((100 * (lowFp + 1)) / 2, 9);
    expect(r.scores.reward_low_FN_rate.normalised).toBeCloseTo((100 * (std + 2)) / 3, 9);

    // As deployed: flag on row 10 (y = −2/4 in the window) and a false positive on row 14.
    const dep = A(-2 / 4) / A(-1) + 0.11 * A(1);
    expect(r.deployed.standard.threshold).toBe(0.5);
    expect(r.deployed.standard.score).toBeCloseTo(dep, 9);
    expect(r.deployed.standard.normalised).toBeCloseTo((100 * (dep + 1)) / 2, 9);
    expect(r.deployed.standard).toMatchObject({ tpWindows: 1, fpRows: 1, mode: 'fixed' });
  });

  it('prints a table, per-file detail on request, and honours --profile and --threshold', async () => {
    const { code, out } = await capture([...base, '--per-file', '--profile', 'standard']);
    expect(code).toBe(0);
    expect(out).toMatch(/standard \(anomaly_score\)\s+sweep\s+0\.9\s+0\.8915\s+94\.57\s+1\/1\s+1/);
    expect(out).toMatch(/standard as deployed \(is_anomaly\)\s+fixed\s+0\.5/);
    expect(out).toContain('demo/quiet.csv');
    // labels/anomalies.json names the kind: swept hit on row 8 (1 row early), deployed on row 10
    expect(out).toMatch(/spike\s+1\/1\s+-1\s+1\/1\s+1\n/);
    expect(out).not.toContain('reward_low_FP_rate (');
    const fixed = JSON.parse((await capture([...base, '--json', '--threshold', '0.8'])).out);
    // at 0.8: window start, FP after the window, FP in the quiet file (no window precedes: −0.11)
    expect(fixed.scores.standard.score).toBeCloseTo(1 + 0.11 * A(1) - 0.11, 9);
  });

  it('aligns results by timestamp when rows are reordered, and fails on missing rows unless asked', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'al-eval-'));
    try {
      fs.cpSync(path.join(FIX, 'results'), dir, { recursive: true });
      const f = path.join(dir, 'demo', 'with_window.csv');
      const [head, ...rows] = fs.readFileSync(f, 'utf8').trimEnd().split('\n');
      fs.writeFileSync(f, [head, ...rows.reverse()].join('\n') + '\n');
      const args = ['--nab-root', path.join(FIX, 'corpus'), '--results', dir, '--json'];
      const ok = JSON.parse((await capture(args)).out);
      expect(ok.scores.standard.score).toBeCloseTo(1 + 0.11 * A(1), 9);

      // Drop row 8 (the window hit): an error naming the file, or a miss with --missing-as-zero.
      fs.writeFileSync(
        f,
        [head, ...rows.filter((r) => !r.startsWith('2024-03-01 00:40:00'))].join('\n') + '\n'
      );
      const bad = await capture(args);
      expect(bad.code).toBe(2);
      expect(bad.err).toMatch(/with_window\.csv: 1 data timestamps missing/);
      const zero = JSON.parse((await capture([...args, '--missing-as-zero', '--threshold', '0.9'])).out);
      expect(zero.scores.standard.score).toBeCloseTo(-1 + 0.11 * A(1), 9);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('fails clearly on bad input', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'al-eval-'));
    try {
      fs.cpSync(path.join(FIX, 'results'), dir, { recursive: true });
      const args = ['--nab-root', path.join(FIX, 'corpus'), '--results', dir];
      const f = path.join(dir, 'demo', 'quiet.csv');
      fs.writeFileSync(f, fs.readFileSync(f, 'utf8').replace(/,0\.8,/, ',high,'));
      const nan = await capture(args);
      expect(nan.code).toBe(2);
      expect(nan.err).toMatch(/quiet\.csv line 12: not a number: 'high'/);
      fs.rmSync(f);
      const missing = await capture(args);
      expect(missing.err).toMatch(/results file missing for demo\/quiet\.csv/);
      expect((await capture(['--results', dir])).code).toBe(2);
      expect((await capture([...args, '--profile', 'nope'])).err).toMatch(/unknown profile 'nope'/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reports as-deployed as n/a when the flag column is absent', async () => {
    const { out } = await capture([...base, '--flag-column', 'no_such_column']);
    expect(out).toMatch(/as deployed: n\/a \(no 'no_such_column' column in 2 result file\(s\)\)/);
  });
});
