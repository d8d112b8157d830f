import type { Clock } from '../../src/pipeline/clock';

interface Timer {
  at: number;
  fire: () => void;
  every?: number;
}

/** A Clock that moves only when a test says so; sleeps and intervals fire in time order. */
export class ManualClock implements Clock {
  private t: number;
  private timers: Timer[] = [];

  constructor(start = 1_700_000_000_000) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.timers.push({ at: this.t + ms, fire: resolve }));
  }

  every(ms: number, fn: () => void): () => void {
    const timer: Timer = { at: this.t + ms, fire: fn, every: ms };
    this.timers.push(timer);
    return () => (this.timers = this.timers.filter((x) => x !== timer));
  }

  /** Move time forward by `ms`, firing what falls due on the way and letting promises settle after each. */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      await settle();
      const next = this.timers.filter((x) => x.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!next) break;
      this.t = next.at;
      if (next.every) next.at += next.every;
      else this.timers = this.timers.filter((x) => x !== next);
      next.fire();
    }
    this.t = end;
    await settle();
  }
}

/** Let every pending promise callback (and setImmediate turn) run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
}
