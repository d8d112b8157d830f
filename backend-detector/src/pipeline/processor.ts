import { decodeMessage } from '../ingest/decode';
import { seriesKey } from '../ingest/labels';
import { RateConverter, type RateSkip } from '../ingest/rates';
import { InvalidMessageError, type InputFormat, type InvalidReason, type MetricPoint } from '../ingest/types';
import type { DetectorOutput, SeriesDetector } from '../model/types';
import { outputLabelSets, outputValues } from '../sink/output-series';
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
  maxSeries: number;
  shards: number;
  /** Static labels added to every output series (input labels take precedence). */
  outputLabels?: Readonly<Record<string, string>>;
  /** collectd sends counters as rates already (write_kafka StoreRates, its default). */
  collectdStoreRates?: boolean;
}

interface SeriesState {
  detector: SeriesDetector;
  labelSets: Label[][];
  shard: number;
  lastTimestamp: number;
  lastSeen: number;
  anomalous: boolean;
  fits: number;
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
  process(
    message: RawMessage,
    format: InputFormat,
    ticket: AckTarget & { expect(n: number): void }
  ): DeadLetter | undefined {
    let points: MetricPoint[];
    try {
      const decoded = decodeMessage(message.value, {
        format,
        maxBytes: this.opts.maxMessageBytes,
        messageTimestamp: message.timestamp,
      });
      if (decoded.format === 'collectd') {
        points = [];
        const now = this.now();
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
    for (const p of points) this.score(p, ticket);
    return undefined;
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

  private score(p: MetricPoint, ticket: AckTarget & { expect(n: number): void }): void {
    const key = seriesKey(p.metric, p.labels);
    let st = this.series.get(key);
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
        labelSets: outputLabelSets(p.metric, p.labels, this.opts.outputLabels),
        shard: fnv1a(key) % this.opts.shards,
        lastTimestamp: -Infinity,
        lastSeen: 0,
        anomalous: false,
        fits: 0,
      };
      this.series.set(key, st);
      this.hooks.seriesCreated?.(key);
    }
    st.lastSeen = this.now();
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
      this.hooks.detectorFailed?.(key, e);
      this.hooks.pointDropped?.('detector_error', p);
      return;
    }
    const values = outputValues(out);
    let n = 0;
    for (const v of values) if (v !== undefined) n++;
    ticket.expect(n);
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (v !== undefined) this.sink.add(st.shard, st.labelSets[i], v, p.timestamp, ticket);
    }
    const fits = st.detector.fits;
    if (fits > st.fits) {
      this.hooks.modelFitted?.(fits - st.fits);
      st.fits = fits;
    }
    this.hooks.pointScored?.(p, out.isAnomaly);
    if (out.isAnomaly && !st.anomalous) this.hooks.anomalyOpened?.(p);
    st.anomalous = out.isAnomaly;
  }
}

/** FNV-1a: a fast, stable string hash to pick a series' sink shard. */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
