import React from 'react';
import { MemoryRouter } from 'react-router-dom';
import { AppRootProps, PluginType } from '@grafana/data';
import { render, screen } from '@testing-library/react';
import App from './App';
import { testIds } from '../testIds';

function renderAt(path: string) {
  const props = {
    basename: 'a/anomalylens-detector-app',
    meta: { id: 'anomalylens-detector-app', name: 'Anomaly Lens', type: PluginType.app, enabled: true, jsonData: {} },
    query: {},
    path: '',
    onNavChanged: jest.fn(),
  } as unknown as AppRootProps;
  return render(
    <MemoryRouter initialEntries={[path]}>
      <React.Suspense fallback={null}>
        <App {...props} />
      </React.Suspense>
    </MemoryRouter>
  );
}

describe('App routing', () => {
  test.each([
    ['/anomalies', testIds.anomalies.container],
    ['/stream-health', testIds.streamHealth.container],
    ['/alerts', testIds.alerts.container],
    ['/', testIds.anomalies.container],
    ['/no-such-page', testIds.anomalies.container],
  ])('%s renders its page', async (path, testId) => {
    renderAt(path);
    expect(await screen.findByTestId(testId, {}, { timeout: 3000 })).toBeInTheDocument();
  });
});
