import { InvalidMessageError } from './types';

/** Earliest/latest accepted instants; anything outside is a unit mistake (s vs ms vs ns). */
const MIN_MS = Date.UTC(1990, 0, 1);
const MAX_MS = Date.UTC(2200, 0, 1);

function checkRange(ms: number, raw: unknown): number {
  if (!Number.isFinite(ms) || ms < MIN_MS || ms > MAX_MS) {
    throw new InvalidMessageError('invalid_timestamp', `timestamp out of range: ${String(raw)}`);
  }
  return ms;
}

/** Native format `ts`: ISO-8601 string or epoch milliseconds. */
export function parseNativeTimestamp(raw: unknown): number {
  if (typeof raw === 'number') {
    // Prometheus keeps integer milliseconds; a fractional part (sub-ms producers) is cut off.
    return checkRange(Math.floor(raw), raw);
  }
  if (typeof raw === 'string') {
    // Date.parse accepts many non-ISO shapes; require at least a full date.
    if (!/^\d{4}-\d{2}-\d{2}/.test(raw)) {
      throw new InvalidMessageError('invalid_timestamp', `ts is not ISO-8601: ${JSON.stringify(raw)}`);
    }
    return checkRange(Date.parse(raw), raw);
  }
  throw new InvalidMessageError(
    'wrong_type',
    `ts must be an ISO-8601 string or epoch milliseconds, got ${typeof raw}`
  );
}

/** collectd `time`: epoch seconds, fractional. */
export function parseEpochSeconds(raw: unknown): number {
  if (typeof raw !== 'number') {
    throw new InvalidMessageError('wrong_type', `time must be a number, got ${typeof raw}`);
  }
  return checkRange(Math.round(raw * 1000), raw);
}

/** Line-protocol timestamp: integer nanoseconds (Telegraf's default precision). */
export function parseNanoseconds(raw: string): number {
  if (!/^-?\d+$/.test(raw)) {
    throw new InvalidMessageError(
      'invalid_line_protocol',
      `timestamp is not an integer: ${raw.slice(0, 40)}`
    );
  }
  // int64 has at most 19 digits; a longer one is garbage, and BigInt of a huge one is slow.
  if (raw.replace(/^-/, '').length > 19) {
    throw new InvalidMessageError('invalid_timestamp', `timestamp out of range: ${raw.slice(0, 40)}…`);
  }
  // Integer ns exceed 2^53; BigInt keeps the millisecond part exact.
  return checkRange(Number(BigInt(raw) / 1_000_000n), raw);
}
