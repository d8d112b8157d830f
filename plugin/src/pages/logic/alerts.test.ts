import { activeInstances, normalizeState, parseAlertValue, parseRules, userLabels } from './alerts';

// Shaped like Grafana 12's GET /api/prometheus/grafana/api/v1/rules.
const body = {
  status: 'success',
  data: {
    groups: [
      {
        name: 'Anomalies',
        file: 'Anomaly Lens',
        folderUid: 'f1',
        interval: 60,
        rules: [
          {
            uid: 'anomalylens-incident',
            name: 'Anomaly incident',
            type: 'alerting',
            state: 'firing',
            health: 'ok',
            lastError: '',
            alerts: [
              {
                labels: {
                  alertname: 'Anomaly incident',
                  grafana_folder: 'Anomaly Lens',
                  anomalylens: 'incident',
                  host: 'web-1',
                  severity: 'critical',
                },
                annotations: {
                  summary: 'web-1: 1 anomalous series: cpu (2.5)',
                  __dashboardUid__: 'anomalylens-overview',
                },
                state: 'Alerting',
                activeAt: '2026-11-24T09:00:00Z',
                // The ranked queries' values sort before and after B; B (the host's peak) is the value.
                value:
                  "[ var='A' labels={host=web-1} value=2.5 ], [ var='B' labels={host=web-1} value=2.5 ], " +
                  "[ var='C' labels={host=web-1} value=1 ], [ var='M1' labels={host=web-1, metric=cpu} value=2.5 ], " +
                  "[ var='M2' labels={host=web-1} value=0 ], [ var='N' labels={host=web-1} value=1 ]",
              },
              {
                labels: { alertname: 'Anomaly incident', host: 'db-1' },
                annotations: {},
                state: 'Pending',
                activeAt: '2026-11-24T09:30:00Z',
                value: '1.1e+00',
              },
              {
                labels: { alertname: 'Anomaly incident', host: 'web-2' },
                annotations: {},
                state: 'Normal',
                activeAt: '0001-01-01T00:00:00Z',
                value: '',
              },
            ],
          },
        ],
      },
      {
        name: 'Stream health',
        file: 'Anomaly Lens',
        rules: [
          {
            uid: 'anomalylens-detector-stalled',
            name: 'Detector stalled',
            type: 'alerting',
            state: 'firing',
            health: 'nodata',
            alerts: [
              {
                labels: { alertname: 'DatasourceNoData' },
                annotations: {},
                state: 'Alerting (NoData)',
                activeAt: '2026-11-24T08:00:00Z',
              },
            ],
          },
          { uid: 'rec', name: 'recording', type: 'recording', state: '', health: 'ok' },
        ],
      },
      {
        name: 'Other team',
        file: 'Databases',
        rules: [{ uid: 'x', name: 'Disk full', type: 'alerting', alerts: [{ state: 'Alerting' }] }],
      },
    ],
  },
};

describe('parseRules', () => {
  it('keeps the alerting rules of the Anomaly Lens folder with their instances', () => {
    const rules = parseRules(body, 'Anomaly Lens');
    expect(rules.map((r) => r.uid)).toEqual(['anomalylens-incident', 'anomalylens-detector-stalled']);
    expect(rules[0].instances).toHaveLength(3);
    expect(rules[0].instances[0]).toMatchObject({
      ruleName: 'Anomaly incident',
      group: 'Anomalies',
      state: 'firing',
      activeAtMs: Date.UTC(2026, 10, 24, 9, 0, 0),
      value: 2.5,
    });
    expect(rules[0].instances[2].activeAtMs).toBeNull();
    expect(rules[1].health).toBe('nodata');
    expect(parseRules(body, null)).toHaveLength(3);
  });

  it('rejects an error response with its message', () => {
    expect(() => parseRules({ status: 'error', error: 'permission denied' }, null)).toThrow(
      'Grafana alerting API: permission denied'
    );
  });
});

describe('activeInstances', () => {
  it('lists firing before pending, newest first, without normal instances', () => {
    const active = activeInstances(parseRules(body, 'Anomaly Lens'));
    expect(active.map((i) => [i.state, i.labels.host ?? i.labels.alertname])).toEqual([
      ['firing', 'web-1'],
      ['firing', 'DatasourceNoData'],
      ['pending', 'db-1'],
    ]);
  });
});

describe('values and labels', () => {
  it.each([
    ['Alerting', 'firing'],
    ['Alerting (NoData)', 'firing'],
    ['Normal (NoData)', 'normal'],
    ['Pending', 'pending'],
    ['NoData', 'nodata'],
    ['Error', 'error'],
    ['Recovering', 'recovering'],
  ])('state %s is %s', (raw, state) => {
    expect(normalizeState(raw)).toBe(state);
  });

  it('reads plain and multi-expression values', () => {
    expect(parseAlertValue('1.1e+00')).toBe(1.1);
    expect(parseAlertValue("[ var='A' labels={} value=7 ], [ var='C' labels={} value=1 ]")).toBe(7);
    expect(parseAlertValue("[ var='B' labels={} value=NaN ]")).toBeNull();
    expect(parseAlertValue('')).toBeNull();
    expect(parseAlertValue(3)).toBe(3);
  });

  it('hides Grafana-internal labels', () => {
    expect(userLabels({ alertname: 'x', grafana_folder: 'y', __alert_rule_uid__: 'z', host: 'h' })).toEqual({
      host: 'h',
    });
  });
});
