import { decodeMessage } from '../ingest/decode';
import { seriesKey } from '../ingest/labels';
import type { IngestLimits } from '../ingest/limits';
import { RateConverter, type RateSkip } from '../ingest/rates';
import { InvalidMessageError, type InputFormat, type InvalidReason, type MetricPoint } from '../ingest/types';
import type { DetectorOutput, SeriesDetector } from '../model/types';
import type { DetectorStateCodec, SeriesCheckpoint } from './model-records';
import { partitionKey, type PartitionKey } from './partition-key';
import { fillOutputValues, OUTPUT_NAMES, outputLabelSets } from '../sink/output-series';
import type { Label } from '../sink/proto';
import type { AckTarget } from '../sink/sink';

export interface RawMessage {
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  /** Kafka record timestamp, epoch ms. */
  timestamp: number;
  headers?: Record<string, unknown>;
}

export interface DeadLetter {
  message: RawMessage;
  reason: InvalidReason;
  detail: string;
}

/** Where scored samples go (the remote-write sink). */
export interface SampleSink {
  add(shard: number, labels: Label[], value: number, timestamp: number, ticket: AckTarget): void;
}

/** Why a decoded point was not scored. */
export type DropReason = 'series_limit' | 'out_of_order' | 'detector_error' | RateSkip;

export interface ProcessorHooks {
  pointScored?(point: MetricPoint, isAnomaly: boolean): void;
  anomalyOpened?(point: MetricPoint): void;
  pointDropped?(reason: DropReason, point?: MetricPoint): void;
  /** A detector threw: the point is dropped and the series starts over with a fresh one. */
  detectorFailed?(key: string, error: unknown): void;
  seriesCreated?(key: string): void;
  /** The series' model was (re)fitted `n` times during the last update. */
  modelFitted?(n: number): void;
}

export interface ProcessorOptions {
  createDetector: (seriesKey: string) => SeriesDetector;
  maxMessageBytes: number;
  /**
   * Timestamp window (on this processor's clock) and label limits. Without them the label
   * limits default and the window is not checked (tests with fixed timestamps).
   */
  ingestLimits?: IngestLimits;
  maxSeries: number;
  shards: number;
  /** Static labels added to every output series (input labels take precedence). */
  outputLabels?: Readonly<Record<string, string>>;
  /** collectd sends counters as rates already (write_kafka StoreRates, its default). */
  collectdStoreRates?: boolean;
}

interface SeriesState {
  detector: SeriesDetector;
  metric: string;
  labels: Record<string, string>;
  labelSets: Label[][];
  shard: number;
  /** The partition the series first arrived on: its checkpoints belong to that partition. */
  source: PartitionKey;
  lastTimestamp: number;
  lastSeen: number;
  anomalous: boolean;
  fits: number;
  /** Changed since its last checkpoint. */
  dirty: boolean;
  /** Its current forest is in the models topic (a refit or a failed write clears this). */
  forestSaved: boolean;
  /**
   * Restored from a checkpoint taken at this source offset: re-delivered points up to it are
   * already in the model (and were acknowledged before the checkpoint was written), so they
   * are passed over.
   */
  skipThrough?: bigint;
}

/** What a message's samples are acknowledged to (its batch's ticket). */
type BatchTicket = AckTarget & { expect(n: number): void };

/** A series' place in the input, for checkpoints. */
interface Position {
  topic: string;
  partition: number;
  offset: string;
}

/**
 * The per-message work of the pipeline, free of Kafka: decode, turn counters into
 * rates, route each point to its series' detector (created on first sight, within the
 * series cap), and hand the six output samples to the sink under the batch's ticket.
 */
export class Processor {
  private readonly series = new Map<string, SeriesState>();
  private readonly rates: RateConverter;

  constructor(
    private readonly sink: SampleSink,
    private readonly opts: ProcessorOptions,
    private readonly hooks: ProcessorHooks = {},
    private readonly now: () => number = Date.now
  ) {
    this.rates = new RateConverter(opts.collectdStoreRates ?? true);
  }

