import { createDataFrame, DataFrame, FieldType } from '@grafana/data';
import { defaultOverlayOptions, OverlayOptions } from '../types';
import { alignGroups, unionTimes } from './align';
import { formatDisplayName, identityLabels, mapFramesToGroups, missingRoles, seriesKey } from './frames';

const o = (over: Partial<OverlayOptions> = {}): OverlayOptions => ({ ...defaultOverlayOptions, ...over });

/** A frame as Grafana's Prometheus datasource returns it for one range-query series. */
function promFrame(
  name: string | undefined,
  labels: Record<string, string>,
  times: number[],
  values: number[],
  refId = 'A'
): DataFrame {
  return createDataFrame({
    refId,
    fields: [
      { name: 'Time', type: FieldType.time, values: times },
      {
        name: 'Value',
        type: FieldType.number,
        values,
        labels: name === undefined ? labels : { __name__: name, ...labels },
      },
    ],
  });
}

const T = [1000, 2000, 3000];
const web1 = { host: 'web-1', metric: 'cpu' };
const web2 = { host: 'web-2', metric: 'cpu' };

describe('mapFramesToGroups', () => {
  it('groups the six detector series of each input series by labels', () => {
    const frames = [
      promFrame('anomalylens_observed', web1, T, [1, 2, 3]),
      promFrame('anomalylens_score', web1, T, [0.1, 1.5, 0.2], 'B'),
      promFrame('anomalylens_expected_lower', web1, T, [0, 1, 2]),
      promFrame('anomalylens_expected_upper', web1, T, [2, 3, 4]),
      promFrame('anomalylens_expected', web1, T, [1, 2, 3]),
      promFrame('anomalylens_anomalous', web1, T, [0, 1, 0]),
      promFrame('anomalylens_observed', web2, T, [7, 8, 9]),
    ];
    const { groups, unmatchedFields } = mapFramesToGroups(frames, o());
    expect(unmatchedFields).toBe(0);
    expect(groups.map((g) => g.displayName)).toEqual(['cpu{host="web-1"}', 'cpu{host="web-2"}']);
    expect(Object.keys(groups[0].roles).sort()).toEqual([
      'anomalous',
      'expected',
      'lower',
      'observed',
      'score',
      'upper',
    ]);
    expect(groups[0].roles.score!.values).toEqual([0.1, 1.5, 0.2]);
    expect(missingRoles(groups[0].roles)).toEqual([]);
    expect(missingRoles(groups[1].roles)).toEqual(['lower', 'upper', 'score', 'anomalous']);
  });

  it('reads the metric name from the field name (Grafana dataplane frames)', () => {
    const frame = (name: string, values: number[]) =>
      createDataFrame({
        refId: 'A',
        fields: [
          { name: 'Time', type: FieldType.time, values: T },
          { name, type: FieldType.number, values, labels: web1 },
        ],
      });
    const { groups } = mapFramesToGroups(
      [frame('anomalylens_observed', [1, 2, 3]), frame('anomalylens_score', [0, 2, 0])],
      o()
    );
    expect(groups).toHaveLength(1);
    expect(Object.keys(groups[0].roles).sort()).toEqual(['observed', 'score']);
  });

  it('assigns roles by refId when the query drops __name__ (e.g. an expression)', () => {
    const frames = [promFrame(undefined, web1, T, [1, 2, 3], 'obs'), promFrame(undefined, web1, T, [5, 5, 5], 'sc')];
    const { groups } = mapFramesToGroups(frames, o({ observedSeries: 'obs', scoreSeries: 'sc' }));
    expect(groups).toHaveLength(1);
    expect(groups[0].roles.observed!.values).toEqual([1, 2, 3]);
    expect(groups[0].roles.score!.values).toEqual([5, 5, 5]);
  });

  it('prefers the metric name over a refId that names another role', () => {
    const frames = [promFrame('anomalylens_observed', web1, T, [1, 2, 3], 'anomalylens_score')];
    const { groups } = mapFramesToGroups(frames, o());
    expect(Object.keys(groups[0].roles)).toEqual(['observed']);
  });

  it('honours role overrides for renamed series', () => {
    const frames = [promFrame('my_value', web1, T, [1, 2, 3]), promFrame('my_score', web1, T, [0, 2, 0])];
    const { groups } = mapFramesToGroups(frames, o({ observedSeries: 'my_value', scoreSeries: 'my_score' }));
    expect(groups[0].roles.observed).toBeDefined();
    expect(groups[0].roles.score).toBeDefined();
  });

  it('shows ordinary metrics as observed when no detector series is present', () => {
    const frames = [promFrame('node_load1', { instance: 'a' }, T, [1, 2, 3])];
    const { groups, unmatchedFields } = mapFramesToGroups(frames, o());
    expect(unmatchedFields).toBe(0);
    expect(groups[0].displayName).toBe('node_load1{instance="a"}');
    expect(groups[0].roles.observed!.values).toEqual([1, 2, 3]);
  });

  it('counts series it cannot place once detector series are present', () => {
    const frames = [promFrame('anomalylens_observed', web1, T, [1, 2, 3]), promFrame('other', web1, T, [1, 1, 1])];
    expect(mapFramesToGroups(frames, o()).unmatchedFields).toBe(1);
  });

  it('groups by the chosen labels and drops ignored ones', () => {
    const frames = [
      promFrame('anomalylens_observed', { ...web1, instance: 'det-1:9464' }, T, [1, 2, 3]),
      promFrame('anomalylens_score', { ...web1, instance: 'det-2:9464' }, T, [0, 0, 0]),
    ];
    expect(mapFramesToGroups(frames, o()).groups).toHaveLength(2);
    expect(mapFramesToGroups(frames, o({ ignoreLabels: 'instance' })).groups).toHaveLength(1);
    expect(mapFramesToGroups(frames, o({ groupByLabels: 'host, metric' })).groups).toHaveLength(1);
  });

  it('turns NaN and stale markers into gaps and sorts unsorted samples', () => {
    const frames = [promFrame('anomalylens_observed', web1, [3000, 1000, 2000], [3, Number.NaN, 2])];
    const s = mapFramesToGroups(frames, o()).groups[0].roles.observed!;
    expect(s.times).toEqual([1000, 2000, 3000]);
    expect(s.values).toEqual([null, 2, 3]);
  });

  it('joins one series split over several frames', () => {
    const frames = [
      promFrame('anomalylens_observed', web1, [1000, 2000], [1, 2]),
      promFrame('anomalylens_observed', web1, [2000, 3000], [2, 3]),
    ];
    const s = mapFramesToGroups(frames, o()).groups[0].roles.observed!;
    expect(s.times).toEqual([1000, 2000, 3000]);
    expect(s.values).toEqual([1, 2, 3]);
  });

  it('takes unit and decimals from the observed field (standard options)', () => {
    const frame = promFrame('anomalylens_observed', web1, T, [1, 2, 3]);
    frame.fields[1].config = { unit: 'percent', decimals: 1 };
    const score = promFrame('anomalylens_score', web1, T, [0, 0, 0]);
    score.fields[1].config = { unit: 'none' };
    expect(mapFramesToGroups([score, frame], o()).display).toEqual({ unit: 'percent', decimals: 1 });
  });

  it('ignores frames without a time field', () => {
    const frame = createDataFrame({ fields: [{ name: 'v', type: FieldType.number, values: [1] }] });
    expect(mapFramesToGroups([frame], o()).groups).toEqual([]);
  });
});

