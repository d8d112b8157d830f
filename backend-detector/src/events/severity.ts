/**
 * The one source of the severity split of an anomaly's peak score. The plugin mirrors it
 * in plugin/src/severity.ts (panel defaults, app pages), the provisioned alert rule's
 * `severity` label uses the same numbers, and plugin/src/severity.test.ts fails if any of
 * them disagrees with this file.
 */
export const SEVERITY_THRESHOLDS = {
  /** Peak score at or above which an event is major. */
  major: 1.5,
  /** Peak score at or above which an event is critical. */
  critical: 3,
} as const;
