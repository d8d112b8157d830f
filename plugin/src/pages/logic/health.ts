import { DETECTOR_METRICS as M } from '../metrics';
import { InstantSample } from './prometheusResponse';

/**
 * Thresholds shared with the provisioned stream-health alert rules, so the page and the alerts
 * never disagree about what is unhealthy (the provisioning tests compare them).
 */
export const HEALTH_THRESHOLDS = {
  /** Seconds without a consumed message before the detector counts as stalled. */
  stalledAfterSeconds: 300,
  /** Messages behind on one partition before lag counts as high. */
  lagHigh: 10_000,
} as const;

/** One instant query per figure; rates over 5 minutes like the alert rules. */
export const HEALTH_QUERIES = {
  messagesPerSec: `sum(rate(${M.messagesConsumed}[5m]))`,
  pointsPerSec: `sum(rate(${M.pointsScored}[5m]))`,
  anomaliesPerSec: `sum(rate(${M.anomalies}[5m]))`,
  lagByPartition: `max by (topic, partition) (${M.consumerLag})`,
  lastMessageAgeSeconds: `time() - max(${M.lastMessageTimestamp})`,
  invalidByReason: `sum by (reason) (rate(${M.messagesInvalid}[5m]))`,
  // Retried failures by kind, plus samples rejected for good as kind "rejected_<status>".
  sinkFailuresByReason:
    `sum by (kind) (rate(${M.sinkFailures}[5m])) or ` +
    `sum by (kind) (label_replace(rate(${M.sinkSamplesRejected}[5m]), "kind", "rejected_$1", "status", "(.+)"))`,
  sinkLatencyP99Seconds: `histogram_quantile(0.99, sum by (le) (rate(${M.sinkWriteDuration}_bucket[5m])))`,
  activeSeries: `sum(${M.activeSeries})`,
  modelFitsPerSec: `sum(rate(${M.modelFits}[5m]))`,
} as const;

export type HealthQueryName = keyof typeof HEALTH_QUERIES;
export type HealthResults = Record<HealthQueryName, InstantSample[]>;

export interface PartitionLag {
  topic: string;
  partition: string;
  lag: number;
}

export interface ReasonRate {
  reason: string;
  perSec: number;
}

export interface HealthSnapshot {
  messagesPerSec: number | null;
  pointsPerSec: number | null;
  anomaliesPerSec: number | null;
  lagTotal: number | null;
  lagByPartition: PartitionLag[];
  lastMessageAgeSeconds: number | null;
  invalidPerSec: number | null;
  invalidByReason: ReasonRate[];
  sinkFailuresPerSec: number | null;
  sinkFailuresByReason: ReasonRate[];
  sinkLatencyP99Seconds: number | null;
  activeSeries: number | null;
  modelFitsPerSec: number | null;
}

function single(samples: InstantSample[]): number | null {
  const finite = samples.map((s) => s.v).filter((v) => Number.isFinite(v));
  return finite.length === 0 ? null : finite[0];
}

function total(values: number[], present: boolean): number | null {
  return present ? values.reduce((sum, v) => sum + v, 0) : null;
}

function byReason(samples: InstantSample[]): ReasonRate[] {
  return samples
    .filter((s) => Number.isFinite(s.v))
    .map((s) => ({ reason: s.labels.reason ?? s.labels.kind ?? 'unknown', perSec: s.v }))
    .sort((a, b) => b.perSec - a.perSec || a.reason.localeCompare(b.reason));
}

