/**
 * The security suites' private services: a Kafka broker with a SASL_SSL listener (SCRAM-SHA-256
 * and -512 users created at format time) and an SSL listener that requires client certificates,
 * and a Prometheus whose remote-write receiver sits behind TLS and basic auth, all on certificates
 * of a test CA made at test time. Plus a detector started in-process whose every log line is kept.
 */
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as path from 'node:path';
import { hashSync } from 'bcryptjs';
import type { Message } from 'kafkajs';
import pino from 'pino';
import { loadConfig } from '../../src/config/load';
import { createSeriesDetector } from '../../src/model/detector';
import { DetectorService } from '../../src/pipeline/service';
import { createTestPki, type TestPki } from './pki';
import { freePort, KafkaInstance, PrometheusInstance } from './instances';

/** Distinctive values, so a leak anywhere is found by a plain substring search. */
export function secret(name: string): string {
  return `${name}-S3cr3t-${Math.random().toString(36).slice(2, 10)}`;
}

export interface Credentials {
  scram256: { username: string; password: string };
  scram512: { username: string; password: string };
  remoteWrite: { username: string; password: string };
}

export class SecureStack {
  readonly pki: TestPki;
  readonly creds: Credentials = {
    scram256: { username: 'detector256', password: secret('scram256') },
    scram512: { username: 'detector512', password: secret('scram512') },
    remoteWrite: { username: 'detector', password: secret('remote-write') },
  };
  kafka!: KafkaInstance;
  prometheus!: PrometheusInstance;
  saslSslPort = 0;
  mtlsPort = 0;

  constructor() {
    this.pki = createTestPki();
  }

  get saslSslBroker(): string {
    return `127.0.0.1:${this.saslSslPort}`;
  }

  get mtlsBroker(): string {
    return `127.0.0.1:${this.mtlsPort}`;
  }

  get remoteWriteUrl(): string {
    return `${this.prometheus.url}/api/v1/write`;
  }

  async start(): Promise<void> {
    this.saslSslPort = await freePort();
    this.mtlsPort = await freePort();
    const jaas = 'org.apache.kafka.common.security.scram.ScramLoginModule required;';
    const { scram256, scram512, remoteWrite } = this.creds;
    this.kafka = new KafkaInstance({
      listeners: [
        { name: 'SASL_SSL', protocol: 'SASL_SSL', port: this.saslSslPort },
        { name: 'MTLS', protocol: 'SSL', port: this.mtlsPort },
      ],
      properties: {
        'ssl.keystore.type': 'PEM',
        'ssl.keystore.location': this.pki.serverKeystore,
        'ssl.truststore.type': 'PEM',
        'ssl.truststore.location': this.pki.caCert,
        'listener.name.sasl_ssl.sasl.enabled.mechanisms': 'SCRAM-SHA-256,SCRAM-SHA-512',
        'listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config': jaas,
        'listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config': jaas,
        'listener.name.mtls.ssl.client.auth': 'required',
      },
      addScram: [
        `SCRAM-SHA-256=[name=${scram256.username},password=${scram256.password}]`,
        `SCRAM-SHA-512=[name=${scram512.username},password=${scram512.password}]`,
      ],
    });
    // Cost 6: the receiver checks the hash on every request it has not cached.
    const hash = hashSync(remoteWrite.password, 6);
    this.prometheus = new PrometheusInstance({
      webConfig: [
        'tls_server_config:',
        `  cert_file: ${this.pki.serverCert}`,
        `  key_file: ${this.pki.serverKey}`,
        'basic_auth_users:',
        `  ${remoteWrite.username}: '${hash}'`,
        '',
      ].join('\n'),
    });
    await Promise.all([this.kafka.start(), this.prometheus.start()]);
  }

  async stop(): Promise<void> {
    await Promise.all([this.kafka?.destroy(), this.prometheus?.destroy()]);
    fs.rmSync(this.pki.dir, { recursive: true, force: true });
  }

