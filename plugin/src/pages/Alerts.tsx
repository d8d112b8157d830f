import React, { useMemo } from 'react';
import { css } from '@emotion/css';
import { GrafanaTheme2 } from '@grafana/data';
import { PluginPage } from '@grafana/runtime';
import { Alert, Badge, BadgeColor, Icon, LinkButton, Stack, useStyles2 } from '@grafana/ui';
import { testIds } from '../components/testIds';
import { StatCard, statGridStyle } from '../components/pageParts/StatCard';
import { getTableStyles } from '../components/pageParts/tableStyles';
import { useAppSettings } from '../components/pageParts/useAppSettings';
import { usePolling } from '../components/pageParts/usePolling';
import { ALERT_FOLDER, fetchAnomalyLensRules } from './api/alerting';
import { AlertInstance, InstanceState, RuleStatus, activeInstances, userLabels } from './logic/alerts';
import { formatCount, formatDuration, formatLabels, formatTime, seriesTitle } from './logic/format';
import { alertRuleUrl, overviewUrl } from './logic/links';
import { ResolvedSettings } from './settings';

const REFRESH_MS = 30_000;

const STATE_BADGE: Record<InstanceState, { color: BadgeColor; text: string }> = {
  firing: { color: 'red', text: 'Firing' },
  pending: { color: 'orange', text: 'Pending' },
  error: { color: 'purple', text: 'Error' },
  nodata: { color: 'blue', text: 'No data' },
  recovering: { color: 'blue', text: 'Recovering' },
  normal: { color: 'green', text: 'Normal' },
};

function Alerts() {
  const s = useStyles2(getStyles);
  const settings = useAppSettings();
  const result = usePolling(fetchAnomalyLensRules, REFRESH_MS, 'rules');
  const rules = result.data;
  const active = useMemo(() => activeInstances(rules ?? []), [rules]);
  const firing = active.filter((i) => i.state === 'firing').length;
  const pending = active.filter((i) => i.state === 'pending').length;
  const unhealthyRules = (rules ?? []).filter((r) => r.health !== 'ok' && r.health !== 'nodata');
  const listUrl = `/alerting/list?search=${encodeURIComponent(`namespace:"${ALERT_FOLDER}"`)}`;

  return (
    <PluginPage>
      <div data-testid={testIds.alerts.container}>
        <div className={s.grid}>
          <StatCard
            label="Firing"
            value={rules ? String(firing) : '–'}
            level={firing > 0 ? 'critical' : rules ? 'ok' : 'neutral'}
          />
          <StatCard
            label="Pending"
            value={rules ? String(pending) : '–'}
            level={pending > 0 ? 'warning' : rules ? 'ok' : 'neutral'}
          />
          <StatCard label="Rules" value={rules ? String(rules.length) : '–'} hint={`in folder ${ALERT_FOLDER}`} />
        </div>
        <Stack direction="row" justifyContent="flex-end">
          <LinkButton variant="secondary" size="sm" icon="bell" href={listUrl}>
            Manage in Grafana Alerting
          </LinkButton>
        </Stack>

        {result.error && (
          <Alert title="Could not load alerts" severity="error" data-testid={testIds.alerts.error}>
            {result.error}
          </Alert>
        )}
        {unhealthyRules.map((rule) => (
          <Alert key={rule.uid ?? rule.name} title={`Rule "${rule.name}" cannot be evaluated`} severity="warning">
            {rule.lastError ?? rule.health}
          </Alert>
        ))}

        {rules && active.length === 0 && (
          <div className={s.empty} data-testid={testIds.alerts.empty}>
            <Icon name="check-circle" size="xl" className={s.ok} />
            {rules.length === 0
              ? `No alert rules in the "${ALERT_FOLDER}" folder: provision provisioning/alerting or create them in Grafana.`
              : 'Nothing is firing or pending.'}
          </div>
        )}
        {active.length > 0 && <InstancesTable instances={active} settings={settings} now={result.updatedAt ?? 0} />}
        {rules && rules.length > 0 && <RulesTable rules={rules} />}
      </div>
    </PluginPage>
  );
}

