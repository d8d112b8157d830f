import React from 'react';
import { render, screen, within } from '@testing-library/react';
import { testIds } from '../components/testIds';
import { FakeBackend, FakeRequest, prom } from './testing/fakeBackend';
import { HEALTH_QUERIES } from './logic/health';
import StreamHealth from './StreamHealth';

const backend = new FakeBackend();
jest.mock('@grafana/runtime', () => ({
  ...jest.requireActual('@grafana/runtime'),
  getBackendSrv: () => ({ fetch: (r: FakeRequest) => backend.fetch(r) }),
}));

type Answer = Array<{ metric?: Record<string, string>; value: number }>;

function serve(answers: Partial<Record<keyof typeof HEALTH_QUERIES, Answer>>) {
  backend.on('/api/datasources/proxy/uid/anomalylens-prometheus/api/v1/query', (request) => {
    const name = (Object.keys(HEALTH_QUERIES) as Array<keyof typeof HEALTH_QUERIES>).find(
      (key) => HEALTH_QUERIES[key] === request.params?.query
    );
    if (!name) {
      throw prom.error(400, `unexpected query ${String(request.params?.query)}`);
    }
    return prom.vector(answers[name] ?? [], Number(request.params?.time));
  });
}

const flowing = {
  messagesPerSec: [{ value: 2400 }],
  pointsPerSec: [{ value: 2400 }],
  anomaliesPerSec: [{ value: 0.05 }],
  lastMessageAgeSeconds: [{ value: 0.8 }],
  lagByPartition: [
    { metric: { topic: 'metrics', partition: '0' }, value: 15 },
    { metric: { topic: 'metrics', partition: '1' }, value: 3 },
  ],
  invalidByReason: [{ metric: { reason: 'invalid_json' }, value: 0 }],
  sinkFailuresByReason: [],
  sinkLatencyP99Seconds: [{ value: 0.042 }],
  activeSeries: [{ value: 360 }],
  modelFitsPerSec: [{ value: 0.5 }],
};

describe('Stream health page', () => {
  beforeEach(() => backend.reset());

  it('reports a healthy stream with its figures', async () => {
    serve(flowing);
    render(<StreamHealth />);
    const status = await screen.findByTestId(testIds.streamHealth.status);
    expect(status).toHaveAttribute('data-level', 'ok');
    expect(status).toHaveTextContent('Healthy');
    const stats = screen.getAllByTestId(testIds.streamHealth.stat);
    const byLabel = (label: string) => stats.find((s) => s.textContent?.startsWith(label));
    expect(byLabel('Messages consumed')).toHaveTextContent('2.4k/s');
    expect(byLabel('Consumer lag')).toHaveTextContent('18');
    expect(byLabel('Last message')).toHaveTextContent('just now');
    expect(byLabel('Sink failures')).toHaveTextContent('p99 write 42 ms');
    expect(byLabel('Active series')).toHaveTextContent('360');
    const lag = screen.getByTestId(testIds.streamHealth.lagTable);
    expect(within(lag).getAllByRole('row')).toHaveLength(3);
    // every figure is one instant query at the same evaluation time
    expect(backend.requests).toHaveLength(Object.keys(HEALTH_QUERIES).length);
    expect(new Set(backend.requests.map((r) => r.params?.time)).size).toBe(1);
  });

  it('names failing writes, lagging partitions and dead-letter reasons', async () => {
    serve({
      ...flowing,
      lagByPartition: [{ metric: { topic: 'metrics', partition: '2' }, value: 25_000 }],
      invalidByReason: [{ metric: { reason: 'invalid_json' }, value: 0.4 }],
      sinkFailuresByReason: [{ metric: { kind: 'http_503' }, value: 1.5 }],
    });
    render(<StreamHealth />);
    const status = await screen.findByTestId(testIds.streamHealth.status);
    expect(status).toHaveAttribute('data-level', 'critical');
    expect(status).toHaveTextContent('Remote writes failing');
    expect(status).toHaveTextContent('metrics/2 is 25000 messages behind');
    const reasons = screen.getByTestId(testIds.streamHealth.reasonsTable);
    expect(reasons).toHaveTextContent('http_503');
    expect(reasons).toHaveTextContent('invalid_json');
  });

  it('says so when the detector is not scraped', async () => {
    serve({});
    render(<StreamHealth />);
    const status = await screen.findByTestId(testIds.streamHealth.status);
    expect(status).toHaveAttribute('data-level', 'unknown');
    expect(status).toHaveTextContent('No detector metrics');
  });
});
