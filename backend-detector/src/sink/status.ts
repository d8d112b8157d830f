/** How the remote-write client reads a response status (Prometheus's own client rules). */
export type Disposition = 'ok' | 'retry' | 'reject';

export function classifyStatus(status: number): Disposition {
  if (status >= 200 && status < 300) return 'ok';
  if (status === 429 || status >= 500) return 'retry';
  // Refused credentials say nothing about the samples: dropping them would lose every point
  // until someone fixes the password. Retry (consumption pauses, offsets stay uncommitted) instead.
  if (isAuthFailure(status)) return 'retry';
  return 'reject';
}

export function isAuthFailure(status: number): boolean {
  return status === 401 || status === 403;
}

/** Honour a numeric Retry-After (seconds) on 429/503, within the backoff ceiling. */
export function retryAfterMs(header: string | undefined, maxMs: number): number | undefined {
  if (!header) return undefined;
  const s = Number(header);
  if (!Number.isFinite(s) || s < 0) return undefined;
  return Math.min(maxMs, s * 1000);
}
