import { HEALTH_QUERIES, HealthQueryName, HealthResults, HealthSnapshot, toSnapshot } from '../logic/health';
import { PrometheusClient } from './prometheus';

/** Runs every stream-health instant query at the same evaluation time. */
export async function loadHealthSnapshot(client: PrometheusClient, nowMs: number): Promise<HealthSnapshot> {
  const names = Object.keys(HEALTH_QUERIES) as HealthQueryName[];
  const samples = await Promise.all(names.map((name) => client.query(HEALTH_QUERIES[name], nowMs)));
  const results = Object.fromEntries(names.map((name, i) => [name, samples[i]])) as HealthResults;
  return toSnapshot(results);
}
