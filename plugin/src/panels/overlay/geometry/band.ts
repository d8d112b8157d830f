import { Column } from '../data/align';

/** A closed band outline in pixels: top edge left→right, bottom edge shares the xs. */
export interface BandPolygon {
  xs: number[];
  top: number[];
  bottom: number[];
}

/**
 * Expected-range band (lower..upper) as pixel polygons. Gaps (a null bound) split the band.
 * Samples falling in the same pixel column merge into their envelope, so 10k points on an
 * 800 px plot draw ~800 vertices instead of 10k and the band never looks narrower than the data.
 */
export function bandPolygons(
  times: number[],
  lower: Column,
  upper: Column,
  xToPx: (t: number) => number,
  yToPx: (v: number) => number
): BandPolygon[] {
  const polys: BandPolygon[] = [];
  let cur: BandPolygon | undefined;
  let lastCol = NaN;
  for (let i = 0; i < times.length; i++) {
    const lo = lower[i];
    const hi = upper[i];
    if (lo === null || hi === null || lo === undefined || hi === undefined) {
      cur = undefined;
      continue;
    }
    const t = times[i];
    const x = xToPx(t);
    // Pixel y grows downward: the band's top edge is the upper bound's (smaller) y.
    const yTop = yToPx(Math.max(lo, hi));
    const yBottom = yToPx(Math.min(lo, hi));
    const col = Math.round(x);
    if (!cur) {
      cur = { xs: [], top: [], bottom: [] };
      polys.push(cur);
      lastCol = NaN;
    }
    if (col === lastCol) {
      const j = cur.xs.length - 1;
      cur.top[j] = Math.min(cur.top[j], yTop);
      cur.bottom[j] = Math.max(cur.bottom[j], yBottom);
      continue;
    }
    cur.xs.push(x);
    cur.top.push(yTop);
    cur.bottom.push(yBottom);
    lastCol = col;
  }
  return polys;
}