  get activeSeries(): number {
    return this.series.size;
  }

  /** Decode and score one message; returns a dead letter instead of throwing on bad input. */
  process(message: RawMessage, format: InputFormat, ticket: BatchTicket): DeadLetter | undefined {
    let points: MetricPoint[];
    // Read once per message: the clock is a cost at this rate (points of one message share it).
    const now = this.now();
    try {
      const decoded = decodeMessage(message.value, {
        format,
        maxBytes: this.opts.maxMessageBytes,
        messageTimestamp: message.timestamp,
        limits: this.opts.ingestLimits,
        now: this.opts.ingestLimits ? now : undefined,
      });
      if (decoded.format === 'collectd') {
        points = [];
        for (const s of decoded.samples) {
          const r = this.rates.convert(s, now);
          if (r.point) points.push(r.point);
          else if (r.skipped) this.hooks.pointDropped?.(r.skipped);
        }
      } else {
        points = decoded.points;
      }
    } catch (e) {
      if (e instanceof InvalidMessageError) return { message, reason: e.reason, detail: e.message };
      throw e;
    }
    const at: Position = { topic: message.topic, partition: message.partition, offset: message.offset };
    for (const p of points) this.score(p, ticket, at, now);
    return undefined;
  }

  /**
   * Checkpoints of the series of one partition that changed since their last checkpoint,
   * produced lazily so the caller can take them a slice at a time between batches. Each
   * state is as of `offset()` read when it is taken (the partition's last processed offset
   * then), so a slice taken later carries a later offset. Each yielded series counts as clean.
   */
  *takeCheckpoints(
    topic: string,
    partition: number,
    offset: () => string,
    codec: Pick<DetectorStateCodec, 'encode' | 'forestBytes'>
  ): Generator<SeriesCheckpoint> {
    const source = partitionKey(topic, partition);
    for (const [key, st] of this.series) {
      if (st.source !== source || !st.dirty) continue;
      st.dirty = false;
      const forestChanged = !st.forestSaved;
      st.forestSaved = true;
      yield {
        sourceTopic: topic,
        sourcePartition: partition,
        seriesKey: key,
        offset: offset(),
        metric: st.metric,
        labels: st.labels,
        lastTimestamp: st.lastTimestamp,
        anomalous: st.anomalous,
        counter: this.rates.peek(key),
        model: codec.encode(st.detector),
        forestBytes: codec.forestBytes(st.detector),
        forestChanged,
      };
    }
  }

  /** Count every series of the partition as changed (their last checkpoint write failed). */
  markDirty(topic: string, partition: number): void {
    const source = partitionKey(topic, partition);
    for (const st of this.series.values())
      if (st.source === source) {
        st.dirty = true;
        st.forestSaved = false;
      }
  }

  /** Continue a series from its checkpoint (before any of its points are processed). */
  restoreSeries(cp: SeriesCheckpoint, detector: SeriesDetector): void {
    this.series.set(cp.seriesKey, {
      detector,
      metric: cp.metric,
      labels: cp.labels,
      labelSets: outputLabelSets(cp.metric, cp.labels, this.opts.outputLabels),
      shard: fnv1a(cp.seriesKey) % this.opts.shards,
      source: partitionKey(cp.sourceTopic, cp.sourcePartition),
      lastTimestamp: cp.lastTimestamp,
      lastSeen: this.now(),
      anomalous: cp.anomalous,
      fits: detector.fits,
      dirty: false,
      // A forest restored from inside its state (framing 1) has no record of its own yet.
      forestSaved: (cp.forestBytes ?? 0) > 0,
      skipThrough: BigInt(cp.offset),
    });
    if (cp.counter) this.rates.put(cp.seriesKey, cp.counter, this.now());
  }

  /**
   * Forget every series (and counter state): after a rebalance the group restarts each
   * partition at its committed offset, and the checkpoints describe exactly that point.
   */
  clear(): void {
    this.series.clear();
    this.rates.clear();
  }

