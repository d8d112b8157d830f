import React from 'react';
import { css } from '@emotion/css';
import { dateTimeFormat, GrafanaTheme2 } from '@grafana/data';
import { TimeZone } from '@grafana/schema';
import { useStyles2 } from '@grafana/ui';
import { testIds } from '../../../components/testIds';
import { TimeWindow } from '../geometry/maintenance';

/** Windows named in the notice before "+N more". */
const NAMED = 2;

/**
 * One line under the chart naming the maintenance windows in view, with the hatch as its key:
 * the shading itself is on the canvas.
 */
export function MaintenanceNotice({
  windows,
  height,
  timeZone,
}: {
  windows: TimeWindow[];
  height: number;
  timeZone: TimeZone;
}) {
  const styles = useStyles2(getStyles);
  const format = (t: number) => dateTimeFormat(t, { timeZone, format: 'HH:mm' });
  const named = windows.slice(0, NAMED).map((w) => `${format(w.start)}–${format(w.end)}`);
  const more = windows.length - NAMED;
  return (
    <div
      className={styles.notice}
      style={{ height }}
      data-testid={testIds.overlayPanel.maintenance}
      data-windows={windows.length}
    >
      <span className={styles.swatch} />
      <span className={styles.text}>
        Maintenance, not scored: {named.join(', ')}
        {more > 0 ? ` +${more} more` : ''}
      </span>
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  notice: css({
    display: 'flex',
    alignItems: 'center',
    gap: theme.spacing(0.75),
    padding: theme.spacing(0, 1),
    color: theme.colors.text.secondary,
    fontSize: theme.typography.bodySmall.fontSize,
    flexShrink: 0,
  }),
  swatch: css({
    width: 14,
    height: 10,
    flexShrink: 0,
    border: `1px solid ${theme.colors.border.medium}`,
    background: `repeating-linear-gradient(-45deg, ${theme.colors.text.secondary} 0 1px, transparent 1px 5px)`,
    opacity: 0.7,
  }),
  text: css({ overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' }),
});
