/**
 * `anomaly-lens replay` throughput on one long series (≥ 1M rows), next to a ceiling
 * measured in the same run: the same CSV reading, parsing, formatting and writing with
 * the scoring left out. Each side runs in its own process so peak RSS is its own.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Bench, fmt, table } from './harness';

const ROWS = 1_050_000;

/** NAB-format file: a 5-minute metric with daily/weekly seasonality, noise and rare spikes. */
export function writeSeries(file: string, rows = ROWS): void {
  const fd = fs.openSync(file, 'w');
  const start = Date.UTC(2020, 0, 1);
  let x = 12345;
  let chunk = 'timestamp,value\n';
  for (let i = 0; i < rows; i++) {
    x = (x * 16807) % 2147483647;
    const noise = x / 2147483647 - 0.5;
    const day = Math.sin((2 * Math.PI * (i % 288)) / 288);
    const week = (i / 288) % 7 >= 5 ? -10 : 0;
    const spike = i % 9973 === 0 ? 40 : 0;
    const ts = new Date(start + i * 300_000).toISOString();
    chunk += `${ts.slice(0, 10)} ${ts.slice(11, 19)},${(50 + 20 * day + week + 4 * noise + spike).toFixed(3)}\n`;
    if (chunk.length > 1 << 16) {
      fs.writeSync(fd, chunk);
      chunk = '';
    }
  }
  fs.writeSync(fd, chunk);
  fs.closeSync(fd);
}

export interface ChildResult {
  rows: number;
  ms: number;
  cpuMs: number;
  maxRssKB: number;
}

/** One replay (or its ceiling) of `input` in a process of its own. */
export function child(mode: 'replay' | 'ceiling', input: string, output: string): ChildResult {
  const out = execFileSync(process.execPath, [path.join(__dirname, 'replayChild.js'), mode, input, output], {
    encoding: 'utf8',
  });
  return JSON.parse(out.trim().split('\n').pop() as string) as ChildResult;
}

export const replayBench: Bench = {
  name: 'replay',
  description: `replay throughput on one ${ROWS.toLocaleString('en-US')}-row series vs parse+write ceiling`,
  async run() {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'al-bench-replay-'));
    try {
      const input = path.join(dir, 'series.csv');
      writeSeries(input);
      const ceiling = child('ceiling', input, path.join(dir, 'ceiling.csv'));
      const replay = child('replay', input, path.join(dir, 'replay.csv'));
      const rate = (r: ChildResult) => r.rows / (r.ms / 1000);
      // Points per CPU-second is reported too: on a shared machine wall time also counts
      // the time other processes held the cores.
      const cpuRate = (r: ChildResult) => r.rows / (r.cpuMs / 1000);
      const row = (name: string, r: ChildResult) => [
        name,
        r.rows,
        fmt(r.ms / 1000, 2),
        Math.round(rate(r)),
        Math.round(cpuRate(r)),
        fmt(r.maxRssKB / 1024, 1),
      ];
      table(
        ['run', 'rows', 'seconds', 'points/s', 'points/CPU-s', 'peak RSS MB'],
        [row('replay (scoring)', replay), row('ceiling (parse+write only)', ceiling)]
      );
      const wallRatio = rate(replay) / rate(ceiling);
      const cpuRatio = cpuRate(replay) / cpuRate(ceiling);
      const verdict = rate(replay) >= 100_000 ? 'meets' : 'BELOW';
      process.stdout.write(
        `replay/ceiling ${fmt(wallRatio, 3)} (wall), ${fmt(cpuRatio, 3)} (CPU); ${verdict} 100k points/s (wall)\n`
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
};
