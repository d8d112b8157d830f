import { Column } from '../data/align';

export interface Extent {
  min: number;
  max: number;
}

/** Min and max over several columns, ignoring nulls; undefined when all are empty. */
export function extentOf(columns: Array<Column | undefined>): Extent | undefined {
  let min = Infinity;
  let max = -Infinity;
  for (const col of columns) {
    if (!col) {
      continue;
    }
    for (let i = 0; i < col.length; i++) {
      const v = col[i];
      if (v !== null && v !== undefined) {
        if (v < min) {
          min = v;
        }
        if (v > max) {
          max = v;
        }
      }
    }
  }
  return min <= max ? { min, max } : undefined;
}

/**
 * The value and score areas share one plot (one cursor, one canvas): the score track takes the
 * bottom `track` share of the height, a `gap` share separates it, the values use the rest.
 * These ranges place each scale's data in its own area.
 */
export function valueRange(data: Extent, track: number, gap: number): [number, number] {
  let span = data.max - data.min;
  if (span <= 0) {
    span = Math.abs(data.max) > 0 ? Math.abs(data.max) * 0.1 : 1;
  }
  const top = data.max + span * 0.05;
  const bottom = data.min - span * 0.05;
  const below = track + gap;
  if (below <= 0) {
    return [bottom, top];
  }
  return [bottom - ((top - bottom) * below) / (1 - below), top];
}

/** Score scale: 0 at the plot bottom, `scoreTop(...)` at the top of the score track. */
export function scoreRange(scoreTopValue: number, track: number): [number, number] {
  return [0, scoreTopValue / Math.max(track, 0.01)];
}

/** The score track's top value: the largest score, but always showing the threshold line. */
export function scoreTop(maxScore: number | undefined, threshold: number): number {
  return Math.max(maxScore ?? 0, threshold * 1.5) * 1.05;
}
