import { NetworkError, type WriteResponse } from './client';
import { encodeColumns, RequestBuffer, type LabelSetRecord, type SampleColumns } from './encode';
import { backoffDelay, sleep, RetryAbortedError, type BackoffOptions } from '../retry/retry';
import { classifyStatus, isAuthFailure, retryAfterMs } from './status';

/** Whoever waits for samples to be acknowledged (the offset tracker's ticket). */
export interface AckTarget {
  ack(samples: number): void;
}

export interface Writer {
  /**
   * Send one WriteRequest, protobuf-encoded and not yet compressed (RemoteWriteClient). The
   * sink reuses the request's memory once the returned promise settles.
   */
  writeEncoded(request: Buffer): Promise<WriteResponse>;
}

export interface SinkOptions {
  /** Parallel requests; a series always goes to the same shard, so its samples stay ordered. */
  shards: number;
  batchSamples: number;
  flushMs: number;
  maxPendingSamples: number;
  backoff: BackoffOptions;
}

export type FailureKind = 'network' | 'timeout' | 'http_5xx' | 'http_429' | 'http_auth';

export interface SinkEvents {
  written?(samples: number, seconds: number): void;
  failed?(kind: FailureKind, detail: string, retryInMs: number): void;
  rejected?(samples: number, status: number, body: string): void;
  pendingChanged?(pending: number): void;
  /**
   * Timestamps of the samples of an acknowledged request (for latency measurements): a view
   * of the sink's memory, valid during the call only.
   */
  acknowledged?(sampleTimestamps: Float64Array): void;
}

/** Samples a chunk has room for at first; it grows up to batchSamples. */
const FIRST_CAPACITY = 1024;

/**
 * Acknowledged chunks kept for reuse. A chunk's columns are ArrayBuffers outside the JS heap;
 * allocating them anew for every request (two dozen a second at 20,000 points/s) added to the
 * external memory growth on which V8 starts a scavenge or a full mark. Enough for the
 * requests of a live stream's usual backlog, at most 16 × 16 bytes × batchSamples.
 */
const SPARE_CHUNKS = 16;

/**
 * Up to batchSamples queued samples of one shard, in columns. Columns rather than an object
 * per sample: six samples per point each held an object (and two boxed numbers) until their
 * request was acknowledged, long enough to be promoted out of the young generation; in the
 * e2e budget bench's live phase, allocating them and collecting them afterwards took about
 * a seventh of the detector thread (live-phase profile).
 */
class Chunk implements SampleColumns {
  readonly series: LabelSetRecord[] = [];
  values: Float64Array;
  timestamps: Float64Array;
  /** The samples' tickets in runs: a message's samples are added one after another with its ticket. */
  readonly tickets: AckTarget[] = [];
  readonly runs: number[] = [];
  length = 0;
  /** When the chunk got its first sample (the flush timer runs from the oldest). */
  startedAt = 0;

  constructor(
    capacity: number,
    private readonly maxCapacity: number
  ) {
    this.values = new Float64Array(capacity);
    this.timestamps = new Float64Array(capacity);
  }

  push(series: LabelSetRecord, value: number, timestamp: number, ticket: AckTarget): void {
    const i = this.length;
    if (i === this.values.length) this.grow(Math.min(2 * i, this.maxCapacity));
    this.series[i] = series;
    this.values[i] = value;
    this.timestamps[i] = timestamp;
    this.length = i + 1;
    const last = this.tickets.length - 1;
    if (last >= 0 && this.tickets[last] === ticket) this.runs[last]++;
    else {
      this.tickets.push(ticket);
      this.runs.push(1);
    }
  }

  /** Empty, for reuse: old label sets may stay referenced (every live series holds its own). */
  reset(): void {
    this.length = 0;
    this.tickets.length = 0;
    this.runs.length = 0;
  }

  private grow(capacity: number): void {
    const values = new Float64Array(capacity);
    const timestamps = new Float64Array(values.length);
    values.set(this.values);
    timestamps.set(this.timestamps);
    this.values = values;
    this.timestamps = timestamps;
  }
}

interface Shard {
  /**
   * Queued samples in chunks of at most batchSamples, oldest first: a request takes the
   * head chunk whole, where splicing one flat queue would shift the whole backlog (up to
   * maxPendingSamples / shards entries) on every request.
   */
  chunks: Chunk[];
  /** The bytes of the shard's request in flight (one at a time), kept through its retries. */
  request: RequestBuffer;
  queued: number;
  inFlight: boolean;
  timer?: NodeJS.Timeout;
}

