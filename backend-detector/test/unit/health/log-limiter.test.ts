import { LogLimiter } from '../../../src/health/log-limiter';

describe('LogLimiter', () => {
  it('lets `limit` lines per key through per window and reports what it suppressed', () => {
    let now = 0;
    const l = new LogLimiter(2, 1000, () => now);
    expect([l.allow('a'), l.allow('a'), l.allow('a'), l.allow('a')].map((r) => r.log)).toEqual([
      true,
      true,
      false,
      false,
    ]);
    expect(l.allow('b').log).toBe(true);
    now = 1000;
    expect(l.allow('a')).toEqual({ log: true, suppressed: 2 });
    expect(l.allow('a')).toEqual({ log: true, suppressed: 0 });
  });
});
