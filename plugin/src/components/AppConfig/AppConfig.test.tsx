import React from 'react';
import { fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { PluginType } from '@grafana/data';
import { DataSourceSrv, setDataSourceSrv } from '@grafana/runtime';
import AppConfig, { AppConfigProps } from './AppConfig';
import { testIds } from '../testIds';
import { FakeBackend, FakeRequest, prom } from '../../pages/testing/fakeBackend';

const backend = new FakeBackend();
const prometheus = {
  uid: 'anomalylens-prometheus',
  name: 'Anomaly Lens Prometheus',
  type: 'prometheus',
  meta: { id: 'prometheus', name: 'Prometheus', info: { logos: { small: '' } }, metrics: true },
};
jest.mock('@grafana/runtime', () => ({
  ...jest.requireActual('@grafana/runtime'),
  getBackendSrv: () => ({ fetch: (r: FakeRequest) => backend.fetch(r) }),
}));

function renderConfig(jsonData: Record<string, string | number> = {}) {
  const props = {
    plugin: {
      meta: {
        id: 'anomalylens-detector-app',
        name: 'Anomaly Lens',
        type: PluginType.app,
        enabled: true,
        pinned: true,
        jsonData,
      },
    },
    query: {},
  } as unknown as AppConfigProps;
  return render(<AppConfig {...props} />);
}

describe('AppConfig', () => {
  const reload = jest.fn();
  beforeAll(() => {
    // The datasource registry a running Grafana installs; the picker lists from it.
    setDataSourceSrv({
      getList: () => [prometheus],
      getInstanceSettings: (ref: unknown) =>
        ref === prometheus.uid || (ref as { uid?: string } | null)?.uid === prometheus.uid ? prometheus : undefined,
    } as unknown as DataSourceSrv);
    Object.defineProperty(window, 'location', { value: { ...window.location, reload }, writable: true });
  });
  beforeEach(() => {
    backend.reset();
    reload.mockReset();
  });

  /** The policy block loads on its own; let it settle so its update lands inside the test. */
  const policySettled = () =>
    waitFor(() => expect(screen.getByTestId(testIds.appConfig.policy)).not.toHaveAttribute('data-state', 'loading'));

  it('shows the provisioned defaults when jsonData is empty', async () => {
    renderConfig();
    await policySettled();
    expect(screen.getByTestId(testIds.appConfig.datasource)).toHaveTextContent('Anomaly Lens Prometheus');
    expect(screen.getByTestId(testIds.appConfig.overviewUid)).toHaveValue('anomalylens-overview');
    expect(screen.getByTestId(testIds.appConfig.streamHealthUid)).toHaveValue('anomalylens-stream-health');
  });

  it('checks that the datasource holds scores and detector metrics', async () => {
    backend.on('/api/datasources/proxy/uid/anomalylens-prometheus/api/v1/query', (r) =>
      prom.vector([{ value: String(r.params?.query).startsWith('count(anomalylens_score') ? 24 : 51 }], 1)
    );
    renderConfig();
    fireEvent.click(screen.getByTestId(testIds.appConfig.test));
    expect(await screen.findByTestId(testIds.appConfig.testResult)).toHaveTextContent(
      'Connected: 24 scored series and 51 detector self-metric series.'
    );
  });

  it('reports a datasource that does not answer', async () => {
    backend.on('/api/v1/query', () => {
      throw { status: 502, statusText: 'Bad Gateway', data: { message: 'dial tcp: connection refused' } };
    });
    renderConfig();
    fireEvent.click(screen.getByTestId(testIds.appConfig.test));
    expect(await screen.findByTestId(testIds.appConfig.testResult)).toHaveTextContent(
      'HTTP 502: dial tcp: connection refused'
    );
  });

  it('saves the settings into the app jsonData and reloads', async () => {
    backend.on('/api/plugins/anomalylens-detector-app/settings', () => ({ message: 'Plugin settings updated' }));
    renderConfig({ datasourceUid: 'anomalylens-prometheus' });
    fireEvent.change(screen.getByTestId(testIds.appConfig.overviewUid), { target: { value: 'my-overview' } });
    fireEvent.click(screen.getByTestId(testIds.appConfig.submit));
    await waitFor(() => expect(reload).toHaveBeenCalled());
    const save = backend.requests.find((r) => r.method === 'POST');
    expect(save?.data).toEqual({
      enabled: true,
      pinned: true,
      jsonData: {
        datasourceUid: 'anomalylens-prometheus',
        overviewDashboardUid: 'my-overview',
        streamHealthDashboardUid: 'anomalylens-stream-health',
        entityLabel: 'host',
        incidentToleranceMinutes: 5,
      },
    });
  });

  it('saves the incident grouping settings and refuses an invalid label name', async () => {
    backend.on('/api/plugins/anomalylens-detector-app/settings', () => ({ message: 'Plugin settings updated' }));
    renderConfig({ entityLabel: 'pod', incidentToleranceMinutes: '10' });
    expect(screen.getByTestId(testIds.appConfig.entityLabel)).toHaveValue('pod');
    expect(screen.getByTestId(testIds.appConfig.incidentTolerance)).toHaveValue(10);

    fireEvent.change(screen.getByTestId(testIds.appConfig.entityLabel), { target: { value: 'k8s.pod' } });
    expect(screen.getByText('A Prometheus label name: letters, digits and _')).toBeInTheDocument();
    expect(screen.getByTestId(testIds.appConfig.submit)).toBeDisabled();

    fireEvent.change(screen.getByTestId(testIds.appConfig.entityLabel), { target: { value: 'instance' } });
    fireEvent.change(screen.getByTestId(testIds.appConfig.incidentTolerance), { target: { value: '2.5' } });
    fireEvent.click(screen.getByTestId(testIds.appConfig.submit));
    await waitFor(() => expect(reload).toHaveBeenCalled());
    const save = backend.requests.find((r) => r.method === 'POST');
    expect(save?.data).toMatchObject({ jsonData: { entityLabel: 'instance', incidentToleranceMinutes: 2.5 } });
  });
});

describe('AppConfig detector policy', () => {
  const T = 1_764_900_000;
  /** Answers the policy queries like a Prometheus scraping a detector with these self-metrics. */
  function detectorWith(series: Record<string, Array<{ metric?: Record<string, string>; value: number }>>) {
    backend.on('/api/datasources/proxy/uid/anomalylens-prometheus/api/v1/query', (r) => {
      const query = String(r.params?.query);
      const hit = Object.keys(series).find((name) => query.includes(name));
      return prom.vector(hit ? series[hit] : [], T);
    });
  }

  beforeEach(() => backend.reset());

  it('shows the active policy hash, rule count and a successful last reload', async () => {
    detectorWith({
      anomalylens_detector_policy_info: [{ metric: { hash: '9f86d081884c7d659a2feaa0c55ad015' }, value: 1 }],
      anomalylens_detector_policy_rules: [{ value: 12 }],
      anomalylens_detector_policy_last_reload_timestamp_seconds: [{ value: T - 120 }],
      anomalylens_detector_policy_last_reload_success: [{ value: 1 }],
      anomalylens_detector_policy_reloads_total: [
        { metric: { result: 'success' }, value: 4 },
        { metric: { result: 'failure' }, value: 0 },
      ],
      'anomalylens_detector_.+': [{ value: 60 }],
    });
    renderConfig();
    const block = screen.getByTestId(testIds.appConfig.policy);
    await waitFor(() => expect(block).toHaveAttribute('data-state', 'active'));
    expect(within(block).getByText('9f86d081884c')).toHaveAttribute('title', '9f86d081884c7d659a2feaa0c55ad015');
    expect(within(block).getByText('12')).toBeInTheDocument();
    expect(within(block).getByText('Succeeded')).toBeInTheDocument();
    expect(block).toHaveTextContent('4 succeeded, 0 failed');
    const queries = backend.requests.map((r) => r.params?.query);
    expect(queries).toEqual(
      expect.arrayContaining([
        'max by (hash) (anomalylens_detector_policy_info)',
        'min(anomalylens_detector_policy_last_reload_success)',
        'sum by (result) (anomalylens_detector_policy_reloads_total)',
      ])
    );
  });

  it('says the last reload failed and the previous policy stays', async () => {
    detectorWith({
      anomalylens_detector_policy_info: [{ metric: { hash: 'abc123' }, value: 1 }],
      anomalylens_detector_policy_rules: [{ value: 3 }],
      anomalylens_detector_policy_last_reload_timestamp_seconds: [{ value: T }],
      anomalylens_detector_policy_last_reload_success: [{ value: 0 }],
      anomalylens_detector_policy_reloads_total: [
        { metric: { result: 'success' }, value: 1 },
        { metric: { result: 'failure' }, value: 2 },
      ],
      'anomalylens_detector_.+': [{ value: 60 }],
    });
    renderConfig();
    const block = screen.getByTestId(testIds.appConfig.policy);
    await waitFor(() => expect(block).toHaveAttribute('data-state', 'active'));
    expect(within(block).getByText('Failed: the previous policy stays in force')).toBeInTheDocument();
    expect(block).toHaveTextContent('1 succeeded, 2 failed');
  });

  it('says "no policy file" when the detector exports no policy info', async () => {
    detectorWith({ 'anomalylens_detector_.+': [{ value: 60 }] });
    renderConfig();
    const block = screen.getByTestId(testIds.appConfig.policy);
    await waitFor(() => expect(block).toHaveAttribute('data-state', 'none'));
    expect(within(block).getByText('No policy file')).toBeInTheDocument();
    expect(block).toHaveTextContent('Last reloadnever');
  });

  it('cannot tell without the detector self-metrics', async () => {
    detectorWith({});
    renderConfig();
    const block = screen.getByTestId(testIds.appConfig.policy);
    await waitFor(() => expect(block).toHaveAttribute('data-state', 'unknown'));
    expect(block).toHaveTextContent('No detector self-metrics in this datasource');
  });
});
