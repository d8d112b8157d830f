/**
 * Generated series for the policy tests: 5-minute points with a daily cycle and seeded
 * noise, plus excursions of a chosen size and sign at chosen rows.
 */
export interface Excursion {
  at: number;
  /** Added to the value for `length` rows (negative: a dip). */
  delta: number;
  length?: number;
}

export interface Point {
  ts: number;
  value: number;
}

export const START = Date.UTC(2026, 10, 1);
export const STEP_MS = 5 * 60_000;

export function generateSeries(rows: number, excursions: Excursion[] = [], seed = 7, base = 100): Point[] {
  let x = seed;
  const rand = () => (x = (x * 16807) % 2147483647) / 2147483647;
  const out: Point[] = [];
  for (let i = 0; i < rows; i++) {
    let v = base + 10 * Math.sin((2 * Math.PI * (i % 288)) / 288) + (rand() - 0.5) * 4;
    for (const e of excursions) if (i >= e.at && i < e.at + (e.length ?? 1)) v += e.delta;
    out.push({ ts: START + i * STEP_MS, value: v });
  }
  return out;
}

export function toCsv(points: Point[]): string {
  return (
    ['timestamp,value', ...points.map((p) => `${new Date(p.ts).toISOString()},${p.value.toFixed(4)}`)].join(
      '\n'
    ) + '\n'
  );
}
