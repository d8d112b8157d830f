/** NAB file conventions shared by the simulator's writer and the evaluator's reader. */

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** `YYYY-MM-DD HH:MM:SS` in UTC, NAB's data timestamp format. */
export function formatNabTimestamp(ms: number): string {
  const d = new Date(ms);
  if (Number.isNaN(d.getTime())) throw new Error(`invalid time ${ms}`);
  return (
    `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ` +
    `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`
  );
}

/** `YYYY-MM-DD HH:MM:SS.ffffff`, the format of NAB's label files. */
export function formatNabLabelTimestamp(ms: number): string {
  return `${formatNabTimestamp(ms)}.${pad((ms % 1000) * 1000, 6)}`;
}

/** NAB's three cost profiles (config/profiles.json of github.com/numenta/NAB). */
export const NAB_PROFILES = {
  standard: { CostMatrix: { tpWeight: 1.0, fnWeight: 1.0, fpWeight: 0.11, tnWeight: 1.0 } },
  reward_low_FP_rate: { CostMatrix: { tpWeight: 1.0, fnWeight: 1.0, fpWeight: 0.22, tnWeight: 1.0 } },
  reward_low_FN_rate: { CostMatrix: { tpWeight: 1.0, fnWeight: 2.0, fpWeight: 0.11, tnWeight: 1.0 } },
} as const;

const ISO_RE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/;

/**
 * Parse NAB timestamps (`2014-02-14 14:30:00`, label files' `...00.000000`, ISO-8601 with `T`
 * and an optional zone) to epoch milliseconds; zone-less times are taken as UTC, as NAB does.
 * Microseconds are kept as a fraction of a millisecond. Returns NaN when unparseable.
 */
export function parseNabTimestamp(text: string): number {
  const m = ISO_RE.exec(text.trim());
  if (!m) return Number.NaN;
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', zone] = m;
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59)
    return Number.NaN;
  let ms = Date.UTC(Number(y), month - 1, day, hour, minute, second);
  if (new Date(ms).getUTCDate() !== day) return Number.NaN; // e.g. 2014-02-30
  if (frac) ms += Number(frac.padEnd(6, '0')) / 1000;
  if (zone && zone !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const offsetMin = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || '0');
    ms -= sign * offsetMin * 60_000;
  }
  return ms;
}
