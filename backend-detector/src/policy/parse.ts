/**
 * The detection policy file (docs/policy.md): YAML text to a checked Policy, or a
 * PolicyError naming the file, line, field and reason
 * (`policy.yaml:7: rules[1].direction: must be one of up, down, both (got "upward")`).
 * Pure: reading the file and hashing its bytes happen in load.ts.
 */
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node, type YAMLMap } from 'yaml';
import type { Direction } from '../model/output-policy';
import { isValidTimeZone } from '../model/local-time';
import { FixedWindow, parseDuration, ScheduledWindow } from './schedule';
import { parseSelector, SelectorError, type Selector } from './selector';

export type SeasonalityChoice = 'auto' | 'daily' | 'weekly' | 'none';

export interface PolicyRule {
  /** Position in `rules` (0-based) and line in the file. */
  index: number;
  line: number;
  name?: string;
  match: Selector;
  threshold?: number;
  direction?: Direction;
  minDeviation?: number;
  minRelativeDeviation?: number;
  seasonality?: SeasonalityChoice;
  timezone?: string;
  ignore?: boolean;
}

export interface MaintenanceEntry {
  index: number;
  line: number;
  name?: string;
  match: Selector;
  /** Time zone of `schedule` (default UTC). */
  timezone: string;
  window: FixedWindow | ScheduledWindow;
}

export interface Policy {
  rules: PolicyRule[];
  maintenance: MaintenanceEntry[];
}

export class PolicyError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly field: string,
    readonly reason: string
  ) {
    super(`${file}${line > 0 ? `:${line}` : ''}: ${field ? `${field}: ` : ''}${reason}`);
    this.name = 'PolicyError';
  }
}

const RULE_FIELDS = [
  'name',
  'match',
  'threshold',
  'direction',
  'minDeviation',
  'minRelativeDeviation',
  'seasonality',
  'timezone',
  'ignore',
] as const;
const MAINTENANCE_FIELDS = ['name', 'match', 'start', 'end', 'schedule', 'duration', 'timezone'] as const;
const DIRECTIONS: readonly Direction[] = ['up', 'down', 'both'];
const SEASONALITIES: readonly SeasonalityChoice[] = ['auto', 'daily', 'weekly', 'none'];
/** An instant with its zone: a time without one would depend on the detector host's zone. */
const INSTANT = /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$/;

