import { X509Certificate } from 'node:crypto';
import * as fs from 'node:fs';
import * as tls from 'node:tls';
import { INPUT_FORMATS, type InputFormat } from '../ingest/types';
import { SETTINGS, type Setting, type SettingName } from './schema';

export interface TopicSpec {
  topic: string;
  format: InputFormat;
}

export type SaslMechanism = 'none' | 'plain' | 'scram-sha-256' | 'scram-sha-512';

export interface DetectorConfig {
  kafkaBrokers: string[];
  kafkaClientId: string;
  kafkaGroupId: string;
  inputTopics: TopicSpec[];
  dlqTopic: string;
  fromBeginning: boolean;
  kafkaConcurrency: number;
  kafkaFetchMinBytes: number;
  kafkaFetchMaxWaitMs: number;
  kafkaSessionTimeoutMs: number;
  kafkaTls: boolean;
  kafkaTlsCaFile: string;
  kafkaTlsCertFile: string;
  kafkaTlsKeyFile: string;
  kafkaTlsKeyPassphrase: string;
  kafkaTlsRejectUnauthorized: boolean;
  kafkaSaslMechanism: SaslMechanism;
  kafkaSaslUsername: string;
  kafkaSaslPassword: string;
  maxMessageBytes: number;
  maxPointAgeS: number;
  maxPointFutureS: number;
  maxLabels: number;
  maxLabelNameLength: number;
  maxLabelValueLength: number;
  maxSeries: number;
  seriesIdleTimeoutS: number;
  collectdStoreRates: boolean;
  outputLabels: Record<string, string>;
  remoteWriteUrl: string;
  remoteWriteUsername: string;
  remoteWritePassword: string;
  remoteWriteBearerToken: string;
  remoteWriteTlsCaFile: string;
  remoteWriteTlsRejectUnauthorized: boolean;
  remoteWriteTimeoutMs: number;
  remoteWriteBatchSamples: number;
  remoteWriteFlushMs: number;
  remoteWriteMaxPendingSamples: number;
  remoteWriteConcurrency: number;
  retryInitialMs: number;
  retryMaxMs: number;
  modelsTopic: string;
  checkpointIntervalMs: number;
  policyFile: string;
  commitIntervalMs: number;
  shutdownTimeoutMs: number;
  httpHost: string;
  httpPort: number;
  heapGrowingPercent: number;
  logLevel: string;
}

/** The env var that points at an optional JSON config file (keys = setting names). */
export const CONFIG_FILE_ENV = 'ANOMALYLENS_CONFIG_FILE';

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

type Raw = { value: string; source: string };

function fromFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = fs.readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError([
      `config file ${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
    ]);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new ConfigError([`config file ${path}: not valid JSON (${(e as Error).message})`]);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigError([`config file ${path}: must be a JSON object of setting names to values`]);
  }
  return parsed as Record<string, unknown>;
}

function fileValueToString(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v.join(',');
  return undefined;
}

function parseValue(s: Setting, raw: Raw, problems: string[]): unknown {
  const where = `${s.name} (${raw.source})`;
  const v = raw.value.trim();
  const bad = (why: string): undefined => {
    problems.push(`${where}: ${why}`);
    return undefined;
  };
  switch (s.type) {
    case 'string':
    case 'file':
      return raw.value;
    case 'bool':
      if (/^(true|1|yes|on)$/i.test(v)) return true;
      if (/^(false|0|no|off)$/i.test(v)) return false;
      return bad(`expected true or false, got '${v}'`);
    case 'int':
    case 'number': {
      const n = Number(v);
      if (v === '' || !Number.isFinite(n)) return bad(`expected a number, got '${v}'`);
      if (s.type === 'int' && !Number.isInteger(n)) return bad(`expected an integer, got '${v}'`);
      if (s.min !== undefined && n < s.min) return bad(`must be >= ${s.min}, got ${n}`);
      if (s.max !== undefined && n > s.max) return bad(`must be <= ${s.max}, got ${n}`);
      return n;
    }
    case 'enum':
      if (!s.choices?.includes(v.toLowerCase()))
        return bad(`expected one of ${s.choices?.join(', ')}, got '${v}'`);
      return v.toLowerCase();
    case 'url': {
      let u: URL;
      try {
        u = new URL(v);
      } catch {
        return bad(`not a URL: '${redactUrl(v)}'`);
      }
      if (u.protocol !== 'http:' && u.protocol !== 'https:')
        return bad(`must be http:// or https://, got '${u.protocol}'`);
      return v;
    }
    case 'list': {
      const items = v
        .split(',')
        .map((x) => x.trim())
        .filter((x) => x !== '');
      if (items.length === 0) return bad('must not be empty');
      return items;
    }
    case 'labels': {
      const labels: Record<string, string> = {};
      for (const item of v
        .split(',')
        .map((x) => x.trim())
        .filter((x) => x !== '')) {
        const eq = item.indexOf('=');
        const name = item.slice(0, eq).trim();
        if (eq <= 0 || !/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(name) || name.startsWith('__') || name === 'metric') {
          return bad(`'${item}' is not name=value with a Prometheus label name (not metric or __*)`);
        }
        labels[name] = item.slice(eq + 1).trim();
      }
      return labels;
    }
    case 'topics': {
      const specs: TopicSpec[] = [];
      for (const item of v
        .split(',')
        .map((x) => x.trim())
        .filter((x) => x !== '')) {
        const [topic, format = 'auto', extra] = item.split(':');
        if (extra !== undefined || !/^[a-zA-Z0-9._-]{1,249}$/.test(topic))
          return bad(`'${item}' is not topic[:format]`);
        if (!(INPUT_FORMATS as readonly string[]).includes(format))
          return bad(`format '${format}' of topic ${topic} is not one of ${INPUT_FORMATS.join(', ')}`);
        specs.push({ topic, format: format as InputFormat });
      }
      if (specs.length === 0) return bad('must name at least one topic');
      return specs;
    }
  }
}