/** Folds the instant-query results into one snapshot; a figure without samples is null (no data). */
export function toSnapshot(results: HealthResults): HealthSnapshot {
  const lagByPartition = results.lagByPartition
    .filter((s) => Number.isFinite(s.v))
    .map((s) => ({ topic: s.labels.topic ?? '', partition: s.labels.partition ?? '', lag: s.v }))
    .sort((a, b) => b.lag - a.lag || a.topic.localeCompare(b.topic) || Number(a.partition) - Number(b.partition));
  const invalidByReason = byReason(results.invalidByReason);
  const sinkFailuresByReason = byReason(results.sinkFailuresByReason);
  return {
    messagesPerSec: single(results.messagesPerSec),
    pointsPerSec: single(results.pointsPerSec),
    anomaliesPerSec: single(results.anomaliesPerSec),
    lagTotal: total(
      lagByPartition.map((p) => p.lag),
      lagByPartition.length > 0
    ),
    lagByPartition,
    lastMessageAgeSeconds: single(results.lastMessageAgeSeconds),
    invalidPerSec: total(
      invalidByReason.map((r) => r.perSec),
      results.invalidByReason.length > 0
    ),
    invalidByReason,
    sinkFailuresPerSec: total(
      sinkFailuresByReason.map((r) => r.perSec),
      results.sinkFailuresByReason.length > 0
    ),
    sinkFailuresByReason,
    sinkLatencyP99Seconds: single(results.sinkLatencyP99Seconds),
    activeSeries: single(results.activeSeries),
    modelFitsPerSec: single(results.modelFitsPerSec),
  };
}

export type HealthLevel = 'ok' | 'warning' | 'critical' | 'unknown';

export interface HealthFinding {
  level: Exclude<HealthLevel, 'ok'>;
  title: string;
  detail: string;
}

export interface HealthAssessment {
  level: HealthLevel;
  findings: HealthFinding[];
}

const RANK: Record<HealthLevel, number> = { ok: 0, unknown: 1, warning: 2, critical: 3 };

/** What an SRE needs to know first: is the stream flowing, keeping up, and landing in Prometheus? */
export function assessHealth(s: HealthSnapshot): HealthAssessment {
  const findings: HealthFinding[] = [];
  if (s.lastMessageAgeSeconds === null && s.messagesPerSec === null) {
    findings.push({
      level: 'unknown',
      title: 'No detector metrics',
      detail:
        'The datasource has no anomalylens_detector_* series: the detector is down or Prometheus does not scrape it.',
    });
  } else if (s.lastMessageAgeSeconds !== null && s.lastMessageAgeSeconds > HEALTH_THRESHOLDS.stalledAfterSeconds) {
    findings.push({
      level: 'critical',
      title: 'Detector stalled',
      detail: `No message consumed for ${Math.round(s.lastMessageAgeSeconds)} s (threshold ${HEALTH_THRESHOLDS.stalledAfterSeconds} s).`,
    });
  }
  if (s.sinkFailuresPerSec !== null && s.sinkFailuresPerSec > 0) {
    const reasons = s.sinkFailuresByReason.map((r) => r.reason).join(', ');
    findings.push({
      level: 'critical',
      title: 'Remote writes failing',
      detail: `Writes to Prometheus fail (${reasons}); consumption pauses while retries run.`,
    });
  }
  const worstLag = s.lagByPartition[0];
  if (worstLag && worstLag.lag > HEALTH_THRESHOLDS.lagHigh) {
    findings.push({
      level: 'warning',
      title: 'Consumer lag high',
      detail: `${worstLag.topic}/${worstLag.partition} is ${Math.round(worstLag.lag)} messages behind (threshold ${HEALTH_THRESHOLDS.lagHigh}).`,
    });
  }
  if (s.invalidPerSec !== null && s.invalidPerSec > 0) {
    const reasons = s.invalidByReason.map((r) => r.reason).join(', ');
    findings.push({
      level: 'warning',
      title: 'Messages dead-lettered',
      detail: `Invalid messages go to the dead-letter topic (${reasons}).`,
    });
  }
  const level = findings.reduce<HealthLevel>((worst, f) => (RANK[f.level] > RANK[worst] ? f.level : worst), 'ok');
  findings.sort((a, b) => RANK[b.level] - RANK[a.level]);
  return { level, findings };
}
