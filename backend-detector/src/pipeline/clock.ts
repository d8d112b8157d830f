/**
 * Time as the pipeline sees it. Every part takes a Clock instead of reading Date.now or
 * setting timers itself, so unit tests drive time by hand (see test/support/manual-clock.ts).
 */
export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
  sleep(ms: number): Promise<void>;
  /** Call `fn` every `ms` until the returned function is called; never keeps the process alive. */
  every(ms: number, fn: () => void): () => void;
}

export const systemClock: Clock = {
  now: Date.now,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  every: (ms, fn) => {
    const timer = setInterval(fn, ms);
    timer.unref();
    return () => clearInterval(timer);
  },
};

/** Let the event loop run (I/O callbacks included) before going on. */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** True once `p` settles, false if `ms` pass first (waits that keep something alive in between). */
export function settlesWithin(p: Promise<unknown>, ms: number, clock: Clock): Promise<boolean> {
  return Promise.race([p.then(() => true), clock.sleep(ms).then(() => false)]);
}
