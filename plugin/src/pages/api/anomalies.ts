import { OUTPUT_SERIES } from '../metrics';
import { AnomalyEvent, buildEvents } from '../logic/events';
import { PrometheusClient, stepForRange } from './prometheus';

export interface EventsResult {
  events: AnomalyEvent[];
  fromMs: number;
  toMs: number;
  stepMs: number;
}

/**
 * Anomaly events of the last `rangeMs`: only flagged steps are fetched, which keeps the response
 * small on a large fleet. Each step covers the whole step window (max_over_time over one step), so
 * an event or a peak between two evaluation points is not missed at coarse resolutions.
 */
export async function loadAnomalyEvents(
  client: PrometheusClient,
  rangeMs: number,
  nowMs: number
): Promise<EventsResult> {
  const step = stepForRange(rangeMs);
  const fromMs = nowMs - rangeMs;
  const queries = anomalyQueries(step);
  const [flags, scores] = await Promise.all([
    client.queryRange(queries.flags, fromMs, nowMs, step),
    client.queryRange(queries.peaks, fromMs, nowMs, step),
  ]);
  return {
    events: buildEvents(flags, scores, { stepMs: step * 1000, rangeStartMs: fromMs, rangeEndMs: nowMs }),
    fromMs,
    toMs: nowMs,
    stepMs: step * 1000,
  };
}

export function anomalyQueries(stepSeconds: number): { flags: string; peaks: string } {
  const flags = `(max_over_time(${OUTPUT_SERIES.anomalous}[${stepSeconds}s]) > 0)`;
  return { flags, peaks: `max_over_time(${OUTPUT_SERIES.score}[${stepSeconds}s]) and ${flags}` };
}
