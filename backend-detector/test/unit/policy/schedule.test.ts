import { LocalClock, utcOffsetMs } from '../../../src/model/local-time';
import { FixedWindow, newCursor, parseDuration, ScheduledWindow } from '../../../src/policy/schedule';

const at = (iso: string) => Date.parse(iso);

describe('maintenance windows in time', () => {
  it('reads Prometheus-style durations', () => {
    expect(parseDuration('30m')).toBe(1_800_000);
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('2d')).toBe(172_800_000);
    expect(parseDuration('90')).toBeNull();
    expect(parseDuration('half an hour')).toBeNull();
  });

  it('contains [start, end) for a fixed window', () => {
    const w = new FixedWindow(at('2026-12-01T02:00:00Z'), at('2026-12-01T04:00:00Z'));
    expect(w.contains(at('2026-12-01T01:59:59Z'))).toBe(false);
    expect(w.contains(at('2026-12-01T02:00:00Z'))).toBe(true);
    expect(w.contains(at('2026-12-01T03:59:59Z'))).toBe(true);
    expect(w.contains(at('2026-12-01T04:00:00Z'))).toBe(false);
  });

  it('opens a window of `duration` at every cron occurrence (UTC)', () => {
    const w = new ScheduledWindow('0 3 * * *', 'UTC', 30 * 60_000);
    const c = newCursor();
    // Every minute over three days: exactly 30 minutes a day inside, from 03:00 to 03:29.
    const inside: string[] = [];
    for (let t = at('2026-12-01T00:00:00Z'); t < at('2026-12-04T00:00:00Z'); t += 60_000) {
      if (w.contains(t, c)) inside.push(new Date(t).toISOString());
    }
    expect(inside).toHaveLength(90);
    expect(inside[0]).toBe('2026-12-01T03:00:00.000Z');
    expect(inside[29]).toBe('2026-12-01T03:29:00.000Z');
    expect(inside[30]).toBe('2026-12-02T03:00:00.000Z');
  });

  it('answers the same with a fresh cursor, and when time goes backwards', () => {
    const w = new ScheduledWindow('*/20 * * * *', 'UTC', 5 * 60_000);
    const c = newCursor();
    const times = [0, 7, 3, 25, 19, 20, 61, 40, 44, 45].map((m) => at('2026-12-01T10:00:00Z') + m * 60_000);
    for (const t of times) expect(w.contains(t, c)).toBe(w.contains(t, newCursor()));
    expect(w.contains(at('2026-12-01T10:44:59Z'), newCursor())).toBe(true);
    expect(w.contains(at('2026-12-01T10:45:00Z'), newCursor())).toBe(false);
  });

  it('follows the time zone across a DST change (03:00 Berlin is 02:00Z in winter, 01:00Z in summer)', () => {
    const w = new ScheduledWindow('0 3 * * *', 'Europe/Berlin', 30 * 60_000);
    expect(w.contains(at('2026-03-28T02:10:00Z'), newCursor())).toBe(true); // CET
    expect(w.contains(at('2026-03-28T01:10:00Z'), newCursor())).toBe(false);
    expect(w.contains(at('2026-03-29T01:10:00Z'), newCursor())).toBe(true); // CEST from today
    expect(w.contains(at('2026-03-29T02:10:00Z'), newCursor())).toBe(false);
  });
});

describe('local clock', () => {
  it('gives the zone offset, DST included', () => {
    expect(utcOffsetMs('Europe/Berlin', at('2026-01-15T12:00:00Z'))).toBe(3_600_000);
    expect(utcOffsetMs('Europe/Berlin', at('2026-07-15T12:00:00Z'))).toBe(7_200_000);
    expect(utcOffsetMs('Asia/Kathmandu', at('2026-07-15T12:00:00Z'))).toBe(5.75 * 3_600_000);
    expect(utcOffsetMs('UTC', at('2026-07-15T12:00:00Z'))).toBe(0);
  });

  it('switches offset exactly at the transition instant', () => {
    const clock = new LocalClock('Europe/Berlin');
    // 2026-03-29 01:00Z: 02:00 CET becomes 03:00 CEST.
    expect(clock.local(at('2026-03-29T00:59:59Z'))).toBe(at('2026-03-29T01:59:59Z'));
    expect(clock.local(at('2026-03-29T01:00:00Z'))).toBe(at('2026-03-29T03:00:00Z'));
  });
});
