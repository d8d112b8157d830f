import * as fs from 'node:fs';
import * as net from 'node:net';
import * as tls from 'node:tls';
import {
  Kafka,
  logLevel as KafkaLogLevel,
  Partitioners,
  type Admin,
  type Consumer,
  type KafkaConfig,
  type LogEntry,
  type Producer,
  type SASLOptions,
} from 'kafkajs';
import type { Logger } from 'pino';
import type { DetectorConfig } from '../config/load';
import { installNativeKafkaCrc } from './kafka-crc';
import { encoderOverrideMismatch, installKafkaEncoderOverride } from './kafka-encoder';

/** TLS options for the Kafka connections (false = plaintext), shared by kafkajs and the preflight. */
export function kafkaTlsOptions(c: DetectorConfig): tls.ConnectionOptions | false {
  if (!c.kafkaTls) return false;
  const read = (path: string) => (path === '' ? undefined : fs.readFileSync(path, 'utf8'));
  return {
    rejectUnauthorized: c.kafkaTlsRejectUnauthorized,
    ca: c.kafkaTlsCaFile ? [read(c.kafkaTlsCaFile)!] : undefined,
    cert: read(c.kafkaTlsCertFile),
    key: read(c.kafkaTlsKeyFile),
    passphrase: c.kafkaTlsKeyPassphrase || undefined,
  };
}

/** kafkajs client settings (TLS, SASL, logging through pino) from the detector config. */
export function kafkaClientConfig(c: DetectorConfig, logger: Logger): KafkaConfig {
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
    ssl: kafkaTlsOptions(c),
    sasl,
    connectionTimeout: 5000,
    // Reconnect forever with capped backoff: a broker outage must not end the process.
    retry: { initialRetryTime: 300, maxRetryTime: 10000, retries: Number.MAX_SAFE_INTEGER },
    logLevel: KafkaLogLevel.WARN,
    logCreator: pinoLogCreator(logger.child({ component: 'kafkajs' })),
  };
}

/** A broker's TLS endpoint refused us or we refused it: a setup problem that retrying cannot fix. */
export interface KafkaClients {
  kafka: Kafka;
  consumer: Consumer;
  producer: Producer;
  admin: Admin;
}

