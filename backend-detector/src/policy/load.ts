/**
 * Reading a policy file: its bytes, their hash (what `anomalylens_detector_policy_info`
 * and /api/status show, so one can tell which file a detector runs) and the parsed policy.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { parsePolicy, PolicyError, type Policy } from './parse';

export interface LoadedPolicy {
  path: string;
  /** First 12 hex digits of the SHA-256 of the file's bytes. */
  hash: string;
  policy: Policy;
}

/** Throws PolicyError (line 0 when the file cannot be read) with the file named. */
export function loadPolicyFile(file: string): LoadedPolicy {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    throw new PolicyError(file, 0, '', `cannot read the policy file: ${(e as Error).message}`);
  }
  const hash = createHash('sha256').update(bytes).digest('hex').slice(0, 12);
  return { path: file, hash, policy: parsePolicy(bytes.toString('utf8'), file) };
}
