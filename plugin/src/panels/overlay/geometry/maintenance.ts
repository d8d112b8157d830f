import { Column } from '../data/align';
import { typicalStep } from './regions';

/**
 * Maintenance windows: the detector writes `anomalylens_maintenance{L} = 1` for the points of a
 * series inside a maintenance window and scores none of them. The panel shades those time ranges
 * (hatched, under the series) so a gap in the score reads as "paused", not as "missing".
 */
export interface TimeWindow {
  /** Time of the first sample in maintenance. */
  start: number;
  /** Exclusive end: the next sample's time, or one step past the last sample in maintenance. */
  end: number;
}

export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface Segment {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

function inMaintenance(v: number | null | undefined): boolean {
  return v !== null && v !== undefined && v >= 0.5;
}

/**
 * Runs of samples flagged 1 in the maintenance column on the shared time axis. A run ends at the
 * next sample's time (a missing or 0 sample ends it), or one step after its last sample across a
 * gap in the data, like anomaly regions.
 */
export function findMaintenanceWindows(times: number[], maintenance: Column | undefined): TimeWindow[] {
  const windows: TimeWindow[] = [];
  if (!maintenance) {
    return windows;
  }
  const step = typicalStep(times);
  let start: number | null = null;
  let last = -1;
  const close = () => {
    if (start === null) {
      return;
    }
    const next = times[last + 1];
    const end = next !== undefined && (step === 0 || next - times[last] <= 2 * step) ? next : times[last] + step;
    windows.push({ start, end });
    start = null;
  };
  for (let i = 0; i < times.length; i++) {
    if (inMaintenance(maintenance[i])) {
      if (start !== null && step > 0 && times[i] - times[last] > 2 * step) {
        close();
      }
      if (start === null) {
        start = times[i];
      }
      last = i;
    } else {
      close();
    }
  }
  close();
  return windows;
}

/** The union of several series' windows, sorted, with touching or overlapping windows merged. */
export function mergeWindows(lists: TimeWindow[][]): TimeWindow[] {
  const all = lists.flat().sort((a, b) => a.start - b.start);
  const out: TimeWindow[] = [];
  for (const w of all) {
    const last = out[out.length - 1];
    if (last && w.start <= last.end) {
      last.end = Math.max(last.end, w.end);
    } else {
      out.push({ ...w });
    }
  }
  return out;
}

/**
 * Windows as pixel rectangles over the whole plot height (value area and score track: nothing is
 * scored there either), clipped to the plot, at least `minWidth` wide, edges on whole pixels, and
 * merged where they touch after projection.
 */
export function maintenanceRects(
  windows: TimeWindow[],
  xToPx: (t: number) => number,
  plot: { left: number; top: number; width: number; height: number },
  minWidth = 1
): Rect[] {
  const rects: Rect[] = [];
  const right = plot.left + plot.width;
  for (const w of windows) {
    let x0 = xToPx(w.start);
    let x1 = xToPx(w.end);
    if (x1 < plot.left || x0 > right) {
      continue;
    }
    x0 = Math.max(plot.left, x0);
    x1 = Math.min(right, x1);
    if (x1 - x0 < minWidth) {
      x0 = Math.max(plot.left, (x0 + x1) / 2 - minWidth / 2);
      x1 = Math.min(right, x0 + minWidth);
    }
    x0 = Math.floor(x0);
    x1 = Math.ceil(x1);
    const last = rects[rects.length - 1];
    if (last && x0 <= last.x + last.w) {
      last.w = Math.max(last.x + last.w, x1) - last.x;
      continue;
    }
    rects.push({ x: x0, y: plot.top, w: x1 - x0, h: plot.height });
  }
  return rects;
}

/**
 * Diagonal hatch lines (rising to the right, 45°) filling a rectangle, `spacing` pixels apart
 * horizontally, each clipped to the rectangle. Lines are anchored to x = 0, not to the
 * rectangle, so neighbouring windows share one pattern.
 */
export function hatchSegments(rect: Rect, spacing: number): Segment[] {
  if (!(spacing > 0) || rect.w <= 0 || rect.h <= 0) {
    return [];
  }
  const { x, y, w, h } = rect;
  const bottom = y + h;
  const segments: Segment[] = [];
  // A line through (c, bottom) rising to the right: points (c + d, bottom - d).
  const first = Math.floor((x - h) / spacing) * spacing;
  for (let c = first; c <= x + w; c += spacing) {
    // Clip d to where the line is inside the rect: x <= c + d <= x + w and 0 <= d <= h.
    const dMin = Math.max(0, x - c);
    const dMax = Math.min(h, x + w - c);
    if (dMax <= dMin) {
      continue;
    }
    segments.push({ x0: c + dMin, y0: bottom - dMin, x1: c + dMax, y1: bottom - dMax });
  }
  return segments;
}
