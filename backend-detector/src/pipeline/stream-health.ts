import { buildStatus, RateWindow, type PartitionLag, type StreamStatus } from '../health/status';
import type { SeriesGuardState } from './series-guard';
import type { Clock } from './clock';

/** What the service reads health from, besides the counters kept here. */
export interface HealthSources {
  missingTopics(): string[];
  sink: { readonly reachable: boolean; readonly lastError: string; readonly pending: number };
  activeSeries(): number;
  seriesLimit(): SeriesGuardState;
  lag(): PartitionLag[];
  dlqByReason(): Record<string, number>;
  backpressure(): boolean;
}

/** Readiness (/readyz) and stream status (/api/status): the counters they need and the verdicts. */
export class StreamHealth {
  groupJoined = false;
  stopping = false;
  /** Wall-clock time the first batch was processed (0 = none yet). */
  firstMessageAt = 0;
  lastMessageAt = 0;
  pointsScored = 0;
  /** pointsScored as of the last takeScored(). */
  private reportedScored = 0;
  sinkWriteErrors = 0;
  sinkRejected = 0;
  startedAt: number;
  readonly messages: RateWindow;
  readonly points: RateWindow;
  readonly anomalies: RateWindow;
  private sources?: HealthSources;

  constructor(private readonly clock: Clock) {
    const now = () => clock.now();
    this.startedAt = clock.now();
    this.messages = new RateWindow(undefined, now);
    this.points = new RateWindow(undefined, now);
    this.anomalies = new RateWindow(undefined, now);
  }

  /** The parts health is read from (they are built after this, and count into it). */
  watch(sources: HealthSources): void {
    this.sources = sources;
  }

  /**
   * Points scored since the last call, added to the points/s window. Called once per batch:
   * per point, the window's clock read and the counter's update were a measurable cost.
   */
  takeScored(): number {
    const n = this.pointsScored - this.reportedScored;
    this.reportedScored = this.pointsScored;
    if (n > 0) this.points.add(n);
    return n;
  }

  readiness(): { ready: boolean; reasons: string[] } {
    const s = this.sources!;
    const reasons: string[] = [];
    const missing = s.missingTopics();
    if (missing.length > 0) reasons.push(`input topic(s) ${missing.join(', ')} do not exist yet`);
    if (!this.groupJoined) reasons.push('consumer group not joined');
    if (!s.sink.reachable)
      reasons.push(`remote-write endpoint not reachable${s.sink.lastError ? ` (${s.sink.lastError})` : ''}`);
    if (this.stopping) reasons.push('shutting down');
    return { ready: reasons.length === 0, reasons };
  }

  status(): StreamStatus {
    const s = this.sources!;
    return buildStatus({
      groupJoined: this.groupJoined,
      sinkReachable: s.sink.reachable,
      messagesPerSecond: this.messages.perSecond(),
      pointsPerSecond: this.points.perSecond(),
      anomaliesPerMinute: this.anomalies.perSecond() * 60,
      lastMessageAt: this.lastMessageAt,
      activeSeries: s.activeSeries(),
      seriesLimit: s.seriesLimit(),
      lag: s.lag(),
      dlqByReason: { ...s.dlqByReason() },
      sinkPending: s.sink.pending,
      sinkWriteErrors: this.sinkWriteErrors,
      sinkRejected: this.sinkRejected,
      sinkLastError: s.sink.lastError,
      backpressure: s.backpressure(),
      startedAt: this.startedAt,
      now: this.clock.now(),
    });
  }
}
