/**
 * `anomaly-lens run` as a real child process, the way an operator runs it: configured by
 * environment, JSON logs on stdout (kept in a file for post-mortems), stopped by a signal.
 * Fault tests kill it with SIGKILL, read its /metrics and /readyz, and sample its RSS.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { waitFor } from './services';

const BIN = path.resolve(__dirname, '..', '..', 'bin', 'anomaly-lens.js');
const BUILT = path.resolve(__dirname, '..', '..', 'dist', 'cli', 'run.js');

export function requireBuiltCli(): void {
  if (!fs.existsSync(BUILT))
    throw new Error('the CLI is not built: run `npm run build -w backend-detector` first');
}

/** A sleep that does not keep the process (jest) alive once everything else is done. */
const unrefSleep = (ms: number) => new Promise((r) => setTimeout(r, ms).unref());

/** Polls `fn` until it returns something other than undefined; throws with `what` on timeout. */
export const until = waitFor;

/** Parsed Prometheus text exposition: `name{labels}` → value. */
export type MetricsText = Map<string, number>;

export function parseMetrics(text: string): MetricsText {
  const out: MetricsText = new Map();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const cut = line.lastIndexOf(' ');
    out.set(line.slice(0, cut), Number(line.slice(cut + 1)));
  }
  return out;
}

/** Sum of every sample of `name` whose label set contains all of `labels` (`k="v"` strings). */
export function metricSum(m: MetricsText, name: string, ...labels: string[]): number {
  let sum = 0;
  for (const [k, v] of m) {
    const brace = k.indexOf('{');
    const base = brace < 0 ? k : k.slice(0, brace);
    if (base !== name) continue;
    if (labels.every((l) => k.includes(l))) sum += v;
  }
  return sum;
}

export class DetectorProcess {
  readonly logFile: string;
  port = 0;
  private child?: ChildProcess;
  private exited?: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private out = '';
  /** Last /metrics read, kept so counters survive a kill -9 for the test's summary. */
  lastMetrics: MetricsText = new Map();

  constructor(
    readonly name: string,
    private readonly env: Record<string, string>,
    logDir: string
  ) {
    this.logFile = path.join(logDir, `${name}.log`);
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Starts the process and resolves once its HTTP server listens. */
  async start(): Promise<void> {
    requireBuiltCli();
    this.out = '';
    this.port = 0;
    const child = spawn(process.execPath, [BIN, 'run'], {
      env: {
        ...process.env,
        ANOMALYLENS_HTTP_HOST: '127.0.0.1',
        ANOMALYLENS_HTTP_PORT: '0',
        ANOMALYLENS_LOG_LEVEL: 'info',
        ...this.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    const log = fs.openSync(this.logFile, 'a');
    fs.writeSync(log, `\n=== ${new Date().toISOString()} ${this.name} pid ${child.pid} started\n`);
    const capture = (d: Buffer) => {
      this.out += d.toString();
      fs.writeSync(log, d);
    };
    child.stdout!.on('data', capture);
    child.stderr!.on('data', capture);
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        fs.writeSync(log, `=== ${new Date().toISOString()} exited code ${code} signal ${signal}\n`);
        fs.closeSync(log);
        resolve({ code, signal });
      })
    );
    this.port = Number(
      await until(
        `${this.name}: the HTTP port in its startup log`,
        () => {
          if (!this.running) throw new Error(`exited early; log:\n${this.tail()}`);
          return /"port":(\d+),[^\n]*HTTP server listening/.exec(this.out)?.[1];
        },
        30_000,
        50
      )
    );
  }

  /** Log lines (JSON) emitted since the last start. */
  logLines(): Array<Record<string, unknown>> {
    return this.out
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  }

  tail(lines = 30): string {
    return this.out.split('\n').slice(-lines).join('\n');
  }

  url(p: string): string {
    return `http://127.0.0.1:${this.port}${p}`;
  }

  async metrics(): Promise<MetricsText> {
    const res = await fetch(this.url('/metrics'), { signal: AbortSignal.timeout(5000) });
    this.lastMetrics = parseMetrics(await res.text());
    return this.lastMetrics;
  }

  async metric(name: string, ...labels: string[]): Promise<number> {
    return metricSum(await this.metrics(), name, ...labels);
  }

  async readyStatus(): Promise<number> {
    return (await fetch(this.url('/readyz'), { signal: AbortSignal.timeout(5000) })).status;
  }

  /** Resident set size in bytes, from /proc (Linux). */
  rss(): number {
    const status = fs.readFileSync(`/proc/${this.pid}/status`, 'utf8');
    const m = /^VmRSS:\s+(\d+) kB$/m.exec(status);
    if (!m) throw new Error(`no VmRSS in /proc/${this.pid}/status`);
    return Number(m[1]) * 1024;
  }

  /** Sends `signal` and waits for the exit (SIGKILL after `graceMs`). */
  async stop(
    signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM',
    graceMs = 30_000
  ): Promise<{ code: number | null; signal: NodeJS.Signals | null } | undefined> {
    if (!this.child || !this.running) return this.exited ? await this.exited : undefined;
    this.child.kill(signal);
    const done = await Promise.race([this.exited!, unrefSleep(graceMs).then(() => undefined)]);
    if (done) return done;
    this.child.kill('SIGKILL');
    return this.exited!;
  }
}
