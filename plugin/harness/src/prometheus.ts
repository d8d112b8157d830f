import { DataFrame, FieldType, createDataFrame } from '@grafana/data';

/** The `data` of a Prometheus `/api/v1/query_range` response. */
export interface PrometheusMatrix {
  resultType: 'matrix';
  result: Array<{ metric: Record<string, string>; values: Array<[number, string]> }>;
}

/**
 * Frames shaped as Grafana's Prometheus datasource returns them for a range query: one frame
 * per series, a `Time` field in ms and a `Value` field carrying the series labels (with
 * `__name__`). Stale markers and "NaN" become NaN, as in Grafana.
 */
export function matrixToFrames(matrix: PrometheusMatrix, refId: string): DataFrame[] {
  return matrix.result.map((series) => {
    const times = series.values.map(([t]) => Math.round(t * 1000));
    const values = series.values.map(([, v]) => Number(v));
    return createDataFrame({
      refId,
      fields: [
        { name: 'Time', type: FieldType.time, values: times, config: { interval: undefined } },
        { name: 'Value', type: FieldType.number, values, labels: { ...series.metric }, config: {} },
      ],
    });
  });
}
