import { findAnomalyRegions, regionRects, typicalStep } from './regions';

const T = { scoreThreshold: 1, majorScore: 1.5, criticalScore: 3 };
const times = (n: number, step = 60_000, from = 1_000_000) => Array.from({ length: n }, (_, i) => from + i * step);

describe('typicalStep', () => {
  it('is the median spacing, ignoring an occasional gap', () => {
    const t = [0, 10, 20, 30, 100, 110, 120];
    expect(typicalStep(t)).toBe(10);
  });
  it('is 0 for fewer than two samples', () => {
    expect(typicalStep([5])).toBe(0);
  });
});

describe('findAnomalyRegions', () => {
  it('follows the 0/1 flag and ends where the next normal sample starts', () => {
    const t = times(10);
    const flag = [0, 0, 1, 1, 1, 0, 0, 1, 0, 0];
    const score = [0.1, 0.2, 1.2, 3.5, 0.8, 0.2, 0.1, 1.6, 0.2, 0.1];
    const regions = findAnomalyRegions(t, flag, score, T);
    expect(regions).toHaveLength(2);
    expect(regions[0]).toMatchObject({
      startIdx: 2,
      endIdx: 4,
      start: t[2],
      end: t[5],
      peakScore: 3.5,
      severity: 'critical',
    });
    expect(regions[1]).toMatchObject({
      startIdx: 7,
      endIdx: 7,
      start: t[7],
      end: t[8],
      peakScore: 1.6,
      severity: 'major',
    });
  });

  it('uses score ≥ threshold when there is no flag series', () => {
    const t = times(5);
    const regions = findAnomalyRegions(t, undefined, [0, 1, 0.99, 1.2, 1.1], T);
    expect(regions.map((r) => [r.startIdx, r.endIdx])).toEqual([
      [1, 1],
      [3, 4],
    ]);
    // The last region has no next sample: it spans one step past its last sample.
    expect(regions[1].end).toBe(t[4] + 60_000);
  });

  it('stops one step after the last anomalous sample across a data gap', () => {
    const t = [0, 60, 120, 180, 10_000, 10_060].map((s) => s * 1000);
    const regions = findAnomalyRegions(t, [0, 0, 0, 1, 0, 0], undefined, T);
    expect(regions[0].end).toBe(180_000 + 60_000);
  });

  it('treats nulls as not anomalous and returns nothing without flag or score', () => {
    const t = times(4);
    expect(findAnomalyRegions(t, [null, 1, null, 1], undefined, T).map((r) => r.startIdx)).toEqual([1, 3]);
    expect(findAnomalyRegions(t, undefined, undefined, T)).toEqual([]);
  });

  it('keeps a flagged sample whose score fell below the threshold (hysteresis) at least minor', () => {
    const regions = findAnomalyRegions(times(3), [1, 1, 0], [0.5, 0.7, 0], T);
    expect(regions[0].severity).toBe('minor');
    expect(regions[0].peakScore).toBe(0.7);
  });
});

describe('regionRects', () => {
  const plot = { left: 10, top: 5, width: 100, height: 50 };
  const px = (t: number) => 10 + t; // 1 time unit = 1 px

  it('projects regions to rectangles spanning the plot height', () => {
    const rects = regionRects(
      [{ startIdx: 0, endIdx: 0, start: 20, end: 30, peakScore: 2, severity: 'major' }],
      px,
      plot
    );
    expect(rects).toEqual([{ x: 30, y: 5, w: 10, h: 50, severity: 'major' }]);
  });

  it('clips to the plot and drops regions outside it', () => {
    const rects = regionRects(
      [
        { startIdx: 0, endIdx: 0, start: -50, end: -20, peakScore: 2, severity: 'minor' },
        { startIdx: 0, endIdx: 0, start: -5, end: 5, peakScore: 2, severity: 'minor' },
        { startIdx: 0, endIdx: 0, start: 95, end: 150, peakScore: 2, severity: 'minor' },
      ],
      px,
      plot
    );
    expect(rects.map((r) => [r.x, r.x + r.w])).toEqual([
      [10, 15],
      [105, 110],
    ]);
  });

  it('merges regions that touch after projection, keeping the worst severity', () => {
    const rects = regionRects(
      [
        { startIdx: 0, endIdx: 0, start: 10, end: 20, peakScore: 1.2, severity: 'minor' },
        { startIdx: 0, endIdx: 0, start: 20.5, end: 25, peakScore: 4, severity: 'critical' },
        { startIdx: 0, endIdx: 0, start: 40, end: 45, peakScore: 1.2, severity: 'minor' },
      ],
      px,
      plot
    );
    expect(rects).toHaveLength(2);
    expect(rects[0]).toMatchObject({ x: 20, w: 15, severity: 'critical' });
    expect(rects[1]).toMatchObject({ x: 50, w: 5, severity: 'minor' });
  });

  it('gives sub-pixel regions the minimum width', () => {
    const rects = regionRects(
      [{ startIdx: 0, endIdx: 0, start: 50, end: 50.1, peakScore: 2, severity: 'major' }],
      px,
      plot,
      2
    );
    // 59.05..61.05 snapped outwards to whole pixels
    expect(rects[0]).toMatchObject({ x: 59, w: 3 });
  });

  it('snaps fractional edges outwards to whole pixels', () => {
    const rects = regionRects(
      [{ startIdx: 0, endIdx: 0, start: 20.4, end: 30.6, peakScore: 2, severity: 'major' }],
      px,
      plot
    );
    expect(rects[0]).toMatchObject({ x: 30, w: 11 });
  });
});
