import { AnomalyEvent } from './events';
import { groupIncidents } from './incidents';
import {
  alertRuleUrl,
  dashboardUrl,
  eventOverviewUrl,
  eventTimeRange,
  incidentOverviewUrl,
  overviewUrl,
} from './links';

const params = (url: string) => new URL(url, 'http://grafana.local').searchParams;

describe('links', () => {
  it('focuses the overview dashboard on one series and time range', () => {
    const url = overviewUrl('anomalylens-overview', { metric: 'cpu utilization', host: 'web-1&2' }, 1000, 'now');
    expect(url.startsWith('/d/anomalylens-overview?')).toBe(true);
    const p = params(url);
    expect(p.get('var-metric')).toBe('cpu utilization');
    expect(p.get('var-host')).toBe('web-1&2');
    expect(p.get('from')).toBe('1000');
    expect(p.get('to')).toBe('now');
  });

  it('leaves out variables the series has no label for', () => {
    const p = params(overviewUrl('x', { metric: 'cpu' }, 'now-1h', 'now'));
    expect(p.has('var-host')).toBe(false);
  });

  it('pads an event with at least 15 minutes, or half its length, and follows open events', () => {
    const start = Date.UTC(2026, 10, 24, 10, 0, 0);
    expect(eventTimeRange({ startMs: start, endMs: start + 60_000, open: false })).toEqual({
      from: start - 900_000,
      to: start + 60_000 + 900_000,
    });
    const long = { startMs: start, endMs: start + 4 * 3_600_000, open: false };
    expect(eventTimeRange(long)).toEqual({ from: start - 2 * 3_600_000, to: start + 6 * 3_600_000 });
    expect(eventTimeRange({ ...long, open: true }).to).toBe('now');
  });

  it('builds the overview link of an event', () => {
    const event: AnomalyEvent = {
      id: 'k@1',
      seriesKey: 'k',
      labels: { metric: 'cpu', host: 'web-1' },
      startMs: 3_600_000,
      endMs: 3_660_000,
      open: false,
      startedBeforeRange: false,
      durationMs: 60_000,
      peakScore: 1.5,
    };
    const p = params(eventOverviewUrl('anomalylens-overview', event));
    expect([p.get('var-metric'), p.get('var-host'), p.get('from'), p.get('to')]).toEqual([
      'cpu',
      'web-1',
      String(3_600_000 - 900_000),
      String(3_660_000 + 900_000),
    ]);
  });

  it('builds the overview link of an incident with every member metric and host', () => {
    const event = (labels: Record<string, string>, startMs: number, endMs: number, open = false): AnomalyEvent => ({
      id: `${labels.metric}@${startMs}`,
      seriesKey: JSON.stringify(labels),
      labels,
      startMs,
      endMs,
      open,
      startedBeforeRange: false,
      durationMs: endMs - startMs,
      peakScore: 1.2,
    });
    const [incident] = groupIncidents(
      [
        event({ metric: 'mem', host: 'web-1', pod: 'a' }, 3_600_000, 3_700_000),
        event({ metric: 'cpu', host: 'web-1', pod: 'a' }, 3_650_000, 3_900_000, true),
        event({ metric: 'cpu', host: 'web-2', pod: 'a' }, 3_650_000, 3_800_000),
      ],
      { entityLabel: 'pod', toleranceMs: 0 }
    );
    const p = params(incidentOverviewUrl('anomalylens-overview', incident));
    expect(p.getAll('var-metric')).toEqual(['cpu', 'mem']);
    expect(p.getAll('var-host')).toEqual(['web-1', 'web-2']);
    expect([p.get('from'), p.get('to')]).toEqual([String(3_600_000 - 900_000), 'now']);
  });

  it('links dashboards and alert rules', () => {
    expect(dashboardUrl('anomalylens-stream-health')).toBe('/d/anomalylens-stream-health?from=now-1h&to=now');
    expect(alertRuleUrl('anomalylens-incident')).toBe('/alerting/grafana/anomalylens-incident/view');
    expect(alertRuleUrl('a/b')).toBe('/alerting/grafana/a%2Fb/view');
  });
});
