import type uPlot from 'uplot';
import { colorManipulator, formattedValueToString, getValueFormat, GrafanaTheme2 } from '@grafana/data';
import {
  AxisPlacement,
  GraphDrawStyle,
  LineInterpolation,
  ScaleDirection,
  ScaleOrientation,
  TimeZone,
  VisibilityMode,
} from '@grafana/schema';
import { UPlotConfigBuilder } from '@grafana/ui';
import { bandPolygons } from '../geometry/band';
import { nearestSeries, overlayKeys } from '../geometry/focus';
import { scoreRange, scoreTop, valueRange } from '../geometry/layout';
import { regionRects } from '../geometry/regions';
import { hatchSegments, maintenanceRects, mergeWindows } from '../geometry/maintenance';
import { SEVERITY_COLOR_NAME } from '../geometry/severity';
import { OverlayOptions, Severity } from '../types';
import { GroupModel, PlotModel } from './model';

/** Mutable view state the draw hooks read, so hovering redraws without rebuilding the plot. */
export class OverlayRuntime {
  hovered: string | null = null;
  selected: string | null = null;

  /** Returns whether the value changed (the caller then redraws). */
  setHovered(key: string | null): boolean {
    const changed = key !== this.hovered;
    this.hovered = key;
    return changed;
  }

  setSelected(key: string | null): boolean {
    const changed = key !== this.selected;
    this.selected = key;
    return changed;
  }
}

export interface CursorInfo {
  idx: number | null;
  left: number;
  top: number;
  groupKey: string | null;
}

export interface PlotConfigInput {
  model: PlotModel;
  options: OverlayOptions;
  theme: GrafanaTheme2;
  /** Dashboard time range, ms. */
  from: number;
  to: number;
  timeZone: TimeZone;
  runtime: OverlayRuntime;
  onCursor: (info: CursorInfo) => void;
}

/** Share of the plot height between the value area and the score track. */
const TRACK_GAP = 0.06;
const HOVER_PROXIMITY_PX = 24;

/** Formats observed values with the panel's Unit and Decimals (Grafana's standard options). */
export function valueFormatter(display: {
  unit?: string;
  decimals?: number;
}): (v: number | null | undefined) => string {
  const fmt = getValueFormat(display.unit || 'short');
  return (v) => (v === null || v === undefined ? '–' : formattedValueToString(fmt(v, display.decimals)));
}

export function seriesColor(theme: GrafanaTheme2, index: number): string {
  const palette = theme.visualization.palette;
  return theme.visualization.getColorByName(palette[index % palette.length]);
}

export function severityColor(theme: GrafanaTheme2, severity: Severity): string {
  return theme.visualization.getColorByName(SEVERITY_COLOR_NAME[severity]);
}

function trackShare(o: OverlayOptions, model: PlotModel): number {
  return o.showScoreTrack && model.hasScores ? o.scoreTrackHeight / 100 : 0;
}

function pixelRatio(): number {
  return typeof window !== 'undefined' && window.devicePixelRatio > 0 ? window.devicePixelRatio : 1;
}

function fillPolygon(ctx: CanvasRenderingContext2D, xs: number[], top: number[], bottom: number[]) {
  if (xs.length === 0) {
    return;
  }
  ctx.beginPath();
  ctx.moveTo(xs[0], top[0]);
  for (let i = 1; i < xs.length; i++) {
    ctx.lineTo(xs[i], top[i]);
  }
  for (let i = xs.length - 1; i >= 0; i--) {
    ctx.lineTo(xs[i], bottom[i]);
  }
  ctx.closePath();
  ctx.fill();
}

/**
 * On a crowded panel, shows the score line of the focused series only. Returns whether a
 * series was toggled (uPlot then redraws by itself).
 */
export function syncScoreSeries(u: uPlot, model: PlotModel, o: OverlayOptions, runtime: OverlayRuntime): boolean {
  if (model.worstScoreSeriesIdx === undefined) {
    return false;
  }
  const on = new Set(
    overlayKeys(
      model.groups.map((g) => g.key),
      o.overlayMode,
      o.maxOverlaySeries,
      runtime.hovered,
      runtime.selected
    )
  );
  let changed = false;
  u.batch(() => {
    for (const g of model.groups) {
      const idx = g.scoreSeriesIdx;
      if (idx !== undefined && u.series[idx].show !== on.has(g.key)) {
        u.setSeries(idx, { show: on.has(g.key) });
        changed = true;
      }
    }
  });
  return changed;
}