/**
 * Build the detector config from the environment and the optional config file,
 * collecting every problem (each naming the setting, where it came from and why)
 * into one ConfigError so a user fixes them in one go.
 */
export function loadConfig(
  env: NodeJS.ProcessEnv = process.env,
  configFile = env[CONFIG_FILE_ENV]
): DetectorConfig {
  const problems: string[] = [];
  const file = configFile ? fromFile(configFile) : {};
  const known = new Set<string>(SETTINGS.map((s) => s.name));
  for (const key of Object.keys(file)) {
    if (!known.has(key)) problems.push(`config file ${configFile}: unknown setting '${key}'`);
  }
  const out: Record<string, unknown> = {};
  for (const s of SETTINGS as readonly Setting[]) {
    let raw: Raw = { value: s.default, source: 'default' };
    if (file[s.name] !== undefined) {
      const v = fileValueToString(file[s.name]);
      if (v === undefined) {
        problems.push(`${s.name} (config file): must be a string, number, boolean or list of strings`);
        continue;
      }
      raw = { value: v, source: 'config file' };
    }
    const fromEnv = env[s.env];
    if (fromEnv !== undefined) raw = { value: fromEnv, source: s.env };
    out[s.name] = parseValue(s, raw, problems);
  }
  const c = out as unknown as DetectorConfig;
  if (problems.length === 0) crossCheck(c, problems);
  if (problems.length > 0) throw new ConfigError(problems);
  return c;
}

function crossCheck(c: DetectorConfig, problems: string[]): void {
  if (c.kafkaSaslMechanism !== 'none' && (c.kafkaSaslUsername === '' || c.kafkaSaslPassword === '')) {
    problems.push(
      `kafkaSaslUsername/kafkaSaslPassword: required when kafkaSaslMechanism is ${c.kafkaSaslMechanism}`
    );
  }
  if (c.remoteWriteBearerToken !== '' && (c.remoteWriteUsername !== '' || c.remoteWritePassword !== '')) {
    problems.push(
      'remoteWriteBearerToken: cannot be combined with basic auth (remoteWriteUsername/remoteWritePassword)'
    );
  }
  if ((c.remoteWriteUsername === '') !== (c.remoteWritePassword === '')) {
    problems.push('remoteWriteUsername/remoteWritePassword: basic auth needs both');
  }
  if ((c.kafkaTlsCertFile === '') !== (c.kafkaTlsKeyFile === '')) {
    problems.push('kafkaTlsCertFile/kafkaTlsKeyFile: mutual TLS needs both');
  }
  const unreadable = new Set<string>();
  for (const name of [
    'kafkaTlsCaFile',
    'kafkaTlsCertFile',
    'kafkaTlsKeyFile',
    'remoteWriteTlsCaFile',
  ] as const) {
    const path = c[name];
    if (path === '') continue;
    try {
      fs.accessSync(path, fs.constants.R_OK);
    } catch {
      problems.push(`${name}: cannot read file '${path}'`);
      unreadable.add(name);
    }
  }
  if (unreadable.size === 0) checkTlsMaterial(c, problems);
  if (c.retryMaxMs < c.retryInitialMs) problems.push('retryMaxMs: must be >= retryInitialMs');
  if (c.remoteWriteMaxPendingSamples < c.remoteWriteBatchSamples) {
    problems.push(
      'remoteWriteMaxPendingSamples: must be >= remoteWriteBatchSamples, or batches could never fill'
    );
  }
  const topics = c.inputTopics.map((t) => t.topic);
  if (new Set(topics).size !== topics.length) problems.push('inputTopics: a topic is listed twice');
  if (topics.includes(c.dlqTopic)) problems.push('dlqTopic: must not also be an input topic');
}

