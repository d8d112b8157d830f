import React from 'react';
import { DataFrame, dateTime, EventBusSrv, FieldConfigSource, LoadingState, PanelData, TimeRange } from '@grafana/data';
import { PanelChrome } from '@grafana/ui';
import type uPlot from 'uplot';
import { OverlayPanel } from '../../../src/panels/overlay/components/OverlayPanel';
import { OverlayOptions } from '../../../src/panels/overlay/types';
import { matrixToFrames, PrometheusMatrix } from '../prometheus';
import { registerPage } from '../registry';

export interface OverlayPanelPayload {
  width: number;
  height: number;
  from: number;
  to: number;
  options?: Partial<OverlayOptions>;
  /** Prometheus range-query results, one per query (refId A, B, ...). */
  matrices?: PrometheusMatrix[];
  /** Or ready-made frames (plain objects as createDataFrame accepts). */
  frames?: DataFrame[];
  title?: string;
}

declare global {
  interface Window {
    /** The last rendered panel's uPlot instance, for pixel assertions. */
    overlayPlot?: uPlot;
  }
}

function panelData(p: OverlayPanelPayload, timeRange: TimeRange): PanelData {
  const series = p.frames ?? (p.matrices ?? []).flatMap((m, i) => matrixToFrames(m, String.fromCharCode(65 + i)));
  return { state: LoadingState.Done, series, timeRange };
}

registerPage('overlay-panel', {
  render: (payload) => {
    const p = payload as OverlayPanelPayload;
    const timeRange: TimeRange = {
      from: dateTime(p.from),
      to: dateTime(p.to),
      raw: { from: dateTime(p.from), to: dateTime(p.to) },
    };
    const fieldConfig: FieldConfigSource = { defaults: {}, overrides: [] };
    // Grafana's own panel frame, so screenshots show the panel as a dashboard does.
    return (
      <PanelChrome width={p.width} height={p.height} title={p.title}>
        {(innerWidth, innerHeight) => (
          <OverlayPanel
            id={1}
            title={p.title ?? ''}
            data={panelData(p, timeRange)}
            timeRange={timeRange}
            timeZone="utc"
            options={p.options as OverlayOptions}
            fieldConfig={fieldConfig}
            transparent={false}
            width={innerWidth}
            height={innerHeight}
            renderCounter={0}
            replaceVariables={(s) => s}
            onOptionsChange={() => undefined}
            onFieldConfigChange={() => undefined}
            onChangeTimeRange={() => undefined}
            eventBus={new EventBusSrv()}
            plotRef={(u) => {
              window.overlayPlot = u;
            }}
          />
        )}
      </PanelChrome>
    );
  },
});
