/** The app's settings, stored in the plugin's jsonData (provisioned by provisioning/plugins). */
export interface AppSettings {
  /** uid of the Prometheus datasource the detector writes to and that scrapes its self-metrics. */
  datasourceUid?: string;
  overviewDashboardUid?: string;
  streamHealthDashboardUid?: string;
}

export interface ResolvedSettings {
  datasourceUid: string;
  overviewDashboardUid: string;
  streamHealthDashboardUid: string;
}

export const DEFAULT_SETTINGS: ResolvedSettings = {
  datasourceUid: 'anomalylens-prometheus',
  overviewDashboardUid: 'anomalylens-overview',
  streamHealthDashboardUid: 'anomalylens-stream-health',
};

function nonEmpty(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

/** Fills unset or blank settings with the provisioned defaults. */
export function resolveSettings(jsonData: AppSettings | undefined | null): ResolvedSettings {
  return {
    datasourceUid: nonEmpty(jsonData?.datasourceUid) ?? DEFAULT_SETTINGS.datasourceUid,
    overviewDashboardUid: nonEmpty(jsonData?.overviewDashboardUid) ?? DEFAULT_SETTINGS.overviewDashboardUid,
    streamHealthDashboardUid: nonEmpty(jsonData?.streamHealthDashboardUid) ?? DEFAULT_SETTINGS.streamHealthDashboardUid,
  };
}
