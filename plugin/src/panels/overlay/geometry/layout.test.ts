import { extentOf, scoreRange, scoreTop, valueRange } from './layout';
import { nearestSeries, overlayKeys } from './focus';

/** Where value v sits on a scale [min, max], as a share of the height from the bottom. */
const share = (v: number, [min, max]: [number, number]) => (v - min) / (max - min);

describe('extentOf', () => {
  it('spans all columns, ignoring nulls', () => {
    expect(extentOf([[1, null, 5], undefined, [null, -2]])).toEqual({ min: -2, max: 5 });
    expect(extentOf([[null], undefined])).toBeUndefined();
  });
});

describe('stacked value and score areas', () => {
  it('keeps values above the score track and gap', () => {
    const range = valueRange({ min: 10, max: 20 }, 0.25, 0.05);
    expect(share(10, range)).toBeGreaterThanOrEqual(0.3);
    expect(share(20, range)).toBeLessThanOrEqual(1);
    expect(share(20, range)).toBeGreaterThan(0.9);
  });

  it('uses the whole height without a score track', () => {
    const range = valueRange({ min: 0, max: 100 }, 0, 0);
    expect(share(0, range)).toBeCloseTo(0.05 / 1.1);
  });

  it('gives a flat series a visible span', () => {
    const [lo, hi] = valueRange({ min: 5, max: 5 }, 0, 0);
    expect(hi).toBeGreaterThan(5);
    expect(lo).toBeLessThan(5);
  });

  it('puts the top score at the top of the track', () => {
    const top = scoreTop(4, 1);
    const range = scoreRange(top, 0.25);
    expect(share(top, range)).toBeCloseTo(0.25);
    expect(share(0, range)).toBe(0);
  });

  it('always shows the threshold in the track', () => {
    expect(scoreTop(undefined, 1)).toBeGreaterThan(1);
    expect(scoreTop(0.2, 1)).toBeGreaterThan(1);
  });
});

describe('overlayKeys', () => {
  const keys = ['a', 'b', 'c', 'd'];
  it('draws every series while few in auto mode', () => {
    expect(overlayKeys(keys, 'auto', 4, null, null)).toEqual(keys);
  });
  it('draws only the hovered series when crowded', () => {
    expect(overlayKeys(keys, 'auto', 3, null, null)).toEqual([]);
    expect(overlayKeys(keys, 'auto', 3, 'c', null)).toEqual(['c']);
  });
  it('lets a selection win over hover', () => {
    expect(overlayKeys(keys, 'focused', 3, 'c', 'b')).toEqual(['b']);
    expect(overlayKeys(keys, 'auto', 10, 'c', 'b')).toEqual(['b']);
  });
  it('ignores keys that are not plotted and draws all in all mode', () => {
    expect(overlayKeys(keys, 'focused', 3, 'zzz', null)).toEqual([]);
    expect(overlayKeys(keys, 'all', 1, 'a', 'b')).toEqual(keys);
  });
});

describe('nearestSeries', () => {
  it('picks the closest series within reach', () => {
    const c = [
      { index: 0, y: 100 },
      { index: 1, y: 130 },
      { index: 2, y: null },
    ];
    expect(nearestSeries(120, c, 24)).toBe(1);
    expect(nearestSeries(300, c, 24)).toBeNull();
  });
});
