import React, { useState } from 'react';
import { css } from '@emotion/css';
import { GrafanaTheme2 } from '@grafana/data';
import { Badge, BadgeColor, IconButton, LinkButton, useStyles2 } from '@grafana/ui';
import { testIds } from '../testIds';
import { getTableStyles } from '../pageParts/tableStyles';
import { Severity, severityOf } from '../../pages/logic/events';
import { Incident, IncidentSeries, incidentMetrics } from '../../pages/logic/incidents';
import { formatDuration, formatLabels, formatScore, formatTime, seriesTitle } from '../../pages/logic/format';
import { eventOverviewUrl, incidentOverviewUrl } from '../../pages/logic/links';

export const SEVERITY_COLOR: Record<Severity, BadgeColor> = {
  critical: 'red',
  major: 'orange',
  minor: 'blue',
  unknown: 'darkgrey',
};

/** Metric names shown in an incident's row before "+N more". */
const NAMED_METRICS = 3;
const COLUMNS = 9;

interface Props {
  incidents: Incident[];
  overviewUid: string;
  /** Resolution of the query the events came from, for the note under the table. */
  stepMs: number;
}

/** Incidents, one row each, expandable to their member series (highest peak first) and events. */
export function IncidentsTable({ incidents, overviewUid, stepMs }: Props) {
  const t = useStyles2(getTableStyles);
  const s = useStyles2(getStyles);
  const [expanded, setExpanded] = useState<Set<string>>(new Set());
  const toggle = (id: string) => {
    const next = new Set(expanded);
    if (!next.delete(id)) {
      next.add(id);
    }
    setExpanded(next);
  };

  return (
    <>
      <table className={t.table} data-testid={testIds.anomalies.table}>
        <thead>
          <tr>
            <th className={s.toggleCell} />
            <th>State</th>
            <th>Severity</th>
            <th>Entity</th>
            <th>Started</th>
            <th>Ended</th>
            <th className={t.numeric}>Series</th>
            <th className={t.numeric}>Peak score</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {incidents.map((incident) => {
            const open = expanded.has(incident.id);
            const metrics = incidentMetrics(incident);
            const named = metrics.slice(0, NAMED_METRICS).join(', ');
            const more = metrics.length - NAMED_METRICS;
            return (
              <React.Fragment key={incident.id}>
                <tr data-testid={testIds.anomalies.row} data-incident={incident.id} className={s.incidentRow}>
                  <td className={s.toggleCell}>
                    <IconButton
                      name={open ? 'angle-down' : 'angle-right'}
                      aria-expanded={open}
                      aria-label={open ? 'Hide series' : 'Show series'}
                      tooltip={open ? 'Hide series' : 'Show series and events'}
                      onClick={() => toggle(incident.id)}
                      data-testid={testIds.anomalies.toggle}
                    />
                  </td>
                  <td>
                    {incident.open ? (
                      <Badge color="red" text="Open" icon="fire" />
                    ) : (
                      <Badge color="green" text="Closed" icon="check" />
                    )}
                  </td>
                  <td>
                    <Badge color={SEVERITY_COLOR[incident.severity]} text={incident.severity} />
                  </td>
                  <td>
                    <div className={t.primary}>
                      {incident.entity !== null
                        ? `${incident.entityLabel}=${incident.entity}`
                        : seriesTitle(incident.series[0].labels)}
                    </div>
                    <div className={t.muted}>
                      {named}
                      {more > 0 ? ` +${more} more` : ''}
                    </div>
                  </td>
                  <td
                    className={t.nowrap}
                    title={incident.startedBeforeRange ? 'Started before the selected range' : undefined}
                  >
                    {incident.startedBeforeRange ? '≤ ' : ''}
                    {formatTime(incident.startMs)}
                  </td>
                  <td className={t.nowrap}>
                    {incident.open ? 'ongoing' : formatTime(incident.endMs)}
                    <div className={t.muted}>
                      {incident.startedBeforeRange ? '≥ ' : ''}
                      {formatDuration(incident.durationMs)}
                      {incident.open ? ' so far' : ''}
                    </div>
                  </td>
                  <td className={t.numeric}>{incident.series.length}</td>
                  <td className={t.numeric}>{formatScore(incident.peakScore)}</td>
                  <td>
                    <LinkButton
                      size="sm"
                      variant="secondary"
                      fill="text"
                      icon="chart-line"
                      href={incidentOverviewUrl(overviewUid, incident)}
                    >
                      View
                    </LinkButton>
                  </td>
                </tr>
                {open && (
                  <tr data-testid={testIds.anomalies.details} className={s.detailsRow}>
                    <td />
                    <td colSpan={COLUMNS - 1}>
                      <MemberSeries series={incident.series} overviewUid={overviewUid} />
                    </td>
                  </tr>
                )}
              </React.Fragment>
            );
          })}
        </tbody>
      </table>
      {stepMs > 0 && (
        <div className={t.muted}>
          Resolution {formatDuration(stepMs)}: events shorter than that may be merged or missed; the dashboard shows
          every point.
        </div>
      )}
    </>
  );
}

function MemberSeries({ series, overviewUid }: { series: IncidentSeries[]; overviewUid: string }) {
  const t = useStyles2(getTableStyles);
  const s = useStyles2(getStyles);
  return (
    <table className={`${t.table} ${s.inner}`}>
      <thead>
        <tr>
          <th className={t.numeric}>#</th>
          <th>Series</th>
          <th className={t.numeric}>Peak score</th>
          <th>Events</th>
        </tr>
      </thead>
      <tbody>
        {series.map((member, rank) => (
          <tr key={member.seriesKey} data-testid={testIds.anomalies.seriesRow}>
            <td className={t.numeric}>{rank + 1}</td>
            <td>
              <div className={t.primary}>{seriesTitle(member.labels)}</div>
              <div className={t.muted}>{formatLabels(member.labels, ['metric', 'host'])}</div>
            </td>
            <td className={t.numeric}>
              <Badge color={SEVERITY_COLOR[severityOf(member.peakScore)]} text={formatScore(member.peakScore)} />
            </td>
            <td>
              {member.events.map((event) => (
                <div key={event.id} className={s.event} data-testid={testIds.anomalies.eventRow}>
                  <span className={t.nowrap}>
                    {formatTime(event.startMs)} · {formatDuration(event.durationMs)}
                    {event.open ? ' so far' : ''}
                  </span>
                  <span className={t.muted}>peak {formatScore(event.peakScore)}</span>
                  <LinkButton
                    size="sm"
                    variant="secondary"
                    fill="text"
                    icon="chart-line"
                    href={eventOverviewUrl(overviewUid, event)}
                  >
                    View
                  </LinkButton>
                </div>
              ))}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  toggleCell: css({ '&&': { width: theme.spacing(4), paddingRight: 0 } }),
  incidentRow: css({ td: { verticalAlign: 'middle' } }),
  detailsRow: css({ '&&:hover': { background: 'none' }, background: theme.colors.background.secondary }),
  inner: css({ margin: theme.spacing(0.5, 0, 1) }),
  event: css({
    display: 'flex',
    alignItems: 'center',
    gap: theme.spacing(1.5),
    minHeight: theme.spacing(3),
  }),
});
