/**
 * `simulate --from <csv>`: rows of a NAB-style CSV (timestamp,value[,metric][,host]) as
 * native-format points, without I/O. Columns are found by header name.
 */
import { parseTimestamp, parseValue, splitCsv } from '../cli/csvLines';

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

export class CsvColumns {
  private constructor(
    private readonly ts: number,
    private readonly value: number,
    private readonly metric: number,
    private readonly host: number
  ) {}

  static fromHeader(line: string): CsvColumns {
    const names = splitCsv(line).map((c) => c.trim().toLowerCase());
    const ts = names.indexOf('timestamp');
    const value = names.indexOf('value');
    if (ts < 0 || value < 0)
      throw new Error(`CSV header must name timestamp and value columns, got '${line}'`);
    return new CsvColumns(ts, value, names.indexOf('metric'), names.indexOf('host'));
  }

  /** One data row → a point; throws naming the line on a bad cell. */
  point(line: string, lineNo: number, o: CsvReplayOptions): CsvPoint {
    const cells = splitCsv(line);
    const ts = parseTimestamp(cells[this.ts] ?? '');
    if (Number.isNaN(ts)) throw new Error(`line ${lineNo}: bad timestamp '${cells[this.ts] ?? ''}'`);
    const value = parseValue(cells[this.value] ?? '');
    if (Number.isNaN(value)) throw new Error(`line ${lineNo}: bad value '${cells[this.value] ?? ''}'`);
    const metric = this.metric >= 0 && cells[this.metric] ? cells[this.metric].trim() : o.metric;
    const labels =
      this.host >= 0 && cells[this.host] ? { ...o.labels, host: cells[this.host].trim() } : o.labels;
    return { ts, metric, value, labels };
  }
}
