import { SeriesRole, SERIES_ROLES } from '../types';
import { SeriesGroup } from './frames';

export type Column = Array<number | null>;

export interface AlignedGroup {
  key: string;
  displayName: string;
  labels: Record<string, string>;
  /** Per role, one value per shared timestamp (null where the role has no sample). */
  columns: Partial<Record<SeriesRole, Column>>;
}

export interface AlignedData {
  times: number[];
  groups: AlignedGroup[];
}

function sameTimes(a: number[], b: number[]): boolean {
  if (a === b) {
    return true;
  }
  if (a.length !== b.length) {
    return false;
  }
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i]) {
      return false;
    }
  }
  return true;
}

/** Sorted union of several sorted timestamp arrays. */
export function unionTimes(all: number[][]): number[] {
  if (all.length === 0) {
    return [];
  }
  if (all.every((t) => sameTimes(t, all[0]))) {
    return all[0].slice();
  }
  const set = new Set<number>();
  for (const ts of all) {
    for (const t of ts) {
      set.add(t);
    }
  }
  return [...set].sort((a, b) => a - b);
}

/**
 * Puts every role series of every group on one shared time axis (uPlot needs one x array).
 * Prometheus range queries share their steps, so the common case reuses the arrays as they are.
 */
export function alignGroups(groups: SeriesGroup[]): AlignedData {
  const allTimes: number[][] = [];
  for (const g of groups) {
    for (const role of SERIES_ROLES) {
      const s = g.roles[role];
      if (s) {
        allTimes.push(s.times);
      }
    }
  }
  const times = unionTimes(allTimes);
  let index: Map<number, number> | undefined;

  const aligned = groups.map((g) => {
    const columns: Partial<Record<SeriesRole, Column>> = {};
    for (const role of SERIES_ROLES) {
      const s = g.roles[role];
      if (!s) {
        continue;
      }
      if (sameTimes(s.times, times)) {
        columns[role] = s.values;
        continue;
      }
      index = index ?? new Map(times.map((t, i) => [t, i]));
      const col: Column = new Array(times.length).fill(null);
      s.times.forEach((t, i) => {
        const at = index!.get(t);
        if (at !== undefined) {
          col[at] = s.values[i];
        }
      });
      columns[role] = col;
    }
    return { key: g.key, displayName: g.displayName, labels: g.labels, columns };
  });
  return { times, groups: aligned };
}
