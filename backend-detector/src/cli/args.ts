/** Small, strict parsers for CLI option values; errors name the option and the reason. */
import { parseArgs, type ParseArgsConfig } from 'node:util';

export class UsageError extends Error {}

type Options = NonNullable<ParseArgsConfig['options']>;

/** Options only (no positionals), unknown ones refused: node's parseArgs in the strict form every command uses. */
export function parseOptions<O extends Options>(argv: string[], options: O) {
  return parseArgs({ args: argv, strict: true, allowPositionals: false, options }).values;
}

/** A bad command line: ours (UsageError) or one node's parseArgs refused. */
export function isUsageError(err: unknown): boolean {
  return err instanceof UsageError || !!(err as { code?: string } | null)?.code?.startsWith('ERR_PARSE_ARGS');
}

/**
 * Reports a command's failure on stderr and returns its exit code: 2 with the usage text for a
 * bad command line, 2 for bad input files (`badInput`), 1 for anything else.
 */
export function reportCliError(
  command: string,
  usage: string,
  err: unknown,
  badInput: (err: unknown) => boolean = () => false
): number {
  const msg = err instanceof Error ? err.message : String(err);
  process.stderr.write(`anomaly-lens ${command}: ${msg}\n`);
  if (isUsageError(err)) {
    process.stderr.write(`\n${usage}`);
    return 2;
  }
  return badInput(err) ? 2 : 1;
}

/** `a, b,,c` → `['a', 'b', 'c']` (blank items dropped); undefined → []. */
export function splitList(text: string | undefined): string[] {
  return (text ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

export function parseIntOption(name: string, text: string | undefined, min: number): number | undefined {
  if (text === undefined) return undefined;
  const v = Number(text);
  if (!Number.isInteger(v) || v < min)
    throw new UsageError(`--${name}: expected an integer >= ${min}, got '${text}'`);
  return v;
}

/** `300`, `300s`, `5m`, `1h`, `1d`, `250ms` → milliseconds. */
export function parseDurationMs(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(text.trim());
  if (!m) throw new UsageError(`--${name}: expected a duration like 300, 30s, 5m, 1h, got '${text}'`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[(m[2] ?? 's') as 'ms'];
  const ms = Number(m[1]) * unit;
  if (!(ms > 0)) throw new UsageError(`--${name}: must be > 0, got '${text}'`);
  return ms;
}

export function parseTimeOption(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const t = /^\d{4}-\d{2}-\d{2}$/.test(text) ? Date.parse(`${text}T00:00:00Z`) : Date.parse(text);
  if (Number.isNaN(t)) throw new UsageError(`--${name}: not an ISO-8601 time: '${text}'`);
  return t;
}

export function parseListOption<T extends string>(
  name: string,
  text: string | undefined,
  allowed: readonly T[]
): T[] | undefined {
  if (text === undefined) return undefined;
  const items = splitList(text);
  if (items.length === 0) throw new UsageError(`--${name}: empty list`);
  for (const item of items) {
    if (!(allowed as readonly string[]).includes(item)) {
      throw new UsageError(`--${name}: unknown value '${item}' (allowed: ${allowed.join(', ')})`);
    }
  }
  return items as T[];
}

/** `2` or `1-3` → inclusive range. */
export function parseRangeOption(name: string, text: string | undefined): [number, number] | undefined {
  if (text === undefined) return undefined;
  const m = /^(\d+)(?:-(\d+))?$/.exec(text.trim());
  if (!m) throw new UsageError(`--${name}: expected N or LO-HI, got '${text}'`);
  const lo = Number(m[1]);
  const hi = m[2] === undefined ? lo : Number(m[2]);
  if (hi < lo) throw new UsageError(`--${name}: range ${text} is empty`);
  return [lo, hi];
}