export function parsePolicy(text: string, file: string): Policy {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const lineOf = (node: Node | null | undefined): number =>
    node?.range ? lines.linePos(node.range[0]).line : 1;
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    throw new PolicyError(file, lines.linePos(e.pos[0]).line, '', e.message.split('\n')[0]!);
  }
  const fail = (node: Node | null | undefined, field: string, reason: string): never => {
    throw new PolicyError(file, lineOf(node), field, reason);
  };
  const root = doc.contents;
  if (root === null || (isScalar(root) && root.value === null)) return { rules: [], maintenance: [] };
  if (!isMap(root)) return fail(root, '', 'must be a mapping with `rules` and/or `maintenance`');
  const top = fields(root, '', ['rules', 'maintenance'], fail);
  return {
    rules: list(top.get('rules'), 'rules', fail).map(([node, i]) => rule(node, i)),
    maintenance: list(top.get('maintenance'), 'maintenance', fail).map(([node, i]) => maintenance(node, i)),
  };

  function rule(node: YAMLMap, index: number): PolicyRule {
    const at = `rules[${index}]`;
    const f = fields(node, at, RULE_FIELDS, fail);
    const r: PolicyRule = { index, line: lineOf(node), match: selector(f, at, node) };
    const name = optionalString(f.get('name'), `${at}.name`);
    if (name !== undefined) r.name = name;
    const threshold = number(f.get('threshold'), `${at}.threshold`, (v) => v > 0, 'must be a number above 0');
    if (threshold !== undefined) r.threshold = threshold;
    const direction = oneOf(f.get('direction'), `${at}.direction`, DIRECTIONS);
    if (direction !== undefined) r.direction = direction;
    const nonNegative = (v: number) => v >= 0;
    const minDev = number(f.get('minDeviation'), `${at}.minDeviation`, nonNegative, 'must be a number ≥ 0');
    if (minDev !== undefined) r.minDeviation = minDev;
    const minRel = number(
      f.get('minRelativeDeviation'),
      `${at}.minRelativeDeviation`,
      nonNegative,
      'must be a number ≥ 0 (a fraction: 0.2 is 20 %)'
    );
    if (minRel !== undefined) r.minRelativeDeviation = minRel;
    const seasonality = oneOf(f.get('seasonality'), `${at}.seasonality`, SEASONALITIES);
    if (seasonality !== undefined) r.seasonality = seasonality;
    const tz = timezone(f.get('timezone'), `${at}.timezone`);
    if (tz !== undefined) r.timezone = tz;
    const ignore = f.get('ignore');
    if (ignore !== undefined) {
      if (!isScalar(ignore) || typeof ignore.value !== 'boolean')
        fail(ignore, `${at}.ignore`, 'must be true or false');
      r.ignore = (ignore as { value: boolean }).value;
    }
    return r;
  }

  function maintenance(node: YAMLMap, index: number): MaintenanceEntry {
    const at = `maintenance[${index}]`;
    const f = fields(node, at, MAINTENANCE_FIELDS, fail);
    const match = selector(f, at, node);
    const tz = timezone(f.get('timezone'), `${at}.timezone`) ?? 'UTC';
    const has = (k: string) => f.has(k);
    let window: FixedWindow | ScheduledWindow;
    if (has('schedule') || has('duration')) {
      if (has('start') || has('end'))
        fail(node, at, 'give either start and end, or schedule and duration, not both');
      const scheduleNode =
        f.get('schedule') ?? fail(node, `${at}.schedule`, 'missing (a cron expression, e.g. "0 3 * * *")');
      const durationNode = f.get('duration') ?? fail(node, `${at}.duration`, 'missing (e.g. 30m, 2h)');
      const schedule = requiredString(scheduleNode, `${at}.schedule`);
      const durationText = isScalar(durationNode) ? String(durationNode.value) : '';
      const durationMs = parseDuration(durationText);
      if (durationMs === null || durationMs <= 0) {
        fail(
          durationNode,
          `${at}.duration`,
          `must be a duration such as 30m, 2h or 1h30m (got ${JSON.stringify(durationText)})`
        );
      }
      try {
        window = new ScheduledWindow(schedule, tz, durationMs!);
      } catch (e) {
        return fail(scheduleNode, `${at}.schedule`, `not a valid cron expression: ${(e as Error).message}`);
      }
    } else {
      const startNode = f.get('start') ?? fail(node, at, 'needs start and end, or schedule and duration');
      const endNode = f.get('end') ?? fail(node, `${at}.end`, 'missing (an ISO-8601 time with a zone)');
      const start = instant(startNode, `${at}.start`);
      const end = instant(endNode, `${at}.end`);
      if (end <= start) fail(endNode, `${at}.end`, 'must be after start');
      window = new FixedWindow(start, end);
    }
    const e: MaintenanceEntry = { index, line: lineOf(node), match, timezone: tz, window };
    const name = optionalString(f.get('name'), `${at}.name`);
    if (name !== undefined) e.name = name;
    return e;
  }

  function selector(f: Map<string, Node>, at: string, parent: Node): Selector {
    const node =
      f.get('match') ?? fail(parent, `${at}.match`, "missing (a series selector; '{}' matches every series)");
    // Unquoted, `{host="a"}` is a YAML mapping, not the selector text.
    if (isMap(node)) fail(node, `${at}.match`, `must be a quoted selector, e.g. match: '{host="db-1"}'`);
    const text = requiredString(node, `${at}.match`);
    try {
      return parseSelector(text);
    } catch (e) {
      if (e instanceof SelectorError) return fail(node, `${at}.match`, e.message);
      throw e;
    }
  }

  function requiredString(node: Node, field: string): string {
    if (!isScalar(node) || typeof node.value !== 'string') {
      return fail(node, field, `must be a string (got ${describe(node)})`);
    }
    return node.value;
  }

  function optionalString(node: Node | undefined, field: string): string | undefined {
    return node === undefined ? undefined : requiredString(node, field);
  }

  function number(
    node: Node | undefined,
    field: string,
    ok: (v: number) => boolean,
    reason: string
  ): number | undefined {
    if (node === undefined) return undefined;
    if (
      !isScalar(node) ||
      typeof node.value !== 'number' ||
      !Number.isFinite(node.value) ||
      !ok(node.value)
    ) {
      return fail(node, field, `${reason} (got ${describe(node)})`);
    }
    return node.value;
  }

  function oneOf<T extends string>(
    node: Node | undefined,
    field: string,
    allowed: readonly T[]
  ): T | undefined {
    if (node === undefined) return undefined;
    if (!isScalar(node) || !allowed.includes(node.value as T)) {
      return fail(node, field, `must be one of ${allowed.join(', ')} (got ${describe(node)})`);
    }
    return node.value as T;
  }

  function timezone(node: Node | undefined, field: string): string | undefined {
    if (node === undefined) return undefined;
    const tz = requiredString(node, field);
    if (!isValidTimeZone(tz))
      fail(
        node,
        field,
        `unknown time zone ${JSON.stringify(tz)} (an IANA name such as Europe/Berlin, or UTC)`
      );
    return tz;
  }

  function instant(node: Node, field: string): number {
    const text = isScalar(node) ? String(node.value) : '';
    const ms = Date.parse(text);
    if (!INSTANT.test(text) || !Number.isFinite(ms)) {
      return fail(
        node,
        field,
        `must be an ISO-8601 time with a zone, e.g. 2026-12-01T02:00:00Z (got ${describe(node)})`
      );
    }
    return ms;
  }
}

/** The entries of a mapping by key, refusing keys not in `allowed` (a typo must not be ignored). */
function fields(
  node: YAMLMap,
  at: string,
  allowed: readonly string[],
  fail: (node: Node | null | undefined, field: string, reason: string) => never
): Map<string, Node> {
  const out = new Map<string, Node>();
  for (const pair of node.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : '';
    const field = at ? `${at}.${key}` : key;
    if (!allowed.includes(key))
      fail(pair.key as Node, field, `unknown field (expected one of ${allowed.join(', ')})`);
    const empty = pair.value === null || (isScalar(pair.value) && pair.value.value === null);
    // An empty top-level `rules:` or `maintenance:` is an empty list; an empty setting is a mistake.
    if (empty && at) fail(pair.key as Node, field, 'has no value');
    if (empty) continue;
    out.set(key, pair.value as Node);
  }
  return out;
}

/** The items of an optional sequence of mappings, with their index. */
function list(
  node: Node | undefined,
  field: string,
  fail: (node: Node | null | undefined, field: string, reason: string) => never
): [YAMLMap, number][] {
  if (node === undefined) return [];
  if (!isSeq(node)) return fail(node, field, 'must be a list');
  return node.items.map((item, i) => {
    if (!isMap(item))
      return fail(item as Node, `${field}[${i}]`, 'must be a mapping (match: ... and its settings)');
    return [item, i];
  });
}

function describe(node: Node): string {
  if (isScalar(node)) return JSON.stringify(node.value);
  if (isMap(node)) return 'a mapping';
  if (isSeq(node)) return 'a list';
  return 'something else';
}
