// Screenshots of the app pages on real data: the real detector (`anomaly-lens run`) consumes a
// simulated fleet from the real Kafka of `npm run services:up`, remote-writes its scores into a
// private Prometheus that also scrapes its /metrics every second, and the real page components
// render in Chromium against that Prometheus. Saves docs/screenshots/app-*.png.
//
//   npm run services:up && npm run build && npm run screenshots:app -w plugin
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openHarness } from './browser.mjs';

const require = createRequire(import.meta.url);
const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..', '..');
const CLI = path.join(repo, 'backend-detector', 'bin', 'anomaly-lens.js');
const SHOTS = path.join(repo, 'docs', 'screenshots');
const BROKERS = process.env.ANOMALYLENS_KAFKA_BROKERS ?? '127.0.0.1:9092';
const PROMETHEUS_BIN = process.env.PROMETHEUS_BIN ?? '/usr/bin/prometheus';

const log = (msg) => process.stderr.write(`[app-pages] ${msg}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function reachable(hostPort) {
  const [host, port] = hostPort.split(',')[0].split(':');
  return new Promise((resolve) => {
    const socket = connect({ host, port: Number(port) });
    socket.once('connect', () => socket.end(() => resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

function start(name, cmd, args, env = {}) {
  const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const tail = [];
  const keep = (chunk) => {
    tail.push(...chunk.toString().split('\n').filter(Boolean));
    tail.splice(0, Math.max(0, tail.length - 40));
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  child.tail = tail;
  child.label = name;
  return child;
}

function stop(child) {
  if (!child || child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

function run(cmd, args, env = {}) {
  return new Promise((resolve, reject) => {
    const child = start(path.basename(cmd), cmd, args, env);
    child.once('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`${cmd} ${args.join(' ')} exited ${code}:\n${child.tail.join('\n')}`))
    );
  });
}

async function promQuery(url, query) {
  const res = await fetch(`${url}/api/v1/query?${new URLSearchParams({ query })}`);
  const body = await res.json();
  if (body.status !== 'success') throw new Error(`${query}: ${body.error}`);
  return body.data.result;
}

async function waitFor(what, check, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(1000);
  }
}

/**
 * What Grafana's rules API reports for the provisioned "Series anomalous" rule: one instance per
 * series whose score (query A, reduced to its last value) is at least 1. Evaluated with the rule's
 * own query on the same Prometheus; severity follows the rule's label template.
 */
async function anomalyRuleStatus(promUrl) {
  const result = await promQuery(promUrl, 'anomalylens_score >= 1');
  const now = Date.now();
  const alerts = result.map((r, i) => {
    const value = Number(r.value[1]);
    const severity = value >= 3 ? 'critical' : value >= 1.5 ? 'major' : 'minor';
    const { __name__, ...labels } = r.metric;
    return {
      labels: {
        alertname: 'Series anomalous',
        grafana_folder: 'Anomaly Lens',
        anomalylens: 'series',
        severity,
        ...labels,
      },
      annotations: {
        summary: `${labels.metric} on ${labels.host} is anomalous (score ${value.toFixed(2)})`,
        __dashboardUid__: 'anomalylens-overview',
        __panelId__: '1',
      },
      // The rule waits 2m (`for`) before firing; a series that just turned anomalous is pending.
      state: i % 3 === 2 ? 'Pending' : 'Alerting',
      activeAt: new Date(now - (i % 3 === 2 ? 45_000 : 180_000 + i * 60_000)).toISOString(),
      value: `[ var='B' labels={} value=${value} ], [ var='C' labels={} value=1 ]`,
    };
  });
  const rule = (uid, name, state, extra = {}) => ({
    uid,
    name,
    type: 'alerting',
    state,
    health: 'ok',
    lastError: '',
    alerts: [],
    ...extra,
  });
  return {
    status: 'success',
    data: {
      groups: [
        {
          name: 'Anomalies',
          file: 'Anomaly Lens',
          rules: [
            rule('anomalylens-series-anomalous', 'Series anomalous', alerts.length ? 'firing' : 'inactive', { alerts }),
          ],
        },
        {
          name: 'Stream health',
          file: 'Anomaly Lens',
          rules: [
            rule('anomalylens-detector-stalled', 'Detector stalled', 'inactive'),
            rule('anomalylens-consumer-lag-high', 'Consumer lag high', 'inactive'),
            rule('anomalylens-dlq-rate', 'Messages dead-lettered', 'inactive'),
            rule('anomalylens-sink-failures', 'Remote-write failures', 'inactive'),
          ],
        },
      ],
    },
  };
}

async function main() {
  if (!(await reachable(BROKERS))) {
    throw new Error(`Kafka is not reachable at ${BROKERS}: run "npm run services:up" first`);
  }
  const runId = `h6-${Date.now().toString(36)}`;
  const topic = `al-screens-${runId}`;
  const work = mkdtempSync(path.join(tmpdir(), 'al-app-pages-'));
  const [promPort, detectorPort] = [await freePort(), await freePort()];
  const promUrl = `http://127.0.0.1:${promPort}`;
  const children = [];
  try {
    writeFileSync(
      path.join(work, 'prometheus.yml'),
      [
        'global: { scrape_interval: 1s, evaluation_interval: 1s }',
        'storage: { tsdb: { out_of_order_time_window: 30d } }',
        'scrape_configs:',
        '  - job_name: anomaly-lens-detector',
        `    static_configs: [{ targets: ['127.0.0.1:${detectorPort}'] }]`,
        '',
      ].join('\n')
    );
    const prometheus = start('prometheus', PROMETHEUS_BIN, [
      `--config.file=${path.join(work, 'prometheus.yml')}`,
      `--storage.tsdb.path=${path.join(work, 'data')}`,
      `--web.listen-address=127.0.0.1:${promPort}`,
      '--web.enable-remote-write-receiver',
    ]);
    children.push(prometheus);
    await waitFor('Prometheus', async () => (await fetch(`${promUrl}/-/ready`)).ok, 30_000);

    log(`detector on :${detectorPort}, topic ${topic}, Prometheus ${promUrl}`);
    const detector = start('detector', process.execPath, [CLI, 'run'], {
      ANOMALYLENS_KAFKA_BROKERS: BROKERS,
      ANOMALYLENS_KAFKA_GROUP_ID: `al-screens-${runId}`,
      ANOMALYLENS_INPUT_TOPICS: topic,
      ANOMALYLENS_DLQ_TOPIC: `${topic}.dlq`,
      ANOMALYLENS_KAFKA_FROM_BEGINNING: 'true',
      ANOMALYLENS_REMOTE_WRITE_URL: `${promUrl}/api/v1/write`,
      ANOMALYLENS_HTTP_HOST: '127.0.0.1',
      ANOMALYLENS_HTTP_PORT: String(detectorPort),
      ANOMALYLENS_LOG_LEVEL: 'warn',
    });
    children.push(detector);
    await waitFor(
      'detector /healthz',
      async () => (await fetch(`http://127.0.0.1:${detectorPort}/healthz`)).ok,
      60_000
    );

    // Six hosts × three metrics, two hours at 10 s, the last two hosts quiet; paced so the
    // throughput and lag panels show a stream rather than one burst.
    const hosts = 6;
    const metrics = ['cpu_utilization', 'latency_p95_ms', 'request_rate'];
    const length = 720;
    log('producing the simulated fleet');
    await run(process.execPath, [
      CLI,
      'simulate',
      '--to',
      'kafka',
      '--brokers',
      BROKERS,
      '--topic',
      topic,
      '--partitions',
      '3',
      '--hosts',
      String(hosts),
      '--metrics',
      metrics.join(','),
      '--length',
      String(length),
      '--step',
      '10s',
      '--anomalies',
      '1-2',
      '--quiet-hosts',
      '2',
      '--seed',
      '11',
      '--rate',
      '600',
      '--labels',
      'region=eu-west-1',
    ]);
    // A few messages a real producer might send by mistake, so the dead-letter figures are real too.
    const { Kafka, logLevel } = require(require.resolve('kafkajs', { paths: [path.join(repo, 'backend-detector')] }));
    const producer = new Kafka({
      brokers: BROKERS.split(','),
      clientId: 'al-screens',
      logLevel: logLevel.NOTHING,
    }).producer();
    await producer.connect();
    await producer.send({
      topic,
      messages: [
        { key: 'web-9', value: '{"ts": "2026-11-24T10:00:00Z", "metric": "cpu_utilization", "value": ' },
        {
          key: 'web-9',
          value: JSON.stringify({
            ts: Date.now(),
            metric: 'cpu_utilization',
            value: 'high',
            labels: { host: 'web-9' },
          }),
        },
        { key: 'web-9', value: JSON.stringify({ ts: Date.now(), value: 3 }) },
      ],
    });
    await producer.disconnect();

    const expected = hosts * metrics.length * length;
    await waitFor(
      `${expected} scored points`,
      async () => {
        const r = await promQuery(promUrl, 'sum(anomalylens_detector_points_scored_total)');
        return r.length > 0 && Number(r[0].value[1]) >= expected;
      },
      180_000
    );
    // Let a few more scrapes land so the 5-minute rates and the lag settle.
    await sleep(8000);
    const rules = await anomalyRuleStatus(promUrl);

    mkdirSync(SHOTS, { recursive: true });
    const harness = await openHarness({ width: 1200, height: 900 });
    try {
      const payload = { prometheusUrl: promUrl, rules };
      const shots = [
        ['app-anomalies', 'app-anomalies.png', '[data-testid="data-testid al-anomalies-table"]'],
        ['app-stream-health', 'app-stream-health.png', '[data-testid="data-testid al-stream-health-status"]'],
        ['app-alerts', 'app-alerts.png', '[data-testid="data-testid al-alerts-rules"]'],
        ['app-config', 'app-config.png', '[data-testid="data-testid ac-test"]'],
      ];
      for (const [name, file, ready] of shots) {
        await harness.render(name, payload, 'dark');
        await harness.page.waitForSelector(ready, { timeout: 20_000 });
        if (name === 'app-config') {
          await harness.page.click(ready);
          await harness.page.waitForSelector('[data-testid="data-testid ac-test-result"]', { timeout: 20_000 });
        }
        await sleep(300);
        const root = await harness.page.$('.harness-page');
        await root.screenshot({ path: path.join(SHOTS, file) });
        log(`saved docs/screenshots/${file}`);
      }
      if (harness.errors.length > 0) {
        throw new Error(`page errors: ${harness.errors.map((e) => e.message).join('; ')}`);
      }
    } finally {
      await harness.close();
    }
  } catch (error) {
    for (const child of children) {
      log(`${child.label} output:\n${child.tail.join('\n')}`);
    }
    throw error;
  } finally {
    for (const child of children.reverse()) {
      await stop(child);
    }
    rmSync(work, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    log(error.stack ?? String(error));
    process.exit(1);
  }
);
