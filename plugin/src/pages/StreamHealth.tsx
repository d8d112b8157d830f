import React, { useMemo } from 'react';
import { css } from '@emotion/css';
import { GrafanaTheme2 } from '@grafana/data';
import { PluginPage } from '@grafana/runtime';
import { Alert, AlertVariant, LinkButton, Stack, useStyles2 } from '@grafana/ui';
import { testIds } from '../components/testIds';
import { StatCard, StatLevel, statGridStyle } from '../components/pageParts/StatCard';
import { getTableStyles } from '../components/pageParts/tableStyles';
import { useAppSettings } from '../components/pageParts/useAppSettings';
import { usePolling } from '../components/pageParts/usePolling';
import { PrometheusClient } from './api/prometheus';
import { loadHealthSnapshot } from './api/health';
import { HEALTH_THRESHOLDS, HealthLevel, ReasonRate, assessHealth } from './logic/health';
import { formatCount, formatRate, formatSeconds } from './logic/format';
import { dashboardUrl } from './logic/links';

const REFRESH_MS = 15_000;

const BANNER: Record<HealthLevel, { severity: AlertVariant; title: string }> = {
  ok: { severity: 'success', title: 'Healthy: the detector keeps up with the stream' },
  warning: { severity: 'warning', title: 'Degraded' },
  critical: { severity: 'error', title: 'Unhealthy' },
  unknown: { severity: 'info', title: 'No data' },
};

function levelAbove(value: number | null, warnAbove: number, level: StatLevel = 'warning'): StatLevel {
  if (value === null) {
    return 'neutral';
  }
  return value > warnAbove ? level : 'ok';
}

