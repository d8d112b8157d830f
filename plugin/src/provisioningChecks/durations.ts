/**
 * Prometheus duration syntax as Grafana parses `interval`, `for`, `keepFiringFor` and policy timings
 * (github.com/prometheus/common/model.ParseDuration): units in descending order, each at most once.
 */
const DURATION = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;
const UNIT_MS = [365 * 86_400_000, 7 * 86_400_000, 86_400_000, 3_600_000, 60_000, 1000, 1];

/** Milliseconds of a Prometheus duration, or null when the text is not one. */
export function parsePromDuration(text: unknown): number | null {
  if (typeof text !== 'string') {
    return null;
  }
  if (text === '0') {
    return 0;
  }
  const match = DURATION.exec(text);
  if (text === '' || !match) {
    return null;
  }
  return match.slice(1).reduce((sum, part, i) => sum + (part ? Number(part) * UNIT_MS[i] : 0), 0);
}
