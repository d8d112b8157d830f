import { decodeMessage } from '../ingest/decode';
import { seriesKey } from '../ingest/labels';
import { RateConverter } from '../ingest/rates';
import { InvalidMessageError, type InputFormat, type MetricPoint } from '../ingest/types';
import type { DetectorOutput, SeriesDetector } from '../model/types';
import type { DetectorStateCodec, SeriesCheckpoint } from './model-records';
import { partitionKey } from './partition-key';
import { labelSetRecords } from '../sink/encode';
import { fillOutputValues, outputLabelSets, outputValueScratch } from '../sink/output-series';
import type { SeasonalSettings } from '../model/config';
import { inMaintenance } from '../policy/resolve';
import { IgnoredSeries, policyLabels } from '../policy/series-policies';
import { NO_POLICY_SNAPSHOT, type PolicySnapshot } from '../policy/snapshot';
import type {
  BatchTicket,
  DeadLetter,
  Position,
  ProcessorHooks,
  ProcessorOptions,
  RawMessage,
  SampleSink,
  SeriesState,
} from './processor-types';
import { followPolicy, maintenancePoint, maintenanceSample } from './policy-points';

export type {
  DeadLetter,
  DropReason,
  ProcessorHooks,
  ProcessorOptions,
  RawMessage,
  SampleSink,
} from './processor-types';

/**
 * The per-message work of the pipeline, free of Kafka: decode, turn counters into
 * rates, route each point to its series' detector (created on first sight, within the
 * series cap), and hand the six output samples to the sink under the batch's ticket.
 */
export class Processor {
  private readonly series = new Map<string, SeriesState>();
  private readonly rates: RateConverter;
  private readonly ignored: IgnoredSeries;

  constructor(
    private readonly sink: SampleSink,
    private readonly opts: ProcessorOptions,
    private readonly hooks: ProcessorHooks = {},
    private readonly now: () => number = Date.now
  ) {
    this.rates = new RateConverter(opts.collectdStoreRates ?? true);
    this.ignored = new IgnoredSeries(opts.maxSeries);
  }

  /** The policy in force now: a batch takes it once and judges all its points by it. */
  get policy(): PolicySnapshot {
    return this.opts.policy?.() ?? NO_POLICY_SNAPSHOT;
  }

  get activeSeries(): number {
    return this.series.size;
  }

  /** Decode and score one message; returns a dead letter instead of throwing on bad input. */
  process(
    message: RawMessage,
    format: InputFormat,
    ticket: BatchTicket,
    policy: PolicySnapshot = this.policy
  ): DeadLetter | undefined {
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
    for (const p of points) this.score(p, ticket, at, now, policy);
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

  /**
   * Continue a series from its checkpoint (before any of its points are processed). `decode`
   * gets the seasonality the policy now gives the series; a series it ignores is not restored.
   */
  restoreSeries(
    cp: SeriesCheckpoint,
    decode: SeriesDetector | ((model: SeasonalSettings) => SeriesDetector)
  ): void {
    const policy = this.policy;
    const sp = policy.resolve(policyLabels(cp.metric, cp.labels, this.opts.outputLabels));
    if (sp.ignore) return;
    const detector = typeof decode === 'function' ? decode(sp.model) : decode;
    this.series.set(cp.seriesKey, {
      detector,
      policy: sp,
      policyVersion: policy.version,
      inMaintenance: false,
      metric: cp.metric,
      labels: cp.labels,
      outputs: labelSetRecords(outputLabelSets(cp.metric, cp.labels, this.opts.outputLabels)),
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

  private forget(key: string): void {
    this.series.delete(key);
    this.rates.forget(key);
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

  private score(
    p: MetricPoint,
    ticket: BatchTicket,
    at: Position,
    now: number,
    policy: PolicySnapshot
  ): void {
    const key = seriesKey(p.metric, p.labels);
    let st = this.series.get(key);
    if (st?.skipThrough !== undefined) {
      if (BigInt(at.offset) <= st.skipThrough) return;
      st.skipThrough = undefined;
    }
    if (
      st &&
      st.policyVersion < policy.version &&
      !followPolicy(key, st, policy, this.opts, () => this.forget(key))
    )
      st = undefined;
    if (!st) {
      if (this.ignored.has(key, policy)) return void this.hooks.pointUnscored?.('ignored');
      const sp = policy.resolve(policyLabels(p.metric, p.labels, this.opts.outputLabels));
      if (sp.ignore) {
        this.ignored.add(key, policy);
        return void this.hooks.pointUnscored?.('ignored');
      }
      if (this.series.size >= this.opts.maxSeries) {
        this.hooks.pointDropped?.('series_limit', p);
        return;
      }
      let detector: SeriesDetector;
      try {
        detector = this.opts.createDetector(key, sp.model);
      } catch (e) {
        this.hooks.detectorFailed?.(key, e);
        this.hooks.pointDropped?.('detector_error', p);
        return;
      }
      st = {
        detector,
        policy: sp,
        policyVersion: policy.version,
        inMaintenance: false,
        metric: p.metric,
        labels: p.labels,
        outputs: labelSetRecords(outputLabelSets(p.metric, p.labels, this.opts.outputLabels)),
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
    if (st.policy.maintenance.length > 0 && inMaintenance(st.policy, p.timestamp)) {
      return maintenancePoint(this.sink, st, p, ticket, this.hooks);
    }
    let out: DetectorOutput;
    try {
      out = st.detector.update(p.timestamp, p.value, st.policy.output);
    } catch (e) {
      // One broken series must not stop the stream for all others.
      st.detector = this.opts.createDetector(key, st.policy.model);
      st.fits = 0;
      st.forestSaved = false;
      this.hooks.detectorFailed?.(key, e);
      this.hooks.pointDropped?.('detector_error', p);
      return;
    }
    const values = scratchValues;
    ticket.expect(fillOutputValues(out, values) + (st.inMaintenance ? 1 : 0));
    this.sink.addPoint(st.shard, st.outputs, values, p.timestamp, ticket);
    if (st.inMaintenance) {
      // The first point after a window ends its shading (remote write has no staleness markers).
      st.inMaintenance = false;
      maintenanceSample(this.sink, st, 0, p.timestamp, ticket);
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
const scratchValues = outputValueScratch();

/** FNV-1a: a fast, stable string hash to pick a series' sink shard. */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
