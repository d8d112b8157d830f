import { OUTPUT_SERIES } from '../metrics';
import { InstantSample } from './prometheusResponse';

/** What the configuration page's check asks the chosen datasource. */
export const CONNECTION_QUERIES = {
  scoredSeries: `count(${OUTPUT_SERIES.score})`,
  detectorMetrics: 'count({__name__=~"anomalylens_detector_.+"})',
} as const;

export interface ConnectionVerdict {
  level: 'success' | 'warning';
  message: string;
}

function count(samples: InstantSample[]): number {
  return samples.length > 0 && Number.isFinite(samples[0].v) ? samples[0].v : 0;
}

/** Turns the two counts into advice: scores and self-metrics are what the pages need. */
export function connectionVerdict(scored: InstantSample[], detector: InstantSample[]): ConnectionVerdict {
  const series = count(scored);
  const metrics = count(detector);
  if (series > 0 && metrics > 0) {
    return {
      level: 'success',
      message: `Connected: ${series} scored series and ${metrics} detector self-metric series.`,
    };
  }
  if (series > 0) {
    return {
      level: 'warning',
      message: `${series} scored series found, but no anomalylens_detector_* metrics: add the detector's /metrics to this Prometheus's scrape targets for the Stream health page.`,
    };
  }
  if (metrics > 0) {
    return {
      level: 'warning',
      message: `The detector is scraped (${metrics} self-metric series) but no anomalylens_score series exist yet: check its remote-write URL points at this Prometheus.`,
    };
  }
  return {
    level: 'warning',
    message: 'The datasource answers, but holds no Anomaly Lens data: is this the Prometheus the detector writes to?',
  };
}
