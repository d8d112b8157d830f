/**
 * The one retry/backoff policy of the detector: exponential backoff with "equal
 * jitter" (half fixed, half random) so that many detectors recovering from the same
 * outage do not retry in lockstep, capped at `maxMs`.
 */
export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  /** Injected for tests; Math.random by default. */
  random?: () => number;
}

export function backoffDelay(attempt: number, opts: BackoffOptions): number {
  const ceiling = Math.min(opts.maxMs, opts.initialMs * 2 ** Math.min(attempt, 30));
  const r = (opts.random ?? Math.random)();
  return Math.round(ceiling / 2 + (ceiling / 2) * r);
}

export class RetryAbortedError extends Error {
  constructor() {
    super('retry aborted');
    this.name = 'RetryAbortedError';
  }
}

/** Sleep that ends early (rejecting) when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new RetryAbortedError());
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new RetryAbortedError());
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * `p`, or false as soon as `signal` aborts. Unlike a race against a promise that stays
 * pending until the abort, nothing is left behind once `p` settles: such a race keeps its
 * callbacks, and every variable of the scopes they were made in, alive until the abort.
 */
export function untilAborted<T>(p: Promise<T>, signal: AbortSignal): Promise<T | false> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve, reject) => {
    const onAbort = () => resolve(false);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e instanceof Error ? e : new Error(String(e)));
      }
    );
  });
}
