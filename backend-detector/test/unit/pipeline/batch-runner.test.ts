import type { EachBatchPayload } from 'kafkajs';
import { DetectorMetrics } from '../../../src/health/metrics';
import { Assignment } from '../../../src/pipeline/assignment';
import { BatchRunner, type BatchRunnerDeps } from '../../../src/pipeline/batch-runner';
import { OffsetTracker, type Ticket } from '../../../src/pipeline/offsets';
import { PartitionLock } from '../../../src/pipeline/partition-lock';
import { partitionKey } from '../../../src/pipeline/partition-key';
import type { DeadLetter, RawMessage } from '../../../src/pipeline/processor';
import { StreamHealth } from '../../../src/pipeline/stream-health';
import { ManualClock, settle } from '../../support/manual-clock';

const TOPIC = 'metrics';

/** A fetched batch of `n` messages from `first`, recording what kafkajs is told. */
function payload(partition: number, first: number, n: number, highWatermark = first + n + 5) {
  const resolved: string[] = [];
  let heartbeats = 0;
  let running = true;
  const messages = Array.from({ length: n }, (_, i) => ({
    offset: String(first + i),
    key: null,
    value: Buffer.from(`m${first + i}`),
    timestamp: '1700000000000',
    headers: {},
    attributes: 0,
  }));
  const p = {
    batch: {
      topic: TOPIC,
      partition,
      highWatermark: String(highWatermark),
      messages,
      isEmpty: () => messages.length === 0,
      lastOffset: () => messages[messages.length - 1].offset,
    },
    resolveOffset: (o: string) => void resolved.push(o),
    heartbeat: async () => void heartbeats++,
    isRunning: () => running,
    isStale: () => false,
  } as unknown as EachBatchPayload;
  return { p, resolved, heartbeats: () => heartbeats, stopRunning: () => (running = false) };
}

/** A runner over fakes of the processor, sink, dead letters and lag, and real bookkeeping. */
function setup(over: Partial<BatchRunnerDeps> = {}) {
  const clock = new ManualClock();
  const health = new StreamHealth(clock);
  const assignment = new Assignment();
  assignment.join({ [TOPIC]: [0, 1] });
  const tracker = new OffsetTracker();
  const seen: string[] = [];
  const tickets: Ticket[] = [];
  let onMessage: (m: RawMessage) => DeadLetter | undefined = () => undefined;
  const sink = { hasCapacity: true };
  const waits: number[] = [];
  const lag: Array<[number, bigint]> = [];
  const letters: DeadLetter[][] = [];
  let keepLetters = true;
  const deps: BatchRunnerDeps = {
    formats: new Map([[TOPIC, 'native']]),
    processor: {
      process: (m, _format, ticket) => {
        seen.push(m.offset);
        if (!tickets.includes(ticket as Ticket)) tickets.push(ticket as Ticket);
        (ticket as Ticket).expect(6);
        return onMessage(m);
      },
    },
    sink,
    tracker,
    assignment,
    lock: new PartitionLock(clock),
    backpressure: {
      waitForSink: async () => {
        waits.push(seen.length);
        sink.hasCapacity = true;
      },
    },
    deadLetter: async (l) => {
      letters.push(l);
      return keepLetters;
    },
    lag: { set: (_t, partition, n) => void lag.push([partition, n]) },
    health,
    afterBatch: () => undefined,
    clock,
    metrics: new DetectorMetrics(false),
    ...over,
  };
  const runner = new BatchRunner(deps);
  return {
    ...{ runner, clock, health, assignment, tracker, seen, tickets, sink, waits, lag, letters },
    onMessage: (f: typeof onMessage) => (onMessage = f),
    refuseLetters: () => (keepLetters = false),
  };
}

