export { EventTracker, DEFAULT_EVENT_CONFIG, severityOf, validateEventConfig } from './tracker';
export type { AnomalyEvent, EventChange, EventTrackerConfig, EventTrackerState, Severity } from './tracker';
export { SEVERITY_THRESHOLDS } from './severity';
