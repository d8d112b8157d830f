import React from 'react';
import { css } from '@emotion/css';
import { GrafanaTheme2 } from '@grafana/data';
import { Icon, Tooltip, useStyles2 } from '@grafana/ui';
import { testIds } from '../../../components/testIds';
import { SeriesRole } from '../types';

export interface PartialSummary {
  text: string;
  details: string[];
}

const ROLE_LABEL: Record<SeriesRole, string> = {
  observed: 'observed values',
  expected: 'expected value',
  lower: 'expected range',
  upper: 'expected range',
  score: 'anomaly score',
  anomalous: 'anomaly flag',
  maintenance: 'maintenance flag',
};

/**
 * One line saying which detector outputs are missing for how many series (e.g. a series the
 * detector has not scored yet, or a dashboard querying only some roles); null when complete.
 */
export function partialDataSummary(series: Array<{ name: string; missing: SeriesRole[] }>): PartialSummary | null {
  const byLabel = new Map<string, string[]>();
  for (const s of series) {
    const labels = new Set(s.missing.map((r) => ROLE_LABEL[r]));
    for (const label of labels) {
      byLabel.set(label, [...(byLabel.get(label) ?? []), s.name]);
    }
  }
  if (byLabel.size === 0) {
    return null;
  }
  const total = series.length;
  const parts = [...byLabel.entries()].map(([label, names]) =>
    names.length === total ? `no ${label}` : `no ${label} for ${names.length} of ${total} series`
  );
  const details = [...byLabel.entries()].map(([label, names]) => `${label}: ${names.join(', ')}`);
  return { text: `Partial data: ${parts.join('; ')}`, details };
}

export function PartialDataNotice({ summary, height }: { summary: PartialSummary; height: number }) {
  const styles = useStyles2(getStyles);
  return (
    <Tooltip
      content={
        <div>
          {summary.details.map((d) => (
            <div key={d}>{d}</div>
          ))}
        </div>
      }
      placement="bottom-start"
    >
      <div className={styles.notice} style={{ height }} data-testid={testIds.overlayPanel.partialData}>
        <Icon name="exclamation-triangle" size="sm" />
        <span className={styles.text}>{summary.text}</span>
      </div>
    </Tooltip>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  notice: css({
    display: 'flex',
    alignItems: 'center',
    gap: theme.spacing(0.5),
    padding: theme.spacing(0, 1),
    color: theme.colors.warning.text,
    fontSize: theme.typography.bodySmall.fontSize,
    flexShrink: 0,
  }),
  text: css({
    overflow: 'hidden',
    textOverflow: 'ellipsis',
    whiteSpace: 'nowrap',
  }),
});
