import { RuleStatus, parseRules } from '../logic/alerts';
import { fetchJson } from './fetchJson';

export const ALERT_FOLDER = 'Anomaly Lens';

/** Rules of the Anomaly Lens folder with their current instances, from Grafana's rules API. */
export async function fetchAnomalyLensRules(): Promise<RuleStatus[]> {
  const body = await fetchJson('/api/prometheus/grafana/api/v1/rules');
  return parseRules(body, ALERT_FOLDER);
}
