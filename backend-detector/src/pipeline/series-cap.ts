import type { Logger } from 'pino';
import type { DetectorMetrics } from '../health/metrics';
import { LogLimiter } from '../health/log-limiter';
import { seriesKey } from '../ingest/labels';
import type { Clock } from './clock';
import { SeriesGuard } from './series-guard';

const FIX =
  'raise ANOMALYLENS_MAX_SERIES, lower ANOMALYLENS_SERIES_IDLE_TIMEOUT_S, or drop the exploding label';

/** The cardinality guard's voice: counts refused series, logs and flags when the cap is reached. */
export class SeriesCap {
  readonly guard: SeriesGuard;
  /** While the cap holds, a reminder a minute (each refused point would log otherwise). */
  private readonly reminders: LogLimiter;

  constructor(
    private readonly maxSeries: number,
    private readonly activeSeries: () => number,
    clock: Clock,
    private readonly metrics: Pick<
      DetectorMetrics,
      'seriesRefused' | 'seriesLimitReached' | 'activeSeries' | 'maxSeries'
    >,
    private readonly logger: Logger
  ) {
    this.guard = new SeriesGuard(maxSeries, undefined, () => clock.now());
    this.reminders = new LogLimiter(1, 60_000, () => clock.now());
    metrics.maxSeries.set(maxSeries);
  }

  /** A point of a new series was refused because the cap is full. */
  refused(metric: string, labels: Record<string, string>): void {
    const before = this.guard.state.refusedSeries;
    const event = this.guard.refuse(seriesKey(metric, labels));
    const { refusedSeries } = this.guard.state;
    if (refusedSeries > before) this.metrics.seriesRefused.inc();
    if (event === 'reached') {
      this.metrics.seriesLimitReached.set(1);
      this.logger.warn(
        { maxSeries: this.maxSeries, metric, labels },
        `series cap reached: points of new series are dropped (${FIX})`
      );
    } else if (this.reminders.allow('series_limit').log) {
      this.logger.warn(
        { maxSeries: this.maxSeries, refusedSeries, metric, labels },
        `series cap still reached: ${refusedSeries} new series refused so far (${FIX})`
      );
    }
  }

  /** Active-series gauge, and the guard's all-clear once series fall below the cap. */
  noteActiveSeries(): void {
    const active = this.activeSeries();
    this.metrics.activeSeries.set(active);
    if (this.guard.update(active) === 'cleared') {
      this.metrics.seriesLimitReached.set(0);
      this.logger.info(
        { active, maxSeries: this.maxSeries },
        'series cap no longer reached: new series are accepted again'
      );
    }
  }
}
