import { Severity } from '../types';
import { Column } from '../data/align';
import { severityOf, SeverityThresholds } from './severity';

export interface AnomalyPoint {
  idx: number;
  time: number;
  value: number;
  score: number | null;
  severity: Exclude<Severity, 'normal'>;
}

/**
 * Observed samples the detector scored as anomalous (score ≥ threshold; or flagged when no score
 * series is present), with their severity for coloring.
 */
export function anomalyPoints(
  times: number[],
  observed: Column,
  score: Column | undefined,
  anomalous: Column | undefined,
  t: SeverityThresholds
): AnomalyPoint[] {
  const out: AnomalyPoint[] = [];
  for (let i = 0; i < times.length; i++) {
    const v = observed[i];
    if (v === null || v === undefined) {
      continue;
    }
    const s = score?.[i] ?? null;
    let sev: Severity;
    if (score) {
      sev = severityOf(s, t);
    } else {
      const a = anomalous?.[i];
      sev = a !== null && a !== undefined && a >= 0.5 ? 'minor' : 'normal';
    }
    if (sev !== 'normal') {
      out.push({ idx: i, time: times[i], value: v, score: s, severity: sev });
    }
  }
  return out;
}
