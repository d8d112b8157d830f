import React from 'react';
import { render, screen } from '@testing-library/react';
import { dateTime, EventBusSrv, FieldType, LoadingState, PanelData, TimeRange, toDataFrame } from '@grafana/data';
import { OverlayPanel } from './OverlayPanel';
import { defaultOverlayOptions, OverlayOptions } from '../types';
import { testIds } from '../../../components/testIds';

// jsdom has no canvas: the chart itself is drawn in the browser test; here the panel's DOM.
jest.mock('@grafana/ui', () => ({
  ...jest.requireActual('@grafana/ui'),
  UPlotChart: () => <div data-testid="uplot" />,
}));

const STEP = 60_000;
const times = Array.from({ length: 60 }, (_, i) => i * STEP);
const timeRange: TimeRange = { from: dateTime(0), to: dateTime(3_600_000), raw: { from: 'now-1h', to: 'now' } };
const labels = { metric: 'cpu_utilization', host: 'web-1' };

function frame(name: string, values: Array<number | null>, at: number[] = times) {
  return toDataFrame({
    refId: name,
    fields: [
      { name: 'Time', type: FieldType.time, values: at },
      { name: 'Value', type: FieldType.number, values, labels: { __name__: name, ...labels } },
    ],
  });
}

/** The detector's output for one series, in maintenance from minute 20 to 29 (no scores then). */
function detectorFrames() {
  const inWindow = (i: number) => i >= 20 && i < 30;
  const maintenanceTimes = times.filter((_, i) => inWindow(i));
  return [
    frame(
      'anomalylens_observed',
      times.map((_, i) => 10 + (i % 5))
    ),
    frame(
      'anomalylens_expected_lower',
      times.map(() => 8)
    ),
    frame(
      'anomalylens_expected_upper',
      times.map(() => 16)
    ),
    frame(
      'anomalylens_score',
      times.map((_, i) => (inWindow(i) ? null : 0.2))
    ),
    frame(
      'anomalylens_anomalous',
      times.map((_, i) => (inWindow(i) ? null : 0))
    ),
    frame(
      'anomalylens_maintenance',
      maintenanceTimes.map(() => 1),
      maintenanceTimes
    ),
  ];
}

function renderPanel(series: PanelData['series'], options: Partial<OverlayOptions> = {}) {
  return render(
    <OverlayPanel
      id={1}
      title=""
      data={{ state: LoadingState.Done, series, timeRange }}
      timeRange={timeRange}
      timeZone="utc"
      options={{ ...defaultOverlayOptions, ...options }}
      fieldConfig={{ defaults: {}, overrides: [] }}
      transparent={false}
      width={600}
      height={300}
      renderCounter={0}
      replaceVariables={(s) => s}
      onOptionsChange={() => undefined}
      onFieldConfigChange={() => undefined}
      onChangeTimeRange={() => undefined}
      eventBus={new EventBusSrv()}
    />
  );
}

describe('OverlayPanel maintenance windows', () => {
  it('names the maintenance window in view, and a series without one is not partial data', () => {
    renderPanel(detectorFrames());
    const notice = screen.getByTestId(testIds.overlayPanel.maintenance);
    expect(notice).toHaveAttribute('data-windows', '1');
    // Minutes 20 to 30 (the first sample after the window) in UTC.
    expect(notice).toHaveTextContent('Maintenance, not scored: 00:20–00:30');
    expect(screen.queryByTestId(testIds.overlayPanel.partialData)).not.toBeInTheDocument();
  });

  it('shows nothing without maintenance samples or with the option off', () => {
    const { unmount } = renderPanel(detectorFrames().slice(0, 5));
    expect(screen.queryByTestId(testIds.overlayPanel.maintenance)).not.toBeInTheDocument();
    expect(screen.queryByTestId(testIds.overlayPanel.partialData)).not.toBeInTheDocument();
    unmount();
    renderPanel(detectorFrames(), { showMaintenance: false });
    expect(screen.queryByTestId(testIds.overlayPanel.maintenance)).not.toBeInTheDocument();
  });
});
