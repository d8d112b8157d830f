import React from 'react';
import { css } from '@emotion/css';
import { GrafanaTheme2 } from '@grafana/data';
import { Alert, Badge, useStyles2 } from '@grafana/ui';
import { testIds } from '../testIds';
import { usePolling } from '../pageParts/usePolling';
import { PrometheusClient } from '../../pages/api/prometheus';
import { loadPolicyStatus } from '../../pages/api/policy';
import { PolicyStatus, ReloadCounts, ReloadResult, shortHash } from '../../pages/logic/policy';
import { formatDuration, formatTime } from '../../pages/logic/format';

const REFRESH_MS = 30_000;

/** The detector's active policy file, from its self-metrics in the chosen datasource. */
export function PolicyInfo({ datasourceUid }: { datasourceUid: string }) {
  const s = useStyles2(getStyles);
  const result = usePolling(
    () => loadPolicyStatus(new PrometheusClient(datasourceUid), Date.now()),
    REFRESH_MS,
    datasourceUid
  );
  const status = result.data;
  return (
    <div data-testid={testIds.appConfig.policy} data-state={status?.state ?? (result.error ? 'error' : 'loading')}>
      {result.error && !status && (
        <Alert title="Could not read the detector's policy metrics" severity="warning">
          {result.error}
        </Alert>
      )}
      {!status && !result.error && <div className={s.muted}>Loading…</div>}
      {status && <PolicyDetails status={status} now={result.updatedAt ?? 0} />}
    </div>
  );
}

function PolicyDetails({ status, now }: { status: PolicyStatus; now: number }) {
  const s = useStyles2(getStyles);
  if (status.state === 'unknown') {
    return (
      <div className={s.muted}>
        No detector self-metrics in this datasource, so the policy is unknown: add the detector&apos;s /metrics to its
        scrape targets.
      </div>
    );
  }
  return (
    <dl className={s.list}>
      <dt>Policy</dt>
      <dd>
        {status.state === 'none' ? (
          <span>
            <strong>No policy file</strong>
            <span className={s.muted}>: every series runs with the detector&apos;s defaults.</span>
          </span>
        ) : (
          <span>
            {status.hashes.map((hash) => (
              <code key={hash} title={hash} className={s.hash}>
                {shortHash(hash)}
              </code>
            ))}
            {status.hashes.length > 1 && (
              <Badge color="orange" icon="exclamation-triangle" text="Detector replicas run different policies" />
            )}
          </span>
        )}
      </dd>
      {status.state === 'active' && (
        <>
          <dt>Rules</dt>
          <dd>{status.rules === null ? '–' : status.rules}</dd>
        </>
      )}
      <dt>Last reload</dt>
      <dd>
        <LastReload reload={status.lastReload} now={now} />
      </dd>
      <dt>Reloads</dt>
      <dd>
        <ReloadTotals reloads={status.reloads} />
      </dd>
    </dl>
  );
}

function LastReload({ reload, now }: { reload: ReloadResult | null; now: number }) {
  const s = useStyles2(getStyles);
  if (!reload || (reload.atMs === null && reload.ok === null)) {
    return <span className={s.muted}>never</span>;
  }
  return (
    <span className={s.inline}>
      {reload.ok === false ? (
        <Badge color="red" icon="exclamation-circle" text="Failed: the previous policy stays in force" />
      ) : reload.ok === true ? (
        <Badge color="green" icon="check" text="Succeeded" />
      ) : null}
      {reload.atMs !== null && (
        <span>
          {formatTime(reload.atMs)} <span className={s.muted}>({formatDuration(now - reload.atMs)} ago)</span>
        </span>
      )}
    </span>
  );
}

function ReloadTotals({ reloads }: { reloads: ReloadCounts }) {
  const s = useStyles2(getStyles);
  return (
    <span>
      {reloads.success} succeeded
      <span className={reloads.failure > 0 ? s.failed : s.muted}>, {reloads.failure} failed</span>
    </span>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  muted: css({ color: theme.colors.text.secondary }),
  failed: css({ color: theme.colors.error.text }),
  inline: css({ display: 'inline-flex', gap: theme.spacing(1), alignItems: 'center', flexWrap: 'wrap' }),
  hash: css({ marginRight: theme.spacing(1) }),
  list: css({
    display: 'grid',
    gridTemplateColumns: 'max-content 1fr',
    columnGap: theme.spacing(3),
    rowGap: theme.spacing(1),
    margin: 0,
    dt: { color: theme.colors.text.secondary },
    dd: { margin: 0 },
  }),
});