describe('labels and names', () => {
  it('keys a series by its sorted identity labels', () => {
    const a = identityLabels({ __name__: 'x', b: '2', a: '1' }, o());
    expect(a).toEqual({ a: '1', b: '2' });
    expect(seriesKey(a)).toBe(seriesKey({ b: '2', a: '1' }));
    expect(seriesKey({ a: '1' })).not.toBe(seriesKey({ a: '2' }));
  });

  it('leaves labels all series share out of their names', () => {
    const frames = [
      promFrame('anomalylens_observed', { ...web1, job: 'det' }, T, [1, 2, 3]),
      promFrame('anomalylens_observed', { ...web2, job: 'det' }, T, [1, 2, 3]),
    ];
    expect(mapFramesToGroups(frames, o()).groups.map((g) => g.displayName)).toEqual([
      'cpu{host="web-1"}',
      'cpu{host="web-2"}',
    ]);
    const one = mapFramesToGroups([frames[0]], o()).groups[0];
    expect(one.displayName).toBe('cpu{host="web-1", job="det"}');
  });

  it('formats legends with {{label}} templates', () => {
    expect(formatDisplayName(web1, '{{host}} / {{ metric }}', 'x')).toBe('web-1 / cpu');
    expect(formatDisplayName({}, '', 'fallback')).toBe('fallback');
  });
});

describe('alignGroups', () => {
  it('shares one time axis and fills missing samples with null', () => {
    const frames = [
      promFrame('anomalylens_observed', web1, [1000, 2000, 3000], [1, 2, 3]),
      promFrame('anomalylens_score', web1, [2000, 4000], [0.5, 2]),
    ];
    const aligned = alignGroups(mapFramesToGroups(frames, o()).groups);
    expect(aligned.times).toEqual([1000, 2000, 3000, 4000]);
    expect(aligned.groups[0].columns.observed).toEqual([1, 2, 3, null]);
    expect(aligned.groups[0].columns.score).toEqual([null, 0.5, null, 2]);
  });

  it('reuses identical time arrays', () => {
    const t = [1, 2, 3];
    expect(unionTimes([t, [1, 2, 3]])).toEqual(t);
    expect(unionTimes([])).toEqual([]);
  });
});
