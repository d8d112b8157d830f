import { InstantSample, RangeSeries, parseMatrix, parseVector } from '../logic/prometheusResponse';
import { fetchJson } from './fetchJson';

/** Prometheus HTTP API through Grafana's datasource proxy for the configured datasource. */
export class PrometheusClient {
  constructor(private readonly datasourceUid: string) {}

  private url(path: string): string {
    return `/api/datasources/proxy/uid/${encodeURIComponent(this.datasourceUid)}/api/v1/${path}`;
  }

  async queryRange(expr: string, startMs: number, endMs: number, stepSeconds: number): Promise<RangeSeries[]> {
    const body = await fetchJson(this.url('query_range'), {
      query: expr,
      start: (startMs / 1000).toFixed(3),
      end: (endMs / 1000).toFixed(3),
      step: stepSeconds,
    });
    return parseMatrix(body);
  }

  async query(expr: string, timeMs: number): Promise<InstantSample[]> {
    const body = await fetchJson(this.url('query'), { query: expr, time: (timeMs / 1000).toFixed(3) });
    return parseVector(body);
  }
}

/** Prometheus caps a range query at 11,000 points per series; aim for ~720 steps, never under 15 s. */
export function stepForRange(rangeMs: number, minStepSeconds = 15): number {
  return Math.max(minStepSeconds, Math.ceil(rangeMs / 1000 / 720));
}
