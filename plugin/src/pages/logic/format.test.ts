import {
  formatCount,
  formatDuration,
  formatLabels,
  formatRate,
  formatScore,
  formatSeconds,
  formatTime,
  seriesTitle,
} from './format';

describe('formatDuration', () => {
  it.each([
    [0, '0ms'],
    [450, '450ms'],
    [45_000, '45s'],
    [59_600, '1m'],
    [200_000, '3m 20s'],
    [3_600_000, '1h'],
    [7_500_000, '2h 5m'],
    [7_205_000, '2h'],
    [273_600_000, '3d 4h'],
  ])('%d ms is %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it('shows a dash for impossible durations', () => {
    expect(formatDuration(-1)).toBe('–');
    expect(formatDuration(NaN)).toBe('–');
  });
});

describe('numbers', () => {
  it.each([
    [0, '0'],
    [950, '950'],
    [0.5, '0.5'],
    [0.004, '0.004'],
    [12.345, '12.3'],
    [1234, '1.23k'],
    [10_000, '10k'],
    [45_600_000, '45.6M'],
    [-2500, '-2.5k'],
  ])('formatCount(%d) is %s', (value, text) => {
    expect(formatCount(value)).toBe(text);
  });

  it('formats rates, scores and seconds with a dash for no data', () => {
    expect(formatRate(1500)).toBe('1.5k/s');
    expect(formatRate(null)).toBe('–');
    expect(formatScore(2.456)).toBe('2.46');
    expect(formatScore(null)).toBe('–');
    expect(formatSeconds(95)).toBe('1m 35s');
    expect(formatSeconds(null)).toBe('–');
  });
});

describe('labels and time', () => {
  it('titles a series by metric and host and lists the rest sorted', () => {
    const labels = { metric: 'cpu', host: 'web-1', zone: 'b', region: 'eu', __name__: 'anomalylens_score' };
    expect(seriesTitle(labels)).toBe('cpu · web-1');
    expect(formatLabels(labels, ['metric', 'host'])).toBe('region=eu, zone=b');
    expect(seriesTitle({ job: 'x' })).toBe('job=x');
    expect(seriesTitle({})).toBe('series without labels');
  });

  it('formats a timestamp in the given time zone', () => {
    expect(formatTime(Date.UTC(2026, 10, 24, 9, 5, 7), 'UTC')).toBe('2026-11-24 09:05:07');
    expect(formatTime(Date.UTC(2026, 10, 24, 23, 30, 0), 'Europe/Berlin')).toBe('2026-11-25 00:30:00');
  });
});
