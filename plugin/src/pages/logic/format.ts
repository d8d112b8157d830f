import { Labels } from './prometheusResponse';

const UNITS: Array<[string, number]> = [
  ['d', 86_400],
  ['h', 3_600],
  ['m', 60],
  ['s', 1],
];

/** Compact human duration with the two most significant units: "45s", "3m 20s", "2h 5m", "3d 4h". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) {
    return '–';
  }
  if (ms < 1000) {
    return `${Math.round(ms)}ms`;
  }
  let rest = Math.round(ms / 1000);
  const counts = UNITS.map(([, size]) => {
    const count = Math.floor(rest / size);
    rest -= count * size;
    return count;
  });
  const first = counts.findIndex((count) => count > 0);
  const parts = [`${counts[first]}${UNITS[first][0]}`];
  if (first + 1 < UNITS.length && counts[first + 1] > 0) {
    parts.push(`${counts[first + 1]}${UNITS[first + 1][0]}`);
  }
  return parts.join(' ');
}

export function formatScore(score: number | null): string {
  return score === null || !Number.isFinite(score) ? '–' : score.toFixed(2);
}

/** Numbers with an SI suffix and three significant digits: 950, 1.23k, 45.6M. */
export function formatCount(value: number | null): string {
  if (value === null || !Number.isFinite(value)) {
    return '–';
  }
  const abs = Math.abs(value);
  const suffixes: Array<[string, number]> = [
    ['G', 1e9],
    ['M', 1e6],
    ['k', 1e3],
  ];
  for (const [suffix, size] of suffixes) {
    if (abs >= size) {
      return `${trimZeros((value / size).toPrecision(3))}${suffix}`;
    }
  }
  if (Number.isInteger(value)) {
    return String(value);
  }
  return trimZeros(abs >= 1 ? value.toPrecision(3) : value.toFixed(abs >= 0.01 ? 2 : 3));
}

function trimZeros(text: string): string {
  return text.includes('.') && !text.includes('e') ? text.replace(/\.?0+$/, '') : text;
}

export function formatRate(perSecond: number | null): string {
  return perSecond === null || !Number.isFinite(perSecond) ? '–' : `${formatCount(perSecond)}/s`;
}

export function formatSeconds(seconds: number | null): string {
  return seconds === null || !Number.isFinite(seconds) ? '–' : formatDuration(seconds * 1000);
}

/** Title for a series: its metric and host, falling back to every label. */
export function seriesTitle(labels: Labels): string {
  const { metric, host } = labels;
  if (metric && host) {
    return `${metric} · ${host}`;
  }
  return metric || host || formatLabels(labels) || 'series without labels';
}

/** The remaining labels as "name=value" pairs, sorted, leaving out the names already shown. */
export function formatLabels(labels: Labels, omit: string[] = []): string {
  return Object.keys(labels)
    .filter((name) => name !== '__name__' && !omit.includes(name))
    .sort()
    .map((name) => `${name}=${labels[name]}`)
    .join(', ');
}

/** A timestamp in the viewer's local time, "2026-11-24 10:02:03". */
export function formatTime(ms: number, timeZone?: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(new Date(ms));
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')}:${get('second')}`;
}
