import { decodeMessage } from '../../../src/ingest/decode';
import { wantsKafka } from '../../../src/cli/simulate-args';
import { CsvColumns } from '../../../src/csv/columns';
import { groundTruth, planFleet, rowMessages, type FleetOptions } from '../../../src/simulate/kafka-plan';

const opts: FleetOptions = {
  hosts: 3,
  metrics: ['cpu_utilization', 'request_rate'],
  length: 200,
  stepMs: 10_000,
  startMs: Date.UTC(2026, 10, 23),
  seed: 7,
  kinds: ['spike', 'level_shift'],
  anomaliesPerSeries: [1, 2],
  quietHosts: 1,
  labels: { run: 'r1' },
};

describe('simulate --to kafka plan', () => {
  it('builds hosts × metrics series, with quiet hosts free of anomalies', () => {
    const fleet = planFleet(opts);
    expect(fleet.map((f) => `${f.host}/${f.metric}`)).toEqual([
      'host-01/cpu_utilization',
      'host-01/request_rate',
      'host-02/cpu_utilization',
      'host-02/request_rate',
      'host-03/cpu_utilization',
      'host-03/request_rate',
    ]);
    for (const f of fleet) {
      expect(f.labels).toEqual({ run: 'r1', host: f.host });
      if (f.quiet) expect(f.series.anomalies).toEqual([]);
      else expect(f.series.anomalies.length).toBeGreaterThanOrEqual(1);
    }
    expect(fleet.filter((f) => f.quiet).map((f) => f.host)).toEqual(['host-03', 'host-03']);
  });

  it('is deterministic per seed', () => {
    expect(planFleet(opts)[0].series.values).toEqual(planFleet(opts)[0].series.values);
    expect(planFleet({ ...opts, seed: 8 })[0].series.values).not.toEqual(planFleet(opts)[0].series.values);
  });

  it('sends one native-format message per host per row, keyed by host, that the detector decodes', () => {
    const fleet = planFleet(opts);
    const msgs = rowMessages(fleet, 5);
    expect(msgs.map((m) => [m.key, m.points])).toEqual([
      ['host-01', 2],
      ['host-02', 2],
      ['host-03', 2],
    ]);
    const d = decodeMessage(Buffer.from(msgs[1].value), {
      format: 'auto',
      maxBytes: 1 << 20,
      messageTimestamp: 0,
    });
    if (d.format === 'collectd') throw new Error('wrong format');
    expect(d.points).toEqual([
      {
        metric: 'cpu_utilization',
        labels: { host: 'host-02', run: 'r1' },
        timestamp: opts.startMs + 50_000,
        value: fleet[2].series.values[5],
      },
      {
        metric: 'request_rate',
        labels: { host: 'host-02', run: 'r1' },
        timestamp: opts.startMs + 50_000,
        value: fleet[3].series.values[5],
      },
    ]);
  });

  it('writes the ground truth with times of every anomaly and its window', () => {
    const fleet = planFleet(opts);
    const truth = groundTruth(fleet, opts);
    expect(truth.series).toHaveLength(6);
    const a = fleet[0].series.anomalies[0];
    expect(truth.series[0].anomalies[0]).toEqual({
      kind: a.kind,
      startMs: opts.startMs + a.start * opts.stepMs,
      endMs: opts.startMs + a.end * opts.stepMs,
      windowStartMs: opts.startMs + a.window[0] * opts.stepMs,
      windowEndMs: opts.startMs + a.window[1] * opts.stepMs,
      magnitude: a.magnitude,
    });
  });

  it('rejects impossible fleets', () => {
    expect(() => planFleet({ ...opts, quietHosts: 4 })).toThrow(/quiet hosts/);
    expect(() => planFleet({ ...opts, metrics: [] })).toThrow(/metric/);
  });
});

describe('simulate --from <csv>', () => {
  it('reads NAB rows with optional metric and host columns', () => {
    const o = { metric: 'file', labels: { host: 'replay', run: 'x' } };
    const plain = CsvColumns.fromHeader('timestamp,value');
    expect(plain.point('2014-02-14 14:30:00,1.5', 2, o)).toEqual({
      ts: Date.UTC(2014, 1, 14, 14, 30),
      metric: 'file',
      value: 1.5,
      labels: { host: 'replay', run: 'x' },
    });
    const rich = CsvColumns.fromHeader('host,timestamp,metric,value');
    expect(rich.point('web-1,2014-02-14 14:30:00,cpu,3', 2, o)).toMatchObject({
      metric: 'cpu',
      labels: { host: 'web-1', run: 'x' },
    });
    expect(() => plain.point('2014-02-14 14:30:00,abc', 7, o)).toThrow(/line 7: bad value/);
    expect(() => CsvColumns.fromHeader('time,val')).toThrow(/expected columns 'timestamp,value'/);
  });

  it('recognizes Kafka command lines', () => {
    expect(wantsKafka(['--to', 'kafka'])).toBe(true);
    expect(wantsKafka(['--to=kafka'])).toBe(true);
    expect(wantsKafka(['--from', 'x.csv'])).toBe(true);
    expect(wantsKafka(['--to', 'file', '--output', 'kafka'])).toBe(false);
  });
});
