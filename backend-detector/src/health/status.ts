import type { PolicyStatus } from '../policy/runtime';

/**
 * Stream health for /api/status and the Grafana app's stream-health page: rates over a
 * sliding window, lag, last-message age, series, DLQ and sink error counts.
 */

/** Events per second over the last `windowMs`, in 1-second buckets. */
export class RateWindow {
  private readonly buckets: number[];
  private lastSecond = 0;

  constructor(
    private readonly windowS = 60,
    private readonly now: () => number = Date.now
  ) {
    this.buckets = new Array<number>(windowS).fill(0);
  }

  add(n = 1): void {
    this.roll();
    this.buckets[this.lastSecond % this.windowS] += n;
  }

  perSecond(): number {
    this.roll();
    // The current second is partial; average over the full seconds before it.
    let sum = 0;
    for (let i = 1; i < this.windowS; i++)
      sum += this.buckets[(this.lastSecond - i + this.windowS * 2) % this.windowS];
    return sum / (this.windowS - 1);
  }

  private roll(): void {
    const sec = Math.floor(this.now() / 1000);
    if (this.lastSecond === 0) this.lastSecond = sec;
    const gap = Math.min(sec - this.lastSecond, this.windowS);
    for (let i = 1; i <= gap; i++) this.buckets[(this.lastSecond + i) % this.windowS] = 0;
    if (sec > this.lastSecond) this.lastSecond = sec;
  }
}

export interface PartitionLag {
  topic: string;
  partition: number;
  lag: number;
}

export interface StreamStatus {
  status: 'ok' | 'degraded' | 'down';
  problems: string[];
  groupJoined: boolean;
  sinkReachable: boolean;
  messagesPerSecond: number;
  pointsPerSecond: number;
  anomaliesPerMinute: number;
  lastMessageAgeSeconds: number | null;
  activeSeries: number;
  /** The cardinality guard: the cap, whether it is reached, distinct series refused. */
  seriesLimit?: { max: number; reached: boolean; refusedSeries: number; reachedAt: string | null };
  consumerLag: { total: number; partitions: PartitionLag[] };
  dlq: { total: number; byReason: Record<string, number> };
  sink: {
    pendingSamples: number;
    writeErrors: number;
    rejectedSamples: number;
    lastError: string;
    backpressure: boolean;
  };
  uptimeSeconds: number;
  /** The detection policy in force, when the service runs with one (policy/runtime.ts). */
  policy?: PolicyStatus;
}

export interface StatusInputs {
  groupJoined: boolean;
  sinkReachable: boolean;
  messagesPerSecond: number;
  pointsPerSecond: number;
  anomaliesPerMinute: number;
  lastMessageAt: number;
  activeSeries: number;
  seriesLimit?: { max: number; reached: boolean; refusedSeries: number; reachedAt: number };
  lag: PartitionLag[];
  dlqByReason: Record<string, number>;
  sinkPending: number;
  sinkWriteErrors: number;
  sinkRejected: number;
  sinkLastError: string;
  backpressure: boolean;
  startedAt: number;
  now: number;
}

/** Lag beyond which the stream is called degraded (the detector is falling behind). */
const LAG_DEGRADED = 10_000;

export function buildStatus(i: StatusInputs): StreamStatus {
  const problems: string[] = [];
  if (!i.groupJoined) problems.push('not a member of the consumer group');
  if (!i.sinkReachable)
    problems.push(`remote-write endpoint unreachable${i.sinkLastError ? `: ${i.sinkLastError}` : ''}`);
  const totalLag = i.lag.reduce((n, p) => n + p.lag, 0);
  if (totalLag > LAG_DEGRADED) problems.push(`consumer lag ${totalLag} messages`);
  if (i.backpressure) problems.push('consumption paused: sink backlog full');
  const sl = i.seriesLimit;
  if (sl?.reached)
    problems.push(
      `series cap of ${sl.max} reached: points of new series are dropped (${sl.refusedSeries} series refused so far)`
    );
  const down = !i.groupJoined || !i.sinkReachable;
  return {
    status: down ? 'down' : problems.length > 0 ? 'degraded' : 'ok',
    problems,
    groupJoined: i.groupJoined,
    sinkReachable: i.sinkReachable,
    messagesPerSecond: round(i.messagesPerSecond),
    pointsPerSecond: round(i.pointsPerSecond),
    anomaliesPerMinute: round(i.anomaliesPerMinute),
    lastMessageAgeSeconds: i.lastMessageAt > 0 ? round((i.now - i.lastMessageAt) / 1000) : null,
    activeSeries: i.activeSeries,
    ...(sl
      ? {
          seriesLimit: {
            max: sl.max,
            reached: sl.reached,
            refusedSeries: sl.refusedSeries,
            reachedAt: sl.reachedAt > 0 ? new Date(sl.reachedAt).toISOString() : null,
          },
        }
      : {}),
    consumerLag: { total: totalLag, partitions: i.lag },
    dlq: { total: Object.values(i.dlqByReason).reduce((a, b) => a + b, 0), byReason: i.dlqByReason },
    sink: {
      pendingSamples: i.sinkPending,
      writeErrors: i.sinkWriteErrors,
      rejectedSamples: i.sinkRejected,
      lastError: i.sinkLastError,
      backpressure: i.backpressure,
    },
    uptimeSeconds: Math.round((i.now - i.startedAt) / 1000),
  };
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}
