import { Severity } from '../types';
import { Column } from '../data/align';
import { severityOf, SeverityThresholds, worstSeverity } from './severity';

export interface AnomalyRegion {
  startIdx: number;
  endIdx: number;
  /** Time of the first anomalous sample. */
  start: number;
  /** Exclusive end: the next sample's time, or one step past the last anomalous sample. */
  end: number;
  peakScore: number | null;
  severity: Severity;
}

export interface PixelRect {
  x: number;
  y: number;
  w: number;
  h: number;
  severity: Severity;
}

/** Median spacing of timestamps: robust to the odd missing scrape. */
export function typicalStep(times: number[]): number {
  if (times.length < 2) {
    return 0;
  }
  const diffs: number[] = [];
  const stride = Math.max(1, Math.floor(times.length / 512));
  for (let i = stride; i < times.length; i += stride) {
    const d = (times[i] - times[i - stride]) / stride;
    if (d > 0) {
      diffs.push(d);
    }
  }
  if (diffs.length === 0) {
    return 0;
  }
  diffs.sort((a, b) => a - b);
  return diffs[Math.floor(diffs.length / 2)];
}

function isAnomalous(i: number, anomalous: Column | undefined, score: Column | undefined, threshold: number) {
  if (anomalous) {
    const a = anomalous[i];
    return a !== null && a !== undefined && a >= 0.5;
  }
  const s = score?.[i];
  return s !== null && s !== undefined && s >= threshold;
}

/**
 * Runs of anomalous samples. The detector's 0/1 flag (after its open/close hysteresis) decides
 * when present; otherwise score ≥ threshold. A region ends where the next sample starts, so a
 * single anomalous sample still spans one step.
 */
export function findAnomalyRegions(
  times: number[],
  anomalous: Column | undefined,
  score: Column | undefined,
  thresholds: SeverityThresholds
): AnomalyRegion[] {
  const regions: AnomalyRegion[] = [];
  if (!anomalous && !score) {
    return regions;
  }
  const step = typicalStep(times);
  let open: AnomalyRegion | undefined;
  const close = (lastIdx: number) => {
    if (!open) {
      return;
    }
    open.endIdx = lastIdx;
    const next = times[lastIdx + 1];
    const oneStep = times[lastIdx] + step;
    // Across a gap in the data, stop one step after the last anomalous sample.
    open.end = next !== undefined && (step === 0 || next - times[lastIdx] <= 2 * step) ? next : oneStep;
    regions.push(open);
    open = undefined;
  };
  for (let i = 0; i < times.length; i++) {
    if (isAnomalous(i, anomalous, score, thresholds.scoreThreshold)) {
      const s = score?.[i] ?? null;
      if (!open) {
        open = { startIdx: i, endIdx: i, start: times[i], end: times[i], peakScore: null, severity: 'normal' };
      }
      if (s !== null && (open.peakScore === null || s > open.peakScore)) {
        open.peakScore = s;
      }
      // A flagged sample below the score threshold (hysteresis keeps the event open) still counts as minor.
      open.severity = worstSeverity(
        open.severity,
        s === null ? 'minor' : severityOf(Math.max(s, thresholds.scoreThreshold), thresholds)
      );
    } else if (open) {
      close(i - 1);
    }
  }
  close(times.length - 1);
  return regions;
}

/**
 * Regions as pixel rectangles over the plot, clipped to it; rectangles that touch or overlap
 * after projection merge (a week-long view of minute-level flapping becomes one block), keeping
 * the worst severity. Edges snap outwards to whole pixels (xToPx must give device pixels).
 */
export function regionRects(
  regions: AnomalyRegion[],
  xToPx: (t: number) => number,
  plot: { left: number; top: number; width: number; height: number },
  minWidth = 1
): PixelRect[] {
  const rects: PixelRect[] = [];
  const right = plot.left + plot.width;
  for (const r of regions) {
    let x0 = xToPx(r.start);
    let x1 = xToPx(r.end);
    if (x1 < plot.left || x0 > right) {
      continue;
    }
    x0 = Math.max(plot.left, x0);
    x1 = Math.min(right, x1);
    if (x1 - x0 < minWidth) {
      const mid = (x0 + x1) / 2;
      x0 = Math.max(plot.left, mid - minWidth / 2);
      x1 = Math.min(right, x0 + minWidth);
    }
    // Whole device pixels: a fractional edge is anti-aliased into a faint half-tint, which
    // makes one-sample anomalies on a long time range nearly invisible.
    x0 = Math.floor(x0);
    x1 = Math.ceil(x1);
    const last = rects[rects.length - 1];
    if (last && x0 <= last.x + last.w + 1) {
      const end = Math.max(last.x + last.w, x1);
      last.w = end - last.x;
      last.severity = worstSeverity(last.severity, r.severity);
      continue;
    }
    rects.push({ x: x0, y: plot.top, w: x1 - x0, h: plot.height, severity: r.severity });
  }
  return rects;
}
