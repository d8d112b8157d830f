import { createSeriesDetector } from '../../../src/model/detector';
import { CheckpointCapture, type CheckpointSlice } from '../../../src/pipeline/checkpoint-capture';
import { streamingDetectorCodec } from '../../../src/pipeline/detector-codec';
import {
  CheckpointFormatError,
  checkpointKey,
  decodeCheckpoint,
  encodeCheckpoint,
  encodeForestRecord,
  forestKey,
  joinForest,
  parseCheckpointKey,
  type SeriesCheckpoint,
} from '../../../src/pipeline/model-records';
import type { StateRecord } from '../../../src/pipeline/model-store';
import { OffsetTracker } from '../../../src/pipeline/offsets';
import { Processor, type RawMessage, type SampleSink } from '../../../src/pipeline/processor';
import { RecordingSink } from '../../support/recording-sink';

/** A sink's samples as `<output> <host> <ts> <value>` lines. */
const lines = (sink: RecordingSink): string[] =>
  sink.samples.map((s) => `${s.name} ${s.labels.host} ${s.ts} ${s.value}`);

const T = Date.UTC(2026, 10, 20);
const codec = streamingDetectorCodec();

function message(offset: number, host: string, i: number, partition = 0): RawMessage {
  const value = 50 + 10 * Math.sin(i / 7) + (i % 5) + (i === 150 ? 60 : 0);
  return {
    topic: 'metrics',
    partition,
    offset: String(offset),
    key: null,
    value: Buffer.from(JSON.stringify({ ts: T + i * 60_000, metric: 'cpu', value, labels: { host } })),
    timestamp: T,
  };
}

function processor(sink: SampleSink) {
  return new Processor(sink, {
    createDetector: () => createSeriesDetector(),
    maxMessageBytes: 10_000,
    maxSeries: 100,
    shards: 2,
  });
}

/** Messages of two hosts interleaved on partition 0, one host on partition 1. */
function stream(n: number): RawMessage[] {
  const out: RawMessage[] = [];
  for (let i = 0; i < n; i++) {
    out.push(message(2 * i, 'a', i), message(2 * i + 1, 'b', i), message(i, 'c', i, 1));
  }
  return out;
}

describe('checkpoint records', () => {
  const cp: SeriesCheckpoint = {
    sourceTopic: 'metrics',
    sourcePartition: 2,
    seriesKey: 'cpu\u0000host\u0001a',
    offset: '12345678901234',
    metric: 'cpu',
    labels: { host: 'a' },
    lastTimestamp: T,
    anomalous: true,
    counter: { value: 7, timestamp: T - 1000 },
    model: Buffer.from([1, 2, 3, 250]),
  };

  it('round-trips every field, including a series that never scored', () => {
    expect(decodeCheckpoint(encodeCheckpoint(cp))).toEqual({ ...cp, model: Buffer.from([1, 2, 3, 250]) });
    const fresh = decodeCheckpoint(encodeCheckpoint({ ...cp, lastTimestamp: -Infinity, counter: undefined }));
    expect(fresh.lastTimestamp).toBe(-Infinity);
    expect(fresh.counter).toBeUndefined();
  });

  it('rejects foreign, truncated, other-version and incomplete records', () => {
    const good = encodeCheckpoint(cp);
    expect(() => decodeCheckpoint(Buffer.from('{"json":true}'))).toThrow(CheckpointFormatError);
    expect(() => decodeCheckpoint(good.subarray(0, 20))).toThrow(/truncated/);
    const other = Buffer.from(good);
    other[4] = 99;
    expect(() => decodeCheckpoint(other)).toThrow(/framing version 99/);
    const meta = Buffer.from(JSON.stringify({ t: 'metrics' }));
    const head = Buffer.alloc(9);
    Buffer.from('ALCP').copy(head);
    head.writeUInt8(1, 4);
    head.writeUInt32BE(meta.length, 5);
    expect(() => decodeCheckpoint(Buffer.concat([head, meta]))).toThrow(/incomplete/);
  });

  it('keys name the source partition and the series, and parse back', () => {
    const key = checkpointKey('metrics', 3, cp.seriesKey);
    expect(parseCheckpointKey(key)).toEqual({
      topic: 'metrics',
      partition: 3,
      seriesKey: cp.seriesKey,
      kind: 'state',
    });
    const forest = forestKey('metrics', 3, cp.seriesKey);
    expect(forest).not.toBe(key);
    expect(parseCheckpointKey(forest)).toEqual({
      topic: 'metrics',
      partition: 3,
      seriesKey: cp.seriesKey,
      kind: 'forest',
    });
    expect(parseCheckpointKey('no separators')).toBeUndefined();
    expect(parseCheckpointKey('m\u00003:other\u0000k')).toBeUndefined();
  });

  it('stores the forest apart and puts it back; a wrong or missing forest is refused', () => {
    // A state whose last 4 bytes are its CRC and the 6 before them its forest.
    const model = Buffer.from([1, 2, 3, 4, 10, 11, 12, 13, 14, 15, 0xc0, 0xc1, 0xc2, 0xc3]);
    const split = { ...cp, model, forestBytes: 6 };
    const state = encodeCheckpoint(split);
    const forest = encodeForestRecord(split);
    const decoded = decodeCheckpoint(state);
    expect(decoded.forestBytes).toBe(6);
    expect([...decoded.model]).toEqual([1, 2, 3, 4, 0xc0, 0xc1, 0xc2, 0xc3]);
    expect([...joinForest(decoded, forest)]).toEqual([...model]);
    expect(() => joinForest(decoded, undefined)).toThrow(/forest record of this state is missing/);
    expect(() => joinForest(decoded, forest.subarray(0, forest.length - 1))).toThrow(
      /5 bytes, the state expects 6/
    );
    expect(() => joinForest(decoded, state)).toThrow(/not an Anomaly Lens forest record/);
    // Framing 1 (forest inside the state) is still read as it is.
    const v1 = Buffer.from(encodeCheckpoint(cp));
    v1[4] = 1;
    expect(joinForest(decodeCheckpoint(v1), undefined)).toEqual(cp.model);
  });
});

