/**
 * The detector against a real broker configured for TLS and SASL/SCRAM, writing to a real
 * Prometheus behind TLS and basic auth: it consumes and scores over SASL_SSL (both SCRAM
 * mechanisms) and over mutual TLS with an encrypted client key, and it fails fast, saying why
 * and never echoing a secret, on a wrong password, an unknown CA or a missing client certificate.
 */
import { KafkaJSSASLAuthenticationError } from 'kafkajs';
import { loadConfig } from '../../src/config/load';
import { KafkaTlsError, verifyKafkaTls } from '../../src/pipeline/kafka';
import { freePort } from '../support/instances';
import { waitFor } from '../support/services';
import { CapturedDetector, leaks, points, secret, SecureStack } from '../support/security-stack';

jest.setTimeout(120_000);

const stack = new SecureStack();
let seq = 0;
const unique = (what: string) => `${what}-${Date.now().toString(36)}-${++seq}`;

beforeAll(() => stack.start(), 120_000);
afterAll(() => stack.stop());

/** Remote-write settings every detector here uses: HTTPS with the test CA, basic auth. */
const remoteWrite = () => ({
  ANOMALYLENS_REMOTE_WRITE_URL: stack.remoteWriteUrl,
  ANOMALYLENS_REMOTE_WRITE_TLS_CA_FILE: stack.pki.caCert,
  ANOMALYLENS_REMOTE_WRITE_USERNAME: stack.creds.remoteWrite.username,
  ANOMALYLENS_REMOTE_WRITE_PASSWORD: stack.creds.remoteWrite.password,
});

const allSecrets = () => [
  stack.creds.scram256.password,
  stack.creds.scram512.password,
  stack.creds.remoteWrite.password,
  `${stack.creds.remoteWrite.username}:${stack.creds.remoteWrite.password}`,
  stack.pki.clientKeyPassphrase,
];

describe('secured Kafka: the detector consumes and scores', () => {
  const cases: Array<[string, () => Record<string, string>]> = [
    [
      'SASL_SSL with SCRAM-SHA-256 and a CA file',
      () => ({
        ANOMALYLENS_KAFKA_BROKERS: stack.saslSslBroker,
        ANOMALYLENS_KAFKA_TLS: 'true',
        ANOMALYLENS_KAFKA_TLS_CA_FILE: stack.pki.caCert,
        ANOMALYLENS_KAFKA_SASL_MECHANISM: 'scram-sha-256',
        ANOMALYLENS_KAFKA_SASL_USERNAME: stack.creds.scram256.username,
        ANOMALYLENS_KAFKA_SASL_PASSWORD: stack.creds.scram256.password,
      }),
    ],
    [
      'SASL_SSL with SCRAM-SHA-512',
      () => ({
        ANOMALYLENS_KAFKA_BROKERS: stack.saslSslBroker,
        ANOMALYLENS_KAFKA_TLS: 'true',
        ANOMALYLENS_KAFKA_TLS_CA_FILE: stack.pki.caCert,
        ANOMALYLENS_KAFKA_SASL_MECHANISM: 'scram-sha-512',
        ANOMALYLENS_KAFKA_SASL_USERNAME: stack.creds.scram512.username,
        ANOMALYLENS_KAFKA_SASL_PASSWORD: stack.creds.scram512.password,
      }),
    ],
    [
      'mutual TLS with a passphrase-encrypted client key',
      () => ({
        ANOMALYLENS_KAFKA_BROKERS: stack.mtlsBroker,
        ANOMALYLENS_KAFKA_TLS: 'true',
        ANOMALYLENS_KAFKA_TLS_CA_FILE: stack.pki.caCert,
        ANOMALYLENS_KAFKA_TLS_CERT_FILE: stack.pki.clientCert,
        ANOMALYLENS_KAFKA_TLS_KEY_FILE: stack.pki.clientKeyEncrypted,
        ANOMALYLENS_KAFKA_TLS_KEY_PASSPHRASE: stack.pki.clientKeyPassphrase,
      }),
    ],
  ];

  it.each(cases)('%s, writing every score over HTTPS + basic auth', async (_name, kafkaEnv) => {
    const run = unique('sec');
    const topic = `${run}-in`;
    await stack.createTopic(topic);
    const sent = points(run, 60);
    await stack.produce(topic, sent);
    const d = new CapturedDetector({
      ...kafkaEnv(),
      ...remoteWrite(),
      ANOMALYLENS_INPUT_TOPICS: topic,
      ANOMALYLENS_DLQ_TOPIC: `${run}-dlq`,
      ANOMALYLENS_KAFKA_GROUP_ID: `${run}-g`,
    });
    try {
      await d.service.start();
      await waitFor(
        'every point scored and in Prometheus',
        async () => ((await stack.count('anomalylens_score', run)) === sent.length ? true : undefined),
        60_000,
        500
      );
      expect(await stack.count('anomalylens_observed', run)).toBe(sent.length);
      expect(d.service.readiness()).toEqual({ ready: true, reasons: [] });
      await waitFor(
        'offsets committed',
        async () => ((await stack.committed(`${run}-g`, topic)) === sent.length ? true : undefined),
        20_000
      );
      expect(leaks(await d.everythingShown(), allSecrets())).toEqual([]);
    } finally {
      await d.service.stop();
    }
  });
});