interface InstancesTableProps {
  instances: AlertInstance[];
  settings: ResolvedSettings;
  /** When the instances were loaded: ages are relative to it. */
  now: number;
}

function InstancesTable({ instances, settings, now }: InstancesTableProps) {
  const t = useStyles2(getTableStyles);
  return (
    <table className={t.table} data-testid={testIds.alerts.table}>
      <thead>
        <tr>
          <th>State</th>
          <th>Alert</th>
          <th>Labels</th>
          <th>Since</th>
          <th className={t.numeric}>Value</th>
          <th />
        </tr>
      </thead>
      <tbody>
        {instances.map((instance) => {
          const labels = userLabels(instance.labels);
          const badge = STATE_BADGE[instance.state];
          const from = (instance.activeAtMs ?? now) - 3_600_000;
          return (
            <tr key={instance.id} data-testid={testIds.alerts.row}>
              <td>
                <Badge color={badge.color} text={badge.text} />
              </td>
              <td>
                <div className={t.primary}>{instance.ruleName}</div>
                <div className={t.muted}>{instance.annotations.summary ?? ''}</div>
              </td>
              <td>
                <div>{labels.metric || labels.host ? seriesTitle(labels) : ''}</div>
                <div className={t.muted}>{formatLabels(labels, ['metric', 'host'])}</div>
              </td>
              <td className={t.nowrap}>
                {instance.activeAtMs === null ? (
                  '–'
                ) : (
                  <>
                    {formatTime(instance.activeAtMs)}
                    <div className={t.muted}>{formatDuration(now - instance.activeAtMs)} ago</div>
                  </>
                )}
              </td>
              <td className={t.numeric}>{instance.value === null ? '–' : formatCount(instance.value)}</td>
              <td className={t.nowrap}>
                {(labels.metric || labels.host) && (
                  <LinkButton
                    size="sm"
                    variant="secondary"
                    fill="text"
                    icon="chart-line"
                    href={overviewUrl(settings.overviewDashboardUid, labels, from, 'now')}
                    tooltip={labels.metric ? 'The series on the overview dashboard' : 'Every series of the host'}
                  >
                    Dashboard
                  </LinkButton>
                )}
                {instance.ruleUid && (
                  <LinkButton
                    size="sm"
                    variant="secondary"
                    fill="text"
                    icon="bell"
                    href={alertRuleUrl(instance.ruleUid)}
                  >
                    Rule
                  </LinkButton>
                )}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

function RulesTable({ rules }: { rules: RuleStatus[] }) {
  const s = useStyles2(getStyles);
  const t = useStyles2(getTableStyles);
  return (
    <section className={s.rules}>
      <h4>Rules</h4>
      <table className={t.table} data-testid={testIds.alerts.rules}>
        <thead>
          <tr>
            <th>Rule</th>
            <th>Group</th>
            <th>State</th>
            <th className={t.numeric}>Instances</th>
          </tr>
        </thead>
        <tbody>
          {rules.map((rule) => (
            <tr key={rule.uid ?? `${rule.group}/${rule.name}`}>
              <td>{rule.uid ? <a href={alertRuleUrl(rule.uid)}>{rule.name}</a> : rule.name}</td>
              <td className={t.muted}>{rule.group}</td>
              <td>{rule.state}</td>
              <td className={t.numeric}>{rule.instances.length}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

export default Alerts;

const getStyles = (theme: GrafanaTheme2) => ({
  grid: statGridStyle(theme),
  rules: css({ marginTop: theme.spacing(3) }),
  ok: css({ color: theme.colors.success.text }),
  empty: css({
    display: 'flex',
    gap: theme.spacing(1.5),
    alignItems: 'center',
    justifyContent: 'center',
    padding: theme.spacing(4),
    color: theme.colors.text.secondary,
  }),
});
