/**
 * Evidence that a series is stuck: the same value repeated more often in a row than this
 * series' own history makes plausible. A collector that hangs, a cache that stops
 * refreshing or a gauge frozen by a dead exporter keeps reporting its last value; no
 * deviation feature sees it, because the value is exactly the expected one.
 *
 * The series' repeat rate p (the share of consecutive pairs that are equal, with a
 * Laplace prior so an unseen repeat is rare but not impossible) gives the probability of
 * a run of k equal values under independence: p^(k−1). The evidence is its negative
 * base-10 logarithm. A noisy CPU gauge has p ≈ 1/n, so three equal readings in a row are
 * already a surprise; a sparse count that sits at 0 half the time has p ≈ 0.5 and needs
 * dozens. Runs that this series has already had (the longest completed one) are not
 * news: a nightly idle stretch of zeros is learned after it has happened once. The
 * current run is not counted into p until it ends, so a long freeze cannot explain itself.
 *
 * A run is reported once: when its evidence first reaches the caller's bar, the rest of
 * the run brings no more (a freeze that goes on is the same incident, not a new one). A
 * series needs MIN_PAIRS consecutive pairs behind it before any run is news: one that has
 * been constant from its first point has no repeat rate to be surprised by.
 */
import { StateReader, StateWriter } from './binary';

const MIN_PAIRS = 64;

export class StuckRun {
  private previous = NaN;
  /** Equal values in the current run (1 after the first point). */
  private run = 0;
  private repeats = 0;
  private pairs = 0;
  private longestRun = 0;
  /** The current run has been reported. */
  private reported = false;

  /**
   * Take the next value; returns −log10 of the probability of the current run, or 0 when
   * it is not news. Evidence at or above `bar` marks the run as reported.
   */
  push(value: number, bar: number): number {
    if (value === this.previous) {
      this.run++;
    } else {
      this.endRun();
      this.run = 1;
      this.previous = value;
      this.reported = false;
    }
    if (this.reported || this.pairs < MIN_PAIRS || this.run <= Math.max(this.longestRun, 1)) return 0;
    const p = (this.repeats + 1) / (this.pairs + 2);
    const evidence = -(this.run - 1) * Math.log10(p);
    if (evidence >= bar) this.reported = true;
    return evidence;
  }

  private endRun(): void {
    if (this.run === 0) return;
    this.repeats += this.run - 1;
    // The pair that ended the run (previous → this value) is a change.
    this.pairs += this.run;
    if (this.run > this.longestRun) this.longestRun = this.run;
  }

  writeState(w: StateWriter): void {
    w.f64(this.previous);
    w.f64(this.run);
    w.f64(this.repeats);
    w.f64(this.pairs);
    w.f64(this.longestRun);
    w.bool(this.reported);
  }

  readState(r: StateReader): void {
    this.previous = r.f64();
    this.run = r.number('stuck run length', 0, Number.MAX_SAFE_INTEGER);
    this.repeats = r.number('stuck repeats', 0, Number.MAX_SAFE_INTEGER);
    this.pairs = r.number('stuck pairs', 0, Number.MAX_SAFE_INTEGER);
    this.longestRun = r.number('stuck longest run', 0, Number.MAX_SAFE_INTEGER);
    this.reported = r.bool();
  }
}
