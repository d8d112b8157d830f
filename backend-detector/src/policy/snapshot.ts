/**
 * One version of the running policy, immutable: the processor takes one per batch, so all
 * points of a batch are judged by the same policy and a reload lands between batches.
 */
import type { Policy } from './parse';
import { NO_POLICY, resolveSeries, type SeriesPolicy } from './resolve';

export class PolicySnapshot {
  constructor(
    /** Rises with every applied policy (0: none). */
    readonly version: number,
    readonly policy: Policy | null
  ) {}

  resolve(labels: Readonly<Record<string, string>>): SeriesPolicy {
    return this.policy ? resolveSeries(this.policy, labels) : NO_POLICY;
  }
}

export const NO_POLICY_SNAPSHOT = new PolicySnapshot(0, null);
