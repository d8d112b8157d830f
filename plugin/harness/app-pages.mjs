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
import { incidentRule } from './provisioned-queries.mjs';

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
  running.push(child);
  return child;
}

function stop(child) {
  if (!child || child.exitCode !== null) {
    return Promise.resolve();
  }
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
    running.splice(running.indexOf(child), 1);
    child.once('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`${cmd} ${args.join(' ')} exited ${code}:\n${child.tail.join('\n')}`))
    );
  });
}

async function promQuery(url, query) {
  const res = await fetch(`${url}/api/v1/query?${new URLSearchParams({ query })}`);
  const body = await res.json();
  if (body.status !== 'success') {
    throw new Error(`${query}: ${body.error}`);
  }
  return body.data.result;
}

const running = [];

/** Grafana's `humanize` for the scores here (between 1e-3 and 1e3): four significant digits. */
const humanize = (value) => {
  const text = value.toPrecision(4);
  return text.includes('.') ? text.replace(/\.?0+$/, '') : text;
};
const INCIDENT_MS = 4 * 60_000;

/** Messages a real producer might send by mistake, so the dead-letter figures are real too. */
async function sendInvalid(producer, topic) {
  await producer.send({
    topic,
    messages: [
      { key: 'web-9', value: '{"ts": "2026-11-24T10:00:00Z", "metric": "cpu_utilization", "value": ' },
      {
        key: 'web-9',
        value: JSON.stringify({ ts: Date.now(), metric: 'cpu_utilization', value: 'high', labels: { host: 'web-9' } }),
      },
      { key: 'web-9', value: JSON.stringify({ ts: Date.now(), value: 3 }) },
    ],
  });
}

async function waitForScored(promUrl, expected) {
  await waitFor(
    `${expected} scored points`,
    async () => {
      const r = await promQuery(promUrl, 'sum(anomalylens_detector_points_scored_total)');
      return r.length > 0 && Number(r[0].value[1]) >= expected;
    },
    180_000
  );
}

