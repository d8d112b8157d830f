import type { DetectorOutput, SeriesDetector } from '../../../src/model/types';
import { OffsetTracker } from '../../../src/pipeline/offsets';
import { Processor, type RawMessage } from '../../../src/pipeline/processor';
import { RecordingSink } from '../../support/recording-sink';

/** Flags values above 100; warms up for one point (expected NaN) to exercise skipping. */
class ThresholdDetector implements SeriesDetector {
  private n = 0;
  fits = 0;
  update(timestamp: number, value: number): DetectorOutput {
    const warm = this.n++ === 0;
    const score = value / 100;
    return {
      timestamp,
      value,
      score,
      score01: Math.min(1, score),
      isAnomaly: score >= 1,
      expected: warm ? NaN : 50,
      lower: warm ? NaN : 0,
      upper: warm ? NaN : 100,
      warmingUp: warm,
    };
  }
  gap(timestamp: number): DetectorOutput {
    return { ...this.update(timestamp, 0), value: NaN, score: NaN, score01: NaN, isAnomaly: false };
  }
}

const T = Date.UTC(2026, 10, 24, 10);
const msg = (value: unknown, offset = '0', topic = 'metrics'): RawMessage => ({
  topic,
  partition: 0,
  offset,
  key: null,
  value: Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)),
  timestamp: T,
});

function setup(maxSeries = 10, collectdStoreRates = true) {
  const sink = new RecordingSink();
  const events: string[] = [];
  const proc = new Processor(
    sink,
    {
      createDetector: () => new ThresholdDetector(),
      maxMessageBytes: 10000,
      maxSeries,
      shards: 4,
      collectdStoreRates,
    },
    {
      anomalyOpened: (p) => events.push(`open ${p.metric} ${p.value}`),
      pointDropped: (r) => events.push(`drop ${r}`),
    }
  );
  const tracker = new OffsetTracker();
  return { sink, events, proc, tracker };
}

describe('Processor', () => {
  it('writes the six output series with input labels plus metric, skipping NaN expectations', () => {
    const { sink, proc, tracker } = setup();
    const ticket = tracker.open('metrics', 0, '1');
    proc.process(msg({ ts: T, metric: 'cpu', value: 10, labels: { host: 'a' } }), 'auto', ticket);
    proc.process(msg({ ts: T + 1000, metric: 'cpu', value: 20, labels: { host: 'a' } }), 'auto', ticket);
    expect(sink.samples.map((s) => [s.name, s.value, s.ts])).toEqual([
      ['anomalylens_observed', 10, T],
      ['anomalylens_score', 0.1, T],
      ['anomalylens_anomalous', 0, T],
      ['anomalylens_observed', 20, T + 1000],
      ['anomalylens_score', 0.2, T + 1000],
      ['anomalylens_anomalous', 0, T + 1000],
      ['anomalylens_expected', 50, T + 1000],
      ['anomalylens_expected_lower', 0, T + 1000],
      ['anomalylens_expected_upper', 100, T + 1000],
    ]);
    expect(sink.samples[0].labels).toEqual({ __name__: 'anomalylens_observed', host: 'a', metric: 'cpu' });
    // All samples of one series go to one shard so they stay ordered.
    expect(new Set(sink.samples.map((s) => s.shard)).size).toBe(1);
    // The ticket completes only when every sample is acknowledged.
    ticket.seal();
    for (const s of sink.samples.slice(0, 8)) s.ticket.ack(1);
    expect(tracker.takeCommittable()).toEqual([]);
    sink.samples[8].ticket.ack(1);
    expect(tracker.takeCommittable()).toEqual([{ topic: 'metrics', partition: 0, offset: '2' }]);
  });

  it('returns dead letters with reasons instead of throwing', () => {
    const { sink, proc, tracker } = setup();
    const t = tracker.open('metrics', 0, '0');
    expect(proc.process(msg('{"ts":'), 'auto', t)).toMatchObject({ reason: 'invalid_json' });
    expect(proc.process(msg({ ts: T, metric: 'm', value: 'x' }), 'auto', t)).toMatchObject({
      reason: 'wrong_type',
      detail: '.value must be a number, got string',
    });
    expect(sink.samples).toHaveLength(0);
  });

  it('opens an anomaly event once per excursion', () => {
    const { proc, tracker, events } = setup();
    const t = tracker.open('metrics', 0, '0');
    [50, 150, 160, 50, 170].forEach((v, i) =>
      proc.process(msg({ ts: T + i * 1000, metric: 'm', value: v }), 'native', t)
    );
    expect(events).toEqual(['open m 150', 'open m 170']);
  });

  it('drops repeated or older timestamps of a series (re-deliveries)', () => {
    const { sink, proc, tracker, events } = setup();
    const t = tracker.open('metrics', 0, '0');
    proc.process(msg({ ts: T, metric: 'm', value: 1 }), 'native', t);
    proc.process(msg({ ts: T, metric: 'm', value: 1 }), 'native', t);
    proc.process(msg({ ts: T - 1, metric: 'm', value: 1 }), 'native', t);
    expect(events).toEqual(['drop out_of_order', 'drop out_of_order']);
    expect(sink.samples.filter((s) => s.name === 'anomalylens_observed')).toHaveLength(1);
  });

  it('caps active series and frees idle ones', () => {
    const { proc, tracker, events } = setup(2);
    const t = tracker.open('metrics', 0, '0');
    for (const host of ['a', 'b', 'c'])
      proc.process(msg({ ts: T, metric: 'm', value: 1, labels: { host } }), 'native', t);
    expect(proc.activeSeries).toBe(2);
    expect(events).toEqual(['drop series_limit']);
    expect(proc.evictIdle(-1)).toBe(2);
    expect(proc.activeSeries).toBe(0);
  });

  it('rates raw collectd derive counters per series before scoring (StoreRates false)', () => {
    const { sink, proc, tracker, events } = setup(10, false);
    const t = tracker.open('collectd', 0, '0');
    const vl = (v: number, time: number) => [
      {
        values: [v],
        dstypes: ['derive'],
        dsnames: ['value'],
        time,
        interval: 10,
        host: 'h',
        plugin: 'cpu',
        plugin_instance: '0',
        type: 'cpu',
        type_instance: 'user',
      },
    ];
    proc.process(msg(vl(1000, 1795000000)), 'auto', t);
    proc.process(msg(vl(1500, 1795000010)), 'auto', t);
    expect(events).toEqual(['drop first_sample']);
    const observed = sink.samples.filter((s) => s.name === 'anomalylens_observed');
    expect(
      observed.map((s) => [
        s.labels.metric,
        s.labels.host,
        s.labels.plugin_instance,
        s.labels.type_instance,
        s.value,
      ])
    ).toEqual([['collectd_cpu', 'h', '0', 'user', 50]]);
  });
});

