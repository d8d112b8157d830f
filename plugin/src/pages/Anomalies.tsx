import React, { useMemo, useState } from 'react';
import { css } from '@emotion/css';
import { GrafanaTheme2 } from '@grafana/data';
import { PluginPage } from '@grafana/runtime';
import {
  Alert,
  Button,
  Icon,
  InlineField,
  InlineSwitch,
  Input,
  LinkButton,
  RadioButtonGroup,
  Stack,
  useStyles2,
} from '@grafana/ui';
import { testIds } from '../components/testIds';
import { SEVERITY_THRESHOLDS } from '../severity';
import { StatCard, statGridStyle } from '../components/pageParts/StatCard';
import { IncidentsTable } from '../components/incidents/IncidentsTable';
import { useAppSettings } from '../components/pageParts/useAppSettings';
import { usePolling } from '../components/pageParts/usePolling';
import { PrometheusClient } from './api/prometheus';
import { loadAnomalyEvents } from './api/anomalies';
import { Severity, matchesFilter, reachesSeverity } from './logic/events';
import { groupIncidents, summarizeIncidents } from './logic/incidents';
import { formatScore } from './logic/format';
import { dashboardUrl } from './logic/links';

const RANGES = [
  { label: '1h', value: 3_600_000 },
  { label: '6h', value: 6 * 3_600_000 },
  { label: '24h', value: 24 * 3_600_000 },
  { label: '7d', value: 7 * 24 * 3_600_000 },
];

type MinSeverity = Exclude<Severity, 'unknown'>;
const SEVERITY_FLOORS: Array<{ label: string; value: MinSeverity; description: string }> = [
  { label: 'All', value: 'minor', description: 'Every incident' },
  { label: 'Major+', value: 'major', description: `Peak score ${SEVERITY_THRESHOLDS.major} or more` },
  { label: 'Critical', value: 'critical', description: `Peak score ${SEVERITY_THRESHOLDS.critical} or more` },
];

const REFRESH_MS = 30_000;
/** Incidents shown at first and added per "show more": a fleet-wide problem can open hundreds. */
const PAGE_SIZE = 25;

