import { NetworkError, type WriteResponse } from '../../../src/sink/client';
import { decodeWriteRequest, type Label, type TimeSeries } from '../../../src/sink/proto';
import { labelSetRecord, type LabelSetRecord } from '../../../src/sink/encode';
import { RemoteWriteSink, type AckTarget, type Writer } from '../../../src/sink/sink';

/**
 * A scripted remote-write endpoint: each request waits for the test to answer it. Requests
 * are kept as protobufjs decodes their bytes, so every assertion on them checks the wire format.
 */
class ScriptedWriter implements Writer {
  requests: TimeSeries[][] = [];
  private answers: Array<(r: WriteResponse | Error) => void> = [];
  writeEncoded(request: Buffer): Promise<WriteResponse> {
    this.requests.push(decodeWriteRequest(request).timeseries);
    return new Promise((resolve, reject) => {
      this.answers.push((r) => (r instanceof Error ? reject(r) : resolve(r)));
    });
  }
  get waiting(): number {
    return this.answers.length;
  }
  answer(r: WriteResponse | Error = { status: 204, body: '' }): void {
    const a = this.answers.shift();
    if (!a) throw new Error('no request waiting');
    a(r);
  }
}

class Ticket implements AckTarget {
  acked = 0;
  ack(n: number): void {
    this.acked += n;
  }
}

const tick = () => new Promise((r) => setTimeout(r, 5));
const labels = (i: number): Label[] => [{ name: '__name__', value: `s${i}` }];
/** Output series s<i>, as the processor queues it (a fresh label set per call). */
const series = (i: number): LabelSetRecord => labelSetRecord(labels(i));
const samples = (reqs: TimeSeries[][]) => reqs.map((r) => r.reduce((n, ts) => n + ts.samples.length, 0));

function makeSink(
  writer: Writer,
  over: Partial<ConstructorParameters<typeof RemoteWriteSink>[1]> = {},
  events = {}
) {
  return new RemoteWriteSink(
    writer,
    {
      shards: 1,
      batchSamples: 3,
      flushMs: 30,
      maxPendingSamples: 100,
      backoff: { initialMs: 1, maxMs: 4, random: () => 0 },
      ...over,
    },
    events
  );
}