/**
 * Batches output samples into remote-write requests by size and time, retries
 * transient failures forever with backoff (consumption pauses meanwhile through
 * `waitForCapacity`), drops batches the server rejects as invalid (4xx other than
 * 429, like Prometheus's own remote write), and acknowledges every sample of a
 * finished request to its ticket so offsets are committed only after the write.
 */
export class RemoteWriteSink {
  private readonly shards: Shard[];
  private pendingSamples = 0;
  private capacityWaiters: Array<() => void> = [];
  private drainWaiters: Array<() => void> = [];
  private readonly abort = new AbortController();
  private flushing = false;
  private consecutiveFailures = 0;
  private lastSuccess = 0;
  private lastErrorText = '';
  /** Acknowledged chunks kept for reuse (their arrays are sized already), at most SPARE_CHUNKS. */
  private readonly spare: Chunk[] = [];

  constructor(
    private readonly writer: Writer,
    private readonly opts: SinkOptions,
    private readonly events: SinkEvents = {},
    private readonly now: () => number = Date.now
  ) {
    this.shards = Array.from({ length: opts.shards }, () => ({
      chunks: [],
      request: new RequestBuffer(),
      queued: 0,
      inFlight: false,
    }));
  }

  get pending(): number {
    return this.pendingSamples;
  }

  /** Reachable = the last request got an answer that was not a transient failure. */
  get reachable(): boolean {
    return this.consecutiveFailures === 0 && this.lastSuccess > 0;
  }

  get lastSuccessAt(): number {
    return this.lastSuccess;
  }

  get lastError(): string {
    return this.lastErrorText;
  }

  get failureStreak(): number {
    return this.consecutiveFailures;
  }

  /** Record the outcome of a health probe made outside the write path. */
  noteProbe(ok: boolean, detail = ''): void {
    if (ok) {
      this.consecutiveFailures = 0;
      this.lastSuccess = this.now();
    } else {
      this.consecutiveFailures = Math.max(1, this.consecutiveFailures);
      this.lastErrorText = detail;
    }
  }

  /** Queue one sample of the output series `series` (labelSetRecord / labelSetRecords). */
  add(shard: number, series: LabelSetRecord, value: number, timestamp: number, ticket: AckTarget): void {
    const s = this.shards[shard % this.shards.length];
    this.tailOf(s).push(series, value, timestamp, ticket);
    s.queued++;
    this.pendingSamples++;
    this.queued(s);
  }

  /**
   * Queue the samples of one point: `values[i]` of the output series `outputs[i]`, NaN
   * entries skipped; returns how many were queued. One call per point with the values in a
   * typed array: passed to add() one by one, values and timestamps were boxed on the way,
   * about 300 bytes of garbage per point on the live path (allocation profile, 10,000 series).
   */
  addPoint(
    shard: number,
    outputs: readonly LabelSetRecord[],
    values: Float64Array,
    timestamp: number,
    ticket: AckTarget
  ): number {
    const s = this.shards[shard % this.shards.length];
    let n = 0;
    for (let i = 0; i < values.length; i++) {
      const value = values[i];
      if (Number.isNaN(value)) continue;
      this.tailOf(s).push(outputs[i], value, timestamp, ticket);
      n++;
    }
    s.queued += n;
    this.pendingSamples += n;
    this.queued(s);
    return n;
  }

  /** The shard's last chunk, or a new one when that is full. */
  private tailOf(s: Shard): Chunk {
    const tail = s.chunks[s.chunks.length - 1];
    if (tail !== undefined && tail.length < this.opts.batchSamples) return tail;
    const { batchSamples } = this.opts;
    const chunk = this.spare.pop() ?? new Chunk(Math.min(FIRST_CAPACITY, batchSamples), batchSamples);
    chunk.startedAt = this.now();
    s.chunks.push(chunk);
    return chunk;
  }

  /** After samples were queued: send a full request now, or start the flush timer. */
  private queued(s: Shard): void {
    if (s.inFlight) return;
    if (s.queued >= this.opts.batchSamples) this.send(s);
    else if (!s.timer) s.timer = setTimeout(() => this.send(s), this.opts.flushMs);
  }

  /** Resolves once fewer than maxPendingSamples are unacknowledged (or the sink closes). */
  waitForCapacity(): Promise<void> {
    if (this.pendingSamples < this.opts.maxPendingSamples || this.abort.signal.aborted)
      return Promise.resolve();
    return new Promise((resolve) => this.capacityWaiters.push(resolve));
  }

  get hasCapacity(): boolean {
    return this.pendingSamples < this.opts.maxPendingSamples;
  }

