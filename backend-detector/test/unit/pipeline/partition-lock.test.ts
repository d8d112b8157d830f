import { PartitionLock } from '../../../src/pipeline/partition-lock';
import { partitionKey } from '../../../src/pipeline/partition-key';
import { ManualClock, settle } from '../../support/manual-clock';

/** A promise and its resolver, to hold a lock holder at a chosen point. */
function gate(): { open: () => void; opened: Promise<void> } {
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  return { open, opened };
}

describe('PartitionLock', () => {
  const p0 = partitionKey('metrics', 0);
  const p1 = partitionKey('metrics', 1);

  it('runs the work of one partition one at a time, in arrival order', async () => {
    const lock = new PartitionLock(new ManualClock());
    const order: string[] = [];
    const first = gate();
    const a = lock.run(p0, async () => {
      order.push('a:start');
      await first.opened;
      order.push('a:end');
    });
    const b = lock.run(p0, async () => void order.push('b'));
    const c = lock.run(p0, async () => void order.push('c'));
    await settle();
    expect(order).toEqual(['a:start']);
    first.open();
    await Promise.all([a, b, c]);
    expect(order).toEqual(['a:start', 'a:end', 'b', 'c']);
    expect(lock.busy).toBe(0);
  });

  it('does not hold up other partitions', async () => {
    const lock = new PartitionLock(new ManualClock());
    const held = gate();
    const order: string[] = [];
    const a = lock.run(p0, async () => {
      await held.opened;
      order.push('p0');
    });
    await lock.run(p1, async () => void order.push('p1'));
    expect(order).toEqual(['p1']);
    held.open();
    await a;
    expect(order).toEqual(['p1', 'p0']);
  });

  it('lets the next holder in after a holder throws', async () => {
    const lock = new PartitionLock(new ManualClock());
    await expect(lock.run(p0, async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(lock.run(p0, async () => 7)).resolves.toBe(7);
    expect(lock.busy).toBe(0);
  });

  it('keeps a waiter alive every second and reports the hold as backpressure until it gets in', async () => {
    const clock = new ManualClock();
    const holds: number[] = [];
    const lock = new PartitionLock(clock, (d) => holds.push(d));
    const held = gate();
    const a = lock.run(p0, () => held.opened);
    let keptAlive = 0;
    let ran = false;
    const b = lock.run(
      p0,
      async () => void (ran = true),
      async () => void keptAlive++
    );
    await clock.advance(999);
    expect([keptAlive, holds]).toEqual([0, []]);
    await clock.advance(1);
    expect([keptAlive, holds]).toEqual([1, [1]]);
    await clock.advance(2000);
    expect([keptAlive, holds, ran]).toEqual([3, [1], false]);
    held.open();
    await Promise.all([a, b]);
    expect([ran, holds]).toEqual([true, [1, -1]]);
  });

  it('reports no backpressure for a waiter that gets in within a second', async () => {
    const clock = new ManualClock();
    const holds: number[] = [];
    const lock = new PartitionLock(clock, (d) => holds.push(d));
    const held = gate();
    const a = lock.run(p0, () => held.opened);
    const b = lock.run(
      p0,
      async () => 1,
      async () => undefined
    );
    await clock.advance(500);
    held.open();
    await Promise.all([a, b]);
    expect(holds).toEqual([]);
  });
});