/**
 * The TLS files must hold what their settings promise, or the connections would fail later
 * (kafkajs retries such failures forever) with an OpenSSL message naming no setting.
 * Messages name the file, never a passphrase.
 */
function checkTlsMaterial(c: DetectorConfig, problems: string[]): void {
  const anyKafkaTlsFile =
    c.kafkaTlsCaFile !== '' || c.kafkaTlsCertFile !== '' || c.kafkaTlsKeyPassphrase !== '';
  if (!c.kafkaTls && anyKafkaTlsFile) {
    problems.push(
      'kafkaTls: is false, but Kafka TLS files or a key passphrase are set; set ANOMALYLENS_KAFKA_TLS=true to use them'
    );
  }
  for (const name of ['kafkaTlsCaFile', 'remoteWriteTlsCaFile'] as const) {
    if (c[name] === '') continue;
    const why = caBundleProblem(fs.readFileSync(c[name], 'utf8'));
    if (why) problems.push(`${name}: '${c[name]}' ${why}`);
  }
  if (c.kafkaTlsCertFile === '' || c.kafkaTlsKeyFile === '') {
    if (c.kafkaTlsKeyPassphrase !== '')
      problems.push('kafkaTlsKeyPassphrase: set, but there is no kafkaTlsKeyFile to decrypt');
    return;
  }
  const key = fs.readFileSync(c.kafkaTlsKeyFile);
  // A wrong passphrase leaves valid-looking padding about once in 256 tries; OpenSSL then
  // fails on decoding the garbage rather than with BAD_DECRYPT. An encrypted key that does
  // not load is a passphrase problem either way.
  const encrypted = /-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type: 4,ENCRYPTED/.test(
    key.toString('latin1')
  );
  try {
    tls.createSecureContext({
      cert: fs.readFileSync(c.kafkaTlsCertFile),
      key,
      passphrase: c.kafkaTlsKeyPassphrase || undefined,
    });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? '';
    if (code === 'ERR_OSSL_BAD_DECRYPT' || (encrypted && code !== 'ERR_OSSL_X509_KEY_VALUES_MISMATCH')) {
      problems.push(
        c.kafkaTlsKeyPassphrase === ''
          ? `kafkaTlsKeyFile: '${c.kafkaTlsKeyFile}' is encrypted; set ANOMALYLENS_KAFKA_TLS_KEY_PASSPHRASE`
          : `kafkaTlsKeyPassphrase: does not decrypt kafkaTlsKeyFile '${c.kafkaTlsKeyFile}'`
      );
    } else if (code === 'ERR_OSSL_X509_KEY_VALUES_MISMATCH') {
      problems.push(
        `kafkaTlsCertFile/kafkaTlsKeyFile: the key in '${c.kafkaTlsKeyFile}' does not belong to the certificate in '${c.kafkaTlsCertFile}'`
      );
    } else {
      problems.push(
        `kafkaTlsCertFile/kafkaTlsKeyFile: '${c.kafkaTlsCertFile}' and '${c.kafkaTlsKeyFile}' are not a PEM certificate and key (${(e as Error).message})`
      );
    }
  }
}

/** Why a CA bundle is unusable, or undefined (Node would silently ignore a non-PEM CA file). */
function caBundleProblem(text: string): string | undefined {
  const blocks = text.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) return 'holds no PEM certificate (-----BEGIN CERTIFICATE-----)';
  for (const [i, pem] of blocks.entries()) {
    try {
      new X509Certificate(pem);
    } catch (e) {
      return `certificate ${i + 1} cannot be parsed (${(e as Error).message})`;
    }
  }
  return undefined;
}

/** `https://user:pass@host/` with the password masked (URL settings may carry credentials). */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^/@:\s]*):[^/@\s]*@/i, '$1:<redacted>@');
}

/** Settings as `name=value` for the startup log, secrets masked. */
export function describeConfig(c: DetectorConfig): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const s of SETTINGS as readonly Setting[]) {
    const v = c[s.name as SettingName];
    if (s.secret) out[s.name] = v === '' ? '' : '<redacted>';
    else out[s.name] = s.type === 'url' && typeof v === 'string' ? redactUrl(v) : v;
  }
  return out;
}

/** `run --help` text: every setting with its env var, default and description. */
export function settingsHelp(): string {
  const lines: string[] = [];
  for (const s of SETTINGS as readonly Setting[]) {
    const def = s.default === '' ? '(unset)' : s.default;
    const choices = s.choices ? ` [${s.choices.join('|')}]` : '';
    lines.push(`  ${s.env}${choices}`);
    lines.push(`      ${s.description}. Default: ${def}. Config file key: ${s.name}.`);
  }
  return lines.join('\n');
}
