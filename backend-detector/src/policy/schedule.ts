/**
 * Maintenance windows in time: a fixed interval, or a cron schedule (croner, in an IANA
 * time zone, DST-correct) with a duration. Pure: `contains` answers for one instant, with
 * a per-series cursor so a series asks the cron library about once per occurrence, not
 * once per point.
 */
import { Cron } from 'croner';

/** Where the next occurrence of a scheduled window is, for one series (timestamps rising). */
export interface WindowCursor {
  /** The instant the cursor was computed at. */
  from: number;
  /** First occurrence starting after `from − duration` (Infinity: none). */
  next: number;
}

export interface MaintenanceTime {
  /** Whether `ts` (epoch ms) is inside; `cursor` is this series' own for this window. */
  contains(ts: number, cursor: WindowCursor): boolean;
}

/** [start, end), epoch ms. */
export class FixedWindow implements MaintenanceTime {
  constructor(
    readonly start: number,
    readonly end: number
  ) {}

  contains(ts: number): boolean {
    return ts >= this.start && ts < this.end;
  }
}

/** Every occurrence of `cron` starts a window of `durationMs`. */
export class ScheduledWindow implements MaintenanceTime {
  private readonly cron: Cron;

  /** Throws with croner's reason when the expression or the time zone is not valid. */
  constructor(
    readonly schedule: string,
    readonly timezone: string,
    readonly durationMs: number
  ) {
    this.cron = new Cron(schedule, { timezone, paused: true, mode: '5-or-6-parts' });
    // croner checks the time zone only when it computes a date.
    this.cron.nextRun(new Date(0));
  }

  /**
   * Inside iff an occurrence lies in (ts − duration, ts]. The first occurrence after
   * `from − duration` answers for every ts in [from, next + duration): before `next` nothing
   * has started, and any later one starts after `next`.
   */
  contains(ts: number, cursor: WindowCursor): boolean {
    if (!(ts >= cursor.from && ts < cursor.next + this.durationMs)) {
      cursor.from = ts;
      cursor.next = this.nextStart(ts - this.durationMs);
    }
    return cursor.next <= ts;
  }

  /** First occurrence strictly after `afterMs`. */
  nextStart(afterMs: number): number {
    const d = this.cron.nextRun(new Date(afterMs));
    return d ? d.getTime() : Infinity;
  }
}

export function newCursor(): WindowCursor {
  return { from: Infinity, next: -Infinity };
}

const DURATION = /^(?:(\d+(?:\.\d+)?)(ms|s|m|h|d|w))+$/;
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/g;
const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/** Prometheus-style duration (`30m`, `1h30m`, `2d`) in ms; null if it is not one. */
export function parseDuration(text: string): number | null {
  if (!DURATION.test(text)) return null;
  let ms = 0;
  for (const m of text.matchAll(PART)) ms += Number(m[1]) * UNIT_MS[m[2]!]!;
  return ms;
}
