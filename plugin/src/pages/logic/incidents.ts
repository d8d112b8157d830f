import { AnomalyEvent, Severity, severityOf } from './events';
import { Labels } from './prometheusResponse';

/**
 * Incidents: anomaly events of series that share an entity label (`host` by default) and overlap
 * in time, with `toleranceMs` of slack, form one incident. A host whose CPU, memory and latency all
 * go anomalous within minutes of each other is one problem, shown (and alerted on) once.
 */
export interface IncidentSeries {
  seriesKey: string;
  labels: Labels;
  /** Highest peak among the series' events in this incident; null without scores. */
  peakScore: number | null;
  /** The series' events in this incident, oldest first. */
  events: AnomalyEvent[];
}

export interface Incident {
  /** Stable identity: entity + start time. */
  id: string;
  /** The label the events were grouped by. */
  entityLabel: string;
  /**
   * The entity's label value. A series without the entity label cannot be related to others: it
   * forms incidents of its own, with `entity` null.
   */
  entity: string | null;
  startMs: number;
  /** Latest end among the member events (the end of the queried range while one is open). */
  endMs: number;
  open: boolean;
  startedBeforeRange: boolean;
  durationMs: number;
  peakScore: number | null;
  severity: Severity;
  /** Member series, highest peak score first. */
  series: IncidentSeries[];
  eventCount: number;
}

export interface IncidentOptions {
  /** Label whose value identifies the entity, e.g. `host`. */
  entityLabel: string;
  /** Events that start at most this long after the incident's end so far still join it. */
  toleranceMs: number;
}

export const DEFAULT_INCIDENT_TOLERANCE_MS = 5 * 60_000;

function maxScore(a: number | null, b: number | null): number | null {
  if (a === null) {
    return b;
  }
  return b === null ? a : Math.max(a, b);
}

/** Peak score order, unknown last; ties by label text so the order is stable. */
function byPeak(a: { peakScore: number | null; key: string }, b: { peakScore: number | null; key: string }): number {
  const pa = a.peakScore ?? -Infinity;
  const pb = b.peakScore ?? -Infinity;
  return pb - pa || a.key.localeCompare(b.key);
}

function buildIncident(entityLabel: string, entity: string | null, events: AnomalyEvent[]): Incident {
  const bySeries = new Map<string, IncidentSeries>();
  let startMs = Infinity;
  let endMs = -Infinity;
  let peak: number | null = null;
  for (const event of events) {
    startMs = Math.min(startMs, event.startMs);
    endMs = Math.max(endMs, event.endMs);
    peak = maxScore(peak, event.peakScore);
    const member = bySeries.get(event.seriesKey);
    if (member) {
      member.events.push(event);
      member.peakScore = maxScore(member.peakScore, event.peakScore);
    } else {
      bySeries.set(event.seriesKey, {
        seriesKey: event.seriesKey,
        labels: event.labels,
        peakScore: event.peakScore,
        events: [event],
      });
    }
  }
  const series = [...bySeries.values()]
    .map((s) => ({ ...s, key: s.seriesKey }))
    .sort(byPeak)
    .map(({ key: _key, ...s }) => ({ ...s, events: [...s.events].sort((a, b) => a.startMs - b.startMs) }));
  const identity = entity ?? series[0].seriesKey;
  return {
    id: `${entityLabel}=${identity}@${startMs}`,
    entityLabel,
    entity,
    startMs,
    endMs,
    open: events.some((e) => e.open),
    startedBeforeRange: events.some((e) => e.startedBeforeRange && e.startMs === startMs),
    durationMs: endMs - startMs,
    peakScore: peak,
    severity: severityOf(peak),
    series,
    eventCount: events.length,
  };
}

/**
 * Groups events into incidents. Per entity, events are swept in start order: an event joins the
 * current incident when it starts no later than `toleranceMs` after the latest end seen so far
 * (so A overlapping B and B overlapping C make one incident even if A and C do not touch);
 * otherwise it opens a new one. Open incidents come first, then the most recent.
 */
export function groupIncidents(events: AnomalyEvent[], options: IncidentOptions): Incident[] {
  const { entityLabel } = options;
  const toleranceMs = Math.max(0, Number.isFinite(options.toleranceMs) ? options.toleranceMs : 0);
  const byEntity = new Map<string, { entity: string | null; events: AnomalyEvent[] }>();
  for (const event of events) {
    const value = event.labels[entityLabel];
    const entity = value === undefined || value === '' ? null : value;
    // Without the entity label a series is its own entity.
    const key = entity === null ? `\u0000${event.seriesKey}` : entity;
    const bucket = byEntity.get(key);
    if (bucket) {
      bucket.events.push(event);
    } else {
      byEntity.set(key, { entity, events: [event] });
    }
  }

  const incidents: Incident[] = [];
  for (const { entity, events: entityEvents } of byEntity.values()) {
    const sorted = [...entityEvents].sort((a, b) => a.startMs - b.startMs || a.id.localeCompare(b.id));
    let current: AnomalyEvent[] = [];
    let currentEnd = -Infinity;
    for (const event of sorted) {
      if (current.length > 0 && event.startMs > currentEnd + toleranceMs) {
        incidents.push(buildIncident(entityLabel, entity, current));
        current = [];
        currentEnd = -Infinity;
      }
      current.push(event);
      currentEnd = Math.max(currentEnd, event.endMs);
    }
    if (current.length > 0) {
      incidents.push(buildIncident(entityLabel, entity, current));
    }
  }
  return incidents.sort((a, b) => Number(b.open) - Number(a.open) || b.startMs - a.startMs || a.id.localeCompare(b.id));
}

export interface IncidentSummary {
  open: number;
  total: number;
  /** Entities with at least one incident (series without the entity label count one each). */
  entities: number;
  seriesAffected: number;
  worstScore: number | null;
  critical: number;
}

export function summarizeIncidents(incidents: Incident[]): IncidentSummary {
  let worst: number | null = null;
  const entities = new Set<string>();
  const series = new Set<string>();
  for (const incident of incidents) {
    worst = maxScore(worst, incident.peakScore);
    entities.add(incident.entity ?? `\u0000${incident.series[0]?.seriesKey}`);
    for (const s of incident.series) {
      series.add(s.seriesKey);
    }
  }
  return {
    open: incidents.filter((i) => i.open).length,
    total: incidents.length,
    entities: entities.size,
    seriesAffected: series.size,
    worstScore: worst,
    critical: incidents.filter((i) => i.severity === 'critical').length,
  };
}

/** The distinct metric names of an incident's series, in rank order (what the alert summary names). */
export function incidentMetrics(incident: Incident): string[] {
  const names: string[] = [];
  for (const s of incident.series) {
    const name = s.labels.metric ?? s.labels.__name__;
    if (name && !names.includes(name)) {
      names.push(name);
    }
  }
  return names;
}
