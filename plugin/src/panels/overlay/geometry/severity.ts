import { Severity } from '../types';

export interface SeverityThresholds {
  scoreThreshold: number;
  majorScore: number;
  criticalScore: number;
}

/** Severity of one score: below the threshold normal, then minor < major < critical. */
export function severityOf(score: number | null | undefined, t: SeverityThresholds): Severity {
  if (score === null || score === undefined || !Number.isFinite(score) || score < t.scoreThreshold) {
    return 'normal';
  }
  if (score >= t.criticalScore) {
    return 'critical';
  }
  if (score >= t.majorScore) {
    return 'major';
  }
  return 'minor';
}

const RANK: Record<Severity, number> = { normal: 0, minor: 1, major: 2, critical: 3 };

export function worstSeverity(a: Severity, b: Severity): Severity {
  return RANK[a] >= RANK[b] ? a : b;
}

/** Grafana palette names, resolved through the theme so light and dark themes both read well. */
export const SEVERITY_COLOR_NAME: Record<Severity, string> = {
  normal: 'green',
  minor: 'yellow',
  major: 'orange',
  critical: 'red',
};
