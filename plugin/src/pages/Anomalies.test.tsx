import React from 'react';
import { fireEvent, render, screen, within } from '@testing-library/react';
import { PluginContextProvider, PluginMeta, PluginType } from '@grafana/data';
import { testIds } from '../components/testIds';
import { FakeBackend, FakeRequest, prom } from './testing/fakeBackend';
import Anomalies from './Anomalies';

const backend = new FakeBackend();
jest.mock('@grafana/runtime', () => ({
  ...jest.requireActual('@grafana/runtime'),
  getBackendSrv: () => ({ fetch: (r: FakeRequest) => backend.fetch(r) }),
}));

/** Steps of a range request, aligned to its start like Prometheus does. */
function steps(request: FakeRequest): number[] {
  const start = Number(request.params?.start);
  const end = Number(request.params?.end);
  const step = Number(request.params?.step);
  const out: number[] = [];
  for (let t = start; t <= end; t += step) {
    out.push(t);
  }
  return out;
}

const web1 = { metric: 'cpu_utilization', host: 'web-1', region: 'eu-west-1' };
const web1Latency = { metric: 'latency_p95_ms', host: 'web-1', region: 'eu-west-1' };
const db1 = { metric: 'disk_latency_ms', host: 'db-1', region: 'eu-west-1' };

function answerRange(request: FakeRequest) {
  const query = String(request.params?.query);
  const ts = steps(request);
  const last = ts.length - 1;
  // web-1: cpu anomalous for 10 steps early in the range, latency overlapping it (one closed
  // incident of two series); db-1: still anomalous at the end (an open incident).
  const web = ts.slice(100, 110);
  const webLatency = ts.slice(104, 114);
  const db = ts.slice(last - 4);
  if (query === '(max_over_time(anomalylens_anomalous[30s]) > 0)') {
    return prom.matrix([
      { metric: { __name__: 'anomalylens_anomalous', ...web1 }, values: web.map((t) => [t, '1']) },
      { metric: { __name__: 'anomalylens_anomalous', ...web1Latency }, values: webLatency.map((t) => [t, '1']) },
      { metric: { __name__: 'anomalylens_anomalous', ...db1 }, values: db.map((t) => [t, '1']) },
    ]);
  }
  if (query === 'max_over_time(anomalylens_score[30s]) and (max_over_time(anomalylens_anomalous[30s]) > 0)') {
    return prom.matrix([
      { metric: { __name__: 'anomalylens_score', ...web1 }, values: web.map((t, i) => [t, String(1 + i * 0.3)]) },
      { metric: { __name__: 'anomalylens_score', ...web1Latency }, values: webLatency.map((t) => [t, '1.2']) },
      { metric: { __name__: 'anomalylens_score', ...db1 }, values: db.map((t) => [t, '1.2']) },
    ]);
  }
  throw prom.error(400, `unexpected query ${query}`);
}

