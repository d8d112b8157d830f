import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ConfigError, describeConfig, loadConfig, settingsHelp } from '../../../src/config/load';
import { SETTINGS } from '../../../src/config/schema';

function problems(env: Record<string, string>, file?: string): string[] {
  try {
    loadConfig(env, file);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  return [];
}

describe('config', () => {
  it('has sane defaults for every setting', () => {
    const c = loadConfig({});
    expect(c.kafkaBrokers).toEqual(['127.0.0.1:9092']);
    expect(c.inputTopics).toEqual([{ topic: 'metrics', format: 'auto' }]);
    expect(c.dlqTopic).toBe('metrics.dlq');
    expect(c.remoteWriteUrl).toBe('http://127.0.0.1:9090/api/v1/write');
    expect(c.fromBeginning).toBe(false);
    expect(c.remoteWriteBatchSamples).toBe(5000);
  });

  it('reads env vars with types and per-topic formats', () => {
    const c = loadConfig({
      ANOMALYLENS_INPUT_TOPICS: 'metrics, collectd:collectd,telegraf:influx',
      ANOMALYLENS_KAFKA_BROKERS: 'a:9092,b:9092',
      ANOMALYLENS_KAFKA_FROM_BEGINNING: 'yes',
      ANOMALYLENS_MAX_SERIES: '500',
      ANOMALYLENS_KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
      ANOMALYLENS_KAFKA_SASL_USERNAME: 'u',
      ANOMALYLENS_KAFKA_SASL_PASSWORD: 'p',
    });
    expect(c.inputTopics).toEqual([
      { topic: 'metrics', format: 'auto' },
      { topic: 'collectd', format: 'collectd' },
      { topic: 'telegraf', format: 'influx' },
    ]);
    expect(c.kafkaBrokers).toEqual(['a:9092', 'b:9092']);
    expect(c.fromBeginning).toBe(true);
    expect(c.maxSeries).toBe(500);
    expect(c.kafkaSaslMechanism).toBe('scram-sha-512');
  });

  it('names every bad field, where it came from and why', () => {
    const p = problems({
      ANOMALYLENS_MAX_SERIES: 'lots',
      ANOMALYLENS_HTTP_PORT: '70000',
      ANOMALYLENS_REMOTE_WRITE_URL: 'ftp://x',
      ANOMALYLENS_INPUT_TOPICS: 'metrics:xml',
      ANOMALYLENS_KAFKA_TLS: 'maybe',
    });
    expect(p).toEqual([
      "inputTopics (ANOMALYLENS_INPUT_TOPICS): format 'xml' of topic metrics is not one of auto, native, collectd, influx",
      "kafkaTls (ANOMALYLENS_KAFKA_TLS): expected true or false, got 'maybe'",
      "maxSeries (ANOMALYLENS_MAX_SERIES): expected a number, got 'lots'",
      "remoteWriteUrl (ANOMALYLENS_REMOTE_WRITE_URL): must be http:// or https://, got 'ftp:'",
      'httpPort (ANOMALYLENS_HTTP_PORT): must be <= 65535, got 70000',
    ]);
  });

  it('checks settings that depend on each other', () => {
    expect(problems({ ANOMALYLENS_KAFKA_SASL_MECHANISM: 'plain' })).toEqual([
      'kafkaSaslUsername/kafkaSaslPassword: required when kafkaSaslMechanism is plain',
    ]);
    expect(
      problems({
        ANOMALYLENS_REMOTE_WRITE_BEARER_TOKEN: 't',
        ANOMALYLENS_REMOTE_WRITE_USERNAME: 'u',
        ANOMALYLENS_REMOTE_WRITE_PASSWORD: 'p',
      })[0]
    ).toMatch(/cannot be combined/);
    expect(problems({ ANOMALYLENS_KAFKA_TLS_CA_FILE: '/nonexistent/ca.pem' })).toEqual([
      "kafkaTlsCaFile: cannot read file '/nonexistent/ca.pem'",
    ]);
    expect(problems({ ANOMALYLENS_DLQ_TOPIC: 'metrics' })).toEqual([
      'dlqTopic: must not also be an input topic',
    ]);
  });

  it('reads a JSON config file, with env vars taking precedence', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'al-config-'));
    const file = path.join(dir, 'detector.json');
    fs.writeFileSync(
      file,
      JSON.stringify({ maxSeries: 42, kafkaBrokers: ['x:1', 'y:2'], fromBeginning: true, logLevel: 'warn' })
    );
    const c = loadConfig({ ANOMALYLENS_LOG_LEVEL: 'debug' }, file);
    expect([c.maxSeries, c.kafkaBrokers, c.fromBeginning, c.logLevel]).toEqual([
      42,
      ['x:1', 'y:2'],
      true,
      'debug',
    ]);
    fs.writeFileSync(file, JSON.stringify({ maxSeriez: 1, maxSeries: { n: 1 } }));
    expect(problems({}, file)).toEqual([
      `config file ${file}: unknown setting 'maxSeriez'`,
      'maxSeries (config file): must be a string, number, boolean or list of strings',
    ]);
    fs.writeFileSync(file, '{not json');
    expect(problems({}, file)[0]).toMatch(/not valid JSON/);
    fs.rmSync(dir, { recursive: true });
  });

  it('masks secrets when describing the config', () => {
    const c = loadConfig({ ANOMALYLENS_REMOTE_WRITE_BEARER_TOKEN: 'hunter2' });
    const d = describeConfig(c);
    expect(JSON.stringify(d)).not.toContain('hunter2');
    expect(d.remoteWriteBearerToken).toBe('<redacted>');
  });

  it('lists every setting with its env var and default in the help', () => {
    const help = settingsHelp();
    for (const s of SETTINGS) {
      expect(help).toContain(s.env);
      expect(help).toContain(`Default: ${s.default === '' ? '(unset)' : s.default}.`);
    }
    expect(new Set(SETTINGS.map((s) => s.env)).size).toBe(SETTINGS.length);
  });
});

describe('config: output labels', () => {
  it('parses name=value pairs and rejects reserved or invalid names', () => {
    expect(loadConfig({}).outputLabels).toEqual({});
    expect(loadConfig({ ANOMALYLENS_OUTPUT_LABELS: 'detector=eu-1, env = prod' }).outputLabels).toEqual({
      detector: 'eu-1',
      env: 'prod',
    });
    expect(problems({ ANOMALYLENS_OUTPUT_LABELS: 'metric=x' })[0]).toMatch(
      /^outputLabels \(ANOMALYLENS_OUTPUT_LABELS\): 'metric=x' is not name=value/
    );
    expect(problems({ ANOMALYLENS_OUTPUT_LABELS: 'a-b=1' })).toHaveLength(1);
    expect(problems({ ANOMALYLENS_OUTPUT_LABELS: '__x=1' })).toHaveLength(1);
  });
});

describe('docs/detector-service.md', () => {
  it('documents every setting with its current default', () => {
    const doc = fs.readFileSync(
      path.join(__dirname, '..', '..', '..', '..', 'docs', 'detector-service.md'),
      'utf8'
    );
    for (const s of SETTINGS) {
      const row = doc.split('\n').find((l) => l.startsWith(`| \`${s.env}\``));
      expect(row).toBeDefined();
      expect(row).toContain(s.default === '' ? '(unset)' : `\`${s.default}\``);
    }
  });
});
