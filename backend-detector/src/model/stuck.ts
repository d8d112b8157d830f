/**
 * Flags a value that stops changing: a metric that repeats exactly, for longer than its own
 * history makes plausible, is usually a stale exporter, a frozen sensor or a dead process
 * rather than a quiet system. The Isolation Forest cannot see this: each stuck point looks
 * like an ordinary value, so this rule runs beside it.
 *
 * The series' own rate of exact repeats p (exponentially forgotten) sets the run length
 * k = ⌈ln(tail) / ln(p)⌉ (at least `minRun`) that is improbable under independent repeats.
 * The rule reports once per run, at the point where the run reaches k; series that repeat
 * most of the time (flat lines, square waves, coarse counters) need runs so long that they
 * are effectively never flagged. Pure logic, no I/O; state is JSON-safe.
 */

export interface StuckRuleConfig {
  /** Probability of a run at which it is flagged (0 disables the rule). */
  tail: number;
  /** Shortest run of repeats ever flagged. */
  minRun: number;
  /** Points seen before the rule judges anything. */
  warmup: number;
  /** Score reported at the flagged point. */
  score: number;
}

export interface StuckRuleState {
  last: number | null;
  run: number;
  repeats: number;
  seen: number;
  /** Longest run completed so far, slowly forgotten (absent in older snapshots). */
  longest?: number;
}

import { StateReader, StateWriter } from './binary';

/** Forgetting factor of the repeat rate (memory ≈ 1000 points). */
const FORGET = 1 - 1 / 1024;

/** A run must outlast this many times the recent longest run. */
const LONGEST_FACTOR = 1;

export class StuckValueRule {
  private last: number | null = null;
  private run = 0;
  private repeats = 0;
  private seen = 0;
  private longest = 0;
  private points = 0;

  constructor(private readonly cfg: StuckRuleConfig) {}

  /** Feed one value; returns the score to report for it (0 unless a run just became improbable). */
  update(value: number): number {
    const repeated = this.last !== null && value === this.last;
    this.last = value;
    this.points++;
    let score = 0;
    if (repeated) {
      this.run++;
      if (this.cfg.tail > 0 && this.points > this.cfg.warmup && this.run === this.requiredRun()) {
        score = this.cfg.score;
      }
    } else {
      if (this.run > this.longest) this.longest = this.run;
      this.run = 0;
    }
    this.longest *= FORGET;
    if (this.points > 1) {
      this.repeats = this.repeats * FORGET + (repeated ? 1 : 0);
      this.seen = this.seen * FORGET + 1;
    }
    return score;
  }

  /** Repeats in a row that are improbable for this series. */
  requiredRun(): number {
    // Laplace-smoothed so a series that never repeated still needs `minRun`.
    const p = (this.repeats + 1) / (this.seen + 2);
    const improbable = Math.ceil(Math.log(this.cfg.tail) / Math.log(p));
    // Repeats come in runs (idle counters, quantized gauges), so independence understates
    // long runs: a run is only news once it outlasts the series' own recent longest one.
    return Math.max(this.cfg.minRun, improbable, Math.floor(LONGEST_FACTOR * this.longest) + 1);
  }

  snapshot(): StuckRuleState {
    return { last: this.last, run: this.run, repeats: this.repeats, seen: this.seen, longest: this.longest };
  }

  restore(s: StuckRuleState, points: number): void {
    this.last = s.last;
    this.run = s.run;
    this.repeats = s.repeats;
    this.seen = s.seen;
    this.longest = s.longest ?? 0;
    this.points = points;
  }

  /** Binary form for the detector state codec. */
  writeState(w: StateWriter): void {
    w.bool(this.last !== null);
    w.f64(this.last ?? 0);
    w.f64(this.run);
    w.f64(this.repeats);
    w.f64(this.seen);
    w.f64(this.longest);
    w.f64(this.points);
  }

  readState(r: StateReader): void {
    const hasLast = r.bool();
    const last = r.f64();
    this.last = hasLast ? last : null;
    this.run = r.number('stuck run', 0);
    this.repeats = r.number('stuck repeats', 0);
    this.seen = r.number('stuck seen', 0);
    this.longest = r.number('stuck longest', 0);
    this.points = r.number('stuck points', 0);
  }
}
