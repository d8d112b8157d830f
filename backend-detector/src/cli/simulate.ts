/**
 * `anomaly-lens simulate`: generate labeled cloud metrics.
 *   --to file   NAB-format tree (data/, labels/combined_windows.json, config/) for replay + eval
 */
import { DEFAULT_DATASET_OPTIONS, DatasetOptions, generateDataset } from '../simulate/dataset';
import { writeDataset } from '../simulate/file-output';
import { ANOMALY_KINDS } from '../simulate/generator';
import { wantsKafka } from './simulate-args';
import { METRIC_KINDS } from '../simulate/metrics';
import {
  parseDurationMs,
  parseIntOption,
  parseListOption,
  parseOptions,
  parseRangeOption,
  parseTimeOption,
  reportCliError,
  UsageError,
} from './args';

const USAGE = `usage: anomaly-lens simulate --to file --output <dir> [options]

Generates labeled cloud metrics (daily/weekly seasonality, trend, autocorrelated noise) with
injected anomalies, and NAB-format ground truth (windows of 10 % of each file's rows split
across its anomalies, centred on each anomaly's first row). Deterministic per --seed.

options:
  --to <target>         where to write: file (default file); kafka: see \`simulate --to kafka --help\`
  -o, --output <dir>    output directory (data/, labels/, config/ are created in it)
  --series <n>          number of series (default ${DEFAULT_DATASET_OPTIONS.series})
  --length <rows>       rows per series (default ${DEFAULT_DATASET_OPTIONS.length})
  --step <duration>     time between rows: 300, 30s, 5m, 1h (default 5m)
  --start <iso-time>    first timestamp, UTC (default 2026-01-05)
  --seed <n>            random seed (default ${DEFAULT_DATASET_OPTIONS.seed})
  --kinds <list>        anomaly kinds (default all): ${ANOMALY_KINDS.join(',')}
  --metrics <list>      metrics, assigned round-robin (default all): ${METRIC_KINDS.join(',')}
  --anomalies <n|lo-hi> anomalies per series (default 1-3)
  -h, --help            show this help
`;

export function parseDatasetOptions(values: Record<string, string | boolean | undefined>): DatasetOptions {
  const str = (k: string): string | undefined =>
    typeof values[k] === 'string' ? (values[k] as string) : undefined;
  const d = DEFAULT_DATASET_OPTIONS;
  return {
    series: parseIntOption('series', str('series'), 1) ?? d.series,
    length: parseIntOption('length', str('length'), 10) ?? d.length,
    stepMs: parseDurationMs('step', str('step')) ?? d.stepMs,
    startMs: parseTimeOption('start', str('start')) ?? d.startMs,
    seed: parseIntOption('seed', str('seed'), 0) ?? d.seed,
    kinds: parseListOption('kinds', str('kinds'), ANOMALY_KINDS) ?? d.kinds,
    metrics: parseListOption('metrics', str('metrics'), METRIC_KINDS) ?? d.metrics,
    anomaliesPerSeries: parseRangeOption('anomalies', str('anomalies')) ?? d.anomaliesPerSeries,
  };
}

export async function run(argv: string[]): Promise<number> {
  // `--to kafka` and `--from <csv>` have options of their own (cli/simulate-kafka.ts).
  if (wantsKafka(argv)) return (await import('./simulate-kafka')).runKafkaSimulate(argv);
  try {
    const values = parseOptions(argv, {
      to: { type: 'string', default: 'file' },
      output: { type: 'string', short: 'o' },
      series: { type: 'string' },
      length: { type: 'string' },
      step: { type: 'string' },
      start: { type: 'string' },
      seed: { type: 'string' },
      kinds: { type: 'string' },
      metrics: { type: 'string' },
      anomalies: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    });
    if (values.help) {
      process.stdout.write(USAGE);
      return 0;
    }
    if (values.to !== 'file')
      throw new UsageError(`--to: unknown target '${values.to}' (available: file, kafka)`);
    if (!values.output) throw new UsageError('--output <dir> is required with --to file');
    const options = parseDatasetOptions(values);
    const series = generateDataset(options);
    const tty = process.stderr.isTTY === true;
    const result = writeDataset(values.output, series, options, (done, total) => {
      if (tty) process.stderr.write(`\rsimulate: wrote ${done}/${total} series`);
    });
    if (tty) process.stderr.write('\n');
    process.stdout.write(
      `simulate: ${result.files} series, ${result.rows} rows, ${result.windows} labeled anomalies ` +
        `→ ${values.output} (seed ${options.seed})\n`
    );
    return 0;
  } catch (err) {
    return reportCliError('simulate', USAGE, err);
  }
}
