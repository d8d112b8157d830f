/** NAB file conventions shared by the simulator's writer and the evaluator's reader. */

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** `YYYY-MM-DD HH:MM:SS` in UTC, NAB's data timestamp format. */
export function formatNabTimestamp(ms: number): string {
  const d = new Date(ms);
  if (Number.isNaN(d.getTime())) throw new Error(`invalid time ${ms}`);
  return (
    `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ` +
    `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`
  );
}

/** `YYYY-MM-DD HH:MM:SS.ffffff`, the format of NAB's label files. */
export function formatNabLabelTimestamp(ms: number): string {
  return `${formatNabTimestamp(ms)}.${pad((ms % 1000) * 1000, 6)}`;
}

/** NAB's three cost profiles (config/profiles.json of github.com/numenta/NAB). */
export const NAB_PROFILES = {
  standard: { CostMatrix: { tpWeight: 1.0, fnWeight: 1.0, fpWeight: 0.11, tnWeight: 1.0 } },
  reward_low_FP_rate: { CostMatrix: { tpWeight: 1.0, fnWeight: 1.0, fpWeight: 0.22, tnWeight: 1.0 } },
  reward_low_FN_rate: { CostMatrix: { tpWeight: 1.0, fnWeight: 2.0, fpWeight: 0.11, tnWeight: 1.0 } },
} as const;
