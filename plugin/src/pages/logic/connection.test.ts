import { connectionVerdict } from './connection';

const count = (v: number) => [{ labels: {}, t: 0, v }];

describe('connectionVerdict', () => {
  it('succeeds with scores and self-metrics present', () => {
    expect(connectionVerdict(count(12), count(40))).toEqual({
      level: 'success',
      message: 'Connected: 12 scored series and 40 detector self-metric series.',
    });
  });

  it('names what is missing', () => {
    expect(connectionVerdict(count(12), []).message).toMatch(/no anomalylens_detector_\* metrics/);
    expect(connectionVerdict([], count(3)).message).toMatch(/no anomalylens_score series/);
    expect(connectionVerdict([], []).message).toMatch(/holds no Anomaly Lens data/);
    expect(connectionVerdict([], []).level).toBe('warning');
  });
});
