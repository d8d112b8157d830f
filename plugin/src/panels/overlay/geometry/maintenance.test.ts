import { findMaintenanceWindows, hatchSegments, maintenanceRects, mergeWindows } from './maintenance';

const STEP = 10_000;
const times = Array.from({ length: 12 }, (_, i) => 1_000_000 + i * STEP);
const at = (i: number) => times[i];

describe('findMaintenanceWindows', () => {
  it('finds runs of 1 samples, each ending where the next sample starts', () => {
    const column = [null, 1, 1, 1, null, null, 0, 1, null, null, null, null];
    expect(findMaintenanceWindows(times, column)).toEqual([
      { start: at(1), end: at(4) },
      { start: at(7), end: at(8) },
    ]);
  });

  it('keeps a window open to one step past the last sample at the end of the data', () => {
    const column = [null, null, null, null, null, null, null, null, null, null, 1, 1];
    expect(findMaintenanceWindows(times, column)).toEqual([{ start: at(10), end: at(11) + STEP }]);
  });

  it('stops one step after the last sample across a gap in the data', () => {
    const gapped = [0, 10_000, 20_000, 30_000, 200_000, 210_000, 220_000];
    expect(findMaintenanceWindows(gapped, [null, 1, 1, 1, 1, null, null])).toEqual([
      { start: 10_000, end: 40_000 },
      { start: 200_000, end: 210_000 },
    ]);
  });

  it('finds nothing without a maintenance column or flags', () => {
    expect(findMaintenanceWindows(times, undefined)).toEqual([]);
    expect(findMaintenanceWindows(times, new Array(times.length).fill(0))).toEqual([]);
  });
});

describe('mergeWindows', () => {
  it('unions several series windows, merging overlapping and touching ones', () => {
    expect(
      mergeWindows([
        [
          { start: 50, end: 60 },
          { start: 0, end: 10 },
        ],
        [
          { start: 5, end: 20 },
          { start: 20, end: 30 },
        ],
        [{ start: 40, end: 45 }],
      ])
    ).toEqual([
      { start: 0, end: 30 },
      { start: 40, end: 45 },
      { start: 50, end: 60 },
    ]);
  });
});

describe('maintenanceRects', () => {
  const plot = { left: 50, top: 10, width: 500, height: 200 };
  // 1 px per second from t = 0 at x = 50.
  const xToPx = (t: number) => 50 + t / 1000;

  it('spans the whole plot height between the window edges, on whole pixels', () => {
    expect(maintenanceRects([{ start: 10_400, end: 60_200 }], xToPx, plot)).toEqual([{ x: 60, y: 10, w: 51, h: 200 }]);
  });

  it('clips to the plot, drops windows outside it and widens slivers', () => {
    const rects = maintenanceRects(
      [
        { start: -100_000, end: -50_000 },
        { start: -20_000, end: 20_000 },
        { start: 300_000, end: 300_100 },
        { start: 480_000, end: 900_000 },
        { start: 1_000_000, end: 1_100_000 },
      ],
      xToPx,
      plot,
      3
    );
    expect(rects).toEqual([
      { x: 50, y: 10, w: 20, h: 200 },
      { x: 348, y: 10, w: 4, h: 200 },
      { x: 530, y: 10, w: 20, h: 200 },
    ]);
  });

  it('merges windows that touch once projected', () => {
    const rects = maintenanceRects(
      [
        { start: 0, end: 10_000 },
        { start: 10_300, end: 20_000 },
      ],
      xToPx,
      plot
    );
    expect(rects).toEqual([{ x: 50, y: 10, w: 20, h: 200 }]);
  });
});

describe('hatchSegments', () => {
  it('fills a rectangle with 45° lines, every one inside it', () => {
    const rect = { x: 100, y: 20, w: 40, h: 30 };
    const segments = hatchSegments(rect, 10);
    expect(segments.length).toBeGreaterThan(4);
    for (const s of segments) {
      for (const [px, py] of [
        [s.x0, s.y0],
        [s.x1, s.y1],
      ]) {
        expect(px).toBeGreaterThanOrEqual(rect.x);
        expect(px).toBeLessThanOrEqual(rect.x + rect.w);
        expect(py).toBeGreaterThanOrEqual(rect.y);
        expect(py).toBeLessThanOrEqual(rect.y + rect.h);
      }
      // Rising to the right at 45°.
      expect(s.x1 - s.x0).toBeCloseTo(s.y0 - s.y1);
      expect(s.x1).toBeGreaterThan(s.x0);
    }
    // Lines start on the bottom or left edge, 10 px apart along the bottom edge.
    const onBottom = segments.filter((s) => s.y0 === rect.y + rect.h).map((s) => s.x0);
    expect(onBottom).toEqual([100, 110, 120, 130]);
  });

  it('covers the rectangle: every point is within one spacing of a line', () => {
    const rect = { x: 7, y: 3, w: 25, h: 60 };
    const spacing = 8;
    const segments = hatchSegments(rect, spacing);
    for (let px = rect.x; px <= rect.x + rect.w; px += 2.5) {
      for (let py = rect.y; py <= rect.y + rect.h; py += 2.5) {
        // Horizontal distance to the nearest line x + y = const.
        const nearest = Math.min(...segments.map((s) => Math.abs(px + py - (s.x0 + s.y0))));
        expect(nearest).toBeLessThanOrEqual(spacing);
      }
    }
  });

  it('shares one pattern across neighbouring rectangles', () => {
    // Every line crosses the bottom edge's extension at a multiple of the spacing.
    const bottom = 50;
    for (const rect of [
      { x: 3, y: 0, w: 47, h: 50 },
      { x: 50, y: 0, w: 33, h: 50 },
    ]) {
      for (const s of hatchSegments(rect, 10)) {
        expect(Math.abs((s.x0 - (bottom - s.y0)) % 10)).toBe(0);
      }
    }
  });

  it('draws nothing for an empty rectangle or spacing', () => {
    expect(hatchSegments({ x: 0, y: 0, w: 0, h: 10 }, 5)).toEqual([]);
    expect(hatchSegments({ x: 0, y: 0, w: 10, h: 10 }, 0)).toEqual([]);
  });
});
