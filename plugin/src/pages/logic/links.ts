import { AnomalyEvent } from './events';
import { Incident } from './incidents';
import { Labels } from './prometheusResponse';

export type TimeBound = number | string;

/**
 * Link to the overview dashboard focused on one series. Grafana reads `var-<name>` for template
 * variables and `from`/`to` as epoch milliseconds or relative expressions ("now-3h").
 */
export function overviewUrl(dashboardUid: string, labels: Labels, from: TimeBound, to: TimeBound): string {
  const params = new URLSearchParams();
  if (labels.metric) {
    params.set('var-metric', labels.metric);
  }
  if (labels.host) {
    params.set('var-host', labels.host);
  }
  params.set('from', String(from));
  params.set('to', String(to));
  return `/d/${encodeURIComponent(dashboardUid)}?${params.toString()}`;
}

/**
 * Time range that shows an event with context: at least 15 minutes, or half the event's length,
 * on each side; open events run to "now" so the dashboard keeps following them.
 */
export function eventTimeRange(event: Pick<AnomalyEvent, 'startMs' | 'endMs' | 'open'>): {
  from: number;
  to: TimeBound;
} {
  const pad = Math.max(15 * 60_000, Math.round((event.endMs - event.startMs) / 2));
  return { from: event.startMs - pad, to: event.open ? 'now' : event.endMs + pad };
}

export function eventOverviewUrl(dashboardUid: string, event: AnomalyEvent): string {
  const { from, to } = eventTimeRange(event);
  return overviewUrl(dashboardUid, event.labels, from, to);
}

export function dashboardUrl(dashboardUid: string, from: TimeBound = 'now-1h', to: TimeBound = 'now'): string {
  const params = new URLSearchParams({ from: String(from), to: String(to) });
  return `/d/${encodeURIComponent(dashboardUid)}?${params.toString()}`;
}

/** Grafana's view page of a Grafana-managed alert rule. */
export function alertRuleUrl(ruleUid: string): string {
  return `/alerting/grafana/${encodeURIComponent(ruleUid)}/view`;
}

/**
 * Link to the overview dashboard showing every series of an incident over its time range: one
 * `var-metric` and `var-host` per distinct value among the members (both variables are multi-value).
 */
export function incidentOverviewUrl(dashboardUid: string, incident: Incident): string {
  const { from, to } = eventTimeRange(incident);
  const params = new URLSearchParams();
  for (const name of ['metric', 'host']) {
    const values = [...new Set(incident.series.map((s) => s.labels[name]).filter((v): v is string => !!v))];
    for (const value of values.sort()) {
      params.append(`var-${name}`, value);
    }
  }
  params.set('from', String(from));
  params.set('to', String(to));
  return `/d/${encodeURIComponent(dashboardUid)}?${params.toString()}`;
}
