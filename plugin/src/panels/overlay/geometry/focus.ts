import { OverlayMode } from '../types';

/**
 * Keys of the series that get the band and regions. A series picked in the legend wins; with
 * many series only the hovered one is drawn, so a crowded panel stays readable.
 */
export function overlayKeys(
  keys: string[],
  mode: OverlayMode,
  maxOverlaySeries: number,
  hovered: string | null,
  selected: string | null
): string[] {
  if (mode === 'all') {
    return keys;
  }
  if (selected !== null && keys.includes(selected)) {
    return [selected];
  }
  if (mode === 'auto' && keys.length <= Math.max(1, maxOverlaySeries)) {
    return keys;
  }
  return hovered !== null && keys.includes(hovered) ? [hovered] : [];
}

/** Index of the candidate whose pixel y at the cursor is nearest, within `maxDistance` px. */
export function nearestSeries(
  cursorY: number,
  candidates: Array<{ index: number; y: number | null }>,
  maxDistance: number
): number | null {
  let best: number | null = null;
  let bestDist = maxDistance;
  for (const c of candidates) {
    if (c.y === null || !Number.isFinite(c.y)) {
      continue;
    }
    const d = Math.abs(c.y - cursorY);
    if (d <= bestDist) {
      bestDist = d;
      best = c.index;
    }
  }
  return best;
}
