/**
 * Every setting of `anomaly-lens run`, in one table: the config loader, `run --help`,
 * the docs and the docker-compose check all read it. Env vars win over the config file,
 * which wins over the defaults.
 */

export type SettingType =
  'string' | 'int' | 'number' | 'bool' | 'enum' | 'url' | 'topics' | 'list' | 'labels' | 'file';

export interface Setting {
  /** Key in the config file and in the parsed config object. */
  name: string;
  env: string;
  type: SettingType;
  /** Default as it would be written in the environment ('' = unset). */
  default: string;
  description: string;
  /** For enums. */
  choices?: readonly string[];
  /** Inclusive bounds for numbers. */
  min?: number;
  max?: number;
  /** Never printed or logged. */
  secret?: boolean;
}

export const SETTINGS = [
  // Kafka
  {
    name: 'kafkaBrokers',
    env: 'ANOMALYLENS_KAFKA_BROKERS',
    type: 'list',
    default: '127.0.0.1:9092',
    description: 'Kafka bootstrap servers, comma-separated host:port',
  },
  {
    name: 'kafkaClientId',
    env: 'ANOMALYLENS_KAFKA_CLIENT_ID',
    type: 'string',
    default: 'anomaly-lens-detector',
    description: 'Kafka client id',
  },
  {
    name: 'kafkaGroupId',
    env: 'ANOMALYLENS_KAFKA_GROUP_ID',
    type: 'string',
    default: 'anomaly-lens-detector',
    description: 'Consumer group id; run several detectors with the same id to scale out',
  },
  {
    name: 'inputTopics',
    env: 'ANOMALYLENS_INPUT_TOPICS',
    type: 'topics',
    default: 'metrics',
    description:
      'Input topics, comma-separated, each optionally `topic:format` with format auto|native|collectd|influx (default auto)',
  },
  {
    name: 'dlqTopic',
    env: 'ANOMALYLENS_DLQ_TOPIC',
    type: 'string',
    default: 'metrics.dlq',
    description:
      'Dead-letter topic for messages that cannot be decoded (reason in the `x-anomalylens-reason` header)',
  },
  {
    name: 'fromBeginning',
    env: 'ANOMALYLENS_KAFKA_FROM_BEGINNING',
    type: 'bool',
    default: 'false',
    description: 'With no committed offset, start at the earliest offset instead of the latest',
  },
  {
    name: 'kafkaConcurrency',
    env: 'ANOMALYLENS_KAFKA_CONCURRENCY',
    type: 'int',
    default: '2',
    min: 1,
    max: 64,
    description: 'Partitions processed concurrently',
  },
  {
    name: 'kafkaFetchMinBytes',
    env: 'ANOMALYLENS_KAFKA_FETCH_MIN_BYTES',
    type: 'int',
    default: '262144',
    min: 1,
    max: 16777216,
    description:
      'The broker answers a fetch once this many bytes are there or kafkaFetchMaxWaitMs have passed: larger means fewer, bigger batches and less CPU per point on a busy stream',
  },
  {
    name: 'kafkaFetchMaxWaitMs',
    env: 'ANOMALYLENS_KAFKA_FETCH_MAX_WAIT_MS',
    type: 'int',
    default: '100',
    min: 1,
    max: 10000,
    description:
      'Longest the broker holds a fetch for kafkaFetchMinBytes: the most a point waits in Kafka before the detector sees it, and how long an idle fetch can hold up a shutdown',
  },
  {
    name: 'kafkaSessionTimeoutMs',
    env: 'ANOMALYLENS_KAFKA_SESSION_TIMEOUT_MS',
    type: 'int',
    default: '30000',
    min: 6000,
    max: 300000,
    description: 'Consumer group session timeout (ms)',
  },
  {
    name: 'kafkaTls',
    env: 'ANOMALYLENS_KAFKA_TLS',
    type: 'bool',
    default: 'false',
    description: 'Connect to Kafka over TLS',
  },
  {
    name: 'kafkaTlsCaFile',
    env: 'ANOMALYLENS_KAFKA_TLS_CA_FILE',
    type: 'file',
    default: '',
    description: 'PEM CA bundle for the Kafka TLS connection (default: system CAs)',
  },
  {
    name: 'kafkaTlsCertFile',
    env: 'ANOMALYLENS_KAFKA_TLS_CERT_FILE',
    type: 'file',
    default: '',
    description: 'PEM client certificate for Kafka mutual TLS',
  },
  {
    name: 'kafkaTlsKeyFile',
    env: 'ANOMALYLENS_KAFKA_TLS_KEY_FILE',
    type: 'file',
    default: '',
    description: 'PEM client key for Kafka mutual TLS',
  },
  {
    name: 'kafkaTlsKeyPassphrase',
    env: 'ANOMALYLENS_KAFKA_TLS_KEY_PASSPHRASE',
    type: 'string',
    default: '',
    secret: true,
    description: 'Passphrase of an encrypted Kafka client key',
  },
  {
    name: 'kafkaTlsRejectUnauthorized',
    env: 'ANOMALYLENS_KAFKA_TLS_REJECT_UNAUTHORIZED',
    type: 'bool',
    default: 'true',
    description: 'Verify the broker certificate',
  },
  {
    name: 'kafkaSaslMechanism',
    env: 'ANOMALYLENS_KAFKA_SASL_MECHANISM',
    type: 'enum',
    choices: ['none', 'plain', 'scram-sha-256', 'scram-sha-512'],
    default: 'none',
    description: 'SASL mechanism for Kafka',
  },
  {
    name: 'kafkaSaslUsername',
    env: 'ANOMALYLENS_KAFKA_SASL_USERNAME',
    type: 'string',
    default: '',
    description: 'SASL username',
  },
  {
    name: 'kafkaSaslPassword',
    env: 'ANOMALYLENS_KAFKA_SASL_PASSWORD',
    type: 'string',
    default: '',
    secret: true,
    description: 'SASL password',
  },
  // Decoding and series
  {
    name: 'maxMessageBytes',
    env: 'ANOMALYLENS_MAX_MESSAGE_BYTES',
    type: 'int',
    default: '1048576',
    min: 64,
    max: 104857600,
    description: 'Larger messages are dead-lettered as oversized',
  },
  {
    name: 'maxPointAgeS',
    env: 'ANOMALYLENS_MAX_POINT_AGE_S',
    type: 'int',
    default: '2505600',
    min: 60,
    max: 315360000,
    description:
      'Messages with a point older than this (s; default 29 days) are dead-lettered as timestamp_too_old: Prometheus rejects a whole remote-write batch for one sample outside its out-of-order window (30 days in the provisioned config); keep this below that window',
  },
  {
    name: 'maxPointFutureS',
    env: 'ANOMALYLENS_MAX_POINT_FUTURE_S',
    type: 'int',
    default: '600',
    min: 0,
    max: 31536000,
    description:
      'Messages with a point more than this (s) ahead of the detector clock are dead-lettered as timestamp_in_future: one far-future sample moves the Prometheus head forward so that every current sample is then rejected as too old',
  },
  {
    name: 'maxLabels',
    env: 'ANOMALYLENS_MAX_LABELS',
    type: 'int',
    default: '30',
    min: 1,
    max: 1000,
    description: 'Input labels per series; messages with more are dead-lettered as too_many_labels',
  },
  {
    name: 'maxLabelNameLength',
    env: 'ANOMALYLENS_MAX_LABEL_NAME_LENGTH',
    type: 'int',
    default: '1024',
    min: 1,
    max: 65536,
    description: 'Characters of a label name; longer ones are dead-lettered as label_too_long',
  },
  {
    name: 'maxLabelValueLength',
    env: 'ANOMALYLENS_MAX_LABEL_VALUE_LENGTH',
    type: 'int',
    default: '2048',
    min: 1,
    max: 1048576,
    description:
      'Characters of a label value or metric name; longer ones are dead-lettered as label_too_long',
  },
  {
    name: 'maxSeries',
    env: 'ANOMALYLENS_MAX_SERIES',
    type: 'int',
    default: '10000',
    min: 1,
    max: 10000000,
    description:
      'Cap on active series (a series costs about 80 kB of RSS in a running detector); points of new series beyond it are dropped and counted',
  },
  {
    name: 'seriesIdleTimeoutS',
    env: 'ANOMALYLENS_SERIES_IDLE_TIMEOUT_S',
    type: 'int',
    default: '3600',
    min: 60,
    max: 604800,
    description: 'A series with no point for this long is forgotten (frees its slot)',
  },
  {
    name: 'collectdStoreRates',
    env: 'ANOMALYLENS_COLLECTD_STORE_RATES',
    type: 'bool',
    default: 'true',
    description:
      'collectd write_kafka sends counter/derive values as per-second rates (its StoreRates default); set false if collectd sends raw counters, and the detector computes rates with wrap and reset handling',
  },
  {
    name: 'outputLabels',
    env: 'ANOMALYLENS_OUTPUT_LABELS',
    type: 'labels',
    default: '',
    description:
      'Static labels added to every output series, name=value comma-separated (e.g. detector=eu-1); input labels take precedence',
  },
  // Remote write
  {
    name: 'remoteWriteUrl',
    env: 'ANOMALYLENS_REMOTE_WRITE_URL',
    type: 'url',
    default: 'http://127.0.0.1:9090/api/v1/write',
    description: 'Prometheus remote-write endpoint (protocol 1.0)',
  },
  {
    name: 'remoteWriteUsername',
    env: 'ANOMALYLENS_REMOTE_WRITE_USERNAME',
    type: 'string',
    default: '',
    description: 'Basic-auth username for remote write',
  },
  {
    name: 'remoteWritePassword',
    env: 'ANOMALYLENS_REMOTE_WRITE_PASSWORD',
    type: 'string',
    default: '',
    secret: true,
    description: 'Basic-auth password for remote write',
  },
  {
    name: 'remoteWriteBearerToken',
    env: 'ANOMALYLENS_REMOTE_WRITE_BEARER_TOKEN',
    type: 'string',
    default: '',
    secret: true,
    description: 'Bearer token for remote write (exclusive with basic auth)',
  },
  {
    name: 'remoteWriteTlsCaFile',
    env: 'ANOMALYLENS_REMOTE_WRITE_TLS_CA_FILE',
    type: 'file',
    default: '',
    description: 'PEM CA bundle for an https remote-write URL',
  },
  {
    name: 'remoteWriteTlsRejectUnauthorized',
    env: 'ANOMALYLENS_REMOTE_WRITE_TLS_REJECT_UNAUTHORIZED',
    type: 'bool',
    default: 'true',
    description: 'Verify the remote-write server certificate',
  },
  {
    name: 'remoteWriteTimeoutMs',
    env: 'ANOMALYLENS_REMOTE_WRITE_TIMEOUT_MS',
    type: 'int',
    default: '10000',
    min: 100,
    max: 300000,
    description: 'Timeout of one remote-write request (ms)',
  },
  {
    name: 'remoteWriteBatchSamples',
    env: 'ANOMALYLENS_REMOTE_WRITE_BATCH_SAMPLES',
    type: 'int',
    default: '5000',
    min: 1,
    max: 1000000,
    description: 'Samples per remote-write request (6 output samples per input point)',
  },
  {
    name: 'remoteWriteFlushMs',
    env: 'ANOMALYLENS_REMOTE_WRITE_FLUSH_MS',
    type: 'int',
    default: '200',
    min: 1,
    max: 60000,
    description: 'Longest a sample waits before a partial batch is sent (ms)',
  },
  {
    name: 'remoteWriteMaxPendingSamples',
    env: 'ANOMALYLENS_REMOTE_WRITE_MAX_PENDING_SAMPLES',
    type: 'int',
    default: '500000',
    min: 1,
    max: 100000000,
    description: 'Unacknowledged samples at which consumption pauses (backpressure)',
  },
  {
    name: 'remoteWriteConcurrency',
    env: 'ANOMALYLENS_REMOTE_WRITE_CONCURRENCY',
    type: 'int',
    default: '4',
    min: 1,
    max: 64,
    description: 'Parallel remote-write requests; series are sharded so each series stays in order',
  },
  {
    name: 'retryInitialMs',
    env: 'ANOMALYLENS_RETRY_INITIAL_MS',
    type: 'int',
    default: '250',
    min: 1,
    max: 60000,
    description: 'First retry backoff for network errors, 5xx and 429 (ms)',
  },
  {
    name: 'retryMaxMs',
    env: 'ANOMALYLENS_RETRY_MAX_MS',
    type: 'int',
    default: '30000',
    min: 1,
    max: 600000,
    description: 'Backoff ceiling (ms); retries continue while consumption is paused',
  },
  // Model state
  {
    name: 'modelsTopic',
    env: 'ANOMALYLENS_MODELS_TOPIC',
    type: 'string',
    default: 'anomalylens.models',
    description:
      "Compacted topic holding each series' detector state; created (compacted, one partition per input partition) if missing",
  },
  {
    name: 'checkpointIntervalMs',
    env: 'ANOMALYLENS_CHECKPOINT_INTERVAL_MS',
    type: 'int',
    default: '30000',
    min: 0,
    max: 3600000,
    description:
      "How often each partition's changed series states are checkpointed to the models topic and its offset committed (ms); a restart re-reads at most this much. 0 = no checkpoints: offsets commit every ANOMALYLENS_COMMIT_INTERVAL_MS and a restart re-warms every series",
  },
  // Detection policy
  {
    name: 'policyFile',
    env: 'ANOMALYLENS_POLICY_FILE',
    type: 'file',
    default: '',
    description:
      'Detection policy (YAML, docs/policy.md): per-series threshold, direction, deviation floors, seasonality, ignore, maintenance windows. Reloaded when the file changes and on SIGHUP; an invalid file stops the start and is refused on reload (the old policy stays)',
  },
  // Offsets, HTTP, logs
  {
    name: 'commitIntervalMs',
    env: 'ANOMALYLENS_COMMIT_INTERVAL_MS',
    type: 'int',
    default: '1000',
    min: 50,
    max: 600000,
    description: 'How often acknowledged offsets are committed (ms) when checkpoints are off',
  },
  {
    name: 'shutdownTimeoutMs',
    env: 'ANOMALYLENS_SHUTDOWN_TIMEOUT_MS',
    type: 'int',
    default: '20000',
    min: 100,
    max: 600000,
    description: 'Longest a graceful shutdown waits for the sink to drain (ms)',
  },
  {
    name: 'httpHost',
    env: 'ANOMALYLENS_HTTP_HOST',
    type: 'string',
    default: '127.0.0.1',
    description:
      'Address of the HTTP server (/metrics, /healthz, /readyz, /api/status); loopback by default, 0.0.0.0 to let other hosts scrape it (the container image sets 0.0.0.0)',
  },
  {
    name: 'httpPort',
    env: 'ANOMALYLENS_HTTP_PORT',
    type: 'int',
    default: '9464',
    min: 0,
    max: 65535,
    description: 'Port of the HTTP server (0 = any free port)',
  },
  {
    name: 'heapGrowingPercent',
    env: 'ANOMALYLENS_HEAP_GROWING_PERCENT',
    type: 'int',
    default: '100',
    min: 0,
    max: 400,
    description:
      "How far V8 lets the JavaScript heap grow past what the last full garbage collection kept before it marks again (%). V8's own choice for the detector's large, long-lived heap of models is ~30 %, which left it marking all the time at 10,000 series; 0 = V8's own choice",
  },
  {
    name: 'logLevel',
    env: 'ANOMALYLENS_LOG_LEVEL',
    type: 'enum',
    choices: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
    default: 'info',
    description: 'Log level (JSON logs on stdout)',
  },
] as const satisfies readonly Setting[];

export type SettingName = (typeof SETTINGS)[number]['name'];
