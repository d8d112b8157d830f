import { PrometheusResponseError, parseMatrix, parseVector, seriesKey } from './prometheusResponse';

describe('Prometheus API responses', () => {
  it('parses a matrix with special float values', () => {
    const series = parseMatrix({
      status: 'success',
      data: {
        resultType: 'matrix',
        result: [
          {
            metric: { __name__: 'anomalylens_score', host: 'a' },
            values: [
              [1764000000.5, '1.25'],
              [1764000015, 'NaN'],
              [1764000030, '+Inf'],
            ],
          },
        ],
      },
    });
    expect(series).toHaveLength(1);
    expect(series[0].labels).toEqual({ __name__: 'anomalylens_score', host: 'a' });
    expect(series[0].samples[0]).toEqual({ t: 1764000000500, v: 1.25 });
    expect(Number.isNaN(series[0].samples[1].v)).toBe(true);
    expect(series[0].samples[2].v).toBe(Infinity);
  });

  it('parses vectors and scalars', () => {
    expect(
      parseVector({
        status: 'success',
        data: { resultType: 'vector', result: [{ metric: { reason: 'bad_json' }, value: [1764000000, '0.2'] }] },
      })
    ).toEqual([{ labels: { reason: 'bad_json' }, t: 1764000000000, v: 0.2 }]);
    expect(parseVector({ status: 'success', data: { resultType: 'scalar', result: [1764000000, '42'] } })).toEqual([
      { labels: {}, t: 1764000000000, v: 42 },
    ]);
  });

  it('turns Prometheus errors and malformed bodies into clear errors', () => {
    expect(() => parseMatrix({ status: 'error', errorType: 'bad_data', error: 'parse error at char 5' })).toThrow(
      'Prometheus error: bad_data: parse error at char 5'
    );
    expect(() => parseMatrix('<html>')).toThrow(PrometheusResponseError);
    expect(() => parseMatrix({ status: 'success', data: { resultType: 'vector', result: [] } })).toThrow(
      /unexpected resultType vector/
    );
    expect(() =>
      parseMatrix({ status: 'success', data: { resultType: 'matrix', result: [{ metric: {}, values: [[1, 2]] }] } })
    ).toThrow(/malformed sample/);
  });

  it('keys series by their labels without the metric name, in any order', () => {
    expect(seriesKey({ __name__: 'anomalylens_score', host: 'a', metric: 'cpu' })).toBe(
      seriesKey({ metric: 'cpu', host: 'a', __name__: 'anomalylens_anomalous' })
    );
    expect(seriesKey({ host: 'a' })).not.toBe(seriesKey({ host: 'b' }));
  });
});
