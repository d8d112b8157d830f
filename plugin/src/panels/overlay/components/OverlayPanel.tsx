import React, { useCallback, useMemo, useRef, useState } from 'react';
import { css } from '@emotion/css';
import { GrafanaTheme2, LoadingState, PanelProps } from '@grafana/data';
import { UPlotChart, useStyles2, useTheme2 } from '@grafana/ui';
import type uPlot from 'uplot';
import { testIds } from '../../../components/testIds';
import { alignGroups } from '../data/align';
import { mapFramesToGroups, missingRoles } from '../data/frames';
import { buildPlotConfig, CursorInfo, OverlayRuntime, syncScoreSeries } from '../plot/config';
import { buildPlotModel } from '../plot/model';
import { defaultOverlayOptions, OverlayOptions } from '../types';
import { OverlayLegend, legendHeight } from './OverlayLegend';
import { OverlayTooltip } from './OverlayTooltip';
import { PartialDataNotice, partialDataSummary } from './PartialDataNotice';
import { MaintenanceNotice } from './MaintenanceNotice';
import { mergeWindows } from '../geometry/maintenance';

export interface OverlayPanelProps extends PanelProps<OverlayOptions> {
  /** The harness and tests reach the uPlot instance through this. */
  plotRef?: (u: uPlot) => void;
}

const NOTICE_HEIGHT = 24;

export function OverlayPanel(props: OverlayPanelProps) {
  const { data, width, height, timeRange, timeZone, plotRef } = props;
  const theme = useTheme2();
  const styles = useStyles2(getStyles);
  const options = useMemo(() => ({ ...defaultOverlayOptions, ...props.options }), [props.options]);

  const mapping = useMemo(() => mapFramesToGroups(data.series, options), [data.series, options]);
  const aligned = useMemo(() => alignGroups(mapping.groups), [mapping]);
  const model = useMemo(() => buildPlotModel(aligned, options, mapping.display), [aligned, options, mapping]);

  // Read by the plot's draw hooks; mutated by hover/selection without re-creating the plot.
  const [runtime] = useState(() => new OverlayRuntime());
  const plotInstance = useRef<uPlot | null>(null);
  const [cursor, setCursor] = useState<CursorInfo | null>(null);
  const [selected, setSelected] = useState<string | null>(null);

  const from = timeRange.from.valueOf();
  const to = timeRange.to.valueOf();
  const config = useMemo(
    () => buildPlotConfig({ model, options, theme, from, to, timeZone, runtime, onCursor: setCursor }),
    [model, options, theme, from, to, timeZone, runtime]
  );

  const onPlotRef = useCallback(
    (u: uPlot) => {
      plotInstance.current = u;
      plotRef?.(u);
    },
    [plotRef]
  );

  const select = useCallback(
    (key: string | null) => {
      setSelected(key);
      const u = plotInstance.current;
      if (runtime.setSelected(key) && u && !syncScoreSeries(u, model, options, runtime)) {
        u.redraw(false);
      }
    },
    [runtime, model, options]
  );

  const hoverLegend = useCallback(
    (key: string | null) => {
      const u = plotInstance.current;
      if (runtime.setHovered(key) && u && !syncScoreSeries(u, model, options, runtime)) {
        u.redraw(false);
      }
    },
    [runtime, model, options]
  );

  const partial = useMemo(
    () => partialDataSummary(model.groups.map((g) => ({ name: g.displayName, missing: missingRoles(g) }))),
    [model]
  );

  // Maintenance windows of any series that overlap the time range.
  const maintenance = useMemo(
    () =>
      options.showMaintenance
        ? mergeWindows(model.groups.map((g) => g.maintenanceWindows)).filter((w) => w.end > from && w.start < to)
        : [],
    [model, options.showMaintenance, from, to]
  );

  if (model.groups.length === 0 || model.times.length === 0) {
    const loading = data.state === LoadingState.Loading;
    return (
      <div className={styles.empty} style={{ width, height }} data-testid={testIds.overlayPanel.noData}>
        <div className={styles.emptyTitle}>{loading ? 'Loading…' : 'No data'}</div>
        {!loading && (
          <div className={styles.emptyHint}>
            The queries returned no samples. The panel reads the detector&apos;s series{' '}
            <code>{options.observedSeries}</code>, <code>{options.scoreSeries}</code>,{' '}
            <code>{options.anomalousSeries}</code> and the expected range; check the time range and the datasource.
          </div>
        )}
      </div>
    );
  }

  const showLegend = options.showLegend && height > 160;
  const legendH = showLegend ? legendHeight(model.groups.length, height) : 0;
  const noticeH = (partial ? NOTICE_HEIGHT : 0) + (maintenance.length > 0 ? NOTICE_HEIGHT : 0);
  const plotHeight = Math.max(40, height - legendH - noticeH);
  const hoveredGroup = cursor?.groupKey ? model.groups.find((g) => g.key === cursor.groupKey) : undefined;

  return (
    <div className={styles.wrapper} style={{ width, height }} data-testid={testIds.overlayPanel.container}>
      {partial && <PartialDataNotice summary={partial} height={NOTICE_HEIGHT} />}
      <div data-testid={testIds.overlayPanel.plot} onMouseLeave={() => setCursor(null)}>
        <UPlotChart
          config={config}
          data={model.columns as uPlot.AlignedData}
          width={width}
          height={plotHeight}
          plotRef={onPlotRef}
        >
          {cursor && cursor.idx !== null && (
            <OverlayTooltip
              model={model}
              idx={cursor.idx}
              left={cursor.left}
              top={cursor.top}
              plotWidth={width}
              focusKey={hoveredGroup?.key ?? selected}
              options={options}
              timeZone={timeZone}
            />
          )}
        </UPlotChart>
      </div>
      {maintenance.length > 0 && <MaintenanceNotice windows={maintenance} height={NOTICE_HEIGHT} timeZone={timeZone} />}
      {showLegend && (
        <OverlayLegend
          groups={model.groups}
          height={legendH}
          selected={selected}
          onSelect={select}
          onHover={hoverLegend}
        />
      )}
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  wrapper: css({
    display: 'flex',
    flexDirection: 'column',
    position: 'relative',
    overflow: 'hidden',
  }),
  empty: css({
    display: 'flex',
    flexDirection: 'column',
    alignItems: 'center',
    justifyContent: 'center',
    gap: theme.spacing(1),
    padding: theme.spacing(2),
    textAlign: 'center',
  }),
  emptyTitle: css({
    fontSize: theme.typography.h4.fontSize,
    color: theme.colors.text.secondary,
  }),
  emptyHint: css({
    maxWidth: 520,
    color: theme.colors.text.secondary,
    fontSize: theme.typography.bodySmall.fontSize,
  }),
});
