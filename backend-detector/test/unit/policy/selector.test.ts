import { matches, parseSelector, SelectorError } from '../../../src/policy/selector';

const m = (sel: string, labels: Record<string, string>) => matches(parseSelector(sel), labels);

describe('series selectors', () => {
  it('matches every series with {}', () => {
    expect(m('{}', {})).toBe(true);
    expect(m(' { } ', { metric: 'cpu', host: 'a' })).toBe(true);
  });

  it('applies =, !=, =~ and !~ with anchored regexes', () => {
    const labels = { metric: 'cpu_utilization', host: 'db-12' };
    expect(m('{metric="cpu_utilization", host=~"db-.*"}', labels)).toBe(true);
    expect(m('{host=~"db"}', labels)).toBe(false); // anchored: not a substring search
    expect(m('{host=~"db-1"}', labels)).toBe(false);
    expect(m('{host=~"db-1|db-12"}', labels)).toBe(true); // alternation stays inside the anchors
    expect(m('{host!~"web-.*"}', labels)).toBe(true);
    expect(m('{host!="db-12"}', labels)).toBe(false);
    expect(m("{host='db-12'}", labels)).toBe(true);
  });

  it('treats an absent label as the empty string', () => {
    expect(m('{region=""}', { metric: 'x' })).toBe(true);
    expect(m('{region!=""}', { metric: 'x' })).toBe(false);
    expect(m('{region=~".*"}', {})).toBe(true);
    expect(m('{region=~".+"}', {})).toBe(false);
  });

  it('reads a bare name in front of the braces as the metric', () => {
    expect(m('cpu{host="a"}', { metric: 'cpu', host: 'a' })).toBe(true);
    expect(m('cpu', { metric: 'mem' })).toBe(false);
  });

  it('unescapes quoted values', () => {
    expect(m('{path="a\\"b"}', { path: 'a"b' })).toBe(true);
  });

  it.each([
    ['', /empty selector/],
    ['{host}', /expected one of =, !=, =~, !~/],
    ['{host="a"', /expected a label name|expected ','/],
    ['{host=a}', /expected a quoted value/],
    ['{host=~"("}', /invalid regex/],
    ['{host="a"} x', /unexpected text/],
    ['{host="abc}', /unterminated string/],
  ])('refuses %j with the reason', (text, reason) => {
    expect(() => parseSelector(text)).toThrow(SelectorError);
    expect(() => parseSelector(text)).toThrow(reason);
  });
});
