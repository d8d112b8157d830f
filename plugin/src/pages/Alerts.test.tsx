import React from 'react';
import { render, screen, within } from '@testing-library/react';
import { testIds } from '../components/testIds';
import { FakeBackend, FakeRequest } from './testing/fakeBackend';
import Alerts from './Alerts';

const backend = new FakeBackend();
jest.mock('@grafana/runtime', () => ({
  ...jest.requireActual('@grafana/runtime'),
  getBackendSrv: () => ({ fetch: (r: FakeRequest) => backend.fetch(r) }),
}));

const rulesBody = (alerts: unknown[]) => ({
  status: 'success',
  data: {
    groups: [
      {
        name: 'Anomalies',
        file: 'Anomaly Lens',
        rules: [
          {
            uid: 'anomalylens-incident',
            name: 'Anomaly incident',
            type: 'alerting',
            state: 'firing',
            health: 'ok',
            alerts,
          },
        ],
      },
      {
        name: 'Stream health',
        file: 'Anomaly Lens',
        rules: [
          {
            uid: 'anomalylens-sink-failures',
            name: 'Remote-write failures',
            type: 'alerting',
            state: 'inactive',
            health: 'error',
            lastError: 'bad_data: unknown function',
            alerts: [],
          },
        ],
      },
      {
        name: 'Other',
        file: 'Someone else',
        rules: [{ uid: 'x', name: 'Not ours', type: 'alerting', alerts: [{ state: 'Alerting', labels: {} }] }],
      },
    ],
  },
});

describe('Alerts page', () => {
  beforeEach(() => backend.reset());

  it('lists firing and pending incident alerts with dashboard and rule links', async () => {
    backend.on('/api/prometheus/grafana/api/v1/rules', () =>
      rulesBody([
        {
          labels: {
            alertname: 'Anomaly incident',
            grafana_folder: 'Anomaly Lens',
            anomalylens: 'incident',
            host: 'web-1',
            severity: 'major',
          },
          annotations: { summary: 'web-1: 2 anomalous series: cpu_utilization (2.1), memory_used (1.3)' },
          state: 'Alerting',
          activeAt: new Date(Date.now() - 600_000).toISOString(),
          value: "[ var='B' labels={} value=2.1 ], [ var='C' labels={} value=1 ]",
        },
        {
          labels: { alertname: 'Anomaly incident', host: 'db-1' },
          annotations: {},
          state: 'Pending',
          activeAt: new Date().toISOString(),
          value: '1.2',
        },
        {
          labels: { alertname: 'Anomaly incident', host: 'db-2' },
          annotations: {},
          state: 'Normal',
          value: '',
        },
      ])
    );
    render(<Alerts />);
    const rows = await screen.findAllByTestId(testIds.alerts.row);
    expect(rows).toHaveLength(2);
    expect(within(rows[0]).getByText('Firing')).toBeInTheDocument();
    expect(
      within(rows[0]).getByText('web-1: 2 anomalous series: cpu_utilization (2.1), memory_used (1.3)')
    ).toBeInTheDocument();
    expect(within(rows[0]).getByText('anomalylens=incident, severity=major')).toBeInTheDocument();
    expect(within(rows[0]).getByText('10m ago')).toBeInTheDocument();
    expect(within(rows[0]).getByText('2.1')).toBeInTheDocument();
    expect(within(rows[1]).getByText('Pending')).toBeInTheDocument();

    const series = new URL(
      within(rows[0])
        .getByRole('link', { name: /dashboard/i })
        .getAttribute('href') ?? '',
      'http://g'
    );
    expect(series.pathname).toBe('/d/anomalylens-overview');
    expect(series.searchParams.get('var-host')).toBe('web-1');
    expect(series.searchParams.has('var-metric')).toBe(false);
    expect(within(rows[0]).getByRole('link', { name: /rule/i })).toHaveAttribute(
      'href',
      '/alerting/grafana/anomalylens-incident/view'
    );

    // a rule that cannot be evaluated is called out with Grafana's error
    expect(screen.getByText('bad_data: unknown function')).toBeInTheDocument();
    const rules = screen.getByTestId(testIds.alerts.rules);
    expect(within(rules).getAllByRole('row')).toHaveLength(3);
    expect(rules).not.toHaveTextContent('Not ours');
  });

  it('is calm when nothing fires', async () => {
    backend.on('/api/prometheus/grafana/api/v1/rules', () => rulesBody([]));
    render(<Alerts />);
    expect(await screen.findByTestId(testIds.alerts.empty)).toHaveTextContent('Nothing is firing or pending.');
  });

  it('shows why the alerting API failed', async () => {
    backend.on('/api/prometheus/grafana/api/v1/rules', () => {
      throw { status: 403, statusText: 'Forbidden', data: { message: 'permissions needed: alert.rules:read' } };
    });
    render(<Alerts />);
    expect(await screen.findByTestId(testIds.alerts.error)).toHaveTextContent(
      'HTTP 403: permissions needed: alert.rules:read'
    );
  });
});
