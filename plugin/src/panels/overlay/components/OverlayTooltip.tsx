import React from 'react';
import { css } from '@emotion/css';
import { dateTimeFormat, GrafanaTheme2 } from '@grafana/data';
import { TimeZone } from '@grafana/schema';
import { useStyles2, useTheme2 } from '@grafana/ui';
import { testIds } from '../../../components/testIds';
import { severityOf } from '../geometry/severity';
import { seriesColor, severityColor, valueFormatter } from '../plot/config';
import { GroupModel, PlotModel } from '../plot/model';
import { OverlayOptions } from '../types';

const MAX_ROWS = 6;
const WIDTH = 300;

export interface TooltipRow {
  group: GroupModel;
  value: number | null;
  lower: number | null;
  upper: number | null;
  score: number | null;
  anomalous: boolean;
  /** The sample is inside a maintenance window: not scored. */
  maintenance: boolean;
}

/** Rows at one sample: the focused series alone, else the most anomalous series first. */
export function tooltipRows(model: PlotModel, idx: number, focusKey: string | null, o: OverlayOptions): TooltipRow[] {
  const rows = model.groups.map((g) => {
    const score = g.score?.[idx] ?? null;
    const flag = g.anomalous?.[idx];
    const maintenance = g.maintenance?.[idx];
    return {
      group: g,
      value: g.observed?.[idx] ?? null,
      lower: g.lower?.[idx] ?? null,
      upper: g.upper?.[idx] ?? null,
      score,
      anomalous: flag !== null && flag !== undefined ? flag >= 0.5 : score !== null && score >= o.scoreThreshold,
      maintenance: maintenance !== null && maintenance !== undefined && maintenance >= 0.5,
    };
  });
  const focused = rows.filter((r) => r.group.key === focusKey);
  if (focused.length > 0) {
    return focused;
  }
  return rows
    .filter((r) => r.value !== null || r.score !== null)
    .sort((a, b) => (b.score ?? -1) - (a.score ?? -1))
    .slice(0, MAX_ROWS);
}

interface Props {
  model: PlotModel;
  idx: number;
  left: number;
  top: number;
  plotWidth: number;
  focusKey: string | null;
  options: OverlayOptions;
  timeZone: TimeZone;
}

export function OverlayTooltip({ model, idx, left, top, plotWidth, focusKey, options, timeZone }: Props) {
  const theme = useTheme2();
  const styles = useStyles2(getStyles);
  const rows = tooltipRows(model, idx, focusKey, options);
  const num = valueFormatter(model.display);
  if (rows.length === 0) {
    return null;
  }
  const x = left + 16 + WIDTH > plotWidth ? Math.max(0, left - 16 - WIDTH) : left + 16;
  return (
    <div
      className={styles.box}
      style={{ left: x, top: Math.max(0, top - 10) }}
      data-testid={testIds.overlayPanel.tooltip}
    >
      <div className={styles.time}>{dateTimeFormat(model.times[idx], { timeZone })}</div>
      {rows.map((r) => {
        const sev = severityOf(r.score, options);
        const state = r.anomalous
          ? `Anomalous${sev !== 'normal' ? ` (${sev})` : ''}`
          : r.maintenance
            ? 'Maintenance (not scored)'
            : 'Normal';
        return (
          <div key={r.group.key} className={styles.row}>
            <div className={styles.name}>
              <span className={styles.swatch} style={{ background: seriesColor(theme, r.group.colorIndex) }} />
              {r.group.displayName}
            </div>
            <dl className={styles.grid}>
              <dt>Value</dt>
              <dd>{num(r.value)}</dd>
              <dt>Expected</dt>
              <dd>{r.lower === null && r.upper === null ? '–' : `${num(r.lower)} – ${num(r.upper)}`}</dd>
              <dt>Score</dt>
              <dd>{r.score === null ? '–' : r.score.toFixed(2)}</dd>
              <dt>State</dt>
              <dd style={{ color: r.anomalous ? severityColor(theme, sev === 'normal' ? 'minor' : sev) : undefined }}>
                {state}
              </dd>
            </dl>
          </div>
        );
      })}
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  box: css({
    position: 'absolute',
    width: WIDTH,
    pointerEvents: 'none',
    zIndex: theme.zIndex.tooltip,
    background: theme.colors.background.elevated,
    border: `1px solid ${theme.colors.border.weak}`,
    borderRadius: theme.shape.radius.default,
    boxShadow: theme.shadows.z2,
    padding: theme.spacing(1),
    fontSize: theme.typography.bodySmall.fontSize,
  }),
  time: css({ color: theme.colors.text.secondary, marginBottom: theme.spacing(0.5) }),
  row: css({ '& + &': { marginTop: theme.spacing(0.75) } }),
  name: css({
    display: 'flex',
    alignItems: 'center',
    gap: theme.spacing(0.75),
    fontWeight: theme.typography.fontWeightMedium,
    overflow: 'hidden',
    textOverflow: 'ellipsis',
    whiteSpace: 'nowrap',
  }),
  swatch: css({ width: 10, height: 10, borderRadius: 2, flexShrink: 0 }),
  grid: css({
    display: 'grid',
    gridTemplateColumns: 'auto 1fr',
    columnGap: theme.spacing(1.5),
    margin: theme.spacing(0.25, 0, 0, 2),
    '& dt': { color: theme.colors.text.secondary, margin: 0 },
    '& dd': { margin: 0, fontVariantNumeric: 'tabular-nums' },
  }),
});
