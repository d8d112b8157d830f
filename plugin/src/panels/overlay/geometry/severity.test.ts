import { anomalyPoints } from './points';
import { severityOf, worstSeverity } from './severity';

const T = { scoreThreshold: 1, majorScore: 1.5, criticalScore: 3 };

describe('severityOf', () => {
  it.each([
    [null, 'normal'],
    [0.99, 'normal'],
    [1, 'minor'],
    [1.49, 'minor'],
    [1.5, 'major'],
    [2.99, 'major'],
    [3, 'critical'],
    [Number.NaN, 'normal'],
  ])('score %p is %s', (score, sev) => {
    expect(severityOf(score as number | null, T)).toBe(sev);
  });

  it('follows a custom threshold', () => {
    expect(severityOf(0.8, { ...T, scoreThreshold: 0.5 })).toBe('minor');
  });

  it('orders severities', () => {
    expect(worstSeverity('minor', 'critical')).toBe('critical');
    expect(worstSeverity('major', 'normal')).toBe('major');
  });
});

describe('anomalyPoints', () => {
  it('marks observed samples at or above the threshold with their severity', () => {
    const pts = anomalyPoints([0, 1, 2, 3, 4], [10, 11, null, 13, 14], [0.2, 1.2, 5, 3.1, 1.6], undefined, T);
    expect(pts.map((p) => [p.idx, p.severity])).toEqual([
      [1, 'minor'],
      [3, 'critical'],
      [4, 'major'],
    ]);
    expect(pts[1]).toMatchObject({ time: 3, value: 13, score: 3.1 });
  });

  it('falls back to the 0/1 flag when there is no score', () => {
    const pts = anomalyPoints([0, 1, 2], [1, 2, 3], undefined, [0, 1, 0], T);
    expect(pts).toEqual([{ idx: 1, time: 1, value: 2, score: null, severity: 'minor' }]);
  });
});
