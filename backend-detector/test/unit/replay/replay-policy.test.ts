import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { replayFile, replayLabels, run } from '../../../src/cli/replay';
import { createSeriesDetector, type StreamingDetector } from '../../../src/model/detector';
import { encodeDetectorState } from '../../../src/model/state-codec';
import { parsePolicy } from '../../../src/policy/parse';
import { resolveSeries } from '../../../src/policy/resolve';
import { generateSeries, STEP_MS, START, toCsv } from '../../support/policy-series';

let dir: string;
let stderr: string;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'al-replay-policy-'));
  stderr = '';
  jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += chunk.toString();
    return true;
  });
});

afterEach(() => {
  jest.restoreAllMocks();
  fs.rmSync(dir, { recursive: true, force: true });
});

function write(rel: string, text: string): string {
  const p = path.join(dir, rel);
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, text);
  return p;
}

const rows = (p: string) =>
  fs
    .readFileSync(p, 'utf8')
    .trimEnd()
    .split('\n')
    .slice(1)
    .map((l) => l.split(','));

/** Replay `points` under `policyText` and keep the detector for its state. */
async function replayKeeping(name: string, text: string, policyText: string) {
  const input = write(`${name}.csv`, text);
  const series = resolveSeries(parsePolicy(policyText, 'p.yaml'), replayLabels(input, input));
  let detector: StreamingDetector | undefined;
  const make = (c: object) => (detector = createSeriesDetector(c));
  await replayFile(input, path.join(dir, `${name}.out.csv`), {}, undefined, make, series);
  return { detector: detector!, out: rows(path.join(dir, `${name}.out.csv`)) };
}

describe('replay --policy', () => {
  it('neither flags nor learns maintenance rows: the state after the window equals the state before', async () => {
    // A window of 4 hours holding a huge excursion, placed after the warm-up.
    const start = START + 2000 * STEP_MS;
    const end = start + 4 * 3_600_000;
    const points = generateSeries(2100, [{ at: 2005, delta: 500, length: 30 }]);
    const policy = `maintenance:\n  - match: '{metric="m"}'\n    start: '${new Date(start).toISOString()}'\n    end: '${new Date(end).toISOString()}'\n`;
    const inWindow = points.filter((p) => p.ts >= start && p.ts < end).length;
    expect(inWindow).toBe(48);
    const before = await replayKeeping('m', toCsv(points.slice(0, 2000)), policy);
    const through = await replayKeeping('m', toCsv(points.slice(0, 2000 + inWindow)), policy);
    expect(Buffer.compare(encodeDetectorState(before.detector), encodeDetectorState(through.detector))).toBe(
      0
    );
    const window = through.out.slice(2000, 2000 + inWindow);
    for (const r of window) {
      expect(r[2]).toBe(''); // empty anomaly_score
      expect(r[3]).toBe('0');
    }
    // Without the policy the same excursion is flagged.
    const plain = await replayKeeping('plain', toCsv(points.slice(0, 2000 + inWindow)), '');
    expect(plain.out.slice(2000, 2000 + inWindow).some((r) => r[3] === '1')).toBe(true);
  });

  it('gives a file the labels metric=<name> and file=<path below --input>', () => {
    const input = write('fleet/db-1/cpu.csv', 'timestamp,value\n');
    expect(replayLabels(input, path.join(dir, 'fleet'))).toEqual({ metric: 'cpu', file: 'db-1/cpu' });
    expect(replayLabels(input, input)).toEqual({ metric: 'cpu', file: 'cpu' });
  });

  it('skips an ignored file and applies rules by label through the CLI', async () => {
    const text = toCsv(generateSeries(1500, [{ at: 1300, delta: -60, length: 2 }]));
    write('in/web/cpu.csv', text);
    write('in/debug/debug_calls.csv', text);
    const policy = write(
      'p.yaml',
      `rules:\n  - match: '{metric=~"debug_.*"}'\n    ignore: true\n  - match: '{file=~"web/.*"}'\n    direction: up\n`
    );
    expect(
      await run(['--input', path.join(dir, 'in'), '--output', path.join(dir, 'out'), '--policy', policy])
    ).toBe(0);
    expect(fs.existsSync(path.join(dir, 'out/debug/debug_calls.csv'))).toBe(false);
    expect(stderr).toMatch(/debug_calls\.csv: ignored by the policy/);
    const out = rows(path.join(dir, 'out/web/cpu.csv'));
    expect(out.slice(1300, 1302).map((r) => r[3])).toEqual(['0', '0']);
    expect(await run(['--input', path.join(dir, 'in'), '--output', path.join(dir, 'plain')])).toBe(0);
    expect(
      rows(path.join(dir, 'plain/web/cpu.csv'))
        .slice(1300, 1302)
        .some((r) => r[3] === '1')
    ).toBe(true);
  });

  it('refuses a bad policy before touching any file, naming file, line and field', async () => {
    const input = write('a.csv', toCsv(generateSeries(50)));
    const policy = write('bad.yaml', "rules:\n  - match: '{}'\n    direction: upward\n");
    expect(await run(['--input', input, '--output', path.join(dir, 'a.out.csv'), '--policy', policy])).toBe(
      2
    );
    expect(stderr).toContain(`${policy}:3: rules[0].direction: must be one of up, down, both (got "upward")`);
    expect(fs.existsSync(path.join(dir, 'a.out.csv'))).toBe(false);
  });
});

