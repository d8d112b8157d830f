import { AlignedData, AlignedGroup, Column } from '../data/align';
import { AnomalyPoint, anomalyPoints } from '../geometry/points';
import { AnomalyRegion, findAnomalyRegions } from '../geometry/regions';
import { findMaintenanceWindows, TimeWindow } from '../geometry/maintenance';
import { Extent, extentOf } from '../geometry/layout';
import { OverlayOptions } from '../types';
import { ValueDisplay } from '../data/frames';

export interface GroupModel {
  key: string;
  displayName: string;
  labels: Record<string, string>;
  colorIndex: number;
  observed?: Column;
  expected?: Column;
  lower?: Column;
  upper?: Column;
  score?: Column;
  anomalous?: Column;
  maintenance?: Column;
  regions: AnomalyRegion[];
  /** Time ranges the series spent in a maintenance window (not scored). */
  maintenanceWindows: TimeWindow[];
  points: AnomalyPoint[];
  maxScore: number | null;
  /** uPlot series indexes (0 is x). */
  observedSeriesIdx?: number;
  expectedSeriesIdx?: number;
  scoreSeriesIdx?: number;
}

export interface PlotModel {
  times: number[];
  groups: GroupModel[];
  /** Columns in uPlot order: [times, ...series]. */
  columns: Array<number[] | Column>;
  valueExtent?: Extent;
  maxScore?: number;
  hasScores: boolean;
  display: ValueDisplay;
  /**
   * Crowded panels draw one "worst score" line (per-sample maximum over all series) and only the
   * focused series' own score, so the track stays readable and cheap; this is its uPlot index.
   */
  worstScoreSeriesIdx?: number;
}

/** Per-sample maximum over several columns (null where none has a value). */
export function worstOf(length: number, cols: Column[]): Column {
  const out: Column = new Array(length).fill(null);
  for (const col of cols) {
    for (let i = 0; i < length; i++) {
      const v = col[i];
      if (v !== null && v !== undefined && (out[i] === null || v > (out[i] as number))) {
        out[i] = v;
      }
    }
  }
  return out;
}

function maxOf(col: Column | undefined): number | null {
  const e = extentOf([col]);
  return e ? e.max : null;
}

/**
 * Everything the plot draws, derived once per data/options change: uPlot's columns and each
 * series' anomaly regions and points in data units (pixels are computed at draw time).
 */
export function buildPlotModel(aligned: AlignedData, o: OverlayOptions, display: ValueDisplay = {}): PlotModel {
  const columns: Array<number[] | Column> = [aligned.times];
  const groups: GroupModel[] = aligned.groups.map((g: AlignedGroup, i) => {
    const c = g.columns;
    const gm: GroupModel = {
      key: g.key,
      displayName: g.displayName,
      labels: g.labels,
      colorIndex: i,
      observed: c.observed,
      expected: c.expected,
      lower: c.lower,
      upper: c.upper,
      score: c.score,
      anomalous: c.anomalous,
      maintenance: c.maintenance,
      regions: findAnomalyRegions(aligned.times, c.anomalous, c.score, o),
      maintenanceWindows: findMaintenanceWindows(aligned.times, c.maintenance),
      points: c.observed ? anomalyPoints(aligned.times, c.observed, c.score, c.anomalous, o) : [],
      maxScore: maxOf(c.score),
    };
    if (c.observed) {
      gm.observedSeriesIdx = columns.length;
      columns.push(c.observed);
    }
    if (c.expected && o.showExpectedLine) {
      gm.expectedSeriesIdx = columns.length;
      columns.push(c.expected);
    }
    if (c.score && o.showScoreTrack) {
      gm.scoreSeriesIdx = columns.length;
      columns.push(c.score);
    }
    return gm;
  });
  let worstScoreSeriesIdx: number | undefined;
  const scored = groups.filter((g) => g.scoreSeriesIdx !== undefined);
  if (o.overlayMode !== 'all' && scored.length > Math.max(1, o.maxOverlaySeries)) {
    worstScoreSeriesIdx = columns.length;
    columns.push(
      worstOf(
        aligned.times.length,
        scored.map((g) => g.score!)
      )
    );
  }
  const valueCols: Array<Column | undefined> = [];
  for (const g of groups) {
    valueCols.push(g.observed, g.lower, g.upper);
    if (o.showExpectedLine) {
      valueCols.push(g.expected);
    }
  }
  const scores = groups.map((g) => g.maxScore).filter((s): s is number => s !== null);
  return {
    times: aligned.times,
    groups,
    columns,
    valueExtent: extentOf(valueCols),
    maxScore: scores.length > 0 ? Math.max(...scores) : undefined,
    hasScores: groups.some((g) => g.score !== undefined),
    display,
    worstScoreSeriesIdx,
  };
}