  /** Test-side Kafka access goes through the broker's PLAINTEXT listener. */
  async createTopic(topic: string, partitions = 2): Promise<void> {
    const admin = this.kafka.client().admin();
    await admin.connect();
    try {
      await admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: true });
    } finally {
      await admin.disconnect();
    }
  }

  async produce(topic: string, messages: Message[]): Promise<void> {
    // A topic just created may take a moment to be served on a busy machine: retry for a while.
    const producer = this.kafka.client({ retry: { retries: 10, maxRetryTime: 1000 } }).producer();
    await producer.connect();
    try {
      await producer.send({ topic, messages });
    } finally {
      await producer.disconnect();
    }
  }

  /** Offsets `groupId` committed on `topic`, summed over partitions. */
  async committed(groupId: string, topic: string): Promise<number> {
    const admin = this.kafka.client().admin();
    await admin.connect();
    try {
      const [t] = await admin.fetchOffsets({ groupId, topics: [topic] });
      return t.partitions.reduce((n, p) => n + Math.max(0, Number(p.offset)), 0);
    } finally {
      await admin.disconnect();
    }
  }

  /** Instant query against the TLS + basic-auth Prometheus; returns the summed values. */
  async promSum(query: string): Promise<number> {
    const url = new URL(`${this.prometheus.url}/api/v1/query`);
    url.searchParams.set('query', query);
    const { status, body } = await httpsGet(url, {
      ca: fs.readFileSync(this.pki.caCert),
      auth: `${this.creds.remoteWrite.username}:${this.creds.remoteWrite.password}`,
    });
    const parsed = JSON.parse(body) as {
      status: string;
      error?: string;
      data: { result: Array<{ value: [number, string] }> };
    };
    if (status !== 200 || parsed.status !== 'success')
      throw new Error(`Prometheus query failed (${status}): ${parsed.error ?? body}`);
    return parsed.data.result.reduce((n, r) => n + Number(r.value[1]), 0);
  }

  /** Samples of `name` for the test run `run` in the last hour. */
  count(name: string, run: string): Promise<number> {
    return this.promSum(`count_over_time(${name}{run="${run}"}[1h])`);
  }
}

export function httpsGet(
  url: URL,
  opts: { ca?: Buffer; auth?: string }
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    https
      .get(url, { ca: opts.ca, auth: opts.auth }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

/** `n` native points per host for series labelled `run`, one second apart, ending now. */
export function points(run: string, n: number, hosts = 2): Message[] {
  const t0 = Date.now() - n * 1000;
  const out: Message[] = [];
  for (let i = 0; i < n; i++) {
    for (let h = 0; h < hosts; h++) {
      out.push({
        key: `h${h}`,
        value: JSON.stringify({
          ts: t0 + i * 1000,
          metric: 'security_probe',
          value: 10 + ((i * 7 + h) % 5),
          labels: { run, host: `h${h}` },
        }),
      });
    }
  }
  return out;
}

/** A detector in-process at debug level, every log line kept in `logs`. */
export class CapturedDetector {
  readonly logs: string[] = [];
  readonly service: DetectorService;

  constructor(env: Record<string, string>) {
    const config = loadConfig({
      ANOMALYLENS_KAFKA_FROM_BEGINNING: 'true',
      ANOMALYLENS_HTTP_PORT: '0',
      ANOMALYLENS_COMMIT_INTERVAL_MS: '200',
      ANOMALYLENS_CHECKPOINT_INTERVAL_MS: '0',
      ANOMALYLENS_RETRY_MAX_MS: '1000',
      ANOMALYLENS_LOG_LEVEL: 'debug',
      ...env,
    });
    const logger = pino({ level: config.logLevel }, { write: (line: string) => this.logs.push(line) });
    this.service = new DetectorService(config, { logger, createDetector: () => createSeriesDetector() });
  }

  get text(): string {
    return this.logs.join('');
  }

  get(pathname: string): Promise<Response> {
    return fetch(`http://127.0.0.1:${this.service.port}${pathname}`);
  }

  /** Everything the detector shows the world: its logs, /api/status, /metrics and /readyz. */
  async everythingShown(): Promise<string> {
    const parts = await Promise.all(
      ['/api/status', '/metrics', '/readyz', '/healthz'].map(async (p) => (await this.get(p)).text())
    );
    return [this.text, ...parts].join('\n');
  }
}

/** Where a secret shows up in `text`, including as base64 (an Authorization header) — or []. */
export function leaks(text: string, secrets: string[]): string[] {
  const found: string[] = [];
  for (const s of secrets) {
    if (text.includes(s)) found.push(s);
    if (text.includes(Buffer.from(s).toString('base64').replace(/=+$/, ''))) found.push(`base64(${s})`);
  }
  return found;
}

export const BIN = path.join(__dirname, '..', '..', 'bin', 'anomaly-lens.js');
export const BUILT = path.join(__dirname, '..', '..', 'dist', 'cli', 'run.js');
