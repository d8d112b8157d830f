// Pure helpers for the browser test: expected regions from Prometheus data, color parsing and
// the "is this pixel tinted by that color" check.

/** Values of a matrix's first series, indexed by timestamp (ms). */
export function seriesByTime(matrix, match = () => true) {
  const s = matrix.result.find((r) => match(r.metric));
  const out = new Map();
  for (const [t, v] of s?.values ?? []) {
    out.set(Math.round(t * 1000), Number(v));
  }
  return out;
}

/**
 * Runs of anomalous=1 samples as [start, end) in ms: end is the next sample's time (the panel's
 * convention: a region covers the steps its samples stand for). Also the peak score of each run.
 */
export function expectedRegions(anomalous, score, stepMs) {
  const times = [...anomalous.keys()].sort((a, b) => a - b);
  const regions = [];
  let open;
  for (let i = 0; i < times.length; i++) {
    const t = times[i];
    if (anomalous.get(t) >= 0.5) {
      open ??= { start: t, end: t + stepMs, peak: -Infinity, lastTime: t };
      open.end = i + 1 < times.length && times[i + 1] - t <= 2 * stepMs ? times[i + 1] : t + stepMs;
      open.lastTime = t;
      open.peak = Math.max(open.peak, score.get(t) ?? -Infinity);
    } else if (open) {
      regions.push(open);
      open = undefined;
    }
  }
  if (open) {
    regions.push(open);
  }
  return regions;
}

export function severityName(score, t = { threshold: 1, major: 1.5, critical: 3 }) {
  if (score >= t.critical) {
    return 'critical';
  }
  return score >= t.major ? 'major' : 'minor';
}

export const SEVERITY_PALETTE = { minor: 'yellow', major: 'orange', critical: 'red' };

export function parseColor(css) {
  const hex = /^#([0-9a-f]{6})$/i.exec(css.trim());
  if (hex) {
    const n = parseInt(hex[1], 16);
    return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
  }
  const rgb = /^rgba?\(([^)]+)\)$/i.exec(css.trim());
  if (rgb) {
    return rgb[1]
      .split(',')
      .slice(0, 3)
      .map((v) => Math.round(Number(v)));
  }
  throw new Error(`unparsed color ${css}`);
}

/** A canvas pixel [r,g,b,a] painted with `rgb` at roughly `alpha` (0..1) over nothing. */
export function isTinted(pixel, rgb, alpha, tolerance = 40) {
  const [r, g, b, a] = pixel;
  const wantA = alpha * 255;
  if (a < wantA * 0.6 || a > Math.min(255, wantA * 1.6 + 4)) {
    return false;
  }
  return Math.abs(r - rgb[0]) <= tolerance && Math.abs(g - rgb[1]) <= tolerance && Math.abs(b - rgb[2]) <= tolerance;
}
