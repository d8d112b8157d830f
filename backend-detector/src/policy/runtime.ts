/**
 * The service's policy: the file loaded at start, reloads that replace it only when the
 * new file is valid, and what the self-metrics and /api/status say about it.
 */
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { PolicyMetrics } from '../health/metrics';
import { loadPolicyFile, type LoadedPolicy } from './load';
import type { Policy } from './parse';
import { PolicySnapshot } from './snapshot';
import { watchPolicy } from './watch';

export interface PolicyStatus {
  path: string;
  hash: string;
  rules: { index: number; line: number; name?: string; match: string; settings: Record<string, unknown> }[];
  maintenance: {
    index: number;
    line: number;
    name?: string;
    match: string;
    window: Record<string, unknown>;
  }[];
  lastReload: { at: string; result: 'success' | 'failure'; error: string | null };
}

export class PolicyRuntime {
  private loaded: LoadedPolicy;
  private snap: PolicySnapshot;
  private last: PolicyStatus['lastReload'];
  private readonly metrics: PolicyMetrics;

  /** Loads the file; throws PolicyError (file, line, field, reason) if it is not valid. */
  constructor(
    readonly path: string,
    registry: Registry,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now
  ) {
    this.loaded = loadPolicyFile(path);
    this.snap = new PolicySnapshot(1, this.loaded.policy);
    this.metrics = new PolicyMetrics(registry);
    this.metrics.reloads.inc({ result: 'success' }, 0);
    this.metrics.reloads.inc({ result: 'failure' }, 0);
    this.last = { at: '', result: 'success', error: null };
    this.applied();
  }

  /** The policy in force (a new object after each applied reload). */
  get snapshot(): PolicySnapshot {
    return this.snap;
  }

  get policy(): Policy {
    return this.loaded.policy;
  }

  get hash(): string {
    return this.loaded.hash;
  }

  /**
   * Read the file again. A valid file replaces the policy in one step (the next batch of
   * each partition sees it); an invalid one is logged and refused, the old policy stays.
   * An unchanged file keeps the same snapshot (maintenance cursors, nothing rebuilt).
   */
  reload(trigger: string): boolean {
    let next: LoadedPolicy;
    try {
      next = loadPolicyFile(this.path);
    } catch (e) {
      const error = (e as Error).message;
      this.metrics.reloads.inc({ result: 'failure' });
      this.metrics.lastReload.set(this.now() / 1000);
      this.metrics.lastSuccess.set(0);
      this.last = { at: new Date(this.now()).toISOString(), result: 'failure', error };
      this.logger.error(
        { trigger, policy: this.path, keeping: this.loaded.hash },
        `policy refused: ${error}`
      );
      return false;
    }
    this.metrics.reloads.inc({ result: 'success' });
    const changed = next.hash !== this.loaded.hash;
    if (changed) {
      this.loaded = next;
      this.snap = new PolicySnapshot(this.snap.version + 1, next.policy);
    }
    this.applied();
    const fields = { trigger, policy: this.path, hash: next.hash, rules: next.policy.rules.length };
    // A watched directory also reports changes to other files: an unchanged policy is no news.
    if (changed) this.logger.info(fields, 'policy reloaded');
    else this.logger.debug(fields, 'policy file unchanged');
    return true;
  }

  /** Reload on file changes and SIGHUP until the returned function is called. */
  watch(): () => void {
    const w = watchPolicy(this.path, (trigger) => this.reload(trigger), this.logger);
    return () => w.close();
  }

  private applied(): void {
    const m = this.metrics;
    m.info.reset();
    m.info.set({ hash: this.loaded.hash }, 1);
    m.rules.set(this.loaded.policy.rules.length);
    m.lastReload.set(this.now() / 1000);
    m.lastSuccess.set(1);
    this.last = { at: new Date(this.now()).toISOString(), result: 'success', error: null };
  }

  status(): PolicyStatus {
    const p = this.loaded.policy;
    return {
      path: this.path,
      hash: this.loaded.hash,
      rules: p.rules.map((r) => {
        const { index, line, name, match, ...settings } = r;
        return { index, line, ...(name !== undefined ? { name } : {}), match: match.source, settings };
      }),
      maintenance: p.maintenance.map((m) => {
        const w = m.window;
        const window =
          'schedule' in w
            ? { schedule: w.schedule, duration: `${w.durationMs / 60_000}m`, timezone: w.timezone }
            : { start: new Date(w.start).toISOString(), end: new Date(w.end).toISOString() };
        return {
          index: m.index,
          line: m.line,
          ...(m.name !== undefined ? { name: m.name } : {}),
          match: m.match.source,
          window,
        };
      }),
      lastReload: { ...this.last },
    };
  }
}
