import { cleanLabels } from './labels';
import { parseNanoseconds } from './timestamps';
import { InvalidMessageError, type MetricPoint } from './types';

/**
 * InfluxDB line protocol as Telegraf's `data_format = "influx"` writes it, one or more
 * lines per message. Each numeric field becomes the series `<measurement>_<field>`, tags
 * become labels. Integers (`i`), unsigned (`u`) and floats are values, booleans are 0/1;
 * string fields carry no number and are skipped. Hand-written: the npm parsers for line
 * protocol are either unmaintained or part of InfluxDB clients that only serialize.
 */
export function decodeInflux(text: string, defaultTimestamp: number): MetricPoint[] {
  const out: MetricPoint[] = [];
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n].replace(/\r$/, '');
    if (line.trim() === '' || line.trimStart().startsWith('#')) continue;
    try {
      parseLine(line, defaultTimestamp, out);
    } catch (e) {
      if (e instanceof InvalidMessageError) {
        throw new InvalidMessageError(e.reason, `line ${n + 1}: ${e.message}`);
      }
      throw e;
    }
  }
  if (out.length === 0 && !lines.some((l) => l.trim() !== '' && !l.trimStart().startsWith('#'))) {
    throw new InvalidMessageError('empty', 'no lines');
  }
  return out;
}

/** Does the text look like line protocol (for auto-detection)? `measurement[,tags] field=` */
export function looksLikeInflux(text: string): boolean {
  // Comment lines (`# ...`) are valid line protocol: judge by the first data line.
  let start = 0;
  for (;;) {
    while (start < text.length && /\s/.test(text[start])) start++;
    if (text[start] !== '#') break;
    const eol = text.indexOf('\n', start);
    if (eol < 0) return false;
    start = eol + 1;
  }
  LINE_START.lastIndex = start;
  return LINE_START.test(text);
}

/** `measurement[,tags] field=`, matched from lastIndex (sticky). */
const LINE_START = /[^\s,#="][^\s]*\s+[^\s=]+=/y;

function fail(detail: string): never {
  throw new InvalidMessageError('invalid_line_protocol', detail);
}

class Cursor {
  pos = 0;
  constructor(readonly s: string) {}
  get done(): boolean {
    return this.pos >= this.s.length;
  }
  peek(): string {
    return this.s[this.pos];
  }
  /** Read an escaped token until one of `stops` (unescaped). */
  token(stops: string, escapable: string): string {
    let out = '';
    while (this.pos < this.s.length) {
      const c = this.s[this.pos];
      if (c === '\\' && this.pos + 1 < this.s.length && escapable.includes(this.s[this.pos + 1])) {
        out += this.s[this.pos + 1];
        this.pos += 2;
        continue;
      }
      if (stops.includes(c)) break;
      out += c;
      this.pos++;
    }
    return out;
  }
  expect(c: string, what: string): void {
    if (this.s[this.pos] !== c) fail(`expected ${what} at column ${this.pos + 1}`);
    this.pos++;
  }
}

function parseLine(line: string, defaultTimestamp: number, out: MetricPoint[]): void {
  const c = new Cursor(line);
  const measurement = c.token(', ', ', \\');
  if (measurement === '') fail('missing measurement');
  // Null prototype: a tag named `__proto__` must be a tag, not a prototype change.
  const tags: Record<string, string> = Object.create(null) as Record<string, string>;
  while (c.peek() === ',') {
    c.pos++;
    const key = c.token('=, ', ',= \\');
    c.expect('=', `'=' after tag key '${key}'`);
    const value = c.token(', ', ',= \\');
    if (key === '' || value === '') fail(`empty tag key or value near column ${c.pos}`);
    if (key in tags) throw new InvalidMessageError('duplicate_label', `tag '${key}' is given twice`);
    tags[key] = value;
  }
  c.expect(' ', 'a space before the fields');
  const fields: Array<[string, number | null]> = [];
  for (;;) {
    const key = c.token('= ,', ',= \\');
    if (key === '') fail(`empty field key at column ${c.pos + 1}`);
    c.expect('=', `'=' after field key '${key}'`);
    fields.push([key, parseFieldValue(c, key)]);
    if (c.peek() === ',') {
      c.pos++;
      continue;
    }
    break;
  }
  let timestamp = defaultTimestamp;
  if (!c.done) {
    c.expect(' ', 'a space before the timestamp');
    const rest = line.slice(c.pos).trim();
    if (rest !== '') timestamp = parseNanoseconds(rest);
  }
  const labels = cleanLabels(tags);
  for (const [field, value] of fields) {
    if (value === null) continue;
    out.push({ metric: `${measurement}_${field}`, labels, timestamp, value });
  }
}

// Unambiguous on purpose: `\d+\.?\d*` lets the engine split a digit run two ways and
// backtracks quadratically on a long invalid value (1 MB of digits took over an hour).
const FLOAT = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const TRUE = new Set(['t', 'T', 'true', 'True', 'TRUE']);
const FALSE = new Set(['f', 'F', 'false', 'False', 'FALSE']);

/** A field value, or null for a string field. */
function parseFieldValue(c: Cursor, key: string): number | null {
  if (c.peek() === '"') {
    c.pos++;
    while (!c.done && c.peek() !== '"') c.pos += c.peek() === '\\' ? 2 : 1;
    if (c.done) fail(`unterminated string in field '${key}'`);
    c.pos++;
    return null;
  }
  const start = c.pos;
  while (!c.done && c.peek() !== ',' && c.peek() !== ' ') c.pos++;
  const raw = c.s.slice(start, c.pos);
  if (TRUE.has(raw)) return 1;
  if (FALSE.has(raw)) return 0;
  let num: number;
  if (/^[+-]?\d+i$/.test(raw)) num = Number(raw.slice(0, -1));
  else if (/^\d+u$/.test(raw)) num = Number(raw.slice(0, -1));
  else if (FLOAT.test(raw)) num = Number(raw);
  else fail(`field '${key}' has an invalid value '${raw.slice(0, 64)}'`);
  if (!Number.isFinite(num)) throw new InvalidMessageError('non_finite', `field '${key}' is not finite`);
  return num;
}
