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
 * Anomaly events of the last `rangeMs`: only flagged steps are fetched (`anomalylens_anomalous > 0`),
 * which keeps the response small on a large fleet; the peak comes from the score at those steps.
 */
export async function loadAnomalyEvents(
  client: PrometheusClient,
  rangeMs: number,
  nowMs: number
): Promise<EventsResult> {
  const step = stepForRange(rangeMs);
  const fromMs = nowMs - rangeMs;
  const flagged = `(${OUTPUT_SERIES.anomalous} > 0)`;
  const [flags, scores] = await Promise.all([
    client.queryRange(flagged, fromMs, nowMs, step),
    client.queryRange(`${OUTPUT_SERIES.score} and ${flagged}`, fromMs, nowMs, step),
  ]);
  return {
    events: buildEvents(flags, scores, { stepMs: step * 1000, rangeEndMs: nowMs }),
    fromMs,
    toMs: nowMs,
    stepMs: step * 1000,
  };
}
