import React from 'react';
import { fireEvent, render, screen, waitFor } from '@testing-library/react';
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

function renderConfig(jsonData: Record<string, string> = {}) {
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

  it('shows the provisioned defaults when jsonData is empty', () => {
    renderConfig();
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
      },
    });
  });
});