/** The service's consumer (in the group), producer (dead letters, model states) and admin client. */
export function createKafkaClients(c: DetectorConfig, logger: Logger): KafkaClients {
  if (!installKafkaEncoderOverride()) {
    logger.info({ reason: encoderOverrideMismatch() }, 'kafkajs encoder override not applied');
  }
  const crcNotApplied = installNativeKafkaCrc();
  if (crcNotApplied) logger.info({ reason: crcNotApplied }, 'kafkajs keeps its JavaScript CRC-32C');
  const kafka = new Kafka(kafkaClientConfig(c, logger));
  const consumer = kafka.consumer({
    groupId: c.kafkaGroupId,
    sessionTimeout: c.kafkaSessionTimeoutMs,
    heartbeatInterval: Math.min(3000, Math.floor(c.kafkaSessionTimeoutMs / 3)),
    allowAutoTopicCreation: false,
    // The broker answers a fetch once kafkaFetchMinBytes (256 KB) are there or
    // kafkaFetchMaxWaitMs (100 ms) have passed. With kafkajs's default (1 byte) a paced stream
    // was fetched a few messages at a time, and the fetches' round trips and decoding were a
    // large part of the live pipeline's CPU per point (e2e-budget live profile). Against the
    // earlier 64 KB / 250 ms: a busy stream is fetched in batches up to four times bigger
    // (e2e-budget at 20,000 points/s: 13.3-14.1 vs 14.9 us per point), and no point waits in
    // Kafka longer than 100 ms, where a stream below 256 KB/s used to wait 250 ms.
    minBytes: c.kafkaFetchMinBytes,
    maxWaitTimeInMs: c.kafkaFetchMaxWaitMs,
  });
  const producer = kafka.producer({
    allowAutoTopicCreation: true,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  return { kafka, consumer, producer, admin: kafka.admin() };
}

export class KafkaTlsError extends Error {
  constructor(
    message: string,
    readonly broker: string,
    readonly code: string
  ) {
    super(message);
    this.name = 'KafkaTlsError';
  }
}

type Probe = { ok: true } | { ok: false; code: string; message: string; tls: boolean };

/** Node's certificate-verification codes, and the TLS alert/protocol errors OpenSSL reports. */
function isTlsFailure(code: string): boolean {
  return /^ERR_(SSL|TLS)_|CERT|SELF_SIGNED|UNABLE_TO_|SIGNATURE|HOSTNAME/.test(code);
}

function hint(code: string, broker: string): string {
  if (code === 'EXPECTS_TLS')
    return 'it expects TLS: set ANOMALYLENS_KAFKA_TLS=true (and ANOMALYLENS_KAFKA_TLS_CA_FILE if its CA is not a system CA)';
  if (/ALTNAME|HOSTNAME/.test(code))
    return `the broker certificate does not name ${broker.replace(/:\d+$/, '')}; connect by a name or address the certificate lists`;
  if (/ALERT_(BAD_CERTIFICATE|CERTIFICATE_REQUIRED|UNKNOWN_CA|CERTIFICATE_UNKNOWN|ACCESS_DENIED)/.test(code))
    return 'the broker refused our client certificate; set ANOMALYLENS_KAFKA_TLS_CERT_FILE and ANOMALYLENS_KAFKA_TLS_KEY_FILE to a certificate its truststore accepts';
  if (/WRONG_VERSION_NUMBER|PACKET_LENGTH|RECORD_LAYER/.test(code))
    return 'the listener does not speak TLS; point ANOMALYLENS_KAFKA_BROKERS at its SSL/SASL_SSL listener or turn ANOMALYLENS_KAFKA_TLS off';
  if (/^ERR_(SSL|TLS)_/.test(code)) return 'the TLS handshake failed';
  return 'the broker certificate is not trusted; set ANOMALYLENS_KAFKA_TLS_CA_FILE to the CA that signed it';
}

/** ApiVersions v0 (key 18): the one request a Kafka listener answers before authentication. */
function apiVersionsRequest(): Buffer {
  const clientId = Buffer.from('anomaly-lens-tls-check');
  const header = Buffer.alloc(10);
  header.writeInt16BE(18, 0);
  header.writeInt16BE(0, 2);
  header.writeInt32BE(1, 4);
  header.writeInt16BE(clientId.length, 8);
  const size = Buffer.alloc(4);
  size.writeInt32BE(header.length + clientId.length, 0);
  return Buffer.concat([size, header, clientId]);
}

/** A TLS record of type alert (0x15), version 3.x: what a TLS listener answers plaintext with. */
function isTlsAlert(data: Buffer): boolean {
  return data.length >= 2 && data[0] === 0x15 && data[1] === 0x03;
}

/**
 * One connection to `broker` and an ApiVersions round trip, over TLS with `options` or in
 * plaintext (options false), reporting a definite TLS mismatch or refusal as `tls: true`.
 */
function probeBroker(
  broker: string,
  options: tls.ConnectionOptions | false,
  timeoutMs: number
): Promise<Probe> {
  const sep = broker.lastIndexOf(':');
  const host = broker.slice(0, sep);
  const port = Number(broker.slice(sep + 1));
  return new Promise((resolve) => {
    let settled = false;
    const done = (p: Probe) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(p);
    };
    const socket =
      options === false
        ? net.connect({ host, port }, () => socket.write(apiVersionsRequest()))
        : tls.connect({ ...options, host, port, ...(net.isIP(host) ? {} : { servername: host }) });
    // With TLS 1.3 the server checks our certificate after our side of the handshake is
    // done, so a refusal only shows up as the alert that answers our first request.
    socket.once('secureConnect', () => socket.write(apiVersionsRequest()));
    socket.once('data', (data: Buffer) =>
      done(
        options === false && isTlsAlert(data)
          ? {
              ok: false,
              code: 'EXPECTS_TLS',
              message: 'answered a plaintext request with a TLS alert',
              tls: true,
            }
          : { ok: true }
      )
    );
    socket.once('error', (e: NodeJS.ErrnoException) => {
      const code = e.code ?? 'ERR_TLS_UNKNOWN';
      done({ ok: false, code, message: e.message.trim(), tls: options !== false && isTlsFailure(code) });
    });
    socket.once('close', () => done({ ok: false, code: 'ECLOSED', message: 'closed', tls: false }));
    const timer = setTimeout(
      () => done({ ok: false, code: 'ETIMEDOUT', message: 'timed out', tls: false }),
      timeoutMs
    );
  });
}

/**
 * Talk to every bootstrap broker once before kafkajs starts: kafkajs treats an untrusted
 * broker certificate, a refused client certificate or a TLS listener reached without TLS like
 * a network blip and would retry forever, while the Java client (rightly) fails at once.
 * Brokers that cannot be reached are left to kafkajs's reconnects; only a definite TLS
 * mismatch or refusal throws a KafkaTlsError.
 */
export async function verifyKafkaTls(c: DetectorConfig, timeoutMs = 5000): Promise<void> {
  const options = kafkaTlsOptions(c);
  const probes = await Promise.all(
    c.kafkaBrokers.map(async (b) => ({ broker: b, probe: await probeBroker(b, options, timeoutMs) }))
  );
  for (const { broker, probe } of probes) {
    if (probe.ok || !probe.tls) continue;
    const what =
      options === false ? `Kafka listener ${broker}` : `Kafka TLS handshake with ${broker} failed:`;
    throw new KafkaTlsError(
      `${what} ${probe.message} (${probe.code}); ${hint(probe.code, broker)}`,
      broker,
      probe.code
    );
  }
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
