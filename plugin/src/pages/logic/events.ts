import { defaultOverlayOptions } from '../../panels/overlay/types';
import { Labels, RangeSeries, Sample, seriesKey } from './prometheusResponse';

/** A period during which a series was flagged anomalous by the detector's event logic. */
export interface AnomalyEvent {
  /** Stable identity: series key + start time. */
  id: string;
  seriesKey: string;
  labels: Labels;
  startMs: number;
  /** Close time; for an open event, the end of the queried range. */
  endMs: number;
  open: boolean;
  /** The event was already going at the start of the queried range: its real start is earlier. */
  startedBeforeRange: boolean;
  durationMs: number;
  /** Highest anomaly score seen during the event, or null when no score sample falls inside it. */
  peakScore: number | null;
}

export interface EventWindow {
  startMs: number;
  endMs: number;
  open: boolean;
}

export interface EventOptions {
  /** Resolution of the range query the samples came from. */
  stepMs: number;
  /** End of the queried range ("now" for live pages). */
  rangeEndMs: number;
  /** Start of the queried range; events flagged from its first step started before it. */
  rangeStartMs?: number;
}

/**
 * Steps are evaluated on a fixed grid, but a missing evaluation (no sample at that step) must not
 * split an event while a longer silence must end it. Half a step of slack absorbs timestamp jitter.
 */
const GAP_TOLERANCE_STEPS = 1.5;

function isAnomalous(sample: Sample): boolean {
  return Number.isFinite(sample.v) && sample.v >= 0.5;
}

/**
 * Turns a 0/1 anomaly-flag series into event windows. A window opens at the first flagged sample
 * and closes at the first following 0 sample, or one step after the last flagged sample when the
 * series goes silent (e.g. the query kept only flagged samples). A window still flagged at the end
 * of the range is open.
 */
export function eventWindows(samples: Sample[], options: EventOptions): EventWindow[] {
  const { stepMs, rangeEndMs } = options;
  if (!(stepMs > 0)) {
    throw new RangeError(`stepMs must be positive, got ${stepMs}`);
  }
  const sorted = [...samples].sort((a, b) => a.t - b.t);
  const maxGap = stepMs * GAP_TOLERANCE_STEPS;
  const windows: EventWindow[] = [];
  let start: number | null = null;
  let last = 0;

  const close = (endMs: number) => {
    if (start !== null) {
      windows.push({ startMs: start, endMs, open: false });
      start = null;
    }
  };

  for (const sample of sorted) {
    if (start !== null && sample.t - last > maxGap) {
      close(last + stepMs);
    }
    if (isAnomalous(sample)) {
      if (start === null) {
        start = sample.t;
      }
      last = sample.t;
    } else {
      close(sample.t);
    }
  }
  if (start !== null) {
    if (rangeEndMs - last <= maxGap) {
      windows.push({ startMs: start, endMs: Math.max(rangeEndMs, last), open: true });
    } else {
      close(last + stepMs);
    }
  }
  return windows;
}

/** Highest finite score among samples within [startMs, endMs]; null when there is none. */
export function peakScore(scores: Sample[], startMs: number, endMs: number): number | null {
  let peak: number | null = null;
  for (const { t, v } of scores) {
    if (t >= startMs && t <= endMs && Number.isFinite(v) && (peak === null || v > peak)) {
      peak = v;
    }
  }
  return peak;
}

/**
 * Events across series: flags come from anomalylens_anomalous, peaks from anomalylens_score of
 * the same input series (matched on labels without the metric name). Open events first, then the
 * most recent.
 */
export function buildEvents(
  flagSeries: RangeSeries[],
  scoreSeries: RangeSeries[],
  options: EventOptions
): AnomalyEvent[] {
  const scoresByKey = new Map<string, Sample[]>();
  for (const series of scoreSeries) {
    const key = seriesKey(series.labels);
    scoresByKey.set(key, (scoresByKey.get(key) ?? []).concat(series.samples));
  }
  const events: AnomalyEvent[] = [];
  for (const series of flagSeries) {
    const key = seriesKey(series.labels);
    const { __name__: _name, ...labels } = series.labels;
    const scores = scoresByKey.get(key) ?? [];
    for (const window of eventWindows(series.samples, options)) {
      events.push({
        id: `${key}@${window.startMs}`,
        seriesKey: key,
        labels,
        startMs: window.startMs,
        endMs: window.endMs,
        open: window.open,
        startedBeforeRange:
          options.rangeStartMs !== undefined &&
          window.startMs - options.rangeStartMs < options.stepMs * GAP_TOLERANCE_STEPS,
        durationMs: window.endMs - window.startMs,
        peakScore: peakScore(scores, window.startMs, window.endMs),
      });
    }
  }
  return events.sort((a, b) => Number(b.open) - Number(a.open) || b.startMs - a.startMs || a.id.localeCompare(b.id));
}

export interface EventSummary {
  open: number;
  total: number;
  seriesAffected: number;
  /** Highest peak among all events, null without scores. */
  worstScore: number | null;
  /** Events whose peak reached the critical score. */
  critical: number;
}

export function summarizeEvents(events: AnomalyEvent[]): EventSummary {
  let worst: number | null = null;
  for (const event of events) {
    if (event.peakScore !== null && (worst === null || event.peakScore > worst)) {
      worst = event.peakScore;
    }
  }
  return {
    open: events.filter((e) => e.open).length,
    total: events.length,
    seriesAffected: new Set(events.map((e) => e.seriesKey)).size,
    worstScore: worst,
    critical: events.filter((e) => severityOf(e.peakScore) === 'critical').length,
  };
}

export type Severity = 'critical' | 'major' | 'minor' | 'unknown';

/**
 * Severity of a peak score, split like the overlay panel's defaults (and the provisioned alert
 * rule's severity label): critical from SEVERITY_THRESHOLDS.critical, major from .major, otherwise minor.
 */
export function severityOf(score: number | null): Severity {
  if (score === null || !Number.isFinite(score)) {
    return 'unknown';
  }
  if (score >= defaultOverlayOptions.criticalScore) {
    return 'critical';
  }
  return score >= defaultOverlayOptions.majorScore ? 'major' : 'minor';
}

const SEVERITY_RANK: Record<Severity, number> = { unknown: 0, minor: 1, major: 2, critical: 3 };

/** Whether an event's peak reaches `min` (events without a score pass only the `minor` floor). */
export function reachesSeverity(event: Pick<AnomalyEvent, 'peakScore'>, min: Exclude<Severity, 'unknown'>): boolean {
  return min === 'minor' || SEVERITY_RANK[severityOf(event.peakScore)] >= SEVERITY_RANK[min];
}

/** Case-insensitive filter on any label name or value ("web-1", "host=web", "cpu"). */
export function matchesFilter(labels: Labels, filter: string): boolean {
  const needle = filter.trim().toLowerCase();
  if (needle === '') {
    return true;
  }
  return needle
    .split(/\s+/)
    .every((term) => Object.entries(labels).some(([name, value]) => `${name}=${value}`.toLowerCase().includes(term)));
}