describe('secured Kafka: setup mistakes fail fast with the reason, and no secret', () => {
  /** Starts a detector that must fail; returns the error, how long it took and all it logged. */
  async function failingStart(kafkaEnv: Record<string, string>) {
    const run = unique('bad');
    const d = new CapturedDetector({
      ...kafkaEnv,
      ...remoteWrite(),
      ANOMALYLENS_INPUT_TOPICS: `${run}-in`,
      ANOMALYLENS_KAFKA_GROUP_ID: `${run}-g`,
    });
    const t0 = Date.now();
    let error: unknown;
    try {
      await d.service.start();
    } catch (e) {
      error = e;
    } finally {
      await d.service.stop();
    }
    if (!(error instanceof Error)) throw new Error(`start() did not fail; logs:\n${d.text}`);
    return { error, ms: Date.now() - t0, shown: `${error.message}\n${d.text}` };
  }

  it('a wrong SCRAM password: authentication error at start, password nowhere', async () => {
    const wrong = secret('wrong-scram');
    const { error, ms, shown } = await failingStart({
      ANOMALYLENS_KAFKA_BROKERS: stack.saslSslBroker,
      ANOMALYLENS_KAFKA_TLS: 'true',
      ANOMALYLENS_KAFKA_TLS_CA_FILE: stack.pki.caCert,
      ANOMALYLENS_KAFKA_SASL_MECHANISM: 'scram-sha-256',
      ANOMALYLENS_KAFKA_SASL_USERNAME: stack.creds.scram256.username,
      ANOMALYLENS_KAFKA_SASL_PASSWORD: wrong,
    });
    expect(error).toBeInstanceOf(KafkaJSSASLAuthenticationError);
    expect(error.message).toMatch(/authentication failed.*invalid credentials.*SCRAM-SHA-256/i);
    expect(ms).toBeLessThan(15_000);
    expect(leaks(shown, [wrong, ...allSecrets()])).toEqual([]);
  });

  it('a broker certificate from an unknown CA: a TLS error naming the CA setting', async () => {
    const { error, ms, shown } = await failingStart({
      ANOMALYLENS_KAFKA_BROKERS: stack.saslSslBroker,
      ANOMALYLENS_KAFKA_TLS: 'true',
      ANOMALYLENS_KAFKA_TLS_CA_FILE: stack.pki.rogueCaCert,
      ANOMALYLENS_KAFKA_SASL_MECHANISM: 'scram-sha-256',
      ANOMALYLENS_KAFKA_SASL_USERNAME: stack.creds.scram256.username,
      ANOMALYLENS_KAFKA_SASL_PASSWORD: stack.creds.scram256.password,
    });
    expect(error).toBeInstanceOf(KafkaTlsError);
    expect(error.message).toBe(
      `Kafka TLS handshake with ${stack.saslSslBroker} failed: unable to verify the first certificate (UNABLE_TO_VERIFY_LEAF_SIGNATURE); the broker certificate is not trusted; set ANOMALYLENS_KAFKA_TLS_CA_FILE to the CA that signed it`
    );
    expect(ms).toBeLessThan(10_000);
    expect(leaks(shown, allSecrets())).toEqual([]);
  });

  it('no client certificate for a listener that requires one: says the broker refused us', async () => {
    const { error, ms } = await failingStart({
      ANOMALYLENS_KAFKA_BROKERS: stack.mtlsBroker,
      ANOMALYLENS_KAFKA_TLS: 'true',
      ANOMALYLENS_KAFKA_TLS_CA_FILE: stack.pki.caCert,
    });
    expect(error).toBeInstanceOf(KafkaTlsError);
    expect(error.message).toMatch(
      new RegExp(
        `^Kafka TLS handshake with ${stack.mtlsBroker} failed: .*alert.*; the broker refused our client certificate; set ANOMALYLENS_KAFKA_TLS_CERT_FILE`
      )
    );
    expect(ms).toBeLessThan(10_000);
  });

  it('TLS left off for a TLS listener: says the listener expects TLS', async () => {
    const { error, ms } = await failingStart({
      ANOMALYLENS_KAFKA_BROKERS: stack.saslSslBroker,
      ANOMALYLENS_KAFKA_SASL_MECHANISM: 'scram-sha-256',
      ANOMALYLENS_KAFKA_SASL_USERNAME: stack.creds.scram256.username,
      ANOMALYLENS_KAFKA_SASL_PASSWORD: stack.creds.scram256.password,
    });
    expect(error).toBeInstanceOf(KafkaTlsError);
    expect(error.message).toBe(
      `Kafka listener ${stack.saslSslBroker} answered a plaintext request with a TLS alert (EXPECTS_TLS); it expects TLS: set ANOMALYLENS_KAFKA_TLS=true (and ANOMALYLENS_KAFKA_TLS_CA_FILE if its CA is not a system CA)`
    );
    expect(ms).toBeLessThan(10_000);
  });

  it('a plaintext listener reached in plaintext passes the check', async () => {
    await expect(
      verifyKafkaTls(loadConfig({ ANOMALYLENS_KAFKA_BROKERS: stack.kafka.bootstrap }))
    ).resolves.toBeUndefined();
  });

  it('a broker that is not up yet is no TLS failure: the check passes it on to kafkajs, which waits', async () => {
    const config = loadConfig({
      ANOMALYLENS_KAFKA_BROKERS: `127.0.0.1:${await freePort()}`,
      ANOMALYLENS_KAFKA_TLS: 'true',
      ANOMALYLENS_KAFKA_TLS_CA_FILE: stack.pki.caCert,
    });
    await expect(verifyKafkaTls(config)).resolves.toBeUndefined();
  });
});
