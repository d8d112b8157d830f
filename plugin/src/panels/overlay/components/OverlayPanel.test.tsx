import React from 'react';
import { render, screen } from '@testing-library/react';
import { dateTime, EventBusSrv, LoadingState, PanelData, TimeRange } from '@grafana/data';
import { OverlayPanel } from './OverlayPanel';
import { partialDataSummary } from './PartialDataNotice';
import { legendHeight } from './OverlayLegend';
import { defaultOverlayOptions } from '../types';
import { testIds } from '../../../components/testIds';

const timeRange: TimeRange = { from: dateTime(0), to: dateTime(3_600_000), raw: { from: 'now-1h', to: 'now' } };

function renderPanel(data: PanelData) {
  return render(
    <OverlayPanel
      id={1}
      title=""
      data={data}
      timeRange={timeRange}
      timeZone="utc"
      options={defaultOverlayOptions}
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

describe('OverlayPanel states', () => {
  it('explains an empty result, naming the series it reads', () => {
    renderPanel({ state: LoadingState.Done, series: [], timeRange });
    const box = screen.getByTestId(testIds.overlayPanel.noData);
    expect(box).toHaveTextContent('No data');
    expect(box).toHaveTextContent('anomalylens_observed');
  });

  it('says loading while the first query runs', () => {
    renderPanel({ state: LoadingState.Loading, series: [], timeRange });
    expect(screen.getByTestId(testIds.overlayPanel.noData)).toHaveTextContent('Loading');
  });
});

describe('partialDataSummary', () => {
  it('is null when every series is complete', () => {
    expect(partialDataSummary([{ name: 'a', missing: [] }])).toBeNull();
  });

  it('counts series per missing output, naming the range once', () => {
    const s = partialDataSummary([
      { name: 'a', missing: ['lower', 'upper'] },
      { name: 'b', missing: ['lower', 'upper', 'score'] },
      { name: 'c', missing: [] },
    ]);
    expect(s?.text).toBe('Partial data: no expected range for 2 of 3 series; no anomaly score for 1 of 3 series');
    expect(s?.details).toEqual(['expected range: a, b', 'anomaly score: b']);
  });

  it('says "no X" when no series has it', () => {
    expect(partialDataSummary([{ name: 'a', missing: ['anomalous'] }])?.text).toBe('Partial data: no anomaly flag');
  });
});

describe('legendHeight', () => {
  it('fits all rows while they take at most 30% of the panel', () => {
    expect(legendHeight(2, 400)).toBe(2 * 22 + 6);
    expect(legendHeight(50, 400)).toBe(120);
    expect(legendHeight(1, 50)).toBe(28);
  });
});
