/**
 * The severity split of an anomaly's peak score, mirrored from the detector's
 * backend-detector/src/events/severity.ts (the plugin is built on its own, so it keeps a
 * copy); severity.test.ts fails if the copy, the backend or the provisioned alert rule disagree.
 */
export const SEVERITY_THRESHOLDS = {
  major: 1.5,
  critical: 3,
} as const;
