import { describeFetchError } from './fetchJson';
import { stepForRange } from './prometheus';

describe('stepForRange', () => {
  it('keeps about 720 steps, never finer than 15 s', () => {
    expect(stepForRange(3_600_000)).toBe(15);
    expect(stepForRange(6 * 3_600_000)).toBe(30);
    expect(stepForRange(7 * 24 * 3_600_000)).toBe(840);
    // stays under Prometheus's 11,000 points per series at any range
    expect((30 * 24 * 3_600_000) / 1000 / stepForRange(30 * 24 * 3_600_000)).toBeLessThanOrEqual(11_000);
  });
});

describe('describeFetchError', () => {
  it("prefers Prometheus's error, then Grafana's message, then the status", () => {
    expect(describeFetchError({ status: 400, data: { status: 'error', error: 'parse error' } })).toBe(
      'HTTP 400: parse error'
    );
    expect(describeFetchError({ status: 502, data: { message: 'Bad Gateway' } })).toBe('HTTP 502: Bad Gateway');
    expect(describeFetchError({ status: 503, statusText: 'Service Unavailable', data: '' })).toBe(
      'HTTP 503 Service Unavailable'
    );
    expect(describeFetchError(new TypeError('Failed to fetch'))).toBe('Failed to fetch');
  });
});
