import { AnomalyEvent } from './events';
import { DEFAULT_INCIDENT_TOLERANCE_MS, groupIncidents, incidentMetrics, summarizeIncidents } from './incidents';
import { seriesKey } from './prometheusResponse';

const MIN = 60_000;
const T0 = Date.UTC(2026, 10, 24, 10, 0, 0);
const at = (minutes: number) => T0 + minutes * MIN;

/** An event of the series with these labels from minute `start` to minute `end`. */
function event(
  labels: Record<string, string>,
  start: number,
  end: number,
  peakScore: number | null,
  extra: Partial<AnomalyEvent> = {}
): AnomalyEvent {
  const key = seriesKey(labels);
  return {
    id: `${key}@${at(start)}`,
    seriesKey: key,
    labels,
    startMs: at(start),
    endMs: at(end),
    open: false,
    startedBeforeRange: false,
    durationMs: at(end) - at(start),
    peakScore,
    ...extra,
  };
}

const cpu1 = { metric: 'cpu_utilization', host: 'web-1' };
const mem1 = { metric: 'memory_used', host: 'web-1' };
const lat1 = { metric: 'latency_ms', host: 'web-1' };
const cpu2 = { metric: 'cpu_utilization', host: 'web-2' };
const options = { entityLabel: 'host', toleranceMs: DEFAULT_INCIDENT_TOLERANCE_MS };

describe('groupIncidents', () => {
  it('makes one incident of overlapping events on one host, members ranked by peak score', () => {
    const incidents = groupIncidents(
      [event(cpu1, 0, 10, 1.4), event(mem1, 5, 20, 3.2), event(lat1, 18, 25, 1.9), event(cpu2, 3, 8, 2)],
      options
    );
    expect(incidents).toHaveLength(2);
    const web1 = incidents.find((i) => i.entity === 'web-1')!;
    expect(web1).toMatchObject({
      entityLabel: 'host',
      startMs: at(0),
      endMs: at(25),
      durationMs: 25 * MIN,
      open: false,
      peakScore: 3.2,
      severity: 'critical',
      eventCount: 3,
    });
    expect(web1.series.map((s) => [s.labels.metric, s.peakScore])).toEqual([
      ['memory_used', 3.2],
      ['latency_ms', 1.9],
      ['cpu_utilization', 1.4],
    ]);
    expect(incidentMetrics(web1)).toEqual(['memory_used', 'latency_ms', 'cpu_utilization']);
    const web2 = incidents.find((i) => i.entity === 'web-2')!;
    expect(web2.series).toHaveLength(1);
    expect(web2.severity).toBe('major');
  });

  it('bridges a gap up to the tolerance, and splits a longer one', () => {
    // cpu ends at 10; memory starts 5 minutes later (joins), latency 6 minutes after memory ends (new).
    const events = [event(cpu1, 0, 10, 1.2), event(mem1, 15, 20, 1.1), event(lat1, 26, 30, 1.3)];
    const incidents = groupIncidents(events, options);
    expect(incidents.map((i) => [i.startMs, i.endMs, i.series.length])).toEqual([
      [at(26), at(30), 1],
      [at(0), at(20), 2],
    ]);
    // With no tolerance, touching is still overlapping but a gap is not.
    expect(groupIncidents(events, { ...options, toleranceMs: 0 })).toHaveLength(3);
    expect(
      groupIncidents([event(cpu1, 0, 10, 1), event(mem1, 10, 12, 1)], { ...options, toleranceMs: 0 })
    ).toHaveLength(1);
  });

  it('chains events that each overlap the incident so far, whatever order they come in', () => {
    // A long event keeps the incident going past a short one that ended earlier.
    const events = [event(lat1, 30, 34, 1), event(cpu1, 0, 40, 2), event(mem1, 2, 4, 1.5)];
    const [incident] = groupIncidents(events, options);
    expect(groupIncidents(events, options)).toHaveLength(1);
    expect(incident.endMs).toBe(at(40));
    expect(incident.series.map((s) => s.labels.metric)).toEqual(['cpu_utilization', 'memory_used', 'latency_ms']);
  });

  it('gathers repeated events of one series under that member, oldest first, with the highest peak', () => {
    const [incident] = groupIncidents(
      [event(cpu1, 8, 9, 2.5), event(cpu1, 0, 3, 1.1), event(mem1, 2, 6, 1.6)],
      options
    );
    expect(incident.eventCount).toBe(3);
    expect(incident.series).toHaveLength(2);
    const [cpu] = incident.series;
    expect(cpu.peakScore).toBe(2.5);
    expect(cpu.events.map((e) => e.startMs)).toEqual([at(0), at(8)]);
  });

  it('is open while any member is open, and open incidents come first', () => {
    const incidents = groupIncidents(
      [
        event(cpu2, 50, 55, 1.2),
        event(cpu1, 0, 10, 1.2),
        event(mem1, 5, 60, 1.3, { open: true }),
        event(lat1, 1, 2, null),
      ],
      options
    );
    expect(incidents.map((i) => [i.entity, i.open])).toEqual([
      ['web-1', true],
      ['web-2', false],
    ]);
  });

  it('groups by the configured label, and keeps series without it apart', () => {
    const a = { metric: 'cpu', pod: 'api-7', host: 'node-1' };
    const b = { metric: 'mem', pod: 'api-7', host: 'node-2' };
    const loose1 = { metric: 'queue_depth' };
    const loose2 = { metric: 'queue_age' };
    const events = [event(a, 0, 5, 1.1), event(b, 1, 6, 1.2), event(loose1, 0, 5, 1), event(loose2, 0, 5, 1)];
    const byPod = groupIncidents(events, { ...options, entityLabel: 'pod' });
    expect(byPod.map((i) => [i.entity, i.series.length])).toEqual(
      expect.arrayContaining([
        ['api-7', 2],
        [null, 1],
        [null, 1],
      ])
    );
    expect(byPod).toHaveLength(3);
    expect(groupIncidents(events, options)).toHaveLength(4);
  });

  it('keeps the peak unknown without scores and marks incidents that started before the range', () => {
    const [incident] = groupIncidents(
      [event(cpu1, 0, 4, null, { startedBeforeRange: true }), event(mem1, 2, 4, null)],
      options
    );
    expect(incident.peakScore).toBeNull();
    expect(incident.severity).toBe('unknown');
    expect(incident.startedBeforeRange).toBe(true);
  });

  it('returns nothing for no events', () => {
    expect(groupIncidents([], options)).toEqual([]);
  });
});

describe('summarizeIncidents', () => {
  it('counts open and critical incidents, entities and series', () => {
    const incidents = groupIncidents(
      [
        event(cpu1, 0, 10, 3.4),
        event(mem1, 5, 12, 1.2),
        event(cpu1, 40, 50, 1.1, { open: true }),
        event(cpu2, 0, 10, 1.6),
      ],
      options
    );
    expect(summarizeIncidents(incidents)).toEqual({
      open: 1,
      total: 3,
      entities: 2,
      seriesAffected: 3,
      worstScore: 3.4,
      critical: 1,
    });
  });
});