describe('seasonality in replay', () => {
  /** Quiet series with a 1-hour jump every day at 03:00 Berlin time (DST changes on 2026-03-29). */
  function nightly(): string {
    const lines = ['timestamp,value'];
    let x = 11;
    const t0 = Date.UTC(2026, 2, 10);
    for (let t = t0; t < t0 + 30 * 86_400_000; t += STEP_MS) {
      x = (x * 16807) % 2147483647;
      const local = new Date(t).toLocaleString('en-GB', {
        timeZone: 'Europe/Berlin',
        hour: '2-digit',
        hourCycle: 'h23',
      });
      const v = 50 + (x / 2147483647) * 2 + (local === '03' ? 30 : 0);
      lines.push(`${new Date(t).toISOString()},${v.toFixed(3)}`);
    }
    return lines.join('\n') + '\n';
  }

  /** anomaly_score of the row at `iso`. */
  const scoreAt = (out: string[][], iso: string) => Number(out.find((r) => r[0] === iso)![2]);

  it('aligns the daily comparison with the rule time zone across DST, and none disables it', async () => {
    const text = nightly();
    const berlin = await replayKeeping(
      'berlin',
      text,
      "rules:\n  - match: '{}'\n    timezone: Europe/Berlin\n"
    );
    const utc = await replayKeeping('utc', text, '');
    const none = await replayKeeping('none', text, "rules:\n  - match: '{}'\n    seasonality: none\n");
    // On the day of the change the job starts an hour earlier in UTC: the UTC profile has
    // never seen that half hour high and flags it; the Berlin profile has (03:00 local).
    const firstSummerJob = '2026-03-29T01:00:00.000Z';
    expect(scoreAt(utc.out, firstSummerJob)).toBeGreaterThanOrEqual(0.5);
    expect(scoreAt(berlin.out, firstSummerJob)).toBeLessThan(0.5);
    // Without seasonality every night's jump is news at full size.
    const jobStarts = text
      .split('\n')
      .slice(1)
      .filter((l, i, all) => i > 0 && Number(l.split(',')[1]) > 70 && Number(all[i - 1]!.split(',')[1]) < 70)
      .map((l) => l.split(',')[0]!)
      .filter((ts) => ts >= '2026-03-15');
    expect(jobStarts.length).toBeGreaterThan(20);
    const total = (out: string[][]) => jobStarts.reduce((s, ts) => s + scoreAt(out, ts), 0);
    expect(total(none.out)).toBeGreaterThan(total(berlin.out));
  });

  it('weekly compares with the same half hour a week before', async () => {
    // A quiet series with a two-hour rise every Monday at 10:00 UTC, for five weeks.
    const lines = ['timestamp,value'];
    let x = 5;
    const t0 = Date.UTC(2026, 0, 5); // a Monday
    for (let t = t0; t < t0 + 35 * 86_400_000; t += STEP_MS) {
      x = (x * 16807) % 2147483647;
      const d = new Date(t);
      const job = d.getUTCDay() === 1 && d.getUTCHours() >= 10 && d.getUTCHours() < 12;
      lines.push(`${d.toISOString()},${(50 + (x / 2147483647) * 2 + (job ? 30 : 0)).toFixed(3)}`);
    }
    const text = lines.join('\n') + '\n';
    const daily = await replayKeeping('daily', text, '');
    const weekly = await replayKeeping('weekly', text, "rules:\n  - match: '{}'\n    seasonality: weekly\n");
    // From the second Monday on the weekly profile has seen the rise at that half hour.
    const mondays = [2, 3, 4].map((w) => new Date(t0 + w * 7 * 86_400_000 + 10 * 3_600_000).toISOString());
    for (const m of mondays) expect(scoreAt(weekly.out, m)).toBeLessThan(scoreAt(daily.out, m));
  });
});
