import { bandPolygons } from './band';

const x = (t: number) => t;
const y = (v: number) => 100 - v; // pixel y grows downward

describe('bandPolygons', () => {
  it('outlines lower..upper with the upper bound as the top edge', () => {
    const polys = bandPolygons([0, 10, 20], [1, 2, 3], [5, 6, 7], x, y);
    expect(polys).toEqual([{ xs: [0, 10, 20], top: [95, 94, 93], bottom: [99, 98, 97] }]);
  });

  it('splits the band where a bound is missing', () => {
    const polys = bandPolygons([0, 10, 20, 30, 40], [1, 1, null, 1, 1], [2, 2, 2, 2, 2], x, y);
    expect(polys.map((p) => p.xs)).toEqual([
      [0, 10],
      [30, 40],
    ]);
  });

  it('merges samples in one pixel column into their envelope', () => {
    const polys = bandPolygons([0, 0.2, 0.4, 1], [10, 5, 8, 10], [20, 30, 22, 20], x, y);
    expect(polys[0].xs).toEqual([0, 1]);
    expect(polys[0].top[0]).toBe(100 - 30);
    expect(polys[0].bottom[0]).toBe(100 - 5);
  });

  it('draws 10k samples as at most one vertex per pixel column', () => {
    const n = 10_000;
    const t = Array.from({ length: n }, (_, i) => i);
    const lo = t.map((i) => Math.sin(i / 100));
    const hi = lo.map((v) => v + 1);
    const polys = bandPolygons(t, lo, hi, (v) => (v / n) * 800, y);
    expect(polys).toHaveLength(1);
    expect(polys[0].xs.length).toBeLessThanOrEqual(801);
  });

  it('tolerates swapped bounds', () => {
    const polys = bandPolygons([0], [9], [3], x, y);
    expect(polys[0].top[0]).toBe(91);
    expect(polys[0].bottom[0]).toBe(97);
  });
});
