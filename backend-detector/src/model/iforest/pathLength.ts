const EULER_GAMMA = 0.5772156649015329;

/**
 * c(n): the average path length of an unsuccessful search in a binary search tree of n
 * points (Liu, Ting & Zhou 2008, eq. 1). Used to normalise path lengths and to credit
 * the unbuilt subtree below an external node that still holds n > 1 points.
 */
export function averagePathLength(n: number): number {
  if (n <= 1) return 0;
  if (n === 2) return 1;
  const harmonic = Math.log(n - 1) + EULER_GAMMA;
  return 2 * harmonic - (2 * (n - 1)) / n;
}