/** Hatch spacing of maintenance shading, CSS pixels. */
const HATCH_SPACING = 8;

/**
 * Maintenance windows of the given series: a faint tint hatched with diagonal lines over the whole
 * plot height, under everything else, so anomaly regions and the band stay readable on top.
 */
function drawMaintenance(
  ctx: CanvasRenderingContext2D,
  u: uPlot,
  groups: GroupModel[],
  xToPx: (t: number) => number,
  theme: GrafanaTheme2
) {
  const windows = mergeWindows(groups.map((g) => g.maintenanceWindows));
  if (windows.length === 0) {
    return;
  }
  const pxr = pixelRatio();
  const color = theme.colors.text.secondary;
  ctx.fillStyle = colorManipulator.alpha(color, 0.08);
  ctx.strokeStyle = colorManipulator.alpha(color, 0.35);
  ctx.lineWidth = pxr;
  ctx.setLineDash([]);
  for (const r of maintenanceRects(windows, xToPx, u.bbox, 2 * pxr)) {
    ctx.fillRect(r.x, r.y, r.w, r.h);
    ctx.beginPath();
    for (const s of hatchSegments(r, HATCH_SPACING * pxr)) {
      ctx.moveTo(s.x0, s.y0);
      ctx.lineTo(s.x1, s.y1);
    }
    ctx.stroke();
  }
}

const SEVERITY_ORDER: Array<Exclude<Severity, 'normal'>> = ['minor', 'major', 'critical'];

/**
 * Anomaly points, one path per severity (thousands of points cost a few fills, not thousands),
 * worst severity on top, each on a halo of the panel background so it stands off the line.
 */
function drawPoints(
  u: uPlot,
  ctx: CanvasRenderingContext2D,
  model: PlotModel,
  size: number,
  pxr: number,
  theme: GrafanaTheme2
) {
  const xMin = u.scales.x.min ?? -Infinity;
  const xMax = u.scales.x.max ?? Infinity;
  const bySeverity = new Map<Severity, number[]>(SEVERITY_ORDER.map((s) => [s, []]));
  for (const g of model.groups) {
    if (g.observedSeriesIdx === undefined || u.series[g.observedSeriesIdx]?.show === false) {
      continue;
    }
    for (const p of g.points) {
      if (p.time >= xMin && p.time <= xMax) {
        bySeverity.get(p.severity)!.push(u.valToPos(p.time, 'x', true), u.valToPos(p.value, 'y', true));
      }
    }
  }
  const circles = (xy: number[], radius: number) => {
    ctx.beginPath();
    for (let i = 0; i < xy.length; i += 2) {
      ctx.moveTo(xy[i] + radius, xy[i + 1]);
      ctx.arc(xy[i], xy[i + 1], radius, 0, 2 * Math.PI);
    }
    ctx.fill();
  };
  for (const severity of SEVERITY_ORDER) {
    const xy = bySeverity.get(severity)!;
    if (xy.length === 0) {
      continue;
    }
    ctx.fillStyle = theme.colors.background.primary;
    circles(xy, size / 2 + pxr);
    ctx.fillStyle = severityColor(theme, severity);
    circles(xy, size / 2);
  }
}

/**
 * The uPlot configuration of the overlay panel: one canvas holding the value area (observed
 * series, expected band, anomaly regions and points) above the score track (scores and the
 * threshold line). Overlays are drawn in uPlot hooks from the pure geometry in ../geometry.
 */
