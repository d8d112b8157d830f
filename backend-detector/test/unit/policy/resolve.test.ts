import { DEFAULT_OUTPUT_POLICY } from '../../../src/model/output-policy';
import { parsePolicy } from '../../../src/policy/parse';
import { inMaintenance, modelChanged, NO_POLICY, resolveSeries } from '../../../src/policy/resolve';

const POLICY = parsePolicy(
  `rules:
  - match: '{}'
    threshold: 1.5
  - match: '{metric="cpu", host=~"db-.*"}'
    direction: up
    minDeviation: 5
    seasonality: weekly
    timezone: Europe/Berlin
  - match: '{host="db-2"}'
    threshold: 3
    seasonality: auto
  - match: '{metric=~"debug_.*"}'
    ignore: true
maintenance:
  - match: '{host="db-1"}'
    start: '2026-12-01T02:00:00Z'
    end: '2026-12-01T04:00:00Z'
  - match: '{}'
    schedule: '0 3 * * *'
    duration: 30m
`,
  'p.yaml'
);

describe('resolving a policy for a series', () => {
  it('applies every matching rule in file order, later fields overriding earlier ones', () => {
    const db1 = resolveSeries(POLICY, { metric: 'cpu', host: 'db-1' });
    expect(db1.rules).toEqual([0, 1]);
    expect(db1.output).toEqual({ threshold: 1.5, direction: 'up', minDeviation: 5, minRelativeDeviation: 0 });
    expect(db1.model).toEqual({ seasonality: 'weekly', timezone: 'Europe/Berlin' });
    const db2 = resolveSeries(POLICY, { metric: 'cpu', host: 'db-2' });
    expect(db2.rules).toEqual([0, 1, 2]);
    expect(db2.output.threshold).toBe(3);
    expect(db2.output.direction).toBe('up'); // kept from rule 1: rule 2 does not set it
    expect(db2.model).toEqual({ seasonality: 'daily', timezone: 'Europe/Berlin' }); // auto is daily
    const web = resolveSeries(POLICY, { metric: 'cpu', host: 'web-1' });
    expect(web.output.threshold).toBe(1.5);
    expect(web.model).toEqual(NO_POLICY.model);
  });

  it('ignores series matched by an ignore rule', () => {
    expect(resolveSeries(POLICY, { metric: 'debug_latency' }).ignore).toBe(true);
    expect(resolveSeries(POLICY, { metric: 'cpu' }).ignore).toBe(false);
  });

  it('gives the default output object when nothing changes the verdicts', () => {
    const p = parsePolicy("rules:\n  - match: '{}'\n    seasonality: none\n", 'p.yaml');
    expect(resolveSeries(p, { metric: 'x' }).output).toBe(DEFAULT_OUTPUT_POLICY);
  });

  it('collects the matching maintenance windows', () => {
    const db1 = resolveSeries(POLICY, { metric: 'cpu', host: 'db-1' });
    const web = resolveSeries(POLICY, { metric: 'cpu', host: 'web-1' });
    expect(db1.maintenance).toHaveLength(2);
    expect(web.maintenance).toHaveLength(1);
    const t = Date.parse('2026-12-01T02:30:00Z');
    expect(inMaintenance(db1, t)).toBe(true);
    expect(inMaintenance(web, t)).toBe(false);
    expect(inMaintenance(web, Date.parse('2026-12-05T03:10:00Z'))).toBe(true);
  });

  it('rebuilds a model only when seasonality or time zone change', () => {
    const a = resolveSeries(POLICY, { metric: 'cpu', host: 'db-1' });
    const b = resolveSeries(POLICY, { metric: 'cpu', host: 'db-2' });
    const c = resolveSeries(POLICY, { metric: 'cpu', host: 'web-1' });
    expect(modelChanged(a, b)).toBe(true);
    expect(modelChanged(c, NO_POLICY)).toBe(false);
  });
});
