/** Shared pieces of the benchmarks: the registry entry type, timing and table output. */
export interface Bench {
  name: string;
  description: string;
  run(): Promise<void>;
}

/** Wall time of fn in milliseconds (high-resolution). */
export function timeMs<T>(fn: () => T): { ms: number; result: T } {
  const t0 = process.hrtime.bigint();
  const result = fn();
  return { ms: Number(process.hrtime.bigint() - t0) / 1e6, result };
}

/** Print rows as an aligned text table. */
export function table(header: string[], rows: (string | number)[][]): void {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => r[i].length)));
  for (const [k, r] of cells.entries()) {
    process.stdout.write(
      r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ') + '\n'
    );
    if (k === 0) process.stdout.write(widths.map((w) => '-'.repeat(w)).join('  ') + '\n');
  }
}

export const fmt = (x: number, digits = 3): string => x.toFixed(digits);
