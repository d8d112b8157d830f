import { parsePolicy, PolicyError } from '../../../src/policy/parse';
import { FixedWindow, ScheduledWindow } from '../../../src/policy/schedule';

const EXAMPLE = `rules:                                  # every matching rule applies, in file order
  - match: '{}'
    threshold: 1.0
  - match: '{metric="cpu_utilization", host=~"db-.*"}'
    name: database CPU
    direction: up
    minDeviation: 5
    minRelativeDeviation: 0.2
    seasonality: auto
    timezone: Europe/Berlin
  - match: '{metric=~"debug_.*"}'
    ignore: true
maintenance:
  - match: '{host="db-1"}'
    start: '2026-12-01T02:00:00Z'
    end: '2026-12-01T04:00:00Z'
  - match: '{}'
    schedule: '0 3 * * *'
    duration: 30m
`;

/** The PolicyError a text raises (fails the test if it parses). */
function errorOf(text: string): PolicyError {
  try {
    parsePolicy(text, 'policy.yaml');
  } catch (e) {
    if (e instanceof PolicyError) return e;
    throw e;
  }
  throw new Error('parsed without error');
}

describe('policy file parsing', () => {
  it('reads every field of the documented example', () => {
    const p = parsePolicy(EXAMPLE, 'policy.yaml');
    expect(p.rules).toHaveLength(3);
    expect(p.rules[1]).toMatchObject({
      index: 1,
      line: 4,
      name: 'database CPU',
      direction: 'up',
      minDeviation: 5,
      minRelativeDeviation: 0.2,
      seasonality: 'auto',
      timezone: 'Europe/Berlin',
    });
    expect(p.rules[2]!.ignore).toBe(true);
    expect(p.maintenance[0]!.window).toBeInstanceOf(FixedWindow);
    expect((p.maintenance[0]!.window as FixedWindow).start).toBe(Date.parse('2026-12-01T02:00:00Z'));
    const sched = p.maintenance[1]!.window as ScheduledWindow;
    expect(sched).toBeInstanceOf(ScheduledWindow);
    expect(sched.durationMs).toBe(30 * 60_000);
    expect(p.maintenance[1]!.timezone).toBe('UTC');
  });

  it('takes an empty file or empty lists as no rules', () => {
    expect(parsePolicy('', 'p.yaml')).toEqual({ rules: [], maintenance: [] });
    expect(parsePolicy('# nothing yet\nrules:\nmaintenance:\n', 'p.yaml')).toEqual({
      rules: [],
      maintenance: [],
    });
  });

  it('names file, line, field and reason', () => {
    const e = errorOf(EXAMPLE.replace('direction: up', 'direction: upward'));
    expect(e.message).toBe('policy.yaml:6: rules[1].direction: must be one of up, down, both (got "upward")');
    expect([e.file, e.line, e.field]).toEqual(['policy.yaml', 6, 'rules[1].direction']);
  });

  it.each([
    ['rules:\n  - match: "{}"\n    threshold: 0\n', 3, 'rules[0].threshold', /above 0/],
    ['rules:\n  - match: "{}"\n    threshold: high\n', 3, 'rules[0].threshold', /got "high"/],
    ['rules:\n  - threshold: 2\n', 2, 'rules[0].match', /missing/],
    ['rules:\n  - match: "{host=}"\n', 2, 'rules[0].match', /expected a quoted value/],
    ['rules:\n  - match: "{}"\n    treshold: 2\n', 3, 'rules[0].treshold', /unknown field/],
    [
      'rules:\n  - match: "{}"\n    seasonality: monthly\n',
      3,
      'rules[0].seasonality',
      /auto, daily, weekly, none/,
    ],
    ['rules:\n  - match: "{}"\n    timezone: Mars/Olympus\n', 3, 'rules[0].timezone', /unknown time zone/],
    ['rules:\n  - match: "{}"\n    minDeviation: -1\n', 3, 'rules[0].minDeviation', /≥ 0/],
    ['rules:\n  - match: "{}"\n    ignore: yes\n', 3, 'rules[0].ignore', /true or false/],
    ['rules:\n  - match: "{}"\n    direction:\n', 3, 'rules[0].direction', /no value/],
    ['rules: {}\n', 1, 'rules', /must be a list/],
    ['rules:\n  - match: {}\n', 2, 'rules[0].match', /quoted selector/],
    ['colour: red\n', 1, 'colour', /unknown field/],
    ['maintenance:\n  - match: "{}"\n    start: 2026-12-01T02:00:00Z\n', 2, 'maintenance[0].end', /missing/],
    [
      'maintenance:\n  - match: "{}"\n    start: 2026-12-01T02:00:00\n    end: 2026-12-01T03:00:00Z\n',
      3,
      'maintenance[0].start',
      /with a zone/,
    ],
    [
      'maintenance:\n  - match: "{}"\n    start: 2026-12-01T04:00:00Z\n    end: 2026-12-01T03:00:00Z\n',
      4,
      'maintenance[0].end',
      /after start/,
    ],
    [
      'maintenance:\n  - match: "{}"\n    schedule: "0 3 * *"\n    duration: 30m\n',
      3,
      'maintenance[0].schedule',
      /cron/,
    ],
    [
      'maintenance:\n  - match: "{}"\n    schedule: "0 3 * * *"\n    duration: half an hour\n',
      4,
      'maintenance[0].duration',
      /duration/,
    ],
    ['maintenance:\n  - match: "{}"\n    schedule: "0 3 * * *"\n', 2, 'maintenance[0].duration', /missing/],
    [
      'maintenance:\n  - match: "{}"\n    schedule: "0 3 * * *"\n    duration: 1h\n    timezone: Nowhere/Else\n',
      5,
      'maintenance[0].timezone',
      /unknown time zone/,
    ],
  ])('refuses %j at line %i, field %s', (text, line, field, reason) => {
    const e = errorOf(text);
    expect(e.line).toBe(line);
    expect(e.field).toBe(field);
    expect(e.reason).toMatch(reason);
    expect(e.message.startsWith(`policy.yaml:${line}: ${field}: `)).toBe(true);
  });

  it('reports YAML syntax errors with their line', () => {
    const e = errorOf('rules:\n  - match: "{}"\n    threshold: [1,\n');
    expect(e.line).toBeGreaterThanOrEqual(3);
    expect(e.message).toMatch(/^policy\.yaml:\d+: /);
  });

  it('refuses a key given twice', () => {
    expect(errorOf('rules:\n  - match: "{}"\n    threshold: 1\n    threshold: 2\n').line).toBe(4);
  });
});
