/**
 * Prometheus series selectors (`{metric="cpu", host=~"db-.*"}`, or `cpu{host="db-1"}`)
 * matched against a series' labels, with Prometheus' semantics: `=`, `!=`, `=~`, `!~`;
 * regexes fully anchored; an absent label is the empty string. The series' name lives in
 * the `metric` label (the detector's output series carry it there), so a bare name in front
 * of the braces means `metric="<name>"`.
 */

export type MatchOp = '=' | '!=' | '=~' | '!~';

export interface LabelMatcher {
  name: string;
  op: MatchOp;
  value: string;
  /** The anchored regex of `=~` / `!~`. */
  regex?: RegExp;
}

export interface Selector {
  /** The text as written (for /api/status and messages). */
  source: string;
  matchers: LabelMatcher[];
}

/** A selector that cannot be parsed; `message` says where and why. */
export class SelectorError extends Error {}

const NAME = /[a-zA-Z_][a-zA-Z0-9_]*/y;
const METRIC_NAME = /[a-zA-Z_:][a-zA-Z0-9_:]*/y;
const SPACE = /\s*/y;
const OP = /=~|!~|!=|=/y;

export function parseSelector(text: string): Selector {
  let pos = 0;
  const fail = (why: string): never => {
    throw new SelectorError(`${why} at column ${pos + 1} of selector ${JSON.stringify(text)}`);
  };
  const skip = (): void => {
    SPACE.lastIndex = pos;
    SPACE.exec(text);
    pos = SPACE.lastIndex;
  };
  const token = (re: RegExp): string | null => {
    re.lastIndex = pos;
    const m = re.exec(text);
    if (!m) return null;
    pos = re.lastIndex;
    return m[0];
  };
  const matchers: LabelMatcher[] = [];
  skip();
  const metric = token(METRIC_NAME);
  if (metric !== null) matchers.push({ name: 'metric', op: '=', value: metric });
  skip();
  if (pos < text.length) {
    if (text[pos] !== '{') fail("expected '{'");
    pos++;
    skip();
    while (text[pos] !== '}') {
      const name = token(NAME) ?? fail('expected a label name');
      skip();
      const op = (token(OP) as MatchOp | null) ?? fail('expected one of =, !=, =~, !~');
      skip();
      const value = readString();
      matchers.push(compile(name, op, value));
      skip();
      if (text[pos] === ',') {
        pos++;
        skip();
      } else if (text[pos] !== '}') fail("expected ',' or '}'");
    }
    pos++;
    skip();
    if (pos < text.length) fail('unexpected text after the selector');
  } else if (metric === null) {
    fail('empty selector (use {} to match every series)');
  }
  return { source: text, matchers };

  function readString(): string {
    const quote = text[pos];
    if (quote !== '"' && quote !== "'" && quote !== '`') return fail('expected a quoted value');
    const start = pos;
    pos++;
    let out = '';
    while (pos < text.length && text[pos] !== quote) {
      if (text[pos] === '\\' && quote !== '`') {
        const c = text[pos + 1];
        out += c === 'n' ? '\n' : c === 't' ? '\t' : (c ?? '');
        pos += 2;
      } else out += text[pos++];
    }
    if (pos >= text.length) {
      pos = start;
      fail('unterminated string');
    }
    pos++;
    return out;
  }

  function compile(name: string, op: MatchOp, value: string): LabelMatcher {
    if (op === '=' || op === '!=') return { name, op, value };
    try {
      return { name, op, value, regex: new RegExp(`^(?:${value})$`, 'u') };
    } catch (e) {
      return fail(`invalid regex ${JSON.stringify(value)} (${(e as Error).message})`);
    }
  }
}

export function matches(selector: Selector, labels: Readonly<Record<string, string>>): boolean {
  for (const m of selector.matchers) {
    const v = labels[m.name] ?? '';
    switch (m.op) {
      case '=':
        if (v !== m.value) return false;
        break;
      case '!=':
        if (v === m.value) return false;
        break;
      case '=~':
        if (!m.regex!.test(v)) return false;
        break;
      case '!~':
        if (m.regex!.test(v)) return false;
        break;
    }
  }
  return true;
}