export function buildPlotConfig(input: PlotConfigInput): UPlotConfigBuilder {
  const { model, options: o, theme, from, to, timeZone, runtime, onCursor } = input;
  const builder = new UPlotConfigBuilder(timeZone);
  const track = trackShare(o, model);
  const gap = track > 0 ? TRACK_GAP : 0;
  const keys = model.groups.map((g) => g.key);
  const threshold = o.scoreThreshold;
  const sTop = scoreTop(model.maxScore, threshold);
  const extent = model.valueExtent ?? { min: 0, max: 1 };
  const [vMin, vMax] = valueRange(extent, track, gap);
  const valueFloor = extent.min - (extent.max - extent.min) * 0.05;
  const formatValue = valueFormatter(model.display);

  builder.setCursor({ focus: { prox: HOVER_PROXIMITY_PX }, drag: { setScale: false, x: false, y: false } });

  builder.addScale({
    scaleKey: 'x',
    isTime: true,
    orientation: ScaleOrientation.Horizontal,
    direction: ScaleDirection.Right,
    range: () => [from, to],
  });
  builder.addAxis({ scaleKey: 'x', isTime: true, placement: AxisPlacement.Bottom, theme, timeZone });

  builder.addScale({
    scaleKey: 'y',
    orientation: ScaleOrientation.Vertical,
    direction: ScaleDirection.Up,
    range: () => [vMin, vMax],
  });
  builder.addAxis({
    scaleKey: 'y',
    placement: AxisPlacement.Left,
    theme,
    formatValue: (v: number) => formatValue(v),
    // Ticks only where values live, not beside the score track.
    filter: (_u, splits) => splits.map((v) => (v >= valueFloor ? v : null)),
  });

  if (track > 0) {
    builder.addScale({
      scaleKey: 'score',
      orientation: ScaleOrientation.Vertical,
      direction: ScaleDirection.Up,
      range: () => scoreRange(sTop, track),
    });
    builder.addAxis({
      scaleKey: 'score',
      placement: AxisPlacement.Right,
      theme,
      label: 'score',
      grid: { show: false },
      filter: (_u, splits) => splits.map((v) => (v <= sTop && v >= 0 ? v : null)),
      formatValue: (v: number) => v.toFixed(v < 10 ? 1 : 0),
    });
  }

  model.groups.forEach((g) => {
    const color = seriesColor(theme, g.colorIndex);
    const common = {
      theme,
      drawStyle: GraphDrawStyle.Line,
      lineInterpolation: LineInterpolation.Linear,
      showPoints: VisibilityMode.Never,
      spanNulls: false,
      fillOpacity: 0,
    };
    if (g.observedSeriesIdx !== undefined) {
      builder.addSeries({ ...common, scaleKey: 'y', lineColor: color, lineWidth: o.lineWidth });
    }
    if (g.expectedSeriesIdx !== undefined) {
      builder.addSeries({
        ...common,
        scaleKey: 'y',
        lineColor: colorManipulator.alpha(color, 0.7),
        lineWidth: 1,
        lineStyle: { fill: 'dash', dash: [4, 4] },
      });
    }
    if (g.scoreSeriesIdx !== undefined) {
      builder.addSeries({
        ...common,
        scaleKey: 'score',
        lineColor: colorManipulator.alpha(color, 0.85),
        lineWidth: 1,
        // Crowded: shown for the focused series only (see syncScoreSeries).
        show: model.worstScoreSeriesIdx === undefined,
      });
    }
  });
  if (model.worstScoreSeriesIdx !== undefined) {
    builder.addSeries({
      theme,
      scaleKey: 'score',
      drawStyle: GraphDrawStyle.Line,
      lineInterpolation: LineInterpolation.Linear,
      showPoints: VisibilityMode.Never,
      spanNulls: false,
      fillOpacity: 8,
      lineColor: theme.colors.text.secondary,
      lineWidth: 1,
    });
  }

  const overlayGroups = (): GroupModel[] => {
    const on = new Set(overlayKeys(keys, o.overlayMode, o.maxOverlaySeries, runtime.hovered, runtime.selected));
    return model.groups.filter((g) => on.has(g.key));
  };

  // Under the series: anomaly regions and the expected band of the series in focus.
  builder.addHook('drawAxes', (u: uPlot) => {
    const ctx = u.ctx;
    const { left, top, width, height } = u.bbox;
    const xToPx = (t: number) => u.valToPos(t, 'x', true);
    const yToPx = (v: number) => u.valToPos(v, 'y', true);
    ctx.save();
    ctx.beginPath();
    ctx.rect(left, top, width, height);
    ctx.clip();
    const focused = overlayGroups();
    if (o.showMaintenance) {
      drawMaintenance(ctx, u, focused, xToPx, theme);
    }
    if (o.showRegions) {
      for (const g of focused) {
        for (const r of regionRects(g.regions, xToPx, u.bbox, 2 * pixelRatio())) {
          ctx.fillStyle = colorManipulator.alpha(severityColor(theme, r.severity), o.regionOpacity / 100);
          ctx.fillRect(r.x, r.y, r.w, r.h);
        }
      }
      // A thin strip between values and score marks every series' anomalies, so they stay
      // visible when overlays are limited to the focused series.
      if (track > 0 && focused.length < model.groups.length) {
        const stripTop = u.valToPos(sTop, 'score', true) - (gap * height) / 2;
        const stripH = 3 * pixelRatio();
        for (const g of model.groups) {
          for (const r of regionRects(g.regions, xToPx, u.bbox, 2 * pixelRatio())) {
            ctx.fillStyle = severityColor(theme, r.severity);
            ctx.fillRect(r.x, stripTop - stripH / 2, r.w, stripH);
          }
        }
      }
    }
    if (o.showBand) {
      for (const g of focused) {
        if (!g.lower || !g.upper) {
          continue;
        }
        ctx.fillStyle = colorManipulator.alpha(seriesColor(theme, g.colorIndex), o.bandOpacity / 100);
        for (const p of bandPolygons(model.times, g.lower, g.upper, xToPx, yToPx)) {
          fillPolygon(ctx, p.xs, p.top, p.bottom);
        }
      }
    }
    ctx.restore();
  });

  // Over the series: threshold line, track separator and severity-colored anomaly points.
  builder.addHook('draw', (u: uPlot) => {
    const ctx = u.ctx;
    const { left, top, width, height } = u.bbox;
    const pxr = pixelRatio();
    ctx.save();
    ctx.beginPath();
    ctx.rect(left, top, width, height);
    ctx.clip();
    if (track > 0) {
      const sepY = Math.round(u.valToPos(sTop, 'score', true) - (gap * height) / 2) + 0.5;
      ctx.strokeStyle = theme.colors.border.medium;
      ctx.lineWidth = pxr;
      ctx.setLineDash([]);
      ctx.beginPath();
      ctx.moveTo(left, sepY);
      ctx.lineTo(left + width, sepY);
      ctx.stroke();

      const y = Math.round(u.valToPos(threshold, 'score', true)) + 0.5;
      ctx.strokeStyle = severityColor(theme, 'major');
      ctx.setLineDash([6 * pxr, 4 * pxr]);
      ctx.beginPath();
      ctx.moveTo(left, y);
      ctx.lineTo(left + width, y);
      ctx.stroke();
      ctx.setLineDash([]);
    }
    if (o.showPoints) {
      drawPoints(u, ctx, model, o.pointSize * pxr, pxr, theme);
    }
    ctx.restore();
  });

  builder.addHook('setCursor', (u: uPlot) => {
    const idx = u.cursor.idx ?? null;
    const left = u.cursor.left ?? -1;
    const topPx = u.cursor.top ?? -1;
    let groupKey: string | null = null;
    if (idx !== null && left >= 0) {
      const candidates = model.groups.map((g, i) => {
        const v = g.observed?.[idx];
        return { index: i, y: v === null || v === undefined ? null : u.valToPos(v, 'y') };
      });
      const hit = nearestSeries(topPx, candidates, HOVER_PROXIMITY_PX);
      groupKey = hit === null ? (model.groups.length === 1 ? model.groups[0].key : null) : model.groups[hit].key;
    }
    if (runtime.setHovered(groupKey) && !syncScoreSeries(u, model, o, runtime)) {
      u.redraw(false);
    }
    // Cursor positions are relative to the plotting area; the tooltip sits in the chart's wrapper.
    onCursor({ idx: left >= 0 ? idx : null, left: left + u.over.offsetLeft, top: topPx + u.over.offsetTop, groupKey });
  });

  return builder;
}
