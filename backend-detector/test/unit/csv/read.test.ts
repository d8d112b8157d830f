import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseCsvHeader } from '../../../src/csv/columns';
import { parseTimestamp, parseValue, readLines, splitCsv } from '../../../src/csv/read';

describe('parseTimestamp', () => {
  it('reads NAB timestamps as UTC', () => {
    expect(parseTimestamp('2014-02-14 14:30:00')).toBe(Date.UTC(2014, 1, 14, 14, 30, 0));
    expect(parseTimestamp('2014-02-14 14:30')).toBe(Date.UTC(2014, 1, 14, 14, 30, 0));
    expect(parseTimestamp('2014-02-14 14:30:05.25')).toBe(Date.UTC(2014, 1, 14, 14, 30, 5, 250));
  });

  it('reads ISO-8601 with a zone and epoch seconds or milliseconds', () => {
    expect(parseTimestamp('2026-11-24T10:00:00+01:00')).toBe(Date.UTC(2026, 10, 24, 9));
    expect(parseTimestamp('1795514700')).toBe(1795514700000);
    expect(parseTimestamp('1795514700000')).toBe(1795514700000);
  });

  it('rejects anything else', () => {
    for (const bad of ['', 'yesterday', '2014-13-01 00:00:00', '2014-02-14 25:00:00', '14/02/2014 14:30']) {
      expect(parseTimestamp(bad)).toBeNaN();
    }
  });
});

describe('parseValue', () => {
  it('accepts finite decimals only', () => {
    expect(parseValue(' 42.5 ')).toBe(42.5);
    expect(parseValue('-1e3')).toBe(-1000);
    for (const bad of ['', ' ', 'abc', 'NaN', 'Infinity', '1,5']) expect(parseValue(bad)).toBeNaN();
  });
});

describe('splitCsv', () => {
  it('splits plain and quoted fields', () => {
    expect(splitCsv('a,b,,c')).toEqual(['a', 'b', '', 'c']);
    expect(splitCsv('"x, y",2,"say ""hi"""')).toEqual(['x, y', '2', 'say "hi"']);
  });
});

describe('readLines', () => {
  it('numbers lines, strips CRLF and keeps a last line without newline', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'al-lines-'));
    try {
      const file = path.join(dir, 'f.csv');
      // Long enough to cross the reader's 64 KiB chunks.
      const body = Array.from({ length: 20000 }, (_, i) => `row${i}`).join('\r\n');
      fs.writeFileSync(file, body);
      const lines: [string, number][] = [];
      for await (const l of readLines(file)) lines.push(l);
      expect(lines).toHaveLength(20000);
      expect(lines[0]).toEqual(['row0', 1]);
      expect(lines[12345]).toEqual(['row12345', 12346]);
      expect(lines[19999]).toEqual(['row19999', 20000]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('parseCsvHeader', () => {
  it('finds the columns by name, in any order and case, past a byte-order mark', () => {
    expect(parseCsvHeader('\ufeffValue,host,TIMESTAMP')).toEqual({
      timestamp: 2,
      value: 0,
      metric: -1,
      host: 1,
    });
    expect(parseCsvHeader('timestamp,value,metric')).toEqual({ timestamp: 0, value: 1, metric: 2, host: -1 });
  });

  it('refuses a header without timestamp and value', () => {
    expect(parseCsvHeader('2014-04-01 00:00:00,1')).toBeUndefined();
    expect(parseCsvHeader('timestamp,metric')).toBeUndefined();
  });
});
