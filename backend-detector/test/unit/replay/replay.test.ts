import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { OUTPUT_HEADER, run } from '../../../src/cli/replay';

let dir: string;
let stderr: string;
let stdout: string;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'al-replay-'));
  stderr = '';
  stdout = '';
  jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += chunk.toString();
    return true;
  });
  jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += chunk.toString();
    return true;
  });
});

afterEach(() => {
  jest.restoreAllMocks();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** NAB-format CSV: 5-minute points with a daily cycle, noise and a spike. */
function nabCsv(rows: number, opts: { crlf?: boolean; spikeAt?: number } = {}): string {
  const start = Date.UTC(2014, 3, 1);
  const lines = ['timestamp,value'];
  let x = 7;
  for (let i = 0; i < rows; i++) {
    x = (x * 16807) % 2147483647;
    const ts = new Date(start + i * 300_000).toISOString().replace('T', ' ').slice(0, 19);
    let v = 40 + 15 * Math.sin((2 * Math.PI * (i % 288)) / 288) + (x / 2147483647) * 3;
    if (i === opts.spikeAt) v += 80;
    lines.push(`${ts},${v.toFixed(4)}`);
  }
  return lines.join(opts.crlf ? '\r\n' : '\n') + (opts.crlf ? '\r\n' : '\n');
}

function write(rel: string, text: string): string {
  const p = path.join(dir, rel);
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, text);
  return p;
}

const read = (p: string) => fs.readFileSync(p, 'utf8').trimEnd().split('\n');

describe('anomaly-lens replay', () => {
  it('writes one scored row per input row with the contract header', async () => {
    const input = write('in.csv', nabCsv(1500, { spikeAt: 1400, crlf: true }));
    const output = path.join(dir, 'out.csv');
    expect(await run(['--input', input, '--output', output])).toBe(0);
    const lines = read(output);
    expect(lines[0]).toBe(OUTPUT_HEADER);
    expect(lines).toHaveLength(1501);
    const inputLines = read(input).map((l) => l.replace('\r', ''));
    for (let i = 1; i < lines.length; i++) {
      const [ts, value, score, flag, expected, lower, upper] = lines[i].split(',');
      expect(`${ts},${value}`).toBe(inputLines[i]);
      expect(Number(score)).toBeGreaterThanOrEqual(0);
      expect(Number(score)).toBeLessThanOrEqual(1);
      expect(['0', '1']).toContain(flag);
      if (expected !== '') expect(Number(lower)).toBeLessThanOrEqual(Number(upper));
    }
    const spike = lines[1401].split(',');
    expect(spike[3]).toBe('1');
    expect(Number(spike[2])).toBeGreaterThanOrEqual(0.5);
  });

  it('is prefix-stable: scoring a prefix gives exactly the prefix of the full output', async () => {
    const text = nabCsv(2000, { spikeAt: 1700 });
    const full = write('full.csv', text);
    const prefix = write('prefix.csv', text.split('\n').slice(0, 1235).join('\n') + '\n');
    await run(['--input', full, '--output', path.join(dir, 'full.out.csv')]);
    await run(['--input', prefix, '--output', path.join(dir, 'prefix.out.csv')]);
    const a = read(path.join(dir, 'full.out.csv'));
    const b = read(path.join(dir, 'prefix.out.csv'));
    expect(b).toHaveLength(1235);
    expect(b).toEqual(a.slice(0, 1235));
  });

  it('is deterministic', async () => {
    const input = write('in.csv', nabCsv(1200, { spikeAt: 900 }));
    await run(['--input', input, '--output', path.join(dir, 'a.csv')]);
    await run(['--input', input, '--output', path.join(dir, 'b.csv')]);
    expect(fs.readFileSync(path.join(dir, 'a.csv'), 'utf8')).toBe(
      fs.readFileSync(path.join(dir, 'b.csv'), 'utf8')
    );
  });

  it('mirrors a directory tree recursively', async () => {
    write('in/realA/one.csv', nabCsv(300));
    write('in/realB/deeper/two.csv', nabCsv(200));
    write('in/notes.txt', 'not a csv');
    const out = path.join(dir, 'out');
    expect(await run(['--input', path.join(dir, 'in'), '--output', out])).toBe(0);
    expect(read(path.join(out, 'realA/one.csv'))).toHaveLength(301);
    expect(read(path.join(out, 'realB/deeper/two.csv'))).toHaveLength(201);
    expect(fs.existsSync(path.join(out, 'notes.txt'))).toBe(false);
  });

  it('keeps a row without a value in its place, unscored, and learns nothing from it', async () => {
    const rows = nabCsv(800, { spikeAt: 700 }).trimEnd().split('\n');
    const gapped = rows.map((r, i) => (i === 300 || i === 301 || i === 650 ? r.replace(/,[^,]*$/, ',') : r));
    const withGaps = path.join(dir, 'out', 'gaps.csv');
    const without = path.join(dir, 'out', 'nogaps.csv');
    expect(await run(['--input', write('gaps.csv', gapped.join('\n') + '\n'), '--output', withGaps])).toBe(0);
    const kept = gapped.filter((_, i) => !(i === 300 || i === 301 || i === 650));
    expect(await run(['--input', write('nogaps.csv', kept.join('\n') + '\n'), '--output', without])).toBe(0);
    const a = read(withGaps);
    expect(a).toHaveLength(801);
    expect(a[300].split(',').slice(1, 4)).toEqual(['', '', '0']);
    // The rows that have values score exactly as if the gaps were not there.
    expect(a.filter((_, i) => !(i === 300 || i === 301 || i === 650))).toEqual(read(without));
  });

  describe('malformed input fails naming file, line and reason, and leaves no output', () => {
    const cases: [string, string, RegExp][] = [
      ['missing header', '2014-04-01 00:00:00,1\n2014-04-01 00:05:00,2\n', /bad\.csv:1: missing header/],
      [
        'non-numeric value',
        'timestamp,value\n2014-04-01 00:00:00,1\n2014-04-01 00:05:00,abc\n',
        /bad\.csv:3: non-numeric value 'abc'/,
      ],
      [
        'unparseable timestamp',
        'timestamp,value\n2014-04-01 00:00:00,1\nyesterday,2\n',
        /bad\.csv:3: unparseable timestamp 'yesterday'/,
      ],
      ['impossible date', 'timestamp,value\n2014-13-01 00:00:00,1\n', /bad\.csv:2: unparseable timestamp/],
      ['empty file', '', /bad\.csv: empty file/],
    ];
    it.each(cases)('%s', async (_name, text, message) => {
      const input = write('bad.csv', text);
      const output = path.join(dir, 'out', 'bad.csv');
      expect(await run(['--input', input, '--output', output])).toBe(1);
      expect(stderr).toMatch(message);
      expect(fs.existsSync(output)).toBe(false);
      expect(fs.readdirSync(path.join(dir, 'out'))).toEqual([]);
    });

    it('a bad file in a directory does not stop the good ones', async () => {
      write('in/good.csv', nabCsv(100));
      write('in/bad.csv', 'timestamp,value\n2014-04-01 00:00:00,x\n');
      const out = path.join(dir, 'out');
      expect(await run(['--input', path.join(dir, 'in'), '--output', out])).toBe(1);
      expect(fs.readdirSync(out)).toEqual(['good.csv']);
      expect(stderr).toMatch(/bad\.csv:2: non-numeric value 'x'/);
      expect(stderr).toMatch(/1 of 2 file\(s\) failed/);
    });
  });

  it('accepts extra columns, quoted cells, ISO-8601 and epoch timestamps', async () => {
    const input = write(
      'in.csv',
      'id,"timestamp",value\n' +
        'a,2026-11-24T10:00:00Z,1.5\n' +
        'b,"2026-11-24T10:05:00+00:00","2.5"\n' +
        'c,1795514700000,3.5\n' +
        'd,1795515000,4.5\n'
    );
    expect(await run(['--input', input, '--output', path.join(dir, 'o.csv')])).toBe(0);
    expect(read(path.join(dir, 'o.csv'))).toHaveLength(5);
  });

  it('prints help and rejects bad usage', async () => {
    expect(await run(['--help'])).toBe(0);
    expect(stdout).toMatch(/usage: anomaly-lens replay --input/);
    expect(await run(['--input', 'x.csv'])).toBe(2);
    expect(stderr).toMatch(/missing --output/);
    expect(await run(['--input', path.join(dir, 'nope.csv'), '--output', path.join(dir, 'o.csv')])).toBe(2);
    expect(stderr).toMatch(/does not exist/);
  });

  it('takes detector settings from --config and validates them', async () => {
    const input = write('in.csv', nabCsv(400));
    const cfg = write('cfg.json', JSON.stringify({ trees: 0 }));
    expect(await run(['--input', input, '--output', path.join(dir, 'o.csv'), '--config', cfg])).toBe(2);
    expect(stderr).toMatch(/'trees' must be a positive integer/);
    const seeded = write('seed.json', JSON.stringify({ seed: 7 }));
    expect(await run(['--input', input, '--output', path.join(dir, 'o.csv'), '--config', seeded])).toBe(0);
  });
});
