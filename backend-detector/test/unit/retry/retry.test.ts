import { backoffDelay, sleep, RetryAbortedError, untilAborted } from '../../../src/retry/retry';
import { classifyStatus, retryAfterMs } from '../../../src/sink/status';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

describe('retry policy', () => {
  it('grows exponentially with jitter between half and the full ceiling, capped', () => {
    const o = (r: number) => ({ initialMs: 100, maxMs: 1000, random: () => r });
    expect([0, 1, 2, 3, 4, 10].map((a) => backoffDelay(a, o(0)))).toEqual([50, 100, 200, 400, 500, 500]);
    expect([0, 1, 2, 3, 4, 10].map((a) => backoffDelay(a, o(1)))).toEqual([100, 200, 400, 800, 1000, 1000]);
  });

  it('classifies statuses like Prometheus remote write, but retries refused credentials', () => {
    expect([200, 204, 400, 401, 403, 404, 413, 429, 500, 503].map(classifyStatus)).toEqual([
      'ok',
      'ok',
      'reject',
      'retry',
      'retry',
      'reject',
      'reject',
      'retry',
      'retry',
      'retry',
    ]);
  });

  it('reads numeric Retry-After within the ceiling', () => {
    expect(retryAfterMs('2', 30000)).toBe(2000);
    expect(retryAfterMs('120', 30000)).toBe(30000);
    expect(retryAfterMs('Wed, 21 Oct 2015 07:28:00 GMT', 30000)).toBeUndefined();
    expect(retryAfterMs(undefined, 30000)).toBeUndefined();
  });

  it('sleep ends early when aborted', async () => {
    const ac = new AbortController();
    const p = sleep(60000, ac.signal);
    ac.abort();
    await expect(p).rejects.toBeInstanceOf(RetryAbortedError);
  });

  it('untilAborted gives the value, or false once aborted', async () => {
    const ac = new AbortController();
    await expect(untilAborted(Promise.resolve(7), ac.signal)).resolves.toBe(7);
    await expect(untilAborted(Promise.reject(new Error('boom')), ac.signal)).rejects.toThrow('boom');
    const waiting = untilAborted(new Promise<number>(() => undefined), ac.signal);
    ac.abort();
    await expect(waiting).resolves.toBe(false);
    await expect(untilAborted(Promise.resolve(7), ac.signal)).resolves.toBe(false);
  });

  it('untilAborted keeps nothing alive once its promise settles; a race against a pending promise does', async () => {
    const ac = new AbortController();
    const pendingUntilAbort = new Promise<void>((resolve) =>
      ac.signal.addEventListener('abort', () => resolve())
    );
    // As in a checkpoint: the waiting code's scope holds a large value (a slice of states).
    function raceWait(held: Uint8Array): Promise<unknown> {
      const hold = () => held.length;
      void hold;
      return Promise.race([Promise.resolve(true), pendingUntilAbort.then(() => false)]);
    }
    function untilAbortedWait(held: Uint8Array): Promise<unknown> {
      const hold = () => held.length;
      void hold;
      return untilAborted(Promise.resolve(true), ac.signal);
    }
    async function stillAlive(wait: (held: Uint8Array) => Promise<unknown>): Promise<boolean> {
      let ref!: WeakRef<Uint8Array>;
      await (async () => {
        const held = new Uint8Array(1 << 20);
        ref = new WeakRef(held);
        await wait(held);
      })();
      for (let i = 0; i < 3; i++) {
        gc();
        await new Promise((r) => setTimeout(r, 10));
      }
      return ref.deref() !== undefined;
    }
    expect(await stillAlive(raceWait)).toBe(true);
    expect(await stillAlive(untilAbortedWait)).toBe(false);
    ac.abort();
  });
});
