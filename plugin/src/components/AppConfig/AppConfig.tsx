import React, { useState } from 'react';
import { lastValueFrom } from 'rxjs';
import { css } from '@emotion/css';
import { AppPluginMeta, GrafanaTheme2, PluginConfigPageProps, PluginMeta } from '@grafana/data';
import { DataSourcePicker, getBackendSrv } from '@grafana/runtime';
import { Alert, Button, Field, FieldSet, Input, Stack, useStyles2 } from '@grafana/ui';
import { testIds } from '../testIds';
import { AppSettings, DEFAULT_SETTINGS, isLabelName, parseMinutes, resolveSettings } from '../../pages/settings';
import { PrometheusClient } from '../../pages/api/prometheus';
import { CONNECTION_QUERIES, ConnectionVerdict, connectionVerdict } from '../../pages/logic/connection';
import { PolicyInfo } from './PolicyInfo';

export interface AppConfigProps extends PluginConfigPageProps<AppPluginMeta<AppSettings>> {}

type Check =
  | { state: 'idle' }
  | { state: 'running' }
  | { state: 'done'; verdict: ConnectionVerdict }
  | { state: 'failed'; error: string };

const AppConfig = ({ plugin }: AppConfigProps) => {
  const s = useStyles2(getStyles);
  const { enabled, pinned, jsonData } = plugin.meta;
  // Text fields hold what is typed; saving resolves blanks and invalid values to the defaults.
  const [settings, setSettings] = useState<Required<AppSettings>>(resolveSettings(jsonData));
  const [check, setCheck] = useState<Check>({ state: 'idle' });
  const [saveError, setSaveError] = useState<string>();

  const update = (patch: Partial<typeof settings>) => {
    setSettings({ ...settings, ...patch });
    setCheck({ state: 'idle' });
  };

  const entityLabel = String(settings.entityLabel).trim();
  const entityLabelInvalid = entityLabel !== '' && !isLabelName(entityLabel);
  const toleranceInvalid =
    String(settings.incidentToleranceMinutes).trim() !== '' &&
    parseMinutes(settings.incidentToleranceMinutes) === undefined;
  const resolved = resolveSettings(settings);

  const runCheck = async () => {
    setCheck({ state: 'running' });
    try {
      const client = new PrometheusClient(resolved.datasourceUid);
      const now = Date.now();
      const [scored, detector] = await Promise.all([
        client.query(CONNECTION_QUERIES.scoredSeries, now),
        client.query(CONNECTION_QUERIES.detectorMetrics, now),
      ]);
      setCheck({ state: 'done', verdict: connectionVerdict(scored, detector) });
    } catch (error) {
      setCheck({ state: 'failed', error: error instanceof Error ? error.message : String(error) });
    }
  };

  const onSubmit = async (event: React.FormEvent) => {
    event.preventDefault();
    try {
      await updatePlugin(plugin.meta.id, { enabled, pinned, jsonData: resolved });
      // The app reads jsonData when Grafana loads it; reload so every page sees the new settings.
      window.location.reload();
    } catch (error) {
      setSaveError(error instanceof Error ? error.message : 'Saving the settings failed');
    }
  };

  return (
    <form onSubmit={onSubmit}>
      <FieldSet label="Data">
        <Field
          label="Prometheus datasource"
          description="Where the detector remote-writes its scores and that scrapes its /metrics. Provisioned as anomalylens-prometheus."
        >
          <div data-testid={testIds.appConfig.datasource}>
            <DataSourcePicker
              type="prometheus"
              current={settings.datasourceUid}
              noDefault
              width={60}
              onChange={(ds) => update({ datasourceUid: ds.uid })}
            />
          </div>
        </Field>
        <Stack direction="row" gap={2} alignItems="center">
          <Button
            type="button"
            variant="secondary"
            icon="check-circle"
            onClick={runCheck}
            disabled={check.state === 'running'}
            data-testid={testIds.appConfig.test}
          >
            {check.state === 'running' ? 'Checking…' : 'Check data'}
          </Button>
        </Stack>
        {check.state === 'done' && (
          <div className={s.marginTop} data-testid={testIds.appConfig.testResult}>
            <Alert title={check.verdict.message} severity={check.verdict.level} />
          </div>
        )}
        {check.state === 'failed' && (
          <div className={s.marginTop} data-testid={testIds.appConfig.testResult}>
            <Alert title="The datasource did not answer" severity="error">
              {check.error}
            </Alert>
          </div>
        )}
      </FieldSet>

      <FieldSet label="Dashboards" className={s.marginTop}>
        <Field label="Overview dashboard uid" description="Anomaly and alert links open this dashboard at the series.">
          <Input
            width={60}
            value={settings.overviewDashboardUid}
            placeholder={DEFAULT_SETTINGS.overviewDashboardUid}
            onChange={(e) => update({ overviewDashboardUid: e.currentTarget.value })}
            data-testid={testIds.appConfig.overviewUid}
          />
        </Field>
        <Field label="Stream health dashboard uid">
          <Input
            width={60}
            value={settings.streamHealthDashboardUid}
            placeholder={DEFAULT_SETTINGS.streamHealthDashboardUid}
            onChange={(e) => update({ streamHealthDashboardUid: e.currentTarget.value })}
            data-testid={testIds.appConfig.streamHealthUid}
          />
        </Field>
      </FieldSet>

      <FieldSet label="Incidents" className={s.marginTop}>
        <Field
          label="Entity label"
          description="Anomalies of series sharing this label's value (a host, a pod) that overlap in time form one incident on the Anomalies page. The provisioned alert rule groups by host; change it there too."
          invalid={entityLabelInvalid}
          error={entityLabelInvalid ? 'A Prometheus label name: letters, digits and _' : undefined}
        >
          <Input
            width={30}
            value={settings.entityLabel}
            placeholder={DEFAULT_SETTINGS.entityLabel}
            onChange={(e) => update({ entityLabel: e.currentTarget.value })}
            data-testid={testIds.appConfig.entityLabel}
          />
        </Field>
        <Field
          label="Gap tolerance (minutes)"
          description="An anomaly that starts at most this long after an incident's end still joins it."
          invalid={toleranceInvalid}
          error={toleranceInvalid ? 'A number of minutes, 0 or more' : undefined}
        >
          <Input
            width={30}
            type="number"
            min={0}
            step="any"
            value={settings.incidentToleranceMinutes}
            placeholder={String(DEFAULT_SETTINGS.incidentToleranceMinutes)}
            onChange={(e) => update({ incidentToleranceMinutes: e.currentTarget.value })}
            data-testid={testIds.appConfig.incidentTolerance}
          />
        </Field>
      </FieldSet>

      <FieldSet label="Detector policy" className={s.marginTop}>
        <PolicyInfo datasourceUid={resolved.datasourceUid} />
      </FieldSet>

      {saveError && (
        <Alert title="Could not save" severity="error">
          {saveError}
        </Alert>
      )}
      <Button
        type="submit"
        className={s.marginTop}
        disabled={entityLabelInvalid || toleranceInvalid}
        data-testid={testIds.appConfig.submit}
      >
        Save settings
      </Button>
    </form>
  );
};

export default AppConfig;

const getStyles = (theme: GrafanaTheme2) => ({
  marginTop: css({ marginTop: theme.spacing(2) }),
});

async function updatePlugin(pluginId: string, data: Partial<PluginMeta<AppSettings>>) {
  const response = getBackendSrv().fetch({
    url: `/api/plugins/${encodeURIComponent(pluginId)}/settings`,
    method: 'POST',
    data,
  });
  return lastValueFrom(response);
}
