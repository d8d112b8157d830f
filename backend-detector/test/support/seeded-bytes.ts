/**
 * n pseudo-random bytes, the same for the same seed on every run (a linear congruential
 * generator's high bytes). Self-contained on purpose: tests that run code in a plain Node
 * process send this function's source along (`seededBytes.toString()`).
 */
export function seededBytes(n: number, seed: number): Buffer {
  let s = seed >>> 0 || 1;
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    b[i] = s >>> 24;
  }
  return b;
}