describe('Processor checkpoints', () => {
  it('a processor restored from checkpoints re-scores re-read points into identical samples', () => {
    const all = stream(300);
    const cut = 200 * 3; // messages processed before the checkpoint
    const crash = 260 * 3; // ... and before the crash

    // Uninterrupted run: the reference samples.
    const refSink = new RecordingSink();
    const ref = processor(refSink);
    const tracker = new OffsetTracker();
    for (const m of all) ref.process(m, 'native', tracker.open(m.topic, m.partition, m.offset));

    // Run until the crash, checkpointing both partitions at the cut.
    const sink = new RecordingSink();
    const first = processor(sink);
    const saved: Array<{ state: Buffer; forest?: Buffer }> = [];
    for (let i = 0; i < crash; i++) {
      const m = all[i];
      first.process(m, 'native', tracker.open(m.topic, m.partition, m.offset));
      if (i === cut - 1) {
        for (const p of [0, 1]) {
          const lastOffset = all
            .slice(0, cut)
            .filter((x) => x.partition === p)
            .at(-1)!.offset;
          for (const c of first.takeCheckpoints('metrics', p, () => lastOffset, codec))
            saved.push({
              state: encodeCheckpoint(c),
              forest: c.forestBytes ? encodeForestRecord(c) : undefined,
            });
        }
      }
    }
    expect(saved).toHaveLength(3);

    // Restart: restore, then re-read everything after the checkpoint.
    const restartedSink = new RecordingSink();
    const second = processor(restartedSink);
    for (const b of saved) {
      const c = decodeCheckpoint(b.state);
      // The state record alone lacks its forest (stored apart after a refit).
      expect(c.forestBytes).toBeGreaterThan(0);
      expect(() => codec.decode(c.model)).toThrow(/CRC|truncated|length/);
      second.restoreSeries(c, codec.decode(joinForest(c, b.forest)));
    }
    for (const m of all.slice(cut)) second.process(m, 'native', tracker.open(m.topic, m.partition, m.offset));
    expect(lines(restartedSink).length).toBeGreaterThan(0);
    // Every sample the restarted processor wrote equals the uninterrupted run's sample.
    const reference = new Set(lines(refSink));
    for (const s of lines(restartedSink)) expect(reference.has(s)).toBe(true);
    expect(lines(restartedSink)).toEqual(
      lines(refSink).slice(lines(refSink).length - lines(restartedSink).length)
    );
  });

  it('passes over re-read points a state already contains (checkpoint written, commit lost)', () => {
    const all = stream(120).filter((m) => m.partition === 0);
    const sink = new RecordingSink();
    const first = processor(sink);
    const tracker = new OffsetTracker();
    for (const m of all.slice(0, 100)) first.process(m, 'native', tracker.open(m.topic, 0, m.offset));
    const states = [...first.takeCheckpoints('metrics', 0, () => all[99].offset, codec)];
    const second = processor(new RecordingSink());
    const restartedSink = new RecordingSink();
    const restarted = processor(restartedSink);
    for (const c of states) restarted.restoreSeries(c, codec.decode(c.model));
    // The committed offset is older than the states: messages 80..119 are read again.
    for (const m of all.slice(80)) restarted.process(m, 'native', tracker.open(m.topic, 0, m.offset));
    for (const m of all) second.process(m, 'native', tracker.open(m.topic, 0, m.offset));
    // Only points after the checkpoint produce samples, exactly as the uninterrupted run did.
    expect(lines(restartedSink).length).toBeGreaterThan(0);
    const fresh = new RecordingSink();
    const uninterrupted = processor(fresh);
    for (const m of all) uninterrupted.process(m, 'native', tracker.open(m.topic, 0, m.offset));
    const afterCheckpoint = lines(fresh).filter((s) => Number(s.split(' ')[2]) >= T + 50 * 60_000);
    expect(lines(restartedSink)).toEqual(afterCheckpoint);
  });

  it('states taken in slices at different offsets restore from the first slice into identical samples', () => {
    // Three hosts on partition 0; slices of one state each (deadline 0), with messages
    // processed between the slices, so every state is at another offset.
    const part0 = (n: number) => {
      const out: RawMessage[] = [];
      for (let i = 0; i < n; i++)
        for (const [k, h] of ['a', 'b', 'd'].entries()) out.push(message(3 * i + k, h, i));
      return out;
    };
    const all = part0(260);
    const tracker = new OffsetTracker();
    const refSink = new RecordingSink();
    const ref = processor(refSink);
    for (const m of all) ref.process(m, 'native', tracker.open(m.topic, 0, m.offset));

    const first = processor(new RecordingSink());
    const capture = new CheckpointCapture(codec, 'metrics', 0);
    const sliceAt = [600, 607, 613]; // messages processed before each slice
    const slices: CheckpointSlice[] = [];
    let processed = 0;
    for (const upTo of sliceAt) {
      for (; processed < upTo; processed++)
        first.process(all[processed], 'native', tracker.open('metrics', 0, all[processed].offset));
      slices.push(capture.take(first, BigInt(all[processed - 1].offset) + 1n, 0));
    }
    expect(capture.done).toBe(false);
    expect(capture.take(first, BigInt(all[processed - 1].offset) + 1n, 0).records).toEqual([]);
    expect(capture.done).toBe(true);
    const records = slices.flatMap((sl) => sl.records);
    expect(slices.map((sl) => sl.offset)).toEqual([599n, 606n, 612n]);
    // Each slice: the series' forest (never written before), then its state.
    expect(records.map((r) => parseCheckpointKey(r.key)!.kind)).toEqual([
      'forest',
      'state',
      'forest',
      'state',
      'forest',
      'state',
    ]);
    expect(records.map((r) => r.headers?.['x-anomalylens-source-offset'])).toEqual([
      '599',
      '599',
      '606',
      '606',
      '612',
      '612',
    ]);
    expect(slices.every((sl) => sl.bytes === sl.records[0].value!.length + sl.records[1].value!.length)).toBe(
      true
    );
    expect(capture.firstOffset).toBe(599n);

    // Resume after the first slice's offset, as the committed offset says.
    const restartedSink = new RecordingSink();
    const second = processor(restartedSink);
    const byKey = new Map(records.map((r) => [r.key, r.value!]));
    for (const r of records) {
      const parsed = parseCheckpointKey(r.key)!;
      if (parsed.kind !== 'state') continue;
      const c = decodeCheckpoint(r.value!);
      second.restoreSeries(
        c,
        codec.decode(joinForest(c, byKey.get(forestKey('metrics', 0, parsed.seriesKey))))
      );
    }
    for (const m of all.slice(600)) second.process(m, 'native', tracker.open('metrics', 0, m.offset));
    // Each series re-scores exactly the points its state did not hold: the reference's last
    // samples, with no gap and no duplicate.
    for (const host of ['a', 'b', 'd']) {
      const mine = (xs: string[]) => xs.filter((x) => x.split(' ')[1] === host);
      const got = mine(lines(restartedSink));
      const want = mine(lines(refSink));
      expect(got.length).toBeGreaterThan(0);
      expect(got).toEqual(want.slice(want.length - got.length));
    }
    // Host a's state was taken at 599 (it holds points up to i = 199), b's at 606 (its last
    // offset 604, i = 201), d's at 612 (its last offset 611, i = 203): each resumes after
    // its own last point.
    const firstTs = (host: string) =>
      Number(
        lines(restartedSink)
          .find((x) => x.split(' ')[1] === host)!
          .split(' ')[2]
      );
    expect((firstTs('a') - T) / 60_000).toBe(200);
    expect((firstTs('b') - T) / 60_000).toBe(202);
    expect((firstTs('d') - T) / 60_000).toBe(204);
  });

  it('a slice of many states taken with the transient encoding holds each its own bytes', () => {
    // Two processors fed alike; one captures with the codec as is (states encoded into shared
    // memory, copied into records), the other with a codec that only has the copying encode.
    const copying = { ...codec, encodeTransient: undefined };
    expect(codec.encodeTransient).toBeDefined();
    const fed = () => {
      const p = processor(new RecordingSink());
      const tracker = new OffsetTracker();
      for (let i = 0; i < 90; i++)
        for (const [k, host] of ['a', 'b', 'd', 'e'].entries())
          p.process(message(4 * i + k, host, i + k), 'native', tracker.open('metrics', 0, String(4 * i + k)));
      return p;
    };
    const take = (c: typeof codec) => {
      const capture = new CheckpointCapture(c, 'metrics', 0);
      const slice = capture.take(fed(), 360n, Infinity);
      expect(capture.done).toBe(true);
      return slice.records;
    };
    const transient = take(codec);
    const copied = take(copying);
    // A forest and a state per series, all in one slice.
    expect(transient).toHaveLength(8);
    expect(transient.map((r) => r.key)).toEqual(copied.map((r) => r.key));
    transient.forEach((r, i) => expect(Buffer.compare(r.value!, copied[i].value!)).toBe(0));
    // Each series' records decode to its own detector (distinct states, none overwritten).
    const byKey = new Map(transient.map((r) => [r.key, r.value!]));
    const states = transient
      .filter((r) => parseCheckpointKey(r.key)!.kind === 'state')
      .map((r) => {
        const c = decodeCheckpoint(r.value!);
        return Buffer.from(
          codec.encode(codec.decode(joinForest(c, byKey.get(forestKey('metrics', 0, c.seriesKey)))))
        );
      });
    expect(new Set(states.map((b) => b.toString('hex'))).size).toBe(4);
  });

  it('writes a forest again only after a refit or a failed write', () => {
    const p = processor(new RecordingSink());
    const tracker = new OffsetTracker();
    let last: StateRecord[] = [];
    const kinds = () => {
      const capture = new CheckpointCapture(codec, 'metrics', 0);
      last = [];
      while (!capture.done) last.push(...capture.take(p, 1n, Infinity).records);
      return last.map((r) => parseCheckpointKey(r.key)!.kind);
    };
    let i = 0;
    const feed = (n: number) => {
      for (const end = i + n; i < end; i++)
        p.process(message(i, 'a', i), 'native', tracker.open('metrics', 0, String(i)));
    };
    feed(40); // warming up: no forest yet
    expect(kinds()).toEqual(['state']);
    feed(30); // first fit at 64
    expect(kinds()).toEqual(['forest', 'state']);
    feed(10); // no refit (next at 128)
    expect(kinds()).toEqual(['state']);
    p.markDirty('metrics', 0); // the last write failed: write the forest again
    expect(kinds()).toEqual(['forest', 'state']);
    const oldForest = last[0].value!;
    feed(50); // refit at 128
    expect(kinds()).toEqual(['forest', 'state']);
    const [newForest, newState] = last.map((r) => r.value!);
    const state = decodeCheckpoint(newState);
    expect(codec.decode(joinForest(state, newForest)).fits).toBe(0);
    // The state with the forest of before the refit is refused, never misread.
    expect(() => codec.decode(joinForest(state, oldForest))).toThrow(/bytes, the state expects|CRC/);
    feed(5);
    expect(kinds()).toEqual(['state']);

    // Restored series: from a record with its forest apart, the forest is in the topic
    // already; from a framing-1 record (forest inside) it is not, so it is written next time.
    p.markDirty('metrics', 0);
    const records = new Map<string, Buffer>();
    kinds();
    for (const r of last) records.set(parseCheckpointKey(r.key)!.kind, r.value!);
    const split = decodeCheckpoint(records.get('state')!);
    const whole = codec.decode(joinForest(split, records.get('forest')));
    const restoredKinds = (cp: SeriesCheckpoint) => {
      const q = processor(new RecordingSink());
      q.restoreSeries(cp, codec.decode(codec.encode(whole)));
      q.process(message(i, 'a', i), 'native', tracker.open('metrics', 0, String(i)));
      const capture = new CheckpointCapture(codec, 'metrics', 0);
      const out: string[] = [];
      while (!capture.done)
        for (const r of capture.take(q, BigInt(i) + 1n, Infinity).records)
          out.push(parseCheckpointKey(r.key)!.kind);
      return out;
    };
    expect(restoredKinds(split)).toEqual(['state']);
    expect(restoredKinds({ ...split, forestBytes: undefined })).toEqual(['forest', 'state']);
  });

  it('forgets idle series of one partition only, and marks a partition dirty again', () => {
    let now = 1_000_000;
    const p = new Processor(
      new RecordingSink(),
      { createDetector: () => createSeriesDetector(), maxMessageBytes: 10_000, maxSeries: 100, shards: 1 },
      {},
      () => now
    );
    const tracker = new OffsetTracker();
    p.process(message(0, 'a', 0), 'native', tracker.open('metrics', 0, '0'));
    p.process(message(0, 'c', 0, 1), 'native', tracker.open('metrics', 1, '0'));
    now += 10_000;
    expect(p.evictIdleOf('metrics', 0, 5_000)).toEqual(['cpu\u0000host\u0001a']);
    expect(p.activeSeries).toBe(1);
    expect([...p.takeCheckpoints('metrics', 1, () => '0', codec)]).toHaveLength(1);
    expect([...p.takeCheckpoints('metrics', 1, () => '0', codec)]).toHaveLength(0);
    p.markDirty('metrics', 1);
    expect([...p.takeCheckpoints('metrics', 1, () => '0', codec)]).toHaveLength(1);
  });
});

describe('OffsetTracker.whenAcknowledgedThrough', () => {
  it('waits only for batches ending at or before the offset, not for later ones', async () => {
    const t = new OffsetTracker();
    await expect(t.whenAcknowledgedThrough('m', 0, 10n)).resolves.toBe(true);
    const a = t.open('m', 0, '9');
    a.expect(1);
    a.seal();
    const b = t.open('m', 0, '19');
    b.expect(1);
    b.seal();
    let through9: boolean | undefined;
    void t.whenAcknowledgedThrough('m', 0, 9n).then((v) => (through9 = v));
    // The later batch finishing first does not release a wait on the earlier one.
    b.ack(1);
    await Promise.resolve();
    expect(through9).toBeUndefined();
    a.ack(1);
    await Promise.resolve();
    expect(through9).toBe(true);
    const c = t.open('m', 0, '29');
    c.expect(1);
    c.seal();
    // Everything through 19 is acknowledged although batch 20..29 is still open.
    await expect(t.whenAcknowledgedThrough('m', 0, 19n)).resolves.toBe(true);
    const pending = t.whenAcknowledgedThrough('m', 0, 29n);
    t.reset();
    await expect(pending).resolves.toBe(false);
  });
});
