/**
 * Child process of the replay bench, so each measurement has its own peak RSS.
 * usage: node replayChild.js <replay|ceiling> <input.csv> <output.csv>
 * Prints one JSON line: { rows, ms, cpuMs, maxRssKB } (cpuMs = user + system CPU time).
 */
import { replayFile } from '../src/cli/replay';
import { DetectorOutput, SeriesDetector } from '../src/model/types';

/** Everything replay does except scoring: same reader, parser, formatter and writer. */
function passthrough(): SeriesDetector {
  const detector = {
    update(timestamp: number, value: number): DetectorOutput {
      return {
        timestamp,
        value,
        score: 0,
        score01: 0,
        isAnomaly: false,
        expected: value,
        lower: value,
        upper: value,
        warmingUp: false,
      };
    },
    gap(timestamp: number): DetectorOutput {
      return { ...this.update(timestamp, 0), value: NaN, score: NaN, score01: NaN };
    },
    fits: 0,
  };
  return detector;
}

async function main(): Promise<void> {
  const [mode, input, output] = process.argv.slice(2);
  const t0 = process.hrtime.bigint();
  const c0 = process.cpuUsage();
  const stats = await replayFile(input, output, {}, undefined, mode === 'ceiling' ? passthrough : undefined);
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const cpu = process.cpuUsage(c0);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  const maxRssKB = process.resourceUsage().maxRSS;
  process.stdout.write(JSON.stringify({ rows: stats.rows, ms, cpuMs, maxRssKB }) + '\n');
}

main().catch((err) => {
  process.stderr.write(String(err instanceof Error ? err.stack : err) + '\n');
  process.exitCode = 1;
});
