import React from 'react';
import { css, cx } from '@emotion/css';
import { GrafanaTheme2 } from '@grafana/data';
import { useStyles2, useTheme2 } from '@grafana/ui';
import { testIds } from '../../../components/testIds';
import { seriesColor, severityColor } from '../plot/config';
import { GroupModel } from '../plot/model';
import { worstSeverity } from '../geometry/severity';
import { Severity } from '../types';

const ROW_HEIGHT = 22;

/** Legend height: all rows when they fit in 30% of the panel, else a scrolling list. */
export function legendHeight(rows: number, panelHeight: number): number {
  return Math.max(ROW_HEIGHT + 6, Math.min(rows * ROW_HEIGHT + 6, Math.floor(panelHeight * 0.3)));
}

interface Props {
  groups: GroupModel[];
  height: number;
  selected: string | null;
  onSelect: (key: string | null) => void;
  onHover: (key: string | null) => void;
}

export function OverlayLegend({ groups, height, selected, onSelect, onHover }: Props) {
  const theme = useTheme2();
  const styles = useStyles2(getStyles);
  return (
    <ul className={styles.list} style={{ height }} data-testid={testIds.overlayPanel.legend}>
      {groups.map((g) => {
        const worst = g.regions.reduce<Severity>((acc, r) => worstSeverity(acc, r.severity), 'normal');
        const isSelected = selected === g.key;
        return (
          <li key={g.key} data-testid={testIds.overlayPanel.legendItem}>
            <button
              type="button"
              className={cx(styles.item, isSelected && styles.selected, selected !== null && !isSelected && styles.dim)}
              onClick={() => onSelect(isSelected ? null : g.key)}
              onMouseEnter={() => onHover(g.key)}
              onMouseLeave={() => onHover(null)}
              aria-pressed={isSelected}
              title="Click to show this series' expected band and anomaly regions"
            >
              <span className={styles.swatch} style={{ background: seriesColor(theme, g.colorIndex) }} />
              <span className={styles.name}>{g.displayName}</span>
              {g.regions.length > 0 && (
                <span className={styles.badge} style={{ borderColor: severityColor(theme, worst) }}>
                  {g.regions.length} {g.regions.length === 1 ? 'anomaly' : 'anomalies'}
                  {g.maxScore !== null && ` · max ${g.maxScore.toFixed(2)}`}
                </span>
              )}
            </button>
          </li>
        );
      })}
    </ul>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  list: css({
    listStyle: 'none',
    margin: 0,
    padding: theme.spacing(0.5, 1, 0, 1),
    overflowY: 'auto',
    display: 'flex',
    flexWrap: 'wrap',
    alignContent: 'flex-start',
    columnGap: theme.spacing(2),
    flexShrink: 0,
  }),
  item: css({
    display: 'flex',
    alignItems: 'center',
    gap: theme.spacing(0.75),
    height: ROW_HEIGHT,
    background: 'none',
    border: 'none',
    padding: 0,
    color: theme.colors.text.secondary,
    fontSize: theme.typography.bodySmall.fontSize,
    cursor: 'pointer',
    '&:hover': { color: theme.colors.text.primary },
  }),
  selected: css({ color: theme.colors.text.primary, fontWeight: theme.typography.fontWeightMedium }),
  dim: css({ opacity: 0.6 }),
  swatch: css({ width: 14, height: 4, borderRadius: 2, flexShrink: 0 }),
  name: css({ whiteSpace: 'nowrap' }),
  badge: css({
    border: '1px solid',
    borderRadius: theme.shape.radius.pill,
    padding: theme.spacing(0, 0.75),
    fontSize: 11,
    lineHeight: '16px',
    whiteSpace: 'nowrap',
  }),
});
