import React from 'react';
import { css } from '@emotion/css';
import { GrafanaTheme2 } from '@grafana/data';
import { useStyles2 } from '@grafana/ui';

export type StatLevel = 'ok' | 'warning' | 'critical' | 'neutral';

interface Props {
  label: string;
  value: string;
  hint?: string;
  level?: StatLevel;
  testId?: string;
}

/** One figure with a label, colored by how worrying it is. */
export function StatCard({ label, value, hint, level = 'neutral', testId }: Props) {
  const s = useStyles2(getStyles);
  return (
    <div className={s.card} data-testid={testId} data-level={level}>
      <div className={s.label}>{label}</div>
      <div className={`${s.value} ${s[level]}`}>{value}</div>
      {hint && <div className={s.hint}>{hint}</div>}
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  card: css({
    background: theme.colors.background.secondary,
    border: `1px solid ${theme.colors.border.weak}`,
    borderRadius: theme.shape.radius.default,
    padding: theme.spacing(1.5, 2),
    minWidth: 0,
  }),
  label: css({
    color: theme.colors.text.secondary,
    fontSize: theme.typography.bodySmall.fontSize,
    marginBottom: theme.spacing(0.5),
  }),
  value: css({
    fontSize: theme.typography.h3.fontSize,
    fontWeight: theme.typography.fontWeightMedium,
    lineHeight: 1.2,
    whiteSpace: 'nowrap',
    overflow: 'hidden',
    textOverflow: 'ellipsis',
  }),
  hint: css({
    color: theme.colors.text.secondary,
    fontSize: theme.typography.bodySmall.fontSize,
    marginTop: theme.spacing(0.5),
  }),
  ok: css({ color: theme.colors.success.text }),
  warning: css({ color: theme.colors.warning.text }),
  critical: css({ color: theme.colors.error.text }),
  neutral: css({ color: theme.colors.text.primary }),
});

export const statGridStyle = (theme: GrafanaTheme2) =>
  css({
    display: 'grid',
    gridTemplateColumns: 'repeat(auto-fill, minmax(180px, 1fr))',
    gap: theme.spacing(1.5),
    marginBottom: theme.spacing(2),
  });