async function waitFor(what, check, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const dead = running.find((child) => child.exitCode !== null);
    if (dead) {
      throw new Error(`${dead.label} exited (${dead.exitCode}) while waiting for ${what}`);
    }
    const value = await check().catch(() => undefined);
    if (value) {
      return value;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}`);
    }
    await sleep(1000);
  }
}

/**
 * What Grafana's rules API reports for the provisioned rules, evaluated here with the rules' own
 * queries on the same Prometheus: "Anomaly incident" has one instance per host whose peak `A`
 * (the rule's query, read from rules.yaml) is at least 1 at this evaluation; it became active at
 * the first of the consecutive minute evaluations (the group's interval) that saw it, and fires
 * once that lasted the rule's `for` (pending before). Severity and summary follow the rule's
 * templates: the host's peak, its count of anomalous series `N` and the top three `M1`–`M3`.
 */
async function anomalyRuleStatus(promUrl) {
  const incident = incidentRule();
  const nowSec = Math.floor(Date.now() / 1000);
  const step = incident.intervalSeconds;
  const res = await fetch(
    `${promUrl}/api/v1/query_range?${new URLSearchParams({ query: `${incident.exprs.A} >= 1`, start: String(nowSec - 3600), end: String(nowSec), step: String(step) })}`
  );
  const body = await res.json();
  // M1 ranks each series' peak in the window; that peak itself names every anomalous series.
  const seriesPeak = /^topk by \(host\) \(1, (.*)\)$/.exec(incident.exprs.M1)?.[1];
  if (!seriesPeak) {
    throw new Error(`the harness cannot read the incident rule's M1: ${incident.exprs.M1}`);
  }
  const ranking = await promQuery(promUrl, `${seriesPeak} >= 1`);
  const alerts = [];
  for (const series of body.data.result) {
    const times = series.values.map(([t]) => t);
    if (times[times.length - 1] !== nowSec) {
      continue;
    } // not anomalous at this evaluation
    let i = times.length - 1;
    while (i > 0 && times[i] - times[i - 1] === step) {
      i--;
    }
    const activeAt = times[i];
    const { host } = series.metric;
    const value = Number(series.values[series.values.length - 1][1]);
    const severity = value >= 3 ? 'critical' : value >= 1.5 ? 'major' : 'minor';
    const ranked = ranking
      .filter((r) => r.metric.host === host)
      .map((r) => ({ metric: r.metric.metric, score: Number(r.value[1]) }))
      .sort((a, b) => b.score - a.score);
    const named = ranked
      .slice(0, 3)
      .map((r) => `${r.metric} (${humanize(r.score)})`)
      .join(', ');
    alerts.push({
      labels: {
        alertname: 'Anomaly incident',
        grafana_folder: 'Anomaly Lens',
        anomalylens: 'incident',
        severity,
        host,
      },
      annotations: {
        summary: `${host}: ${ranked.length} anomalous series: ${named}${ranked.length > 3 ? ' and more' : ''}`,
        __dashboardUid__: 'anomalylens-overview',
        __panelId__: '1',
      },
      state: nowSec - activeAt >= incident.forSeconds ? 'Alerting' : 'Pending',
      activeAt: new Date(activeAt * 1000).toISOString(),
      value: `[ var='B' labels={host=${host}} value=${value} ], [ var='C' labels={host=${host}} value=1 ]`,
    });
  }
  const dlq = await promQuery(promUrl, 'sum by (reason) (rate(anomalylens_detector_messages_invalid_total[5m])) > 0');
  const dlqAlerts = dlq.map((r) => ({
    labels: {
      alertname: 'Messages dead-lettered',
      grafana_folder: 'Anomaly Lens',
      anomalylens: 'stream',
      severity: 'warning',
      reason: r.metric.reason,
    },
    annotations: { summary: `Invalid messages go to the dead-letter topic (${r.metric.reason})` },
    // The DLQ rule fires after 1m; these rates are younger than that.
    state: 'Pending',
    activeAt: new Date(Date.now() - 20_000).toISOString(),
    value: `[ var='B' labels={reason=${r.metric.reason}} value=${Number(r.value[1])} ], [ var='C' labels={} value=1 ]`,
  }));
  const rule = (uid, name, instances) => ({
    uid,
    name,
    type: 'alerting',
    state: instances.some((a) => a.state === 'Alerting') ? 'firing' : instances.length ? 'pending' : 'inactive',
    health: 'ok',
    lastError: '',
    alerts: instances,
  });
  return {
    status: 'success',
    data: {
      groups: [
        {
          name: 'Anomalies',
          file: 'Anomaly Lens',
          rules: [rule('anomalylens-incident', 'Anomaly incident', alerts)],
        },
        {
          name: 'Stream health',
          file: 'Anomaly Lens',
          rules: [
            rule('anomalylens-detector-stalled', 'Detector stalled', []),
            rule('anomalylens-consumer-lag-high', 'Consumer lag high', []),
            rule('anomalylens-dlq-rate', 'Messages dead-lettered', dlqAlerts),
            rule('anomalylens-sink-failures', 'Remote-write failures', []),
          ],
        },
      ],
    },
  };
}

/**
 * Runs the whole scenario and returns what each page showed (text of its key elements), for the
 * browser test's assertions.
 */
