/**
 * Private instances of the real services for suites that break them on purpose (fault tests:
 * broker restarts, Prometheus outages) or need them configured differently (security: TLS and
 * SASL/SCRAM listeners, remote-write auth). Each instance gets free ports and its own data
 * directory, so it never disturbs the shared services of `npm run services:up` that other suites
 * use, and `restart()` keeps its data like a real restart would.
 *
 * Kafka runs from the same Maven Central jars scripts/services fetches (fetched here too when the
 * cache is cold); Prometheus is the Debian binary.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { Kafka, logLevel, type KafkaConfig } from 'kafkajs';
import { portOpen as portAccepts } from './services';

const REPO_ROOT = path.resolve(__dirname, '../../..');
const SERVICES = path.join(REPO_ROOT, 'scripts', 'services');

/** Ports freePort handed out in this process. */
const handedOut = new Set<number>();

/**
 * A TCP port nothing listens on right now (the OS picks it), never one handed out before in
 * this process: the OS may offer a just-closed port again, and two listeners of one broker
 * given the same port make Kafka refuse to start.
 */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const srv = net.createServer();
      srv.once('error', reject);
      srv.listen(0, '127.0.0.1', () => {
        const { port } = srv.address() as net.AddressInfo;
        srv.close(() => resolve(port));
      });
    });
    if (handedOut.has(port)) continue;
    handedOut.add(port);
    return port;
  }
}

function portOpen(port: number): Promise<boolean> {
  return portAccepts(`127.0.0.1:${port}`);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** A sleep that does not keep the process (jest) alive once everything else is done. */
const unrefSleep = (ms: number) => new Promise((r) => setTimeout(r, ms).unref());

async function until(
  what: string,
  timeoutMs: number,
  check: () => Promise<boolean>,
  log?: string
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) {
      const tail =
        log && fs.existsSync(log) ? fs.readFileSync(log, 'utf8').split('\n').slice(-25).join('\n') : '';
      throw new Error(`${what} not ready within ${timeoutMs} ms${tail ? `; last log lines:\n${tail}` : ''}`);
    }
    await sleep(200);
  }
}

/** A child process we own: its log file, and a stop that waits for the exit. */
class Proc {
  private child?: ChildProcess;
  private exited?: Promise<void>;

  constructor(
    private readonly name: string,
    readonly logFile: string
  ) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  start(cmd: string, args: string[]): void {
    const out = fs.openSync(this.logFile, 'a');
    const child = spawn(cmd, args, { stdio: ['ignore', out, out] });
    fs.closeSync(out);
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    child.once('error', (e) => fs.appendFileSync(this.logFile, `\n[instances] ${this.name}: ${e.message}\n`));
  }

  /** SIGTERM (graceful) or SIGKILL (crash); escalates to SIGKILL after `graceMs`. */
  async stop(signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM', graceMs = 20_000): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    child.kill(signal);
    const done = await Promise.race([this.exited!.then(() => true), unrefSleep(graceMs).then(() => false)]);
    if (!done) {
      child.kill('SIGKILL');
      await this.exited;
    }
  }
}

function kafkaVersion(): string {
  const pom = fs.readFileSync(path.join(SERVICES, 'kafka', 'pom.xml'), 'utf8');
  const m = /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(pom);
  if (!m) throw new Error('scripts/services/kafka/pom.xml names no kafka.version');
  return m[1];
}

/** The broker jars, fetched through scripts/services/lib.sh (Maven) when the cache lacks them. */
function kafkaLibs(): string {
  const res = spawnSync(
    'bash',
    ['-c', `source "${SERVICES}/lib.sh" && fetch_kafka_jars && printf %s "$KAFKA_LIBS"`],
    {
      encoding: 'utf8',
    }
  );
  if (res.status !== 0) throw new Error(`fetching the Kafka jars failed: ${res.stderr}`);
  const libs = res.stdout.trim();
  if (!fs.existsSync(libs)) throw new Error(`Kafka jars missing in ${libs} (version ${kafkaVersion()})`);
  return libs;
}

export interface KafkaListener {
  /** Listener name, e.g. SASL_SSL or EXTERNAL. */
  name: string;
  protocol: 'PLAINTEXT' | 'SSL' | 'SASL_PLAINTEXT' | 'SASL_SSL';
  port: number;
}