function Anomalies() {
  const s = useStyles2(getStyles);
  const settings = useAppSettings();
  const [rangeMs, setRangeMs] = useState(RANGES[1].value);
  const [filter, setFilter] = useState('');
  const [minSeverity, setMinSeverity] = useState<MinSeverity>('minor');
  const [openOnly, setOpenOnly] = useState(false);
  const [limit, setLimit] = useState(PAGE_SIZE);

  const result = usePolling(
    () => loadAnomalyEvents(new PrometheusClient(settings.datasourceUid), rangeMs, Date.now()),
    REFRESH_MS,
    `${settings.datasourceUid}|${rangeMs}`
  );

  const events = result.data?.events;
  const incidents = useMemo(
    () =>
      events
        ? groupIncidents(events, {
            entityLabel: settings.entityLabel,
            toleranceMs: settings.incidentToleranceMinutes * 60_000,
          })
        : undefined,
    [events, settings.entityLabel, settings.incidentToleranceMinutes]
  );
  // An incident matches the label filter when any of its series does.
  const visible = useMemo(
    () =>
      (incidents ?? []).filter(
        (i) =>
          (!openOnly || i.open) &&
          reachesSeverity(i, minSeverity) &&
          i.series.some((member) => matchesFilter(member.labels, filter))
      ),
    [incidents, openOnly, minSeverity, filter]
  );
  const summary = useMemo(() => summarizeIncidents(incidents ?? []), [incidents]);
  const rangeLabel = RANGES.find((r) => r.value === rangeMs)?.label ?? '';

  return (
    <PluginPage>
      <div data-testid={testIds.anomalies.container}>
        <div className={s.grid}>
          <StatCard
            label="Open incidents"
            value={incidents ? String(summary.open) : '–'}
            level={summary.open > 0 ? 'critical' : incidents ? 'ok' : 'neutral'}
            testId={testIds.anomalies.statOpen}
          />
          <StatCard
            label={`Incidents in ${rangeLabel}`}
            value={incidents ? String(summary.total) : '–'}
            hint={incidents ? `grouped by ${settings.entityLabel}` : undefined}
          />
          <StatCard
            label="Series affected"
            value={incidents ? String(summary.seriesAffected) : '–'}
            hint={incidents ? `on ${summary.entities} ${summary.entities === 1 ? 'entity' : 'entities'}` : undefined}
          />
          <StatCard
            label="Highest score"
            value={formatScore(summary.worstScore)}
            level={summary.critical > 0 ? 'critical' : summary.worstScore !== null ? 'warning' : 'neutral'}
            hint={summary.critical > 0 ? `${summary.critical} critical` : undefined}
          />
        </div>

        <div className={s.controls}>
          <Stack direction="row" gap={2} alignItems="center" wrap="wrap">
            <RadioButtonGroup options={RANGES} value={rangeMs} onChange={setRangeMs} size="sm" />
            <Input
              className={s.filter}
              prefix={<Icon name="search" />}
              placeholder="Filter by label, e.g. host=web-1 cpu"
              value={filter}
              onChange={(e) => setFilter(e.currentTarget.value)}
              data-testid={testIds.anomalies.filter}
            />
            <RadioButtonGroup
              options={SEVERITY_FLOORS}
              value={minSeverity}
              onChange={setMinSeverity}
              size="sm"
              data-testid={testIds.anomalies.severity}
            />
            <InlineField label="Open only" transparent>
              <InlineSwitch
                value={openOnly}
                onChange={() => setOpenOnly(!openOnly)}
                data-testid={testIds.anomalies.openOnly}
              />
            </InlineField>
            <LinkButton
              variant="secondary"
              size="sm"
              icon="apps"
              href={dashboardUrl(settings.overviewDashboardUid, 'now-' + rangeLabel)}
            >
              Overview dashboard
            </LinkButton>
            {result.loading && <span className={s.muted}>Refreshing…</span>}
          </Stack>
        </div>

        {result.error && (
          <Alert title="Could not load anomaly events" severity="error" data-testid={testIds.anomalies.error}>
            {result.error}. Check that the datasource <code>{settings.datasourceUid}</code> (app configuration) is the
            Prometheus the detector writes to.
          </Alert>
        )}

        {incidents && visible.length === 0 && (
          <div className={s.empty} data-testid={testIds.anomalies.empty}>
            <Icon name="check-circle" size="xl" className={s.ok} />
            <div>
              {incidents.length === 0
                ? `No anomalies in the last ${rangeLabel}: every scored series stayed within its expected range.`
                : 'No incident matches the filter.'}
            </div>
          </div>
        )}

        {visible.length > 0 && (
          <IncidentsTable
            incidents={visible.slice(0, limit)}
            overviewUid={settings.overviewDashboardUid}
            stepMs={result.data?.stepMs ?? 0}
          />
        )}
        {visible.length > limit && (
          <div className={s.more}>
            <Button
              variant="secondary"
              size="sm"
              onClick={() => setLimit(limit + PAGE_SIZE)}
              data-testid={testIds.anomalies.more}
            >
              Show {Math.min(PAGE_SIZE, visible.length - limit)} more of {visible.length - limit} remaining
            </Button>
          </div>
        )}
      </div>
    </PluginPage>
  );
}

export default Anomalies;

const getStyles = (theme: GrafanaTheme2) => ({
  grid: statGridStyle(theme),
  more: css({ display: 'flex', justifyContent: 'center', marginTop: theme.spacing(1) }),
  controls: css({ marginBottom: theme.spacing(2) }),
  filter: css({ width: 320 }),
  muted: css({ color: theme.colors.text.secondary }),
  ok: css({ color: theme.colors.success.text }),
  empty: css({
    display: 'flex',
    gap: theme.spacing(1.5),
    alignItems: 'center',
    padding: theme.spacing(4),
    justifyContent: 'center',
    color: theme.colors.text.secondary,
  }),
});
