/**
 * The header of a NAB-style CSV (`timestamp,value`, optionally `metric` and `host`): which
 * column holds what. `replay` and `simulate --from` both read their files through it.
 */
import { parseTimestamp, parseValue, splitCsv } from './read';

/** Column indexes; -1 for an optional column the file does not have. */
export interface CsvHeader {
  timestamp: number;
  value: number;
  metric: number;
  host: number;
}

/**
 * The columns named by a header line (case-insensitive, a UTF-8 byte-order mark ignored);
 * undefined unless it names both `timestamp` and `value`.
 */
export function parseCsvHeader(line: string): CsvHeader | undefined {
  const names = splitCsv(line.charCodeAt(0) === 0xfeff ? line.slice(1) : line).map((c) =>
    c.trim().toLowerCase()
  );
  const timestamp = names.indexOf('timestamp');
  const value = names.indexOf('value');
  if (timestamp < 0 || value < 0) return undefined;
  return { timestamp, value, metric: names.indexOf('metric'), host: names.indexOf('host') };
}

export const CSV_HEADER_EXPECTED = "expected columns 'timestamp,value'";

export interface CsvReplayOptions {
  /** Metric name when the file has no `metric` column. */
  metric: string;
  /** Labels on every point; a `host` column overrides `host`. */
  labels: Record<string, string>;
}

export interface CsvPoint {
  ts: number;
  metric: string;
  value: number;
  labels: Record<string, string>;
}

/** `simulate --from <csv>`: rows as native-format points, without I/O. */
export class CsvColumns {
  private constructor(private readonly cols: CsvHeader) {}

  static fromHeader(line: string): CsvColumns {
    const cols = parseCsvHeader(line);
    if (!cols) throw new Error(`CSV header: ${CSV_HEADER_EXPECTED}, got '${line}'`);
    return new CsvColumns(cols);
  }

  /** One data row → a point; throws naming the line on a bad cell. */
  point(line: string, lineNo: number, o: CsvReplayOptions): CsvPoint {
    const { timestamp, value: valueCol, metric: metricCol, host } = this.cols;
    const cells = splitCsv(line);
    const ts = parseTimestamp(cells[timestamp] ?? '');
    if (Number.isNaN(ts)) throw new Error(`line ${lineNo}: bad timestamp '${cells[timestamp] ?? ''}'`);
    const value = parseValue(cells[valueCol] ?? '');
    if (Number.isNaN(value)) throw new Error(`line ${lineNo}: bad value '${cells[valueCol] ?? ''}'`);
    const metric = metricCol >= 0 && cells[metricCol] ? cells[metricCol].trim() : o.metric;
    const labels = host >= 0 && cells[host] ? { ...o.labels, host: cells[host].trim() } : o.labels;
    return { ts, metric, value, labels };
  }
}