describe('Anomalies page', () => {
  beforeEach(() => {
    backend.reset();
  });

  it('lists incidents, open first, with entity, times, series count, peak score and severity', async () => {
    backend.on('/api/datasources/proxy/uid/anomalylens-prometheus/api/v1/query_range', answerRange);
    render(<Anomalies />);

    const rows = await screen.findAllByTestId(testIds.anomalies.row);
    expect(rows).toHaveLength(2);
    const cells = (row: HTMLElement) => within(row).getAllByRole('cell');

    // db-1: one series still anomalous at the end of the range.
    expect(within(rows[0]).getByText('Open')).toBeInTheDocument();
    expect(within(rows[0]).getByText('host=db-1')).toBeInTheDocument();
    expect(within(rows[0]).getByText('disk_latency_ms')).toBeInTheDocument();
    expect(within(rows[0]).getByText('ongoing')).toBeInTheDocument();
    expect(cells(rows[0])[6]).toHaveTextContent('1');

    // web-1: cpu and latency overlap, so one closed incident of two series spanning both events:
    // steps 100 to 114 of 30 s, 7m; the peak is cpu's 1 + 9 × 0.3.
    expect(within(rows[1]).getByText('Closed')).toBeInTheDocument();
    expect(within(rows[1]).getByText('host=web-1')).toBeInTheDocument();
    expect(within(rows[1]).getByText('cpu_utilization, latency_p95_ms')).toBeInTheDocument();
    expect(within(rows[1]).getByText('7m')).toBeInTheDocument();
    expect(cells(rows[1])[6]).toHaveTextContent('2');
    expect(within(rows[1]).getByText('3.70')).toBeInTheDocument();
    expect(within(rows[1]).getByText('critical')).toBeInTheDocument();

    // The incident's link shows every member series over the incident's range.
    const link = within(rows[1]).getByRole('link', { name: /view/i });
    const url = new URL(link.getAttribute('href') ?? '', 'http://grafana.local');
    expect(url.pathname).toBe('/d/anomalylens-overview');
    expect(url.searchParams.getAll('var-host')).toEqual(['web-1']);
    expect(url.searchParams.getAll('var-metric')).toEqual(['cpu_utilization', 'latency_p95_ms']);

    expect(screen.getByTestId(testIds.anomalies.statOpen)).toHaveTextContent('1');
    const queries = backend.requests.map((r) => r.params?.query);
    expect(queries).toEqual([
      '(max_over_time(anomalylens_anomalous[30s]) > 0)',
      'max_over_time(anomalylens_score[30s]) and (max_over_time(anomalylens_anomalous[30s]) > 0)',
    ]);
    expect(backend.requests.every((r) => r.params?.step === 30)).toBe(true);
  });

  it('expands an incident to its series, ranked by peak score, and their events', async () => {
    backend.on('/api/v1/query_range', answerRange);
    render(<Anomalies />);
    const rows = await screen.findAllByTestId(testIds.anomalies.row);
    expect(screen.queryByTestId(testIds.anomalies.details)).not.toBeInTheDocument();

    fireEvent.click(within(rows[1]).getByTestId(testIds.anomalies.toggle));
    const details = screen.getByTestId(testIds.anomalies.details);
    const series = within(details).getAllByTestId(testIds.anomalies.seriesRow);
    expect(series.map((row) => within(row).getAllByRole('cell')[1].textContent)).toEqual([
      'cpu_utilization · web-1region=eu-west-1',
      'latency_p95_ms · web-1region=eu-west-1',
    ]);
    expect(within(series[0]).getByText('3.70')).toBeInTheDocument();
    expect(within(series[1]).getByText('1.20')).toBeInTheDocument();

    const events = within(series[0]).getAllByTestId(testIds.anomalies.eventRow);
    expect(events).toHaveLength(1);
    expect(events[0]).toHaveTextContent('5m');
    expect(events[0]).toHaveTextContent('peak 3.70');
    const eventUrl = new URL(
      within(events[0]).getByRole('link', { name: /view/i }).getAttribute('href') ?? '',
      'http://grafana.local'
    );
    expect(eventUrl.searchParams.get('var-metric')).toBe('cpu_utilization');
    expect(eventUrl.searchParams.get('var-host')).toBe('web-1');

    fireEvent.click(within(rows[1]).getByTestId(testIds.anomalies.toggle));
    expect(screen.queryByTestId(testIds.anomalies.details)).not.toBeInTheDocument();
  });

  it('groups by the entity label and tolerance from the app settings', async () => {
    backend.on('/api/v1/query_range', answerRange);
    const meta = {
      id: 'anomalylens-detector-app',
      name: 'Anomaly Lens',
      type: PluginType.app,
      info: {},
      module: '',
      baseUrl: '',
      jsonData: { entityLabel: 'region', incidentToleranceMinutes: 10_000 },
    } as unknown as PluginMeta;
    render(
      <PluginContextProvider meta={meta}>
        <Anomalies />
      </PluginContextProvider>
    );
    // Every series shares region=eu-west-1, and the tolerance bridges the hours between them.
    const rows = await screen.findAllByTestId(testIds.anomalies.row);
    expect(rows).toHaveLength(1);
    expect(within(rows[0]).getByText('region=eu-west-1')).toBeInTheDocument();
    expect(within(rows[0]).getAllByRole('cell')[6]).toHaveTextContent('3');
  });

  it("filters incidents by a member's labels, by severity and by open state", async () => {
    backend.on('/api/datasources/proxy/uid/anomalylens-prometheus/api/v1/query_range', answerRange);
    render(<Anomalies />);
    await screen.findAllByTestId(testIds.anomalies.row);

    // web-1 peaked at 3.7 (critical), db-1 at 1.2 (minor)
    fireEvent.click(screen.getByRole('radio', { name: 'Critical' }));
    expect(screen.getAllByTestId(testIds.anomalies.row)).toHaveLength(1);
    fireEvent.click(screen.getByRole('radio', { name: 'All' }));
    fireEvent.change(screen.getByTestId(testIds.anomalies.filter), { target: { value: 'latency_p95' } });
    const rows = screen.getAllByTestId(testIds.anomalies.row);
    expect(rows).toHaveLength(1);
    expect(within(rows[0]).getByText('host=web-1')).toBeInTheDocument();
    fireEvent.click(screen.getByTestId(testIds.anomalies.openOnly));
    expect(screen.queryAllByTestId(testIds.anomalies.row)).toHaveLength(0);
    expect(screen.getByTestId(testIds.anomalies.empty)).toHaveTextContent('No incident matches the filter.');
  });

  it('shows 25 incidents at first and more on request', async () => {
    backend.on('/api/v1/query_range', (request) => {
      const ts = steps(request);
      const many = Array.from({ length: 40 }, (_, i) => ({
        metric: { __name__: 'anomalylens_anomalous', metric: 'cpu', host: `node-${i}` },
        values: ts.slice(10 + i, 12 + i).map((t): [number, string] => [t, '1']),
      }));
      return prom.matrix(String(request.params?.query).startsWith('(') ? many : []);
    });
    render(<Anomalies />);
    expect(await screen.findAllByTestId(testIds.anomalies.row)).toHaveLength(25);
    const more = screen.getByTestId(testIds.anomalies.more);
    expect(more).toHaveTextContent('Show 15 more of 15 remaining');
    fireEvent.click(more);
    expect(screen.getAllByTestId(testIds.anomalies.row)).toHaveLength(40);
    expect(screen.queryByTestId(testIds.anomalies.more)).not.toBeInTheDocument();
  });

  it('shows the datasource error in place', async () => {
    backend.on('/api/v1/query_range', () => {
      throw prom.error(400, 'invalid parameter "query": 1:2: parse error');
    });
    render(<Anomalies />);
    const error = await screen.findByTestId(testIds.anomalies.error);
    expect(error).toHaveTextContent('HTTP 400: invalid parameter "query": 1:2: parse error');
    expect(screen.queryByTestId(testIds.anomalies.table)).not.toBeInTheDocument();
  });
});
