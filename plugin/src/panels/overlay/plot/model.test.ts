import { AlignedData } from '../data/align';
import { defaultOverlayOptions } from '../types';
import { buildPlotModel } from './model';

const aligned: AlignedData = {
  times: [0, 60_000, 120_000, 180_000],
  groups: [
    {
      key: 'a',
      displayName: 'a',
      labels: {},
      columns: {
        observed: [1, 2, 30, 4],
        lower: [0, 1, 2, 3],
        upper: [2, 3, 4, 5],
        score: [0.1, 0.2, 3.2, 0.1],
        anomalous: [0, 0, 1, 0],
      },
    },
    { key: 'b', displayName: 'b', labels: {}, columns: { observed: [-5, 1, 1, 1] } },
  ],
};

describe('buildPlotModel', () => {
  it('lays out uPlot columns: times, then observed and score per series', () => {
    const m = buildPlotModel(aligned, defaultOverlayOptions);
    expect(m.columns).toHaveLength(4);
    expect(m.groups[0].observedSeriesIdx).toBe(1);
    expect(m.groups[0].scoreSeriesIdx).toBe(2);
    expect(m.groups[1].observedSeriesIdx).toBe(3);
    expect(m.groups[1].scoreSeriesIdx).toBeUndefined();
  });

  it('drops the score columns when the score track is off and adds the expected line when on', () => {
    const m = buildPlotModel(aligned, { ...defaultOverlayOptions, showScoreTrack: false });
    expect(m.columns).toHaveLength(3);
    expect(m.groups[0].scoreSeriesIdx).toBeUndefined();
  });

  it('replaces per-series score lines by the worst score when crowded', () => {
    const crowded = buildPlotModel(
      {
        times: [0, 1, 2],
        groups: ['a', 'b', 'c'].map((key, i) => ({
          key,
          displayName: key,
          labels: {},
          columns: { observed: [1, 2, 3], score: [i, null, 3 - i] },
        })),
      },
      { ...defaultOverlayOptions, maxOverlaySeries: 2 }
    );
    expect(crowded.worstScoreSeriesIdx).toBe(7);
    expect(crowded.columns[7]).toEqual([2, null, 3]);
    const all = buildPlotModel(
      {
        times: [0],
        groups: ['a', 'b', 'c'].map((key) => ({ key, displayName: key, labels: {}, columns: { score: [1] } })),
      },
      { ...defaultOverlayOptions, maxOverlaySeries: 2, overlayMode: 'all' }
    );
    expect(all.worstScoreSeriesIdx).toBeUndefined();
  });

  it('derives regions, points, extents and the maximum score', () => {
    const m = buildPlotModel(aligned, defaultOverlayOptions);
    expect(m.groups[0].regions).toHaveLength(1);
    expect(m.groups[0].regions[0]).toMatchObject({ start: 120_000, end: 180_000, severity: 'critical' });
    expect(m.groups[0].points.map((p) => p.idx)).toEqual([2]);
    expect(m.valueExtent).toEqual({ min: -5, max: 30 });
    expect(m.maxScore).toBe(3.2);
    expect(m.hasScores).toBe(true);
  });
});
