/**
 * UTC offset of an IANA time zone at an instant, through Intl (so DST follows the zone's
 * rules without a bundled tz database). Used to align the detector's time-of-day buckets
 * and the policy's schedules with a series' local clock.
 */

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Offsets change only at transitions, which fall on whole quarter hours of UTC. */
const QUARTER_HOUR_MS = 15 * 60_000;

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Whether Intl knows the zone (an IANA name such as Europe/Berlin, or UTC). */
export function isValidTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** Milliseconds to add to a UTC instant to get the wall-clock time in `timeZone`. */
export function utcOffsetMs(timeZone: string, utcMs: number): number {
  const parts = formatter(timeZone).formatToParts(new Date(utcMs));
  const get = (type: string): number => Number(parts.find((p) => p.type === type)?.value);
  const wall = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return wall - Math.floor(utcMs / 1000) * 1000;
}

/**
 * A series' local clock: the offset is looked up once per UTC quarter hour (Intl costs a few
 * microseconds; points come far more often). UTC never asks Intl at all.
 */
export class LocalClock {
  private block = NaN;
  private offset = 0;

  constructor(readonly timeZone: string) {}

  /** `utcMs` as milliseconds of the local wall clock (since the local epoch). */
  local(utcMs: number): number {
    if (this.timeZone === 'UTC') return utcMs;
    const block = Math.floor(utcMs / QUARTER_HOUR_MS);
    if (block !== this.block) {
      this.block = block;
      this.offset = utcOffsetMs(this.timeZone, block * QUARTER_HOUR_MS);
    }
    return utcMs + this.offset;
  }
}
