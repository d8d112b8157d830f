import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { run } from '../../../src/cli/simulate';
import { captureRun } from '../../support/capture';

const capture = (argv: string[]) => captureRun(run, argv);

describe('anomaly-lens simulate --to file', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'al-simcli-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('writes the requested series, kinds and step, identically for the same seed', async () => {
    const args = [
      '--to',
      'file',
      '--series',
      '3',
      '--length',
      '1000',
      '--step',
      '1m',
      '--kinds',
      'stuck,dropout',
    ];
    const a = await capture([...args, '-o', path.join(dir, 'a'), '--seed', '9']);
    expect(a.code).toBe(0);
    expect(a.out).toMatch(/3 series, 3000 rows/);
    await capture([...args, '-o', path.join(dir, 'b'), '--seed', '9']);
    const file = path.join('data', 'request_rate', 'host-02.csv');
    const text = fs.readFileSync(path.join(dir, 'a', file), 'utf8');
    expect(text).toBe(fs.readFileSync(path.join(dir, 'b', file), 'utf8'));
    expect(
      text
        .split('\n')
        .slice(1, 3)
        .map((l) => l.slice(0, 19))
    ).toEqual(['2026-01-05 00:00:00', '2026-01-05 00:01:00']);
    const details = JSON.parse(fs.readFileSync(path.join(dir, 'a', 'labels', 'anomalies.json'), 'utf8'));
    const kinds = Object.values(
      details.series as Record<string, { anomalies: Array<{ kind: string }> }>
    ).flatMap((s) => s.anomalies.map((x) => x.kind));
    expect(kinds.length).toBeGreaterThan(0);
    expect(new Set(kinds)).toEqual(new Set(kinds.filter((k) => k === 'stuck' || k === 'dropout')));
  });

  it('rejects bad options naming the option and reason', async () => {
    const bad = await capture(['--to', 'file', '-o', dir, '--kinds', 'spike,meteor']);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--kinds: unknown value 'meteor'/);
    expect((await capture(['--to', 'file'])).err).toMatch(/--output <dir> is required/);
    expect((await capture(['--to', 'file', '-o', dir, '--step', 'soon'])).err).toMatch(
      /--step: expected a duration/
    );
    expect((await capture(['--to', 'carrier-pigeon', '-o', dir])).err).toMatch(/unknown target/);
    expect(fs.readdirSync(dir)).toEqual([]);
  });
});
