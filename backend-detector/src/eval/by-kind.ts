/**
 * Detection rate and delay per anomaly kind, for labeled sets that say what each window holds
 * (the simulator's labels/anomalies.json). Pure.
 */
import { TruthFile } from './nab-rules';
import { FileTally } from './scoring';

export interface LabeledAnomaly {
  kind: string;
  /** First anomalous row. */
  startRow: number;
  /** The anomaly's window, inclusive rows. */
  windowRows: [number, number];
}

/** Per data file (relative path as in combined_windows.json): its labeled anomalies. */
export type AnomalyDetails = Record<string, LabeledAnomaly[]>;

export interface KindRow {
  kind: string;
  /** Scored windows of this kind. */
  windows: number;
  detected: number;
  /** Median rows from the anomaly's first row to the first detection (negative = early). */
  medianDelayRows: number | undefined;
}

function median(xs: number[]): number | undefined {
  if (xs.length === 0) return undefined;
  const s = xs.slice().sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

export function detectionByKind(
  files: readonly TruthFile[],
  perFile: readonly FileTally[],
  details: AnomalyDetails
): KindRow[] {
  const acc = new Map<string, { windows: number; detected: number; delays: number[] }>();
  files.forEach((tf, f) => {
    const tally = perFile[f];
    const anomalies = details[tf.rel];
    if (!tally || !anomalies) return;
    for (const a of anomalies) {
      const k = tf.windows.findIndex(([l, r]) => l === a.windowRows[0] && r === a.windowRows[1]);
      if (k < 0 || (tf.windows[k] as [number, number])[1] < tf.firstScored) continue;
      const row = acc.get(a.kind) ?? { windows: 0, detected: 0, delays: [] };
      row.windows++;
      const hit = tally.firstDetection[k];
      if (hit !== null && hit !== undefined) {
        row.detected++;
        row.delays.push(hit - a.startRow);
      }
      acc.set(a.kind, row);
    }
  });
  return [...acc.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([kind, r]) => ({
      kind,
      windows: r.windows,
      detected: r.detected,
      medianDelayRows: median(r.delays),
    }));
}
