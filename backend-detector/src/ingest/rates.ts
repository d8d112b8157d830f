import type { CollectdSample } from './collectd';
import { seriesKey } from './labels';
import type { MetricPoint } from './types';

const TWO_32 = 2 ** 32;
const TWO_64 = 2 ** 64;
/**
 * A decrease of a counter that was in the top part of a 32/64-bit range is a wrap;
 * any other decrease is a reset (agent or device restart). The threshold is the one
 * tools like MRTG use: a value past 3/4 of the range that falls back near zero.
 */
const WRAP_ZONE = 0.75;

interface CounterState {
  value: number;
  timestamp: number;
  lastSeen: number;
}

/** What happened to a sample that produced no point, for the skipped-points counter. */
export type RateSkip = 'first_sample' | 'counter_reset' | 'non_increasing_time' | 'null_value';

export interface RateResult {
  point?: MetricPoint;
  skipped?: RateSkip;
}

/**
 * Turns collectd counter/derive/absolute samples into per-second rates, keeping the
 * previous reading per series. Gauges pass through. Bounded: series idle for longer
 * than `idleMs` are forgotten by `evictIdle`.
 */
export class RateConverter {
  private readonly state = new Map<string, CounterState>();

  /**
   * @param agentRates collectd already sent counter/derive/absolute values as per-second
   *   rates (write_kafka's StoreRates, on by default) while still labelling them with the
   *   original type: pass them through. A raw counter is always an integer, so a fractional
   *   value is taken as a rate even when agentRates is off.
   */
  constructor(private readonly agentRates = true) {}

  get size(): number {
    return this.state.size;
  }

  convert(s: CollectdSample, now: number = s.timestamp): RateResult {
    if (s.value === null) return { skipped: 'null_value' };
    if (s.dstype === 'gauge' || this.agentRates || !Number.isInteger(s.value)) {
      return { point: { metric: s.metric, labels: s.labels, timestamp: s.timestamp, value: s.value } };
    }
    const key = seriesKey(s.metric, s.labels);
    const prev = this.state.get(key);
    if (s.dstype === 'absolute') {
      // ABSOLUTE counts since the previous read: divide by the elapsed time (or the interval).
      const dt = prev ? (s.timestamp - prev.timestamp) / 1000 : s.interval;
      this.state.set(key, { value: s.value, timestamp: s.timestamp, lastSeen: now });
      if (!(dt > 0)) return { skipped: 'non_increasing_time' };
      return { point: this.point(s, s.value / dt) };
    }
    if (!prev) {
      this.state.set(key, { value: s.value, timestamp: s.timestamp, lastSeen: now });
      return { skipped: 'first_sample' };
    }
    const dt = (s.timestamp - prev.timestamp) / 1000;
    if (!(dt > 0)) {
      // A re-delivered or out-of-order reading: keep the newer state.
      prev.lastSeen = now;
      return { skipped: 'non_increasing_time' };
    }
    let delta = s.value - prev.value;
    this.state.set(key, { value: s.value, timestamp: s.timestamp, lastSeen: now });
    if (delta < 0) {
      const wrapped = s.dstype === 'counter' ? wrapDelta(prev.value, s.value) : undefined;
      // DERIVE data sources in collectd's types.db have min 0, so a drop is a reset.
      if (wrapped === undefined) return { skipped: 'counter_reset' };
      delta = wrapped;
    }
    return { point: this.point(s, delta / dt) };
  }

  /** Previous reading of a counter series (checkpoints carry it so rates continue exactly). */
  peek(seriesKey: string): { value: number; timestamp: number } | undefined {
    const st = this.state.get(seriesKey);
    return st ? { value: st.value, timestamp: st.timestamp } : undefined;
  }

  /** Continue a counter series from a checkpointed reading. */
  put(seriesKey: string, reading: { value: number; timestamp: number }, now: number): void {
    this.state.set(seriesKey, { value: reading.value, timestamp: reading.timestamp, lastSeen: now });
  }

  forget(seriesKey: string): void {
    this.state.delete(seriesKey);
  }

  clear(): void {
    this.state.clear();
  }

  /** Forget series not seen since `cutoff` (epoch ms of `now` passed to convert). */
  evictIdle(cutoff: number): number {
    let removed = 0;
    for (const [key, st] of this.state) {
      if (st.lastSeen < cutoff) {
        this.state.delete(key);
        removed++;
      }
    }
    return removed;
  }

  private point(s: CollectdSample, value: number): MetricPoint {
    return { metric: s.metric, labels: s.labels, timestamp: s.timestamp, value };
  }
}

function wrapDelta(prev: number, curr: number): number | undefined {
  if (prev < TWO_32) {
    if (prev >= WRAP_ZONE * TWO_32 && curr < (1 - WRAP_ZONE) * TWO_32) return TWO_32 - prev + curr;
    return undefined;
  }
  if (prev >= WRAP_ZONE * TWO_64 && curr < (1 - WRAP_ZONE) * TWO_64) return TWO_64 - prev + curr;
  return undefined;
}