export interface KafkaInstanceOptions {
  /** Extra listeners besides the PLAINTEXT one (e.g. a SASL_SSL one for security tests). */
  listeners?: KafkaListener[];
  /** server.properties overrides (later keys win), e.g. ssl.keystore.location. */
  properties?: Record<string, string>;
  /** `kafka-storage format --add-scram` entries, e.g. `SCRAM-SHA-512=[name=alice,password=s3cret]`. */
  addScram?: string[];
  /** JVM heap flags (default: the services scripts' small heap). */
  heap?: string;
}

/** A single-node KRaft broker of our own. `bootstrap` is its PLAINTEXT listener. */
export class KafkaInstance {
  readonly dir: string;
  port = 0;
  controllerPort = 0;
  private readonly proc: Proc;
  private libs = '';
  private formatted = false;

  constructor(
    private readonly opts: KafkaInstanceOptions = {},
    dir?: string
  ) {
    this.dir = dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'anomalylens-kafka-'));
    this.proc = new Proc('kafka', path.join(this.dir, 'kafka.log'));
  }

  get bootstrap(): string {
    return `127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.proc.pid;
  }

  get logFile(): string {
    return this.proc.logFile;
  }

  client(extra: Partial<KafkaConfig> = {}): Kafka {
    return new Kafka({
      clientId: 'anomaly-lens-instance',
      brokers: [this.bootstrap],
      logLevel: logLevel.NOTHING,
      ...extra,
    });
  }

  /** Formats storage on the first start; later starts keep the data (a real restart). */
  async start(): Promise<void> {
    if (!this.formatted) {
      this.libs = kafkaLibs();
      this.port = await freePort();
      this.controllerPort = await freePort();
      fs.mkdirSync(path.join(this.dir, 'data'), { recursive: true });
      fs.writeFileSync(path.join(this.dir, 'server.properties'), this.properties());
      const clusterId = Buffer.from(
        Array.from({ length: 16 }, () => Math.floor(Math.random() * 256))
      ).toString('base64url');
      const scram = (this.opts.addScram ?? []).flatMap((s) => ['--add-scram', s]);
      const res = spawnSync(
        'java',
        [
          ...this.javaOpts(),
          '-cp',
          `${this.libs}/*`,
          'kafka.tools.StorageTool',
          'format',
          // One argument: a base64url id may start with '-', which would read as an option.
          `--cluster-id=${clusterId}`,
          '--config',
          path.join(this.dir, 'server.properties'),
          ...scram,
        ],
        { encoding: 'utf8' }
      );
      if (res.status !== 0) throw new Error(`formatting Kafka storage failed: ${res.stdout}${res.stderr}`);
      this.formatted = true;
    }
    const heap = (this.opts.heap ?? process.env.KAFKA_HEAP_OPTS ?? '-Xms256m -Xmx512m').split(/\s+/);
    this.proc.start('java', [
      ...heap,
      '-XX:+UseG1GC',
      '-XX:MaxGCPauseMillis=20',
      ...this.javaOpts(),
      '-cp',
      `${this.libs}/*`,
      'kafka.Kafka',
      path.join(this.dir, 'server.properties'),
    ]);
    await until('Kafka instance', 90_000, () => this.answers(), this.logFile);
  }

  /** A metadata request succeeds and the group coordinator is usable. */
  private async answers(): Promise<boolean> {
    if (!this.proc.running) throw new Error(`Kafka exited; see ${this.logFile}`);
    if (!(await portOpen(this.port))) return false;
    const admin = this.client({ retry: { retries: 0 }, connectionTimeout: 1000 }).admin();
    try {
      await admin.connect();
      const cluster = await admin.describeCluster();
      if (cluster.controller === null || cluster.brokers.length === 0) return false;
      await admin.listGroups();
      return true;
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }

  /** Stop (SIGTERM = controlled shutdown, SIGKILL = crash). Data stays. */
  stop(signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> {
    return this.proc.stop(signal, 30_000);
  }

  async restart(signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> {
    await this.stop(signal);
    await this.start();
  }

  /** Stop and delete the data directory. */
  async destroy(): Promise<void> {
    await this.stop('SIGKILL');
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  private javaOpts(): string[] {
    return [
      '-Djava.awt.headless=true',
      `-Dlog4j2.configurationFile=${path.join(SERVICES, 'kafka', 'log4j2.properties')}`,
    ];
  }

  private properties(): string {
    const template = fs.readFileSync(path.join(SERVICES, 'kafka', 'server.properties'), 'utf8');
    const extra = this.opts.listeners ?? [];
    const listeners = [
      `PLAINTEXT://127.0.0.1:${this.port}`,
      ...extra.map((l) => `${l.name}://127.0.0.1:${l.port}`),
    ];
    const protocols = [
      'PLAINTEXT:PLAINTEXT',
      'CONTROLLER:PLAINTEXT',
      ...extra.map((l) => `${l.name}:${l.protocol}`),
    ];
    const overrides: Record<string, string> = {
      'controller.quorum.voters': `1@127.0.0.1:${this.controllerPort}`,
      listeners: [...listeners, `CONTROLLER://127.0.0.1:${this.controllerPort}`].join(','),
      'advertised.listeners': listeners.join(','),
      'listener.security.protocol.map': protocols.join(','),
      'log.dirs': path.join(this.dir, 'data'),
      // Fault tests restart the broker: let it come back at once.
      'controlled.shutdown.enable': 'true',
      ...this.opts.properties,
    };
    // java.util.Properties keeps the last value of a repeated key.
    return `${template}\n# instances.ts overrides\n${Object.entries(overrides)
      .map(([k, v]) => `${k}=${v}`)
      .join('\n')}\n`;
  }
}

export interface PrometheusInstanceOptions {
  /** Prometheus --web.config.file contents (basic auth users, TLS), YAML. */
  webConfig?: string;
  extraArgs?: string[];
}

/** A Prometheus of our own with the remote-write receiver; `restart()` keeps the TSDB. */
export class PrometheusInstance {
  readonly dir: string;
  port = 0;
  private readonly proc: Proc;

  constructor(
    private readonly opts: PrometheusInstanceOptions = {},
    dir?: string
  ) {
    this.dir = dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'anomalylens-prometheus-'));
    this.proc = new Proc('prometheus', path.join(this.dir, 'prometheus.log'));
  }

  /** http(s)://127.0.0.1:<port> (https when the web config enables TLS). */
  get url(): string {
    const tls = this.opts.webConfig !== undefined && /tls_server_config/.test(this.opts.webConfig);
    return `${tls ? 'https' : 'http'}://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.proc.pid;
  }

  get logFile(): string {
    return this.proc.logFile;
  }

  get running(): boolean {
    return this.proc.running;
  }

  async start(): Promise<void> {
    if (this.port === 0) {
      this.port = await freePort();
      fs.mkdirSync(path.join(this.dir, 'data'), { recursive: true });
      const config = fs
        .readFileSync(path.join(SERVICES, 'prometheus', 'prometheus.yml'), 'utf8')
        .replace('127.0.0.1:9090', `127.0.0.1:${this.port}`);
      fs.writeFileSync(path.join(this.dir, 'prometheus.yml'), config);
      if (this.opts.webConfig !== undefined)
        fs.writeFileSync(path.join(this.dir, 'web.yml'), this.opts.webConfig);
    }
    this.proc.start('prometheus', [
      `--config.file=${path.join(this.dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${path.join(this.dir, 'data')}`,
      '--storage.tsdb.retention.time=30d',
      `--web.listen-address=127.0.0.1:${this.port}`,
      '--web.enable-remote-write-receiver',
      '--web.enable-admin-api',
      '--log.level=warn',
      ...(this.opts.webConfig !== undefined ? [`--web.config.file=${path.join(this.dir, 'web.yml')}`] : []),
      ...(this.opts.extraArgs ?? []),
    ]);
    await until(
      'Prometheus instance',
      60_000,
      async () => {
        if (!this.proc.running) throw new Error(`Prometheus exited; see ${this.logFile}`);
        if (!(await portOpen(this.port))) return false;
        // With a web config (auth/TLS) the caller knows how to talk to it; the port will do.
        if (this.opts.webConfig !== undefined) return true;
        return (await fetch(`${this.url}/-/ready`)).ok;
      },
      this.logFile
    );
  }

  stop(signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> {
    return this.proc.stop(signal, 15_000);
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  async destroy(): Promise<void> {
    await this.stop('SIGKILL');
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
