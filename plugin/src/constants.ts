import pluginJson from './plugin.json';

export const PLUGIN_ID = pluginJson.id;
export const PLUGIN_BASE_URL = `/a/${pluginJson.id}`;

/** Fixed names shared with provisioning/ (plugin ids, datasource uid, dashboard uids). */
export const DATASOURCE_UID = 'anomalylens-prometheus';
export const OVERVIEW_DASHBOARD_UID = 'anomalylens-overview';
export const STREAM_HEALTH_DASHBOARD_UID = 'anomalylens-stream-health';
export const OVERLAY_PANEL_ID = 'anomalylens-overlay-panel';

/** App routes, relative to PLUGIN_BASE_URL; each has a page include in plugin.json. */
export enum ROUTES {
  Anomalies = 'anomalies',
  StreamHealth = 'stream-health',
  Alerts = 'alerts',
}
