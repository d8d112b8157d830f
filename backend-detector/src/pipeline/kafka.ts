import * as fs from 'node:fs';
import { logLevel as KafkaLogLevel, type KafkaConfig, type LogEntry, type SASLOptions } from 'kafkajs';
import type { Logger } from 'pino';
import type { DetectorConfig } from '../config/load';

/** kafkajs client settings (TLS, SASL, logging through pino) from the detector config. */
export function kafkaClientConfig(c: DetectorConfig, logger: Logger): KafkaConfig {
  const read = (path: string) => (path === '' ? undefined : fs.readFileSync(path, 'utf8'));
  const ssl = c.kafkaTls
    ? {
        rejectUnauthorized: c.kafkaTlsRejectUnauthorized,
        ca: c.kafkaTlsCaFile ? [read(c.kafkaTlsCaFile)!] : undefined,
        cert: read(c.kafkaTlsCertFile),
        key: read(c.kafkaTlsKeyFile),
      }
    : false;
  let sasl: SASLOptions | undefined;
  if (c.kafkaSaslMechanism !== 'none') {
    sasl = {
      mechanism: c.kafkaSaslMechanism,
      username: c.kafkaSaslUsername,
      password: c.kafkaSaslPassword,
    } as SASLOptions;
  }
  return {
    clientId: c.kafkaClientId,
    brokers: c.kafkaBrokers,
    ssl,
    sasl,
    connectionTimeout: 5000,
    // Reconnect forever with capped backoff: a broker outage must not end the process.
    retry: { initialRetryTime: 300, maxRetryTime: 10000, retries: Number.MAX_SAFE_INTEGER },
    logLevel: KafkaLogLevel.WARN,
    logCreator: pinoLogCreator(logger.child({ component: 'kafkajs' })),
  };
}

function pinoLogCreator(logger: Logger) {
  return () =>
    ({ level, log }: LogEntry) => {
      const { message, ...rest } = log;
      // A rebalance is routine (a member joined or left), not an error worth paging on;
      // commits refused meanwhile are retried by the service.
      const routine =
        typeof rest.error === 'string' && /rebalancing|generation id is not valid/.test(rest.error);
      if (level === KafkaLogLevel.ERROR && !routine) logger.error(rest, message);
      else if (routine) logger.info(rest, message);
      else if (level === KafkaLogLevel.WARN) logger.warn(rest, message);
      else if (level === KafkaLogLevel.INFO) logger.info(rest, message);
      else logger.debug(rest, message);
    };
}