describe('Processor with a failing detector', () => {
  it('drops the point, reports it and restarts the series instead of throwing', () => {
    const sink = new RecordingSink();
    const failures: string[] = [];
    let created = 0;
    const proc = new Processor(
      sink,
      {
        createDetector: () => {
          created++;
          const d = new ThresholdDetector();
          if (created === 1)
            d.update = () => {
              throw new Error('boom');
            };
          return d;
        },
        maxMessageBytes: 10000,
        maxSeries: 10,
        shards: 1,
      },
      {
        detectorFailed: (_k, e) => failures.push((e as Error).message),
        pointDropped: (r) => failures.push(r),
      }
    );
    const t = new OffsetTracker().open('m', 0, '0');
    proc.process(msg({ ts: T, metric: 'm', value: 1 }), 'native', t);
    proc.process(msg({ ts: T + 1000, metric: 'm', value: 2 }), 'native', t);
    expect(failures).toEqual(['boom', 'detector_error']);
    expect(sink.samples.filter((s) => s.name === 'anomalylens_observed').map((s) => s.value)).toEqual([2]);
  });
});

describe('Processor output labels', () => {
  it('adds configured static labels to every output series, input labels first', () => {
    const sink = new RecordingSink();
    const proc = new Processor(sink, {
      createDetector: () => new ThresholdDetector(),
      maxMessageBytes: 10000,
      maxSeries: 10,
      shards: 1,
      outputLabels: { detector: 'eu-1', host: 'static' },
    });
    proc.process(
      msg({ ts: T, metric: 'm', value: 1, labels: { host: 'a' } }),
      'native',
      new OffsetTracker().open('m', 0, '0')
    );
    expect(sink.samples[0].labels).toEqual({
      __name__: 'anomalylens_observed',
      detector: 'eu-1',
      host: 'a',
      metric: 'm',
    });
  });
});

describe('Processor model-fit accounting', () => {
  it('reports the new fits of each detector', () => {
    class FittingDetector extends ThresholdDetector {
      override fits = 0;
      override update(timestamp: number, value: number) {
        if (value > 1) this.fits++;
        return super.update(timestamp, value);
      }
    }
    const fitted: number[] = [];
    const proc = new Processor(
      new RecordingSink(),
      { createDetector: () => new FittingDetector(), maxMessageBytes: 10000, maxSeries: 10, shards: 1 },
      { modelFitted: (n) => fitted.push(n) }
    );
    const t = new OffsetTracker().open('m', 0, '0');
    [1, 2, 1, 3].forEach((v, i) => proc.process(msg({ ts: T + i, metric: 'm', value: v }), 'native', t));
    expect(fitted).toEqual([1, 1]);
  });
});
