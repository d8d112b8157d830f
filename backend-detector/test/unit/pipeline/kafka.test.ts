import * as fs from 'node:fs';
import pino from 'pino';
import { loadConfig } from '../../../src/config/load';
import { kafkaClientConfig } from '../../../src/pipeline/kafka';
import { createTestPki } from '../../support/pki';

const logger = pino({ level: 'silent' });

describe('kafkaClientConfig', () => {
  it('is plaintext without SASL by default', () => {
    const k = kafkaClientConfig(loadConfig({}), logger);
    expect(k).toMatchObject({
      clientId: 'anomaly-lens-detector',
      brokers: ['127.0.0.1:9092'],
      ssl: false,
      sasl: undefined,
    });
  });

  it('maps TLS files (encrypted client key included) and SASL SCRAM settings onto kafkajs options', () => {
    const pki = createTestPki();
    const read = (p: string) => fs.readFileSync(p, 'utf8');
    const c = loadConfig({
      ANOMALYLENS_KAFKA_BROKERS: 'b1:9093,b2:9093',
      ANOMALYLENS_KAFKA_TLS: 'true',
      ANOMALYLENS_KAFKA_TLS_CA_FILE: pki.caCert,
      ANOMALYLENS_KAFKA_TLS_CERT_FILE: pki.clientCert,
      ANOMALYLENS_KAFKA_TLS_KEY_FILE: pki.clientKeyEncrypted,
      ANOMALYLENS_KAFKA_TLS_KEY_PASSPHRASE: pki.clientKeyPassphrase,
      ANOMALYLENS_KAFKA_TLS_REJECT_UNAUTHORIZED: 'false',
      ANOMALYLENS_KAFKA_SASL_MECHANISM: 'scram-sha-256',
      ANOMALYLENS_KAFKA_SASL_USERNAME: 'detector',
      ANOMALYLENS_KAFKA_SASL_PASSWORD: 's3cret',
    });
    const k = kafkaClientConfig(c, logger);
    expect(k.brokers).toEqual(['b1:9093', 'b2:9093']);
    expect(k.ssl).toEqual({
      rejectUnauthorized: false,
      ca: [read(pki.caCert)],
      cert: read(pki.clientCert),
      key: read(pki.clientKeyEncrypted),
      passphrase: pki.clientKeyPassphrase,
    });
    expect(k.sasl).toEqual({ mechanism: 'scram-sha-256', username: 'detector', password: 's3cret' });
    fs.rmSync(pki.dir, { recursive: true });
  });

  it('supports SASL PLAIN over TLS with the system CAs', () => {
    const c = loadConfig({
      ANOMALYLENS_KAFKA_TLS: 'true',
      ANOMALYLENS_KAFKA_SASL_MECHANISM: 'plain',
      ANOMALYLENS_KAFKA_SASL_USERNAME: 'u',
      ANOMALYLENS_KAFKA_SASL_PASSWORD: 'p',
    });
    const k = kafkaClientConfig(c, logger);
    expect(k.ssl).toEqual({ rejectUnauthorized: true, ca: undefined, cert: undefined, key: undefined });
    expect(k.sasl).toEqual({ mechanism: 'plain', username: 'u', password: 'p' });
  });
});