export async function captureAppPages({ shotsDir = SHOTS, onData } = {}) {
  const seen = {};
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

    // The detector subscribes to existing topics, as in production where topics are provisioned.
    const { Kafka, logLevel } = require(require.resolve('kafkajs', { paths: [path.join(repo, 'backend-detector')] }));
    const kafka = new Kafka({ brokers: BROKERS.split(','), clientId: 'al-screens', logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      waitForLeaders: true,
      topics: [
        { topic, numPartitions: 3, replicationFactor: 1 },
        { topic: `${topic}.dlq`, numPartitions: 1, replicationFactor: 1 },
      ],
    });
    await admin.disconnect();

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
    const stepMs = 10_000;
    // The fleet ends INCIDENT_MS ago; the incident below fills the time since, up to now.
    const fleetEndMs = Math.floor((Date.now() - INCIDENT_MS) / stepMs) * stepMs;
    const producer = kafka.producer();
    await producer.connect();
    await sendInvalid(producer, topic);
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
      '--start',
      new Date(fleetEndMs - (length - 1) * stepMs).toISOString(),
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
    const fleetPoints = hosts * metrics.length * length;
    await waitForScored(promUrl, fleetPoints);

    // Incidents in progress: on host-01 latency and, a minute later, the request rate leave their
    // expected range; on host-03 the CPU does, more recently. The pages show open anomalies.
    const incident = [
      { host: 'host-01', metric: 'latency_p95_ms', fromMs: fleetEndMs + stepMs },
      { host: 'host-01', metric: 'request_rate', fromMs: fleetEndMs + 7 * stepMs },
      { host: 'host-03', metric: 'cpu_utilization', fromMs: Date.now() - 80_000 },
    ];
    let incidentPoints = 0;
    for (const { host, metric, fromMs } of incident) {
      const [upper] = await promQuery(promUrl, `anomalylens_expected_upper{host="${host}", metric="${metric}"}`);
      const [lower] = await promQuery(promUrl, `anomalylens_expected_lower{host="${host}", metric="${metric}"}`);
      const hi = Number(upper.value[1]);
      const width = Math.max(hi - Number(lower.value[1]), Math.abs(hi) * 0.05, 1);
      const messages = [];
      for (let ts = Math.ceil(fromMs / stepMs) * stepMs; ts <= Date.now(); ts += stepMs) {
        // A runaway ramp keeps leaving whatever range the model has learned meanwhile.
        const value = hi + width * (3 + messages.length * 1.5);
        messages.push({
          key: host,
          value: JSON.stringify({ ts, metric, value, labels: { host, region: 'eu-west-1' } }),
        });
      }
      // Series between the fleet's end and the incident keep their normal level.
      incidentPoints += messages.length;
      await producer.send({ topic, messages });
    }
    await sendInvalid(producer, topic);
    await producer.disconnect();
    await waitForScored(promUrl, fleetPoints + incidentPoints);
    // Let a few more scrapes land so the 5-minute rates and the lag settle.
    await sleep(5000);
    const rules = await anomalyRuleStatus(promUrl);

    mkdirSync(shotsDir, { recursive: true });
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
        if (name === 'app-anomalies') {
          // Open the incident with the most series to show them ranked by peak score, with events.
          const rows = harness.page.locator('[data-testid="data-testid al-anomalies-row"]');
          const counts = await rows.evaluateAll((all) => all.map((row) => Number(row.cells[6]?.innerText)));
          const widest = counts.indexOf(Math.max(...counts));
          seen.expandedIncident = await rows.nth(widest).innerText();
          await rows.nth(widest).locator('[data-testid="data-testid al-anomalies-toggle"]').click();
          await harness.page.mouse.move(0, 0);
          await harness.page.waitForSelector('[data-testid="data-testid al-anomalies-details"]', { timeout: 10_000 });
        }
        if (name === 'app-config') {
          await harness.page.click(ready);
          await harness.page.waitForSelector('[data-testid="data-testid ac-test-result"]', { timeout: 20_000 });
        }
        await sleep(300);
        seen[name] = await harness.page.evaluate(() => {
          const all = (id) => [...document.querySelectorAll(`[data-testid="data-testid ${id}"]`)];
          return {
            text: document.querySelector('.harness-page').innerText,
            anomalyRows: all('al-anomalies-row').map((row) => ({
              text: row.innerText,
              link: row.querySelector('a')?.getAttribute('href') ?? null,
            })),
            incidentSeries: all('al-anomalies-series-row').map((row) => row.innerText),
            incidentEvents: all('al-anomalies-event-row').map((row) => ({
              text: row.innerText,
              link: row.querySelector('a')?.getAttribute('href') ?? null,
            })),
            healthLevel: all('al-stream-health-status')[0]?.dataset.level ?? null,
            alertRows: all('al-alerts-row').map((row) => row.innerText),
            configResult: all('ac-test-result')[0]?.innerText ?? null,
            policyState: all('ac-policy')[0]?.dataset.state ?? null,
            policyText: all('ac-policy')[0]?.innerText ?? null,
          };
        });
        const root = await harness.page.$('.harness-page');
        await root.screenshot({ path: path.join(shotsDir, file) });
        log(`saved ${path.relative(repo, path.join(shotsDir, file))}`);
      }
      if (harness.errors.length > 0) {
        throw new Error(`page errors: ${harness.errors.map((e) => e.message).join('; ')}`);
      }
    } finally {
      await harness.close();
    }
    // Still running: callers may inspect the same Prometheus before it is torn down.
    const inspected = onData ? await onData(promUrl) : undefined;
    return { ...seen, inspected };
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

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  captureAppPages().then(
    () => process.exit(0),
    (error) => {
      log(error.stack ?? String(error));
      process.exit(1);
    }
  );
}
