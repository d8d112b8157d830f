export const testIds = {
  appConfig: {
    apiKey: 'data-testid ac-api-key',
    apiUrl: 'data-testid ac-api-url',
    submit: 'data-testid ac-submit-form',
  },
  anomalies: {
    container: 'data-testid al-anomalies-container',
  },
  streamHealth: {
    container: 'data-testid al-stream-health-container',
  },
  alerts: {
    container: 'data-testid al-alerts-container',
  },
  overlayPanel: {
    container: 'data-testid al-overlay-panel',
    plot: 'data-testid al-overlay-plot',
    noData: 'data-testid al-overlay-no-data',
    partialData: 'data-testid al-overlay-partial-data',
    tooltip: 'data-testid al-overlay-tooltip',
    legend: 'data-testid al-overlay-legend',
    legendItem: 'data-testid al-overlay-legend-item',
  },
};