describe('RemoteWriteSink', () => {
  it('sends full batches at once and a partial batch after flushMs, one request in flight per shard', async () => {
    const w = new ScriptedWriter();
    // flushMs well above the test's own pauses, so a slow machine cannot fire it early.
    const sink = makeSink(w, { flushMs: 300 });
    const t = new Ticket();
    for (let i = 0; i < 7; i++) sink.add(0, series(i), i, 1000 + i, t);
    expect(samples(w.requests)).toEqual([3]);
    w.answer();
    await tick();
    // The second full batch goes out as soon as the first is acknowledged.
    expect(samples(w.requests)).toEqual([3, 3]);
    expect(t.acked).toBe(3);
    w.answer();
    await tick();
    expect(samples(w.requests)).toEqual([3, 3]);
    await new Promise((r) => setTimeout(r, 350));
    expect(samples(w.requests)).toEqual([3, 3, 1]);
    w.answer();
    await tick();
    expect(t.acked).toBe(7);
    expect(sink.pending).toBe(0);
    sink.close();
  });

  it('queues a point with addPoint: NaN outputs skipped, requests split at batchSamples', async () => {
    const w = new ScriptedWriter();
    const sink = makeSink(w, { batchSamples: 4, flushMs: 300 });
    const t = new Ticket();
    const outputs = [0, 1, 2, 3, 4, 5].map(series);
    expect(sink.addPoint(0, outputs, Float64Array.of(1.5, 0, 1, NaN, NaN, 7), 1000, t)).toBe(4);
    // Four queued = one full request; the next point's first two fill the next one halfway.
    expect(sink.addPoint(0, outputs, Float64Array.of(2.5, NaN, 0, 3, NaN, NaN), 2000, t)).toBe(3);
    expect(sink.pending).toBe(7);
    const sent = (r: TimeSeries[]) =>
      r.map((ts) => [ts.labels[0].value, ts.samples[0].value, ts.samples[0].timestamp]);
    expect(w.requests.map(sent)).toEqual([
      [
        ['s0', 1.5, 1000],
        ['s1', 0, 1000],
        ['s2', 1, 1000],
        ['s5', 7, 1000],
      ],
    ]);
    w.answer();
    await tick();
    void sink.flush(1000);
    expect(w.requests.slice(1).map(sent)).toEqual([
      [
        ['s0', 2.5, 2000],
        ['s2', 0, 2000],
        ['s3', 3, 2000],
      ],
    ]);
    w.answer();
    await tick();
    expect(t.acked).toBe(7);
    expect(sink.pending).toBe(0);
    sink.close();
  });

  it('groups samples of one series into one TimeSeries, in order', async () => {
    const w = new ScriptedWriter();
    const sink = makeSink(w, { batchSamples: 10 });
    const a = series(1);
    const t = new Ticket();
    sink.add(0, a, 1, 1000, t);
    sink.add(0, series(2), 5, 1000, t);
    sink.add(0, a, 2, 2000, t);
    void sink.flush(1000);
    const plain = w.requests[0].map((t) => ({
      labels: t.labels,
      samples: t.samples.map(({ value, timestamp }) => ({ value, timestamp })),
    }));
    expect(plain).toEqual([
      {
        labels: a.labels,
        samples: [
          { value: 1, timestamp: 1000 },
          { value: 2, timestamp: 2000 },
        ],
      },
      { labels: labels(2), samples: [{ value: 5, timestamp: 1000 }] },
    ]);
    w.answer();
    sink.close();
  });

  it('retries network errors, 5xx and 429 with backoff, acknowledging only after success', async () => {
    const w = new ScriptedWriter();
    const failures: string[] = [];
    const sink = makeSink(w, {}, { failed: (kind: string) => failures.push(kind) });
    const t = new Ticket();
    for (let i = 0; i < 3; i++) sink.add(0, series(i), i, 1000, t);
    w.answer(new NetworkError('connect ECONNREFUSED', 'ECONNREFUSED'));
    await tick();
    w.answer({ status: 503, body: 'unavailable' });
    await tick();
    w.answer({ status: 429, body: 'slow down' });
    await tick();
    expect(t.acked).toBe(0);
    expect(sink.reachable).toBe(false);
    expect(sink.lastError).toBe('HTTP 429: slow down');
    w.answer();
    await tick();
    expect(failures).toEqual(['network', 'http_5xx', 'http_429']);
    expect(w.requests).toHaveLength(4);
    expect(w.requests[3]).toEqual(w.requests[0]);
    expect(t.acked).toBe(3);
    expect(sink.reachable).toBe(true);
    sink.close();
  });

  it('drops batches rejected with 4xx, reporting the reason, and still acknowledges them', async () => {
    const w = new ScriptedWriter();
    const rejected: Array<[number, number, string]> = [];
    const sink = makeSink(
      w,
      {},
      { rejected: (n: number, status: number, body: string) => rejected.push([n, status, body]) }
    );
    const t = new Ticket();
    for (let i = 0; i < 3; i++) sink.add(0, series(i), i, 1000, t);
    w.answer({ status: 400, body: 'out of order sample' });
    await tick();
    expect(rejected).toEqual([[3, 400, 'out of order sample']]);
    expect(w.requests).toHaveLength(1);
    expect(t.acked).toBe(3);
    sink.close();
  });

  it('retries refused credentials (401/403) instead of dropping the batch, saying what to check', async () => {
    const w = new ScriptedWriter();
    const failures: string[] = [];
    const rejected: number[] = [];
    const pending: number[] = [];
    const sink = makeSink(
      w,
      {},
      {
        failed: (kind: string) => failures.push(kind),
        rejected: (n: number) => rejected.push(n),
        pendingChanged: (n: number) => pending.push(n),
      }
    );
    const t = new Ticket();
    for (let i = 0; i < 3; i++) sink.add(0, series(i), i, 1000, t);
    w.answer({ status: 401, body: 'Unauthorized' });
    await tick();
    // The backlog gauge follows the held samples while the endpoint refuses them.
    expect(pending.slice(-1)).toEqual([3]);
    expect(sink.lastError).toMatch(/^HTTP 401: Unauthorized \(credentials refused: check/);
    w.answer({ status: 403, body: 'Forbidden' });
    await tick();
    expect([t.acked, sink.reachable, rejected]).toEqual([0, false, []]);
    w.answer();
    await tick();
    expect(failures).toEqual(['http_auth', 'http_auth']);
    expect(w.requests[2]).toEqual(w.requests[0]);
    expect(t.acked).toBe(3);
    sink.close();
  });

  it('applies backpressure: waitForCapacity blocks while too much is unacknowledged', async () => {
    const w = new ScriptedWriter();
    const sink = makeSink(w, { maxPendingSamples: 5 });
    const t = new Ticket();
    for (let i = 0; i < 6; i++) sink.add(0, series(i), i, 1000, t);
    expect(sink.hasCapacity).toBe(false);
    let released = false;
    void sink.waitForCapacity().then(() => (released = true));
    await tick();
    expect(released).toBe(false);
    w.answer();
    await tick();
    expect(released).toBe(true);
    expect(sink.pending).toBe(3);
    sink.close();
  });

  it('keeps shards independent so one slow request does not hold the others', async () => {
    const w = new ScriptedWriter();
    const sink = makeSink(w, { shards: 2, batchSamples: 2 });
    const t = new Ticket();
    sink.add(0, series(1), 1, 1000, t);
    sink.add(0, series(1), 2, 2000, t);
    sink.add(1, series(2), 1, 1000, t);
    sink.add(1, series(2), 2, 2000, t);
    expect(w.waiting).toBe(2);
    w.answer();
    w.answer();
    await tick();
    expect(t.acked).toBe(4);
    sink.close();
  });

  it('drains a backlog of many batches in add order, each sample once, acking every ticket exactly', async () => {
    const w = new ScriptedWriter();
    const sink = makeSink(w, { batchSamples: 4, maxPendingSamples: 1000 });
    const tickets = [new Ticket(), new Ticket(), new Ticket()];
    // 30 samples while the first request is in flight; tickets alternate in runs of 1..3.
    for (let i = 0; i < 30; i++) sink.add(0, series(i % 5), i, 1000 + i, tickets[Math.floor(i / 3) % 3]);
    const seen: number[] = [];
    while (sink.pending > 0) {
      expect(w.waiting).toBe(1);
      const req = w.requests[w.requests.length - 1];
      // Samples of a series are grouped only within their own request.
      expect(new Set(req.map((ts) => JSON.stringify(ts.labels))).size).toBe(req.length);
      for (const ts of req) for (const smp of ts.samples) seen.push(smp.value);
      w.answer();
      await tick();
    }
    expect(samples(w.requests)).toEqual([4, 4, 4, 4, 4, 4, 4, 2]);
    expect([...seen].sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, i) => i));
    // Within one series, samples stay in time order across requests.
    for (let k = 0; k < 5; k++) {
      const ofSeries = seen.filter((v) => v % 5 === k);
      expect(ofSeries).toEqual([...ofSeries].sort((a, b) => a - b));
    }
    expect(tickets.map((t) => t.acked)).toEqual([12, 9, 9]);
    sink.close();
  });

  it('keeps every sample of large requests exact while chunks grow and are reused', async () => {
    const w = new ScriptedWriter();
    // Above the chunks' first capacity, so they grow; three rounds, so acknowledged chunks are reused.
    const sink = makeSink(w, { batchSamples: 2500, maxPendingSamples: 100_000 });
    const sets = Array.from({ length: 7 }, (_, i) => series(i));
    const t = new Ticket();
    let next = 0;
    for (let round = 0; round < 3; round++) {
      const from = next;
      for (; next < from + 6000; next++)
        sink.add(0, sets[next % 7], next + 0.25, 1_795_000_000_000 + next, t);
      while (w.waiting > 0 || sink.pending > 0) {
        if (w.waiting === 0) void sink.flush(1000);
        w.answer();
        await tick();
      }
    }
    const got = w.requests.flatMap((req) =>
      req.flatMap((ts) => ts.samples.map((s) => ({ series: ts.labels[0].value, ...s })))
    );
    expect(got).toHaveLength(18000);
    got.sort((a, b) => a.timestamp - b.timestamp);
    got.forEach((s, i) => {
      expect(s).toEqual({ series: `s${i % 7}`, value: i + 0.25, timestamp: 1_795_000_000_000 + i });
    });
    expect(t.acked).toBe(18000);
    sink.close();
  });

  it('reports the timestamps of each acknowledged request, and only those', async () => {
    const w = new ScriptedWriter();
    const seen: number[][] = [];
    const sink = makeSink(w, { batchSamples: 2 }, { acknowledged: (ts: Float64Array) => seen.push([...ts]) });
    const t = new Ticket();
    for (let i = 0; i < 4; i++) sink.add(0, series(i), i, 1000 + i, t);
    w.answer({ status: 503, body: 'busy' });
    await tick();
    expect(seen).toEqual([]);
    w.answer();
    await tick();
    w.answer();
    await tick();
    expect(seen).toEqual([
      [1000, 1001],
      [1002, 1003],
    ]);
    sink.close();
  });

  it('flush sends partial batches now and reports whether everything drained', async () => {
    const w = new ScriptedWriter();
    const sink = makeSink(w, { flushMs: 60000 });
    const t = new Ticket();
    sink.add(0, series(1), 1, 1000, t);
    const done = sink.flush(1000);
    expect(w.requests).toHaveLength(1);
    w.answer();
    await expect(done).resolves.toBe(true);
    sink.add(0, series(1), 1, 2000, t);
    const timedOut = sink.flush(20);
    await expect(timedOut).resolves.toBe(false);
    sink.close();
  });
});
