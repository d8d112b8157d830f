import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  committedCount,
  createTopics,
  KAFKA,
  kafkaClient,
  produce,
  PROMETHEUS,
  promSum,
  requireServices,
  uniqueId,
  waitFor,
} from '../support/services';

jest.setTimeout(90_000);

const BIN = path.join(__dirname, '..', '..', 'bin', 'anomaly-lens.js');
const BUILT = path.join(__dirname, '..', '..', 'dist', 'cli', 'run.js');

/** `anomaly-lens run` as users start it: a child process, configured by env, stopped by SIGTERM. */
describe('anomaly-lens run as a process', () => {
  const run = uniqueId('cli');
  const topic = `${run}-in`;
  const group = `${run}-g`;

  beforeAll(async () => {
    await requireServices();
    if (!fs.existsSync(BUILT)) throw new Error('the CLI is not built: run `npm run build` first');
    await createTopics([topic], 2);
  });

  it('scores, serves its endpoints, keeps secrets out of the logs, and drains + commits on SIGTERM', async () => {
    const total = 400;
    const t0 = Date.now() - 1_800_000;
    await produce(
      topic,
      Array.from({ length: total }, (_, i) => ({
        key: `h${i % 2}`,
        value: JSON.stringify({
          ts: t0 + Math.floor(i / 2) * 1000,
          metric: 'cli_probe',
          value: i % 5,
          labels: { run, host: `h${i % 2}` },
        }),
      }))
    );

    const child = spawn(process.execPath, [BIN, 'run'], {
      env: {
        ...process.env,
        ANOMALYLENS_KAFKA_BROKERS: KAFKA,
        ANOMALYLENS_INPUT_TOPICS: topic,
        ANOMALYLENS_KAFKA_GROUP_ID: group,
        ANOMALYLENS_KAFKA_FROM_BEGINNING: 'true',
        ANOMALYLENS_REMOTE_WRITE_URL: `${PROMETHEUS}/api/v1/write`,
        // Prometheus ignores credentials it does not ask for; they must still never be logged.
        ANOMALYLENS_REMOTE_WRITE_USERNAME: 'detector',
        ANOMALYLENS_REMOTE_WRITE_PASSWORD: 'hunter2-secret',
        // A long commit interval: the offsets can only be committed by the shutdown.
        ANOMALYLENS_COMMIT_INTERVAL_MS: '600000',
        ANOMALYLENS_HTTP_HOST: '127.0.0.1',
        ANOMALYLENS_HTTP_PORT: '0', // any free port; the startup log says which
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const port = await waitFor(
        'the HTTP port in the startup log',
        () => /"port":(\d+),[^\n]*HTTP server listening/.exec(out)?.[1],
        30_000,
        50
      );
      const url = (p: string) => `http://127.0.0.1:${port}${p}`;
      await waitFor(
        'ready',
        async () => ((await fetch(url('/readyz'))).status === 200 ? true : undefined),
        30_000,
        200
      );
      await waitFor(
        'every point in Prometheus',
        async () =>
          (await promSum(`count_over_time(anomalylens_observed{run="${run}"}[1h])`)) === total
            ? true
            : undefined,
        30_000,
        300
      );
      const status = (await (await fetch(url('/api/status'))).json()) as {
        status: string;
        activeSeries: number;
      };
      expect(status).toMatchObject({ status: 'ok', activeSeries: 2 });
      expect(await (await fetch(url('/metrics'))).text()).toMatch(
        /^anomalylens_detector_points_scored_total 400$/m
      );
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);

    const lines = out.trim().split('\n');
    for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
    expect(out).not.toContain('hunter2-secret');
    expect(lines.map((l) => (JSON.parse(l) as { msg: string }).msg)).toEqual(
      expect.arrayContaining([
        'starting',
        'shutting down: stop fetching, flush, commit, leave group',
        'stopped',
      ])
    );

    expect(await committedCount(group, topic)).toBe(total);
    const admin = kafkaClient().admin();
    await admin.connect();
    const { members } = (await admin.describeGroups([group])).groups[0];
    await admin.disconnect();
    expect(members).toHaveLength(0); // it left the group
  });

  it('refuses a bad setting with a message naming it', async () => {
    const child = spawn(process.execPath, [BIN, 'run'], {
      env: { ...process.env, ANOMALYLENS_REMOTE_WRITE_URL: 'prometheus:9090' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(2);
    expect(err).toContain(
      "remoteWriteUrl (ANOMALYLENS_REMOTE_WRITE_URL): must be http:// or https://, got 'prometheus:'"
    );
  });
});

describe('anomaly-lens run without its input topic', () => {
  beforeAll(requireServices);

  /** Starts `run` on a topic that does not exist; resolves with its HTTP port once listening. */
  async function startWaiting(topic: string) {
    const child = spawn(process.execPath, [BIN, 'run'], {
      env: {
        ...process.env,
        ANOMALYLENS_KAFKA_BROKERS: KAFKA,
        ANOMALYLENS_INPUT_TOPICS: topic,
        ANOMALYLENS_KAFKA_GROUP_ID: `${topic}-g`,
        ANOMALYLENS_KAFKA_FROM_BEGINNING: 'true',
        ANOMALYLENS_REMOTE_WRITE_URL: `${PROMETHEUS}/api/v1/write`,
        ANOMALYLENS_HTTP_HOST: '127.0.0.1',
        ANOMALYLENS_HTTP_PORT: '0',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const log = { out: '' };
    child.stdout.on('data', (d: Buffer) => (log.out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (log.out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const port = await waitFor(
      'the HTTP port in the startup log',
      () => /"port":(\d+),[^\n]*HTTP server listening/.exec(log.out)?.[1],
      30_000,
      50
    );
    await waitFor(
      'the waiting-for-topic log line',
      () => log.out.includes(`waiting for input topic(s) ${topic} to be created`) || undefined,
      30_000,
      50
    );
    const readyz = await fetch(`http://127.0.0.1:${port}/readyz`);
    expect(readyz.status).toBe(503);
    expect(await readyz.text()).toContain(`input topic(s) ${topic} do not exist yet`);
    return { child, log, exited, port };
  }

  it('waits, not ready and saying why, and stops promptly on SIGTERM', async () => {
    const { child, log, exited } = await startWaiting(uniqueId('missing'));
    const t0 = Date.now();
    child.kill('SIGTERM');
    const code = await Promise.race([
      exited,
      new Promise<string>((r) => setTimeout(() => r('hung'), 15_000)),
    ]);
    if (code === 'hung') child.kill('SIGKILL');
    expect(code).toBe(0);
    expect(Date.now() - t0).toBeLessThan(15_000);
    expect(log.out).toContain('"msg":"stopped"');
  });

  it('starts consuming once the topic is created', async () => {
    const topic = uniqueId('late');
    const { child, exited, port } = await startWaiting(topic);
    try {
      await createTopics([topic], 1);
      await waitFor(
        'ready after the topic was created',
        async () => ((await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200 ? true : undefined),
        60_000,
        200
      );
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });
});
