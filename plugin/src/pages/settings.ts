/** The app's settings, stored in the plugin's jsonData (provisioned by provisioning/plugins). */
export interface AppSettings {
  /** uid of the Prometheus datasource the detector writes to and that scrapes its self-metrics. */
  datasourceUid?: string;
  overviewDashboardUid?: string;
  streamHealthDashboardUid?: string;
  /** Label that identifies an entity (a host, a pod): its series' anomalies form one incident. */
  entityLabel?: string;
  /** Gap, in minutes, an anomaly may start after an incident's end and still join it. */
  incidentToleranceMinutes?: number | string;
}

export interface ResolvedSettings {
  datasourceUid: string;
  overviewDashboardUid: string;
  streamHealthDashboardUid: string;
  entityLabel: string;
  incidentToleranceMinutes: number;
}

export const DEFAULT_SETTINGS: ResolvedSettings = {
  datasourceUid: 'anomalylens-prometheus',
  overviewDashboardUid: 'anomalylens-overview',
  streamHealthDashboardUid: 'anomalylens-stream-health',
  entityLabel: 'host',
  incidentToleranceMinutes: 5,
};

/** Prometheus label names: letters, digits and underscores, not starting with a digit. */
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

function nonEmpty(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

export function isLabelName(value: string): boolean {
  return LABEL_NAME.test(value);
}

function labelName(value: unknown): string | undefined {
  const text = nonEmpty(value);
  return text !== undefined && isLabelName(text) ? text : undefined;
}

export function parseMinutes(value: unknown): number | undefined {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  return typeof n === 'number' && Number.isFinite(n) && n >= 0 ? n : undefined;
}

/** Fills unset, blank or invalid settings with the provisioned defaults. */
export function resolveSettings(jsonData: AppSettings | undefined | null): ResolvedSettings {
  return {
    datasourceUid: nonEmpty(jsonData?.datasourceUid) ?? DEFAULT_SETTINGS.datasourceUid,
    overviewDashboardUid: nonEmpty(jsonData?.overviewDashboardUid) ?? DEFAULT_SETTINGS.overviewDashboardUid,
    streamHealthDashboardUid: nonEmpty(jsonData?.streamHealthDashboardUid) ?? DEFAULT_SETTINGS.streamHealthDashboardUid,
    entityLabel: labelName(jsonData?.entityLabel) ?? DEFAULT_SETTINGS.entityLabel,
    incidentToleranceMinutes:
      parseMinutes(jsonData?.incidentToleranceMinutes) ?? DEFAULT_SETTINGS.incidentToleranceMinutes,
  };
}