describe('BatchRunner', () => {
  it('processes a batch, resolves its last offset, and commits it only once the sink acknowledged it', async () => {
    const s = setup();
    const b = payload(0, 100, 3, 110);
    await s.runner.eachBatch(b.p);
    expect(s.seen).toEqual(['100', '101', '102']);
    expect(b.resolved).toEqual(['102']);
    expect(s.assignment.position(partitionKey(TOPIC, 0))).toBe(103n);
    expect(s.lag).toEqual([[0, 7n]]);
    expect(s.health.lastMessageAt).toBe(s.clock.now());
    expect(s.tracker.takeCommittable()).toEqual([]);
    s.tickets[0].ack(18);
    expect(s.tracker.takeCommittable()).toEqual([{ topic: TOPIC, partition: 0, offset: '103' }]);
    expect(s.runner.active).toBe(0);
  });

  it('holds the batch while the sink is full, then goes on', async () => {
    const s = setup();
    s.onMessage((m) => {
      if (m.offset === '1') s.sink.hasCapacity = false;
      return undefined;
    });
    const b = payload(0, 0, 4);
    await s.runner.eachBatch(b.p);
    expect(s.waits).toEqual([2]);
    expect(s.seen).toEqual(['0', '1', '2', '3']);
    expect(b.resolved).toEqual(['3']);
  });

  it('stops at a shutdown mid-batch and seals the ticket at the last message processed', async () => {
    const s = setup();
    s.onMessage((m) => {
      if (m.offset === '11') s.health.stopping = true;
      return undefined;
    });
    const b = payload(0, 10, 5);
    await s.runner.eachBatch(b.p);
    expect(s.seen).toEqual(['10', '11']);
    expect(b.resolved).toEqual(['11']);
    s.tickets[0].ack(12);
    expect(s.tracker.takeCommittable()).toEqual([{ topic: TOPIC, partition: 0, offset: '12' }]);
  });

  it('drops the rest of a batch once a rebalance started a new generation', async () => {
    const s = setup();
    s.onMessage((m) => {
      if (m.offset === '0') s.assignment.join({ [TOPIC]: [1] });
      return undefined;
    });
    const b = payload(0, 0, 3);
    await s.runner.eachBatch(b.p);
    expect(s.seen).toEqual(['0']);
    expect(b.resolved).toEqual(['0']);
    // Nothing of the old generation is left to commit into the new one's bookkeeping.
    expect(s.assignment.position(partitionKey(TOPIC, 0))).toBe(1n);
  });

  it('keeps dead letters before the offset moves, and holds the offset when they could not be kept', async () => {
    const s = setup();
    s.onMessage((m) =>
      m.offset === '5' ? { message: m, reason: 'invalid_json', detail: 'bad' } : undefined
    );
    const ok = payload(0, 4, 3);
    await s.runner.eachBatch(ok.p);
    expect(s.letters.map((l) => l.map((d) => d.message.offset))).toEqual([['5']]);
    expect(ok.resolved).toEqual(['6']);
    s.refuseLetters();
    const held = payload(1, 4, 3);
    await s.runner.eachBatch(held.p);
    expect(held.resolved).toEqual([]);
    expect(s.assignment.position(partitionKey(TOPIC, 1))).toBeUndefined();
  });

  it('waits for the partition states to load before the first batch', async () => {
    let loaded!: () => void;
    const loading = new Promise<void>((r) => (loaded = r));
    const s = setup({ restorer: { ready: () => loading } });
    const b = payload(1, 0, 2);
    const run = s.runner.eachBatch(b.p);
    await settle();
    expect([s.seen, s.runner.active]).toEqual([[], 1]);
    loaded();
    await run;
    expect(s.seen).toEqual(['0', '1']);
  });

  it('runs batches of one partition one after another', async () => {
    const s = setup();
    const order: string[] = [];
    s.onMessage((m) => void order.push(m.offset));
    const a = payload(0, 0, 200);
    const b = payload(0, 200, 2);
    await Promise.all([s.runner.eachBatch(a.p), s.runner.eachBatch(b.p)]);
    expect(order).toEqual(Array.from({ length: 202 }, (_, i) => String(i)));
    expect([a.resolved, b.resolved]).toEqual([['199'], ['201']]);
  });
});
