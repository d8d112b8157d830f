import React, { useState } from 'react';
import { lastValueFrom } from 'rxjs';
import { css } from '@emotion/css';
import { AppPluginMeta, GrafanaTheme2, PluginConfigPageProps, PluginMeta } from '@grafana/data';
import { DataSourcePicker, getBackendSrv } from '@grafana/runtime';
import { Alert, Button, Field, FieldSet, Input, Stack, useStyles2 } from '@grafana/ui';
import { testIds } from '../testIds';
import { AppSettings, DEFAULT_SETTINGS, resolveSettings } from '../../pages/settings';
import { PrometheusClient } from '../../pages/api/prometheus';
import { CONNECTION_QUERIES, ConnectionVerdict, connectionVerdict } from '../../pages/logic/connection';

export interface AppConfigProps extends PluginConfigPageProps<AppPluginMeta<AppSettings>> {}

type Check =
  | { state: 'idle' }
  | { state: 'running' }
  | { state: 'done'; verdict: ConnectionVerdict }
  | { state: 'failed'; error: string };

const AppConfig = ({ plugin }: AppConfigProps) => {
  const s = useStyles2(getStyles);
  const { enabled, pinned, jsonData } = plugin.meta;
  const [settings, setSettings] = useState(resolveSettings(jsonData));
  const [check, setCheck] = useState<Check>({ state: 'idle' });
  const [saveError, setSaveError] = useState<string>();

  const update = (patch: Partial<typeof settings>) => {
    setSettings({ ...settings, ...patch });
    setCheck({ state: 'idle' });
  };

  const runCheck = async () => {
    setCheck({ state: 'running' });
    try {
      const client = new PrometheusClient(settings.datasourceUid);
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
      await updatePlugin(plugin.meta.id, { enabled, pinned, jsonData: resolveSettings(settings) });
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
            icon="heart-rate"
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

      {saveError && (
        <Alert title="Could not save" severity="error">
          {saveError}
        </Alert>
      )}
      <Button type="submit" data-testid={testIds.appConfig.submit}>
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