  /** Send everything queued now; resolves true once all is acknowledged, false on timeout. */
  async flush(timeoutMs: number): Promise<boolean> {
    this.flushing = true;
    try {
      for (const s of this.shards) if (!s.inFlight && s.queued > 0) this.send(s);
      if (this.pendingSamples === 0) return true;
      let timer: NodeJS.Timeout | undefined;
      const drained = await Promise.race([
        new Promise<boolean>((resolve) => this.drainWaiters.push(() => resolve(true))),
        new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs))),
      ]);
      clearTimeout(timer);
      return drained;
    } finally {
      this.flushing = false;
    }
  }

  /** Stop retrying and sending; unacknowledged samples stay uncommitted (re-read after restart). */
  close(): void {
    this.abort.abort();
    for (const s of this.shards) clearTimeout(s.timer);
    this.release(this.capacityWaiters);
  }

  private release(waiters: Array<() => void>): void {
    const list = waiters.splice(0);
    for (const w of list) w();
  }

  private send(s: Shard): void {
    clearTimeout(s.timer);
    s.timer = undefined;
    if (s.inFlight || s.queued === 0 || this.abort.signal.aborted) return;
    const batch = s.chunks.shift()!;
    s.queued -= batch.length;
    s.inFlight = true;
    // Per request, not per sample: keeps the backlog gauge current while the endpoint is down.
    this.events.pendingChanged?.(this.pendingSamples);
    void this.deliver(batch, s.request).then(
      () => this.finish(s, batch),
      (e: unknown) => {
        s.inFlight = false;
        if (!(e instanceof RetryAbortedError)) throw e;
      }
    );
  }

  private finish(s: Shard, batch: Chunk): void {
    s.inFlight = false;
    this.pendingSamples -= batch.length;
    // Ack per run of a ticket, not per sample (the order of acks to different tickets does not matter).
    const { tickets, runs } = batch;
    for (let i = 0; i < tickets.length; i++) tickets[i].ack(runs[i]);
    batch.reset();
    if (this.spare.length < SPARE_CHUNKS) this.spare.push(batch);
    this.events.pendingChanged?.(this.pendingSamples);
    if (this.pendingSamples < this.opts.maxPendingSamples) this.release(this.capacityWaiters);
    if (this.pendingSamples === 0) this.release(this.drainWaiters);
    if (s.queued === 0) return;
    const age = this.now() - s.chunks[0].startedAt;
    if (this.flushing || s.queued >= this.opts.batchSamples || age >= this.opts.flushMs) this.send(s);
    else s.timer = setTimeout(() => this.send(s), this.opts.flushMs - age);
  }

  /** Write one batch until it is acknowledged or rejected; retries transient failures. */
  private async deliver(batch: Chunk, into: RequestBuffer): Promise<void> {
    // Encoded once: a retry sends the same bytes.
    const request = encodeColumns(batch, into);
    for (let attempt = 0; ; attempt++) {
      const started = process.hrtime.bigint();
      let failure: { kind: FailureKind; detail: string; retryAfter?: number };
      try {
        const res = await this.writer.writeEncoded(request);
        const disposition = classifyStatus(res.status);
        if (disposition === 'ok' || disposition === 'reject') {
          this.consecutiveFailures = 0;
          this.lastSuccess = this.now();
          if (disposition === 'ok') {
            this.events.written?.(batch.length, Number(process.hrtime.bigint() - started) / 1e9);
            this.events.acknowledged?.(batch.timestamps.subarray(0, batch.length));
          } else this.events.rejected?.(batch.length, res.status, res.body);
          return;
        }
        const auth = isAuthFailure(res.status);
        failure = {
          kind: auth ? 'http_auth' : res.status === 429 ? 'http_429' : 'http_5xx',
          detail: auth
            ? `HTTP ${res.status}: ${res.body} (credentials refused: check the remote-write username/password or bearer token)`
            : `HTTP ${res.status}: ${res.body}`,
          retryAfter: retryAfterMs(res.retryAfter, this.opts.backoff.maxMs),
        };
      } catch (e) {
        if (!(e instanceof NetworkError)) throw e;
        failure = { kind: e.code === 'ETIMEDOUT' ? 'timeout' : 'network', detail: `${e.code}: ${e.message}` };
      }
      this.consecutiveFailures++;
      this.lastErrorText = failure.detail;
      this.events.pendingChanged?.(this.pendingSamples);
      const delay = Math.max(failure.retryAfter ?? 0, backoffDelay(attempt, this.opts.backoff));
      this.events.failed?.(failure.kind, failure.detail, delay);
      await sleep(delay, this.abort.signal);
    }
  }
}
