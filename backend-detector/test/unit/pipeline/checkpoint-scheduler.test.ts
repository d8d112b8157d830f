import { CheckpointScheduler, type CheckpointRun } from '../../../src/pipeline/checkpoint-scheduler';
import { partitionKey, type PartitionKey, type TopicPartition } from '../../../src/pipeline/partition-key';
import { ManualClock, settle } from '../../support/manual-clock';

const tp = (partition: number): TopicPartition => ({ topic: 'metrics', partition });

/** A scheduler over fake partitions whose checkpoints the test finishes by hand. */
function setup(intervalMs = 1000) {
  const clock = new ManualClock();
  const positions = new Map<PartitionKey, bigint>();
  const runs: Array<{
    partition: number;
    final: boolean;
    lastNext?: bigint;
    finish: (r: Awaited<ReturnType<CheckpointRun>>) => void;
  }> = [];
  const run: CheckpointRun = (t, _generation, last, final) =>
    new Promise((finish) => runs.push({ partition: t.partition, final, lastNext: last.next, finish }));
  const scheduler = new CheckpointScheduler(intervalMs, clock, (k) => positions.get(k), run);
  const moveTo = (partition: number, next: bigint) => positions.set(partitionKey('metrics', partition), next);
  return { clock, scheduler, runs, moveTo };
}

describe('CheckpointScheduler', () => {
  it('spreads the first checkpoints of a join over the interval', async () => {
    const { clock, scheduler, runs, moveTo } = setup(1000);
    scheduler.assign([tp(0), tp(1), tp(2), tp(3)]);
    for (let p = 0; p < 4; p++) moveTo(p, 10n);
    const dueAt: number[][] = [];
    for (let t = 0; t < 5; t++) {
      scheduler.due(1);
      await settle();
      dueAt.push(runs.map((r) => r.partition));
      for (const r of runs.splice(0)) r.finish({ committed: 10n });
      await settle();
      await clock.advance(250);
    }
    // Partition i's first checkpoint is due i quarters of the interval early.
    expect(dueAt).toEqual([[], [3], [2], [1], [0]]);
  });

  it('skips partitions not processed since their last checkpoint, and those not processed at all', async () => {
    const { clock, scheduler, runs, moveTo } = setup(1000);
    scheduler.assign([tp(0), tp(1)]);
    moveTo(0, 5n);
    await clock.advance(1000);
    scheduler.due(1);
    await settle();
    expect(runs.map((r) => r.partition)).toEqual([0]);
    runs[0].finish({ committed: 5n });
    runs.splice(0);
    await settle();
    await clock.advance(1000);
    scheduler.due(1);
    await settle();
    expect(runs).toEqual([]);
    moveTo(0, 6n);
    await clock.advance(1000);
    scheduler.due(1);
    await settle();
    expect(runs.map((r) => [r.partition, r.lastNext])).toEqual([[0, 5n]]);
  });

  it('runs checkpoints one at a time and never queues a partition twice', async () => {
    const { clock, scheduler, runs, moveTo } = setup(1000);
    scheduler.assign([tp(0), tp(1)]);
    moveTo(0, 1n);
    moveTo(1, 1n);
    await clock.advance(2000);
    const first = scheduler.schedule(partitionKey('metrics', 0), 1);
    const again = scheduler.schedule(partitionKey('metrics', 0), 1);
    const second = scheduler.schedule(partitionKey('metrics', 1), 1);
    await settle();
    expect(runs.map((r) => r.partition)).toEqual([0]);
    await expect(again).resolves.toBe(false);
    runs[0].finish({ committed: 1n });
    await expect(first).resolves.toBe(true);
    await settle();
    expect(runs.map((r) => r.partition)).toEqual([0, 1]);
    runs[1].finish({ ok: false });
    await expect(second).resolves.toBe(false);
  });

  it('at shutdown, checkpoints every partition after the queued ones finish', async () => {
    const { scheduler, runs, moveTo } = setup(1000);
    scheduler.assign([tp(0), tp(1)]);
    moveTo(0, 3n);
    moveTo(1, 4n);
    const queued = scheduler.schedule(partitionKey('metrics', 1), 1);
    const all = scheduler.all(1);
    await settle();
    expect(runs.map((r) => [r.partition, r.final])).toEqual([[1, false]]);
    runs[0].finish({ ok: false });
    await queued;
    await settle();
    expect(runs.map((r) => [r.partition, r.final])).toEqual([
      [1, false],
      [0, true],
    ]);
    runs[1].finish({ committed: 3n });
    await settle();
    expect(runs.map((r) => [r.partition, r.final])).toEqual([
      [1, false],
      [0, true],
      [1, true],
    ]);
    runs[2].finish({ committed: 4n });
    await all;
  });

  it('forgets the partitions of the previous join', async () => {
    const { clock, scheduler, runs, moveTo } = setup(1000);
    scheduler.assign([tp(0)]);
    scheduler.assign([tp(1)]);
    moveTo(0, 1n);
    moveTo(1, 1n);
    await clock.advance(1000);
    scheduler.due(2);
    await settle();
    expect(runs.map((r) => r.partition)).toEqual([1]);
    runs[0].finish({ committed: 1n });
    await expect(scheduler.schedule(partitionKey('metrics', 0), 2)).resolves.toBe(true);
    expect(runs).toHaveLength(1);
  });
});
