/**
 * Label hygiene shared by every decoder. Output series carry the input labels plus
 * `metric="<name>"`, so input labels must be valid Prometheus label names and must not
 * collide with the names the detector adds.
 */

const RESERVED = new Set(['metric', '__name__']);

/** Prometheus label name charset; anything else becomes `_`. */
export function sanitizeLabelName(name: string): string {
  let out = name.replace(/[^a-zA-Z0-9_]/g, '_');
  if (out === '' || /^[0-9]/.test(out)) out = `_${out}`;
  // `__` is reserved for Prometheus-internal labels.
  if (out.startsWith('__')) out = `label${out}`;
  // Same convention as Prometheus scrapes: a clashing target label is kept as exported_<name>.
  if (RESERVED.has(out)) out = `exported_${out}`;
  return out;
}

/** Copy labels with sanitized names, dropping empty values (Prometheus treats them as absent). */
export function cleanLabels(raw: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (value === '') continue;
    out[sanitizeLabelName(name)] = value;
  }
  return out;
}

/** Stable identity of a series: metric plus its labels sorted by name. */
export function seriesKey(metric: string, labels: Record<string, string>): string {
  const names = Object.keys(labels).sort();
  let key = metric;
  for (const name of names) key += `\u0000${name}\u0001${labels[name]}`;
  return key;
}
