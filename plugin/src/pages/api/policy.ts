import { PolicyAnswers, PolicyQueryName, PolicyStatus, POLICY_QUERIES, policyStatus } from '../logic/policy';
import { PrometheusClient } from './prometheus';

/** The detector policy's state, from its self-metrics in the app's Prometheus. */
export async function loadPolicyStatus(client: PrometheusClient, nowMs: number): Promise<PolicyStatus> {
  const names = Object.keys(POLICY_QUERIES) as PolicyQueryName[];
  const results = await Promise.all(names.map((name) => client.query(POLICY_QUERIES[name], nowMs)));
  const answers = Object.fromEntries(names.map((name, i) => [name, results[i]])) as PolicyAnswers;
  return policyStatus(answers);
}
