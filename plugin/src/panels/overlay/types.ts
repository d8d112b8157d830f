/**
 * Options of the anomaly overlay panel (`anomalylens-overlay-panel`). Dashboards set these in
 * `panels[].options`; every field has a default in `defaultOverlayOptions`, so a dashboard may
 * omit any of them.
 */
import { SEVERITY_THRESHOLDS } from '../../severity';

/**
 * What one detector output series means to the panel. `maintenance` is 1 for the points inside a
 * maintenance window (the detector scores none of them), absent otherwise.
 */
export type SeriesRole = 'observed' | 'expected' | 'lower' | 'upper' | 'score' | 'anomalous' | 'maintenance';

export const SERIES_ROLES: readonly SeriesRole[] = [
  'observed',
  'expected',
  'lower',
  'upper',
  'score',
  'anomalous',
  'maintenance',
];

/** Roles a series normally has; the others (expected line, maintenance flag) are optional. */
export const EXPECTED_ROLES: readonly SeriesRole[] = ['observed', 'lower', 'upper', 'score', 'anomalous'];

/**
 * Which series get the expected band and anomaly regions:
 * - `auto`: every series while there are at most `maxOverlaySeries`, otherwise only the hovered
 *   or selected one (how Datadog keeps crowded anomaly graphs readable);
 * - `all`: every series;
 * - `focused`: only the hovered or selected series.
 */
export type OverlayMode = 'auto' | 'all' | 'focused';

export type Severity = 'normal' | 'minor' | 'major' | 'critical';

export interface OverlayOptions {
  /**
   * Series name (`__name__`) per role. A matcher also matches a query's refId or a frame's
   * name, so a renamed or recorded series can be assigned a role.
   */
  observedSeries: string;
  expectedSeries: string;
  lowerSeries: string;
  upperSeries: string;
  scoreSeries: string;
  anomalousSeries: string;
  maintenanceSeries: string;
  /**
   * Comma-separated label names that identify one input series. Empty: all labels except
   * `__name__` (and the ones in `ignoreLabels`).
   */
  groupByLabels: string;
  /** Comma-separated label names left out of the series identity (e.g. `job,instance`). */
  ignoreLabels: string;
  /** Legend and tooltip name: `{{label}}` placeholders; empty = `metric{labels}`. */
  legendFormat: string;

  overlayMode: OverlayMode;
  /** In `auto` mode, the most series that still get overlays all at once. */
  maxOverlaySeries: number;

  showBand: boolean;
  showRegions: boolean;
  showPoints: boolean;
  showExpectedLine: boolean;
  showScoreTrack: boolean;
  showLegend: boolean;
  /** Hatch the time ranges a series spent in a maintenance window. */
  showMaintenance: boolean;

  /** Score at which a point is anomalous (the detector's convention: 1). */
  scoreThreshold: number;
  /** Scores at or above these are `major` / `critical`; between threshold and major: `minor`. */
  majorScore: number;
  criticalScore: number;
  /** Share of the panel height given to the score track, in percent. */
  scoreTrackHeight: number;

  lineWidth: number;
  /** Opacity of the expected band, 0–100. */
  bandOpacity: number;
  /** Opacity of anomaly regions, 0–100. */
  regionOpacity: number;
  pointSize: number;
}

export const defaultOverlayOptions: OverlayOptions = {
  observedSeries: 'anomalylens_observed',
  expectedSeries: 'anomalylens_expected',
  lowerSeries: 'anomalylens_expected_lower',
  upperSeries: 'anomalylens_expected_upper',
  scoreSeries: 'anomalylens_score',
  anomalousSeries: 'anomalylens_anomalous',
  maintenanceSeries: 'anomalylens_maintenance',
  groupByLabels: '',
  ignoreLabels: '',
  legendFormat: '',
  overlayMode: 'auto',
  maxOverlaySeries: 3,
  showBand: true,
  showRegions: true,
  showPoints: true,
  showExpectedLine: false,
  showScoreTrack: true,
  showLegend: true,
  showMaintenance: true,
  scoreThreshold: 1,
  majorScore: SEVERITY_THRESHOLDS.major,
  criticalScore: SEVERITY_THRESHOLDS.critical,
  scoreTrackHeight: 25,
  lineWidth: 1,
  bandOpacity: 18,
  regionOpacity: 22,
  pointSize: 6,
};

/** The option key that names the series of each role. */
export const ROLE_OPTION: Record<SeriesRole, keyof OverlayOptions> = {
  observed: 'observedSeries',
  expected: 'expectedSeries',
  lower: 'lowerSeries',
  upper: 'upperSeries',
  score: 'scoreSeries',
  anomalous: 'anomalousSeries',
  maintenance: 'maintenanceSeries',
};
