/**
 * Keeps a flood of identical warnings (a producer sending garbage, a full series cap) from
 * drowning the logs: per key, at most `limit` lines per window; the next line after a
 * window reports how many were suppressed.
 */
export class LogLimiter {
  private readonly windows = new Map<string, { start: number; count: number; suppressed: number }>();

  constructor(
    private readonly limit = 10,
    private readonly windowMs = 10_000,
    private readonly now: () => number = Date.now
  ) {}

  /** Whether to log this occurrence, and how many were suppressed since the last logged one. */
  allow(key: string): { log: boolean; suppressed: number } {
    const t = this.now();
    let w = this.windows.get(key);
    if (!w || t - w.start >= this.windowMs) {
      const suppressed = w?.suppressed ?? 0;
      w = { start: t, count: 0, suppressed: 0 };
      this.windows.set(key, w);
      w.count++;
      return { log: true, suppressed };
    }
    if (w.count < this.limit) {
      w.count++;
      return { log: true, suppressed: 0 };
    }
    w.suppressed++;
    return { log: false, suppressed: 0 };
  }
}