  /**
   * Forget series of one partition idle for longer than `idleMs`; returns their keys (the
   * checkpoint writer turns them into tombstones).
   */
  evictIdleOf(topic: string, partition: number, idleMs: number): string[] {
    const source = partitionKey(topic, partition);
    const cutoff = this.now() - idleMs;
    const removed: string[] = [];
    for (const [key, st] of this.series) {
      if (st.source === source && st.lastSeen < cutoff) {
        this.series.delete(key);
        this.rates.forget(key);
        removed.push(key);
      }
    }
    return removed;
  }

  /** Forget series (and counter state) idle for longer than `idleMs`; returns how many. */
  evictIdle(idleMs: number): number {
    const cutoff = this.now() - idleMs;
    let removed = 0;
    for (const [key, st] of this.series) {
      if (st.lastSeen < cutoff) {
        this.series.delete(key);
        removed++;
      }
    }
    this.rates.evictIdle(cutoff);
    return removed;
  }

  private score(p: MetricPoint, ticket: BatchTicket, at: Position, now: number): void {
    const key = seriesKey(p.metric, p.labels);
    let st = this.series.get(key);
    if (st?.skipThrough !== undefined) {
      if (BigInt(at.offset) <= st.skipThrough) return;
      st.skipThrough = undefined;
    }
    if (!st) {
      if (this.series.size >= this.opts.maxSeries) {
        this.hooks.pointDropped?.('series_limit', p);
        return;
      }
      let detector: SeriesDetector;
      try {
        detector = this.opts.createDetector(key);
      } catch (e) {
        this.hooks.detectorFailed?.(key, e);
        this.hooks.pointDropped?.('detector_error', p);
        return;
      }
      st = {
        detector,
        metric: p.metric,
        labels: p.labels,
        labelSets: outputLabelSets(p.metric, p.labels, this.opts.outputLabels),
        shard: fnv1a(key) % this.opts.shards,
        source: partitionKey(at.topic, at.partition),
        lastTimestamp: -Infinity,
        lastSeen: 0,
        anomalous: false,
        fits: 0,
        dirty: true,
        forestSaved: false,
      };
      this.series.set(key, st);
      this.hooks.seriesCreated?.(key);
    }
    st.lastSeen = now;
    st.dirty = true;
    // Detectors need non-decreasing time; an older or repeated timestamp is a
    // re-delivery (at-least-once) or a late point, already reflected in Prometheus.
    if (p.timestamp <= st.lastTimestamp) {
      this.hooks.pointDropped?.('out_of_order', p);
      return;
    }
    st.lastTimestamp = p.timestamp;
    let out: DetectorOutput;
    try {
      out = st.detector.update(p.timestamp, p.value);
    } catch (e) {
      // One broken series must not stop the stream for all others.
      st.detector = this.opts.createDetector(key);
      st.fits = 0;
      st.forestSaved = false;
      this.hooks.detectorFailed?.(key, e);
      this.hooks.pointDropped?.('detector_error', p);
      return;
    }
    const values = scratchValues;
    ticket.expect(fillOutputValues(out, values));
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (v !== undefined) this.sink.add(st.shard, st.labelSets[i], v, p.timestamp, ticket);
    }
    const fits = st.detector.fits;
    if (fits > st.fits) {
      this.hooks.modelFitted?.(fits - st.fits);
      st.fits = fits;
      st.forestSaved = false;
    }
    this.hooks.pointScored?.(p, out.isAnomaly);
    if (out.isAnomaly && !st.anomalous) this.hooks.anomalyOpened?.(p);
    st.anomalous = out.isAnomaly;
  }
}

/** One point's output values at a time (scoring is synchronous), not an array per point. */
const scratchValues = new Array<number | undefined>(OUTPUT_NAMES.length);

/** FNV-1a: a fast, stable string hash to pick a series' sink shard. */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