function StreamHealth() {
  const s = useStyles2(getStyles);
  const t = useStyles2(getTableStyles);
  const settings = useAppSettings();
  const result = usePolling(
    () => loadHealthSnapshot(new PrometheusClient(settings.datasourceUid), Date.now()),
    REFRESH_MS,
    settings.datasourceUid
  );
  const snapshot = result.data;
  const assessment = useMemo(() => (snapshot ? assessHealth(snapshot) : undefined), [snapshot]);
  const stat = testIds.streamHealth.stat;

  return (
    <PluginPage>
      <div data-testid={testIds.streamHealth.container}>
        <Stack direction="row" gap={2} alignItems="center" justifyContent="space-between">
          <span className={s.muted}>
            Live from the detector&apos;s self-metrics, refreshed every {REFRESH_MS / 1000} s.
          </span>
          <LinkButton variant="secondary" size="sm" icon="apps" href={dashboardUrl(settings.streamHealthDashboardUid)}>
            Stream health dashboard
          </LinkButton>
        </Stack>

        {result.error && (
          <Alert title="Could not load stream health" severity="error" data-testid={testIds.streamHealth.error}>
            {result.error}
          </Alert>
        )}

        {assessment && (
          <div className={s.banner} data-testid={testIds.streamHealth.status} data-level={assessment.level}>
            <Alert title={BANNER[assessment.level].title} severity={BANNER[assessment.level].severity}>
              {assessment.findings.length === 0
                ? 'Messages flow, lag is low, nothing is dead-lettered and every remote write succeeds.'
                : assessment.findings.map((f) => (
                    <div key={f.title}>
                      <strong>{f.title}.</strong> {f.detail}
                    </div>
                  ))}
            </Alert>
          </div>
        )}

        {snapshot && (
          <>
            <div className={s.grid}>
              <StatCard
                testId={stat}
                label="Messages consumed"
                value={formatRate(snapshot.messagesPerSec)}
                hint={`${formatRate(snapshot.pointsPerSec)} points scored`}
              />
              <StatCard
                testId={stat}
                label="Consumer lag"
                value={snapshot.lagTotal === null ? '–' : formatCount(snapshot.lagTotal)}
                hint={`${snapshot.lagByPartition.length} partitions`}
                level={levelAbove(snapshot.lagByPartition[0]?.lag ?? null, HEALTH_THRESHOLDS.lagHigh)}
              />
              <StatCard
                testId={stat}
                label="Last message"
                value={formatAge(snapshot.lastMessageAgeSeconds)}
                level={levelAbove(snapshot.lastMessageAgeSeconds, HEALTH_THRESHOLDS.stalledAfterSeconds, 'critical')}
              />
              <StatCard
                testId={stat}
                label="Active series"
                value={formatCount(snapshot.activeSeries)}
                hint={`${formatRate(snapshot.modelFitsPerSec)} model fits`}
              />
              <StatCard
                testId={stat}
                label="Dead-lettered"
                value={formatRate(snapshot.invalidPerSec ?? 0)}
                level={levelAbove(snapshot.invalidPerSec ?? 0, 0)}
              />
              <StatCard
                testId={stat}
                label="Sink failures"
                value={formatRate(snapshot.sinkFailuresPerSec ?? 0)}
                level={levelAbove(snapshot.sinkFailuresPerSec ?? 0, 0, 'critical')}
                hint={
                  snapshot.sinkLatencyP99Seconds === null
                    ? undefined
                    : `p99 write ${formatMs(snapshot.sinkLatencyP99Seconds)}`
                }
              />
              <StatCard testId={stat} label="Anomalies opened" value={formatRate(snapshot.anomaliesPerSec)} />
            </div>

            <div className={s.columns}>
              <section>
                <h4>Consumer lag per partition</h4>
                {snapshot.lagByPartition.length === 0 ? (
                  <p className={s.muted}>No partition assigned or no lag reported.</p>
                ) : (
                  <table className={t.table} data-testid={testIds.streamHealth.lagTable}>
                    <thead>
                      <tr>
                        <th>Topic</th>
                        <th className={t.numeric}>Partition</th>
                        <th className={t.numeric}>Lag (messages)</th>
                      </tr>
                    </thead>
                    <tbody>
                      {snapshot.lagByPartition.map((p) => (
                        <tr key={`${p.topic}/${p.partition}`}>
                          <td>{p.topic}</td>
                          <td className={t.numeric}>{p.partition}</td>
                          <td className={`${t.numeric} ${p.lag > HEALTH_THRESHOLDS.lagHigh ? s.bad : ''}`}>
                            {formatCount(p.lag)}
                          </td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                )}
              </section>
              <section>
                <h4>Errors by reason</h4>
                <ReasonTable
                  rows={[
                    ...snapshot.invalidByReason.map((r) => ({ ...r, kind: 'Dead-lettered' })),
                    ...snapshot.sinkFailuresByReason.map((r) => ({ ...r, kind: 'Sink failure' })),
                  ]}
                />
              </section>
            </div>
          </>
        )}
      </div>
    </PluginPage>
  );
}

function ReasonTable({ rows }: { rows: Array<ReasonRate & { kind: string }> }) {
  const s = useStyles2(getStyles);
  const t = useStyles2(getTableStyles);
  if (rows.every((r) => r.perSec === 0)) {
    return <p className={s.muted}>No invalid messages and no failed writes in the last 5 minutes.</p>;
  }
  return (
    <table className={t.table} data-testid={testIds.streamHealth.reasonsTable}>
      <thead>
        <tr>
          <th>Kind</th>
          <th>Reason</th>
          <th className={t.numeric}>Rate (5m)</th>
        </tr>
      </thead>
      <tbody>
        {rows
          .filter((r) => r.perSec > 0)
          .map((r) => (
            <tr key={`${r.kind}/${r.reason}`}>
              <td>{r.kind}</td>
              <td>{r.reason}</td>
              <td className={t.numeric}>{formatRate(r.perSec)}</td>
            </tr>
          ))}
      </tbody>
    </table>
  );
}

function formatAge(seconds: number | null): string {
  if (seconds === null) {
    return '–';
  }
  // Sub-second ages are clock skew and scrape timing, not news.
  return seconds < 1 ? 'just now' : `${formatSeconds(seconds)} ago`;
}

function formatMs(seconds: number): string {
  return seconds < 1 ? `${Math.round(seconds * 1000)} ms` : formatSeconds(seconds);
}

export default StreamHealth;

const getStyles = (theme: GrafanaTheme2) => ({
  grid: statGridStyle(theme),
  banner: css({ marginTop: theme.spacing(2) }),
  muted: css({ color: theme.colors.text.secondary }),
  bad: css({ color: theme.colors.error.text }),
  columns: css({
    display: 'grid',
    gridTemplateColumns: 'repeat(auto-fit, minmax(360px, 1fr))',
    gap: theme.spacing(3),
  }),
});
