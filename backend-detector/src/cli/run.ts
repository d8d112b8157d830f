/**
 * `anomaly-lens run`: the real-time detector service. All settings come from
 * ANOMALYLENS_* environment variables and an optional JSON config file.
 */
import pino from 'pino';
import { CONFIG_FILE_ENV, ConfigError, describeConfig, loadConfig, settingsHelp } from '../config/load';
import { createSeriesDetector } from '../model/detector';
import { streamingDetectorCodec, streamingDetectorFactory } from '../pipeline/detector-codec';
import { applyHeapGrowth } from '../pipeline/heap-growth';
import { PolicyError } from '../policy/parse';
import { DetectorService } from '../pipeline/service';
import { parseOptions, reportCliError } from './args';

const USAGE = `usage: anomaly-lens run [--config <file.json>]

Consumes metrics from Kafka (native JSON, collectd write_kafka JSON, InfluxDB line
protocol), scores every point with a per-series Isolation Forest detector and writes
anomalylens_* series to Prometheus via remote write. Serves /metrics, /healthz, /readyz
and /api/status. Stops gracefully on SIGTERM/SIGINT (flush, commit, leave the group).

options:
  -c, --config <file>   JSON config file (keys are the names below); also ${CONFIG_FILE_ENV}
  -h, --help            show this help

settings (environment variable, then config file key; env wins over the file):
`;

export async function run(argv: string[]): Promise<number> {
  let values: { config?: string; help?: boolean };
  try {
    values = parseOptions(argv, {
      config: { type: 'string', short: 'c' },
      help: { type: 'boolean', short: 'h' },
    });
  } catch (e) {
    return reportCliError('run', `${USAGE}${settingsHelp()}\n`, e);
  }
  if (values.help) {
    process.stdout.write(`${USAGE}${settingsHelp()}\n`);
    return 0;
  }
  let config;
  try {
    config = loadConfig(process.env, values.config ?? process.env[CONFIG_FILE_ENV]);
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`anomaly-lens run: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  try {
    createSeriesDetector(); // the model's settings are checked once, before any I/O
  } catch (e) {
    process.stderr.write(`anomaly-lens run: detector: ${(e as Error).message}\n`);
    return 2;
  }
  applyHeapGrowth(config.heapGrowingPercent);
  const logger = pino({ level: config.logLevel, base: { service: 'anomaly-lens-detector' } });
  logger.info({ config: describeConfig(config) }, 'starting');
  let exitCode = 0;
  let service: DetectorService;
  try {
    service = new DetectorService(config, {
      logger,
      createDetector: streamingDetectorFactory(),
      stateCodec: streamingDetectorCodec(),
      onFatal: (err) => {
        logger.fatal({ err }, 'consumer stopped for good; shutting down');
        exitCode = 1;
        stop('fatal');
      },
    });
  } catch (e) {
    if (!(e instanceof PolicyError)) throw e;
    logger.fatal({ policy: e.file, line: e.line, field: e.field }, e.message);
    process.stderr.write(`anomaly-lens run: ${e.message}\n`);
    return 2;
  }

  let stopping: Promise<void> | undefined;
  let stopped!: () => void;
  const done = new Promise<void>((resolve) => (stopped = resolve));
  const stop = (signal: string) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting without a clean shutdown');
      process.exit(130);
    }
    logger.info({ signal }, 'signal received');
    stopping = service.stop().finally(stopped);
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));

  // A signal may come while start() still waits for Kafka: whichever happens first wins.
  const startup = service.start().then(
    () => undefined,
    (e: unknown) => e
  );
  const failed = await Promise.race([startup, done.then(() => undefined)]);
  if (failed !== undefined) {
    logger.fatal({ err: failed }, 'failed to start');
    exitCode = 1;
    // A client stuck mid-connect must not keep a failed process up; a signal meanwhile exits at once.
    setTimeout(() => process.exit(exitCode), config.shutdownTimeoutMs + 2000).unref();
    stopping = service.stop().catch(() => undefined);
    await stopping;
  } else {
    await done;
  }
  // kafkajs may still be retrying a connection it was asked to drop; after a clean
  // shutdown nothing else is left to do, so do not let such timers keep the process up.
  setTimeout(() => process.exit(exitCode), 2000).unref();
  return exitCode;
}
