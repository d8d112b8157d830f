import { FieldConfigProperty, PanelPlugin } from '@grafana/data';
import { OverlayPanel } from './components/OverlayPanel';
import { defaultOverlayOptions as d, OverlayOptions } from './types';

const ROLES = 'Series roles';
const OVERLAYS = 'Overlays';
const SCORE = 'Score and severity';
const STYLE = 'Style';

export const plugin = new PanelPlugin<OverlayOptions>(OverlayPanel)
  // Unit and decimals of the observed values; the rest of the standard options (min/max,
  // thresholds, color) would fight the panel's own scales and severity colors.
  .useFieldConfig({
    disableStandardOptions: [
      FieldConfigProperty.Min,
      FieldConfigProperty.Max,
      FieldConfigProperty.FieldMinMax,
      FieldConfigProperty.Thresholds,
      FieldConfigProperty.Color,
      FieldConfigProperty.Mappings,
      FieldConfigProperty.DisplayName,
      FieldConfigProperty.Filterable,
    ],
  })
  .setPanelOptions((builder) =>
    builder
      .addTextInput({
        path: 'observedSeries',
        name: 'Observed series',
        description: 'Metric name, refId or frame name of the observed values',
        defaultValue: d.observedSeries,
        category: [ROLES],
      })
      .addTextInput({
        path: 'expectedSeries',
        name: 'Expected series',
        defaultValue: d.expectedSeries,
        category: [ROLES],
      })
      .addTextInput({
        path: 'lowerSeries',
        name: 'Expected lower bound',
        defaultValue: d.lowerSeries,
        category: [ROLES],
      })
      .addTextInput({
        path: 'upperSeries',
        name: 'Expected upper bound',
        defaultValue: d.upperSeries,
        category: [ROLES],
      })
      .addTextInput({
        path: 'scoreSeries',
        name: 'Anomaly score',
        defaultValue: d.scoreSeries,
        category: [ROLES],
      })
      .addTextInput({
        path: 'anomalousSeries',
        name: 'Anomaly flag (0/1)',
        defaultValue: d.anomalousSeries,
        category: [ROLES],
      })
      .addTextInput({
        path: 'maintenanceSeries',
        name: 'Maintenance flag (1 in a window)',
        defaultValue: d.maintenanceSeries,
        category: [ROLES],
      })
      .addTextInput({
        path: 'groupByLabels',
        name: 'Series identity labels',
        description: 'Comma-separated labels that identify one input series; empty = all labels',
        defaultValue: d.groupByLabels,
        category: [ROLES],
      })
      .addTextInput({
        path: 'ignoreLabels',
        name: 'Ignored labels',
        description: 'Comma-separated labels left out of the series identity, e.g. job,instance',
        defaultValue: d.ignoreLabels,
        category: [ROLES],
      })
      .addTextInput({
        path: 'legendFormat',
        name: 'Legend format',
        description: 'e.g. {{host}} {{metric}}; empty = metric{labels}',
        defaultValue: d.legendFormat,
        category: [ROLES],
      })
      .addRadio({
        path: 'overlayMode',
        name: 'Overlays on',
        description: 'Band and regions on every series, or only on the hovered / selected one',
        defaultValue: d.overlayMode,
        settings: {
          options: [
            { value: 'auto', label: 'Auto', description: 'All series while few, else the focused one' },
            { value: 'all', label: 'All series' },
            { value: 'focused', label: 'Focused series' },
          ],
        },
        category: [OVERLAYS],
      })
      .addNumberInput({
        path: 'maxOverlaySeries',
        name: 'Max series with overlays (auto)',
        defaultValue: d.maxOverlaySeries,
        settings: { min: 1, integer: true },
        showIf: (o) => o.overlayMode === 'auto',
        category: [OVERLAYS],
      })
      .addBooleanSwitch({ path: 'showBand', name: 'Expected band', defaultValue: d.showBand, category: [OVERLAYS] })
      .addBooleanSwitch({
        path: 'showExpectedLine',
        name: 'Expected value line',
        defaultValue: d.showExpectedLine,
        category: [OVERLAYS],
      })
      .addBooleanSwitch({
        path: 'showRegions',
        name: 'Anomaly regions',
        defaultValue: d.showRegions,
        category: [OVERLAYS],
      })
      .addBooleanSwitch({
        path: 'showPoints',
        name: 'Anomaly points',
        defaultValue: d.showPoints,
        category: [OVERLAYS],
      })
      .addBooleanSwitch({
        path: 'showScoreTrack',
        name: 'Score track',
        defaultValue: d.showScoreTrack,
        category: [OVERLAYS],
      })
      .addBooleanSwitch({ path: 'showLegend', name: 'Legend', defaultValue: d.showLegend, category: [OVERLAYS] })
      .addBooleanSwitch({
        path: 'showMaintenance',
        name: 'Maintenance windows',
        description: 'Hatch the time ranges a series spent in a maintenance window (not scored)',
        defaultValue: d.showMaintenance,
        category: [OVERLAYS],
      })
      .addNumberInput({
        path: 'scoreThreshold',
        name: 'Anomaly threshold',
        description: 'Score at which a point is anomalous (detector convention: 1)',
        defaultValue: d.scoreThreshold,
        settings: { min: 0, step: 0.1 },
        category: [SCORE],
      })
      .addNumberInput({
        path: 'majorScore',
        name: 'Major from score',
        defaultValue: d.majorScore,
        settings: { min: 0, step: 0.1 },
        category: [SCORE],
      })
      .addNumberInput({
        path: 'criticalScore',
        name: 'Critical from score',
        defaultValue: d.criticalScore,
        settings: { min: 0, step: 0.1 },
        category: [SCORE],
      })
      .addSliderInput({
        path: 'scoreTrackHeight',
        name: 'Score track height (%)',
        defaultValue: d.scoreTrackHeight,
        settings: { min: 10, max: 50, step: 5 },
        showIf: (o) => o.showScoreTrack,
        category: [SCORE],
      })
      .addSliderInput({
        path: 'lineWidth',
        name: 'Line width',
        defaultValue: d.lineWidth,
        settings: { min: 0.5, max: 4, step: 0.5 },
        category: [STYLE],
      })
      .addSliderInput({
        path: 'bandOpacity',
        name: 'Band opacity',
        defaultValue: d.bandOpacity,
        settings: { min: 0, max: 100, step: 1 },
        category: [STYLE],
      })
      .addSliderInput({
        path: 'regionOpacity',
        name: 'Region opacity',
        defaultValue: d.regionOpacity,
        settings: { min: 0, max: 100, step: 1 },
        category: [STYLE],
      })
      .addSliderInput({
        path: 'pointSize',
        name: 'Point size',
        defaultValue: d.pointSize,
        settings: { min: 2, max: 14, step: 1 },
        category: [STYLE],
      })
  );
