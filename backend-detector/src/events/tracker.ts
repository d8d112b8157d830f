/**
 * Turns a per-point normalized score (≥ 1 means anomalous) into anomaly events with
 * open/close hysteresis, so one incident pages once instead of flapping point by point.
 *
 * An event opens at the first point whose score reaches `openThreshold`. It stays open
 * while scores stay above `closeThreshold`, and closes once `closeAfter` consecutive points
 * fell below it (the event's end is the last point that was still above), or when it has
 * lasted `maxDuration` points (a long incident is re-reported rather than held forever).
 * Pure logic, no I/O; state is JSON-safe so the pipeline can checkpoint it.
 */

import { SEVERITY_THRESHOLDS } from './severity';

export type Severity = 'minor' | 'major' | 'critical';

export interface EventTrackerConfig {
  /** Score at which an event opens (default 1). */
  openThreshold: number;
  /** Score below which a point counts towards closing (default 0.75). */
  closeThreshold: number;
  /** Consecutive points below closeThreshold that close an event (default 3). */
  closeAfter: number;
  /** Longest event in points before it is closed and may re-open (default 1440). */
  maxDuration: number;
  /** Peak score at or above which an event is major / critical (defaults: SEVERITY_THRESHOLDS). */
  majorAt: number;
  criticalAt: number;
}

export const DEFAULT_EVENT_CONFIG: EventTrackerConfig = {
  openThreshold: 1,
  closeThreshold: 0.75,
  closeAfter: 3,
  maxDuration: 1440,
  majorAt: SEVERITY_THRESHOLDS.major,
  criticalAt: SEVERITY_THRESHOLDS.critical,
};

export interface AnomalyEvent {
  /** Epoch ms of the first anomalous point. */
  start: number;
  /** Epoch ms of the last point above the close threshold (null while open). */
  end: number | null;
  /** Highest score seen during the event, and when. */
  peakScore: number;
  peakAt: number;
  severity: Severity;
  /** Points in the event so far. */
  points: number;
}

export interface EventChange {
  kind: 'open' | 'close';
  event: AnomalyEvent;
}

export interface EventTrackerState {
  open: AnomalyEvent | null;
  below: number;
  lastAbove: number;
}

export function severityOf(peak: number, cfg: EventTrackerConfig): Severity {
  if (peak >= cfg.criticalAt) return 'critical';
  if (peak >= cfg.majorAt) return 'major';
  return 'minor';
}

export function validateEventConfig(cfg: EventTrackerConfig): void {
  const positive = (name: keyof EventTrackerConfig): void => {
    const v = cfg[name];
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
      throw new Error(`event config: '${name}' must be a positive number (got ${String(v)})`);
    }
  };
  (Object.keys(DEFAULT_EVENT_CONFIG) as (keyof EventTrackerConfig)[]).forEach(positive);
  if (cfg.closeThreshold > cfg.openThreshold) {
    throw new Error("event config: 'closeThreshold' must not exceed 'openThreshold'");
  }
  if (!Number.isInteger(cfg.closeAfter)) throw new Error("event config: 'closeAfter' must be an integer");
  if (!Number.isInteger(cfg.maxDuration)) throw new Error("event config: 'maxDuration' must be an integer");
  if (cfg.criticalAt < cfg.majorAt) throw new Error("event config: 'criticalAt' must be >= 'majorAt'");
}

export class EventTracker {
  private readonly cfg: EventTrackerConfig;
  private open: AnomalyEvent | null = null;
  private below = 0;
  private lastAbove = 0;

  constructor(config: Partial<EventTrackerConfig> = {}, state?: EventTrackerState) {
    this.cfg = { ...DEFAULT_EVENT_CONFIG, ...config };
    validateEventConfig(this.cfg);
    if (state) {
      this.open = state.open ? { ...state.open } : null;
      this.below = state.below;
      this.lastAbove = state.lastAbove;
    }
  }

  /** Whether an event is open (after the last update). */
  get isOpen(): boolean {
    return this.open !== null;
  }

  /** The open event, if any (a copy). */
  get current(): AnomalyEvent | null {
    return this.open ? { ...this.open } : null;
  }

  /**
   * Feed one scored point. Returns the transition it caused, if any. A point that closes
   * an event is itself not part of it; one that opens an event is.
   * `holdScore` (default: `score`) is what keeps an open event open: a detector that damps
   * repeated surprises passes the undamped score here, so an incident stays open while
   * the data stays improbable even though it is only announced once.
   */
  update(timestampMs: number, score: number, holdScore: number = score): EventChange | null {
    const cfg = this.cfg;
    const ev = this.open;
    if (ev === null) {
      if (!(score >= cfg.openThreshold)) return null;
      this.open = {
        start: timestampMs,
        end: null,
        peakScore: score,
        peakAt: timestampMs,
        severity: severityOf(score, cfg),
        points: 1,
      };
      this.below = 0;
      this.lastAbove = timestampMs;
      return { kind: 'open', event: { ...this.open } };
    }
    if (holdScore >= cfg.closeThreshold) {
      this.below = 0;
      this.lastAbove = timestampMs;
    } else {
      this.below++;
    }
    if (this.below >= cfg.closeAfter || ev.points >= cfg.maxDuration) {
      return this.close();
    }
    ev.points++;
    if (holdScore > ev.peakScore) {
      ev.peakScore = holdScore;
      ev.peakAt = timestampMs;
      ev.severity = severityOf(holdScore, cfg);
    }
    return null;
  }

  private close(): EventChange {
    const ev = this.open as AnomalyEvent;
    ev.end = this.lastAbove;
    this.open = null;
    this.below = 0;
    return { kind: 'close', event: ev };
  }

  snapshot(): EventTrackerState {
    return { open: this.open ? { ...this.open } : null, below: this.below, lastAbove: this.lastAbove };
  }

  /** Continue from a snapshot() (the detector state codec restores into an existing tracker). */
  restore(state: EventTrackerState): void {
    this.open = state.open ? { ...state.open } : null;
    this.below = state.below;
    this.lastAbove = state.lastAbove;
  }
}
