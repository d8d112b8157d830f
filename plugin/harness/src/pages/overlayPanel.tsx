import React from 'react';
import { DataFrame, dateTime, EventBusSrv, FieldConfigSource, LoadingState, PanelData, TimeRange } from '@grafana/data';
import { PanelChrome } from '@grafana/ui';
import type uPlot from 'uplot';
import { OverlayPanel } from '../../../src/panels/overlay/components/OverlayPanel';
import { OverlayOptions } from '../../../src/panels/overlay/types';
import { matrixToFrames, PrometheusMatrix } from '../prometheus';
import { registerPage, stashed } from '../registry';

export interface OverlayPanelPayload {
  width: number;
  height: number;
  from: number;
  to: number;
  options?: Partial<OverlayOptions>;
  /** Prometheus range-query results, one per query (refId A, B, ...). */
  matrices?: PrometheusMatrix[];
  /** Or the key of matrices put aside with `harness.stash` (large bench data ships once). */
  stashedMatrices?: string;
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

function toFrames(matrices: PrometheusMatrix[]): DataFrame[] {
  return matrices.flatMap((m, i) => matrixToFrames(m, String.fromCharCode(65 + i)));
}

function panelData(p: OverlayPanelPayload, timeRange: TimeRange): PanelData {
  if (p.stashedMatrices) {
    // Converted once per stash key: repeated bench renders measure the panel, not the conversion.
    const key = `frames:${p.stashedMatrices}`;
    if (!stashed.has(key)) {
      stashed.set(key, toFrames(stashed.get(p.stashedMatrices) as PrometheusMatrix[]));
    }
    return { state: LoadingState.Done, series: stashed.get(key) as DataFrame[], timeRange };
  }
  const series = p.frames ?? toFrames(p.matrices ?? []);
  return { state: LoadingState.Done, series, timeRange };
}

interface Prepared {
  p: OverlayPanelPayload;
  timeRange: TimeRange;
  data: PanelData;
}

registerPage('overlay-panel', {
  // Frames are built before the timed render: in Grafana the datasource does this work.
  prepare: (payload): Prepared => {
    const p = payload as OverlayPanelPayload;
    const timeRange: TimeRange = {
      from: dateTime(p.from),
      to: dateTime(p.to),
      raw: { from: dateTime(p.from), to: dateTime(p.to) },
    };
    return { p, timeRange, data: panelData(p, timeRange) };
  },
  render: (prepared) => {
    const { p, timeRange, data } = prepared as Prepared;
    const fieldConfig: FieldConfigSource = { defaults: {}, overrides: [] };
    // Grafana's own panel frame, so screenshots show the panel as a dashboard does.
    return (
      <PanelChrome width={p.width} height={p.height} title={p.title}>
        {(innerWidth, innerHeight) => (
          <OverlayPanel
            id={1}
            title={p.title ?? ''}
            data={data}
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
