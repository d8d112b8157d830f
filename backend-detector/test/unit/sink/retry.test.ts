import {
  backoffDelay,
  classifyStatus,
  retryAfterMs,
  sleep,
  RetryAbortedError,
} from '../../../src/sink/retry';

describe('retry policy', () => {
  it('grows exponentially with jitter between half and the full ceiling, capped', () => {
    const o = (r: number) => ({ initialMs: 100, maxMs: 1000, random: () => r });
    expect([0, 1, 2, 3, 4, 10].map((a) => backoffDelay(a, o(0)))).toEqual([50, 100, 200, 400, 500, 500]);
    expect([0, 1, 2, 3, 4, 10].map((a) => backoffDelay(a, o(1)))).toEqual([100, 200, 400, 800, 1000, 1000]);
  });

  it('classifies statuses like Prometheus remote write, but retries refused credentials', () => {
    expect([200, 204, 400, 401, 403, 404, 413, 429, 500, 503].map(classifyStatus)).toEqual([
      'ok',
      'ok',
      'reject',
      'retry',
      'retry',
      'reject',
      'reject',
      'retry',
      'retry',
      'retry',
    ]);
  });

  it('reads numeric Retry-After within the ceiling', () => {
    expect(retryAfterMs('2', 30000)).toBe(2000);
    expect(retryAfterMs('120', 30000)).toBe(30000);
    expect(retryAfterMs('Wed, 21 Oct 2015 07:28:00 GMT', 30000)).toBeUndefined();
    expect(retryAfterMs(undefined, 30000)).toBeUndefined();
  });

  it('sleep ends early when aborted', async () => {
    const ac = new AbortController();
    const p = sleep(60000, ac.signal);
    ac.abort();
    await expect(p).rejects.toBeInstanceOf(RetryAbortedError);
  });
});
