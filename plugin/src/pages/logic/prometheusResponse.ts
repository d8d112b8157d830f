/**
 * Parsing of Prometheus HTTP API responses (/api/v1/query and /api/v1/query_range) into typed
 * series. Timestamps become epoch milliseconds; sample values become numbers (NaN and ±Inf kept
 * as JavaScript's, since Prometheus encodes them as strings).
 */
export type Labels = Record<string, string>;

export interface Sample {
  t: number;
  v: number;
}

export interface RangeSeries {
  labels: Labels;
  samples: Sample[];
}

export interface InstantSample {
  labels: Labels;
  t: number;
  v: number;
}

export class PrometheusResponseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PrometheusResponseError';
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseSample(raw: unknown): Sample {
  if (!Array.isArray(raw) || raw.length !== 2 || typeof raw[0] !== 'number' || typeof raw[1] !== 'string') {
    throw new PrometheusResponseError(`malformed sample ${JSON.stringify(raw)}: expected [unixSeconds, "value"]`);
  }
  return { t: Math.round(raw[0] * 1000), v: parseValue(raw[1]) };
}

/** Prometheus writes infinities as "+Inf"/"-Inf", which Number() does not read. */
function parseValue(text: string): number {
  if (text === '+Inf' || text === 'Inf') {
    return Infinity;
  }
  if (text === '-Inf') {
    return -Infinity;
  }
  return Number(text);
}

function parseLabels(raw: unknown): Labels {
  if (!isRecord(raw)) {
    throw new PrometheusResponseError('malformed series: "metric" must be an object of labels');
  }
  const labels: Labels = {};
  for (const [name, value] of Object.entries(raw)) {
    labels[name] = String(value);
  }
  return labels;
}

function successData(body: unknown, expected: string[]): { resultType: string; result: unknown } {
  if (!isRecord(body)) {
    throw new PrometheusResponseError('response is not a Prometheus API object');
  }
  if (body.status === 'error') {
    const type = typeof body.errorType === 'string' ? `${body.errorType}: ` : '';
    throw new PrometheusResponseError(`Prometheus error: ${type}${String(body.error ?? 'unknown error')}`);
  }
  if (body.status !== 'success' || !isRecord(body.data)) {
    throw new PrometheusResponseError('response has no successful "data" section');
  }
  const resultType = body.data.resultType;
  if (typeof resultType !== 'string' || !expected.includes(resultType)) {
    throw new PrometheusResponseError(
      `unexpected resultType ${String(resultType)} (expected ${expected.join(' or ')})`
    );
  }
  return { resultType, result: body.data.result };
}

/** Parses a query_range response (resultType matrix). */
export function parseMatrix(body: unknown): RangeSeries[] {
  const { result } = successData(body, ['matrix']);
  if (!Array.isArray(result)) {
    throw new PrometheusResponseError('matrix result is not an array');
  }
  return result.map((entry: unknown) => {
    if (!isRecord(entry) || !Array.isArray(entry.values)) {
      throw new PrometheusResponseError('malformed matrix entry: expected {metric, values}');
    }
    return { labels: parseLabels(entry.metric), samples: entry.values.map(parseSample) };
  });
}

/** Parses an instant query response; a scalar result becomes one sample without labels. */
export function parseVector(body: unknown): InstantSample[] {
  const { resultType, result } = successData(body, ['vector', 'scalar']);
  if (resultType === 'scalar') {
    const sample = parseSample(result);
    return [{ labels: {}, ...sample }];
  }
  if (!Array.isArray(result)) {
    throw new PrometheusResponseError('vector result is not an array');
  }
  return result.map((entry: unknown) => {
    if (!isRecord(entry)) {
      throw new PrometheusResponseError('malformed vector entry: expected {metric, value}');
    }
    return { labels: parseLabels(entry.metric), ...parseSample(entry.value) };
  });
}

/** Identity of a series: its labels without the metric name, sorted, so the same input series
 * matches across anomalylens_anomalous, anomalylens_score, ... */
export function seriesKey(labels: Labels): string {
  return Object.keys(labels)
    .filter((name) => name !== '__name__')
    .sort()
    .map((name) => `${name}=${JSON.stringify(labels[name])}`)
    .join(',');
}
