import type { SeriesDetector } from '../../../src/model/types';
import { encodeDetectorState } from '../../../src/model/state-codec';
import { streamingDetectorFactory } from '../../../src/pipeline/detector-codec';
import { OffsetTracker } from '../../../src/pipeline/offsets';
import { Processor, type RawMessage } from '../../../src/pipeline/processor';
import { RecordingSink } from '../../support/recording-sink';
import { parsePolicy } from '../../../src/policy/parse';
import { PolicySnapshot } from '../../../src/policy/snapshot';
import { generateSeries, STEP_MS, START } from '../../support/policy-series';

let offset = 0;
const msg = (metric: string, host: string, ts: number, value: number): RawMessage => ({
  topic: 'metrics',
  partition: 0,
  offset: String(offset++),
  key: null,
  value: Buffer.from(JSON.stringify({ ts, metric, value, labels: { host } })),
  timestamp: ts,
});

function setup(policyText: string | null) {
  let snapshot = new PolicySnapshot(
    policyText === null ? 0 : 1,
    policyText === null ? null : parsePolicy(policyText, 'p.yaml')
  );
  const sink = new RecordingSink();
  const unscored: string[] = [];
  const created: string[] = [];
  const factory = streamingDetectorFactory();
  const proc = new Processor(
    sink,
    {
      createDetector: (key, model) => {
        created.push(`${key.split('\u0000')[0]} ${model?.seasonality ?? 'daily'}`);
        return factory(key, model);
      },
      policy: () => snapshot,
      maxMessageBytes: 10_000,
      maxSeries: 100,
      shards: 1,
    },
    { pointUnscored: (r) => unscored.push(r) }
  );
  const tracker = new OffsetTracker();
  const ticket = tracker.open('metrics', 0, '1000000');
  const setPolicy = (text: string) =>
    (snapshot = new PolicySnapshot(snapshot.version + 1, parsePolicy(text, 'p.yaml')));
  return { sink, proc, ticket, tracker, unscored, created, setPolicy };
}

/** The detector the processor holds for a series (through its checkpoint view). */
function detectorOf(proc: Processor, metric: string): SeriesDetector {
  proc.markDirty('metrics', 0);
  let found: SeriesDetector | undefined;
  let last: SeriesDetector | undefined;
  const codec = { encode: (d: SeriesDetector) => ((last = d), new Uint8Array()), forestBytes: () => 0 };
  for (const cp of proc.takeCheckpoints('metrics', 0, () => '0', codec))
    if (cp.metric === metric) found = last;
  if (!found) throw new Error(`no series ${metric}`);
  return found;
}

const series = generateSeries(1500, [{ at: 1300, delta: 400, length: 20 }]);
const windowStart = START + 1300 * STEP_MS;
const windowEnd = START + 1320 * STEP_MS;
const MAINTENANCE = `maintenance:\n  - match: '{host="db-1"}'\n    start: '${new Date(windowStart).toISOString()}'\n    end: '${new Date(windowEnd).toISOString()}'\n`;

describe('Processor with a detection policy', () => {
  it('writes anomalylens_maintenance instead of a score inside a window, and learns nothing there', () => {
    const { sink, proc, ticket, tracker, unscored } = setup(MAINTENANCE);
    let before: Buffer | undefined;
    for (const [i, p] of series.entries()) {
      if (i === 1300) before = encodeDetectorState(detectorOf(proc, 'cpu'));
      if (i === 1320) expect(Buffer.compare(encodeDetectorState(detectorOf(proc, 'cpu')), before!)).toBe(0);
      proc.process(msg('cpu', 'db-1', p.ts, p.value), 'auto', ticket);
    }
    expect(unscored).toEqual(new Array(20).fill('maintenance'));
    const inWindow = sink.samples.filter((s) => s.ts >= windowStart && s.ts < windowEnd);
    const names = new Set(inWindow.map((s) => s.name));
    expect(names.has('anomalylens_score')).toBe(false);
    expect(inWindow.filter((s) => s.name === 'anomalylens_maintenance').every((s) => s.value === 1)).toBe(
      true
    );
    expect(inWindow.filter((s) => s.name === 'anomalylens_anomalous').every((s) => s.value === 0)).toBe(true);
    expect(inWindow.filter((s) => s.name === 'anomalylens_observed')).toHaveLength(20);
    expect(sink.samples.find((s) => s.name === 'anomalylens_maintenance')!.labels).toEqual({
      __name__: 'anomalylens_maintenance',
      host: 'db-1',
      metric: 'cpu',
    });
    // One 0 at the first point after the window ends the shading; none elsewhere.
    const zeros = sink.samples.filter((s) => s.name === 'anomalylens_maintenance' && s.value === 0);
    expect(zeros.map((s) => s.ts)).toEqual([windowEnd]);
    // Every sample was announced to the ticket: acknowledging them all makes it committable.
    ticket.seal();
    for (const s of sink.samples) s.ticket.ack(1);
    expect(tracker.takeCommittable()).toHaveLength(1);
  });

  it('writes nothing for an ignored series and keeps no model for it', () => {
    const { sink, proc, ticket, unscored } = setup(
      `rules:\n  - match: '{metric=~"debug_.*"}'\n    ignore: true\n`
    );
    for (const p of series.slice(0, 50)) {
      proc.process(msg('debug_calls', 'a', p.ts, p.value), 'auto', ticket);
      proc.process(msg('cpu', 'a', p.ts, p.value), 'auto', ticket);
    }
    expect(sink.samples.some((s) => s.labels.metric === 'debug_calls')).toBe(false);
    expect(sink.samples.filter((s) => s.labels.metric === 'cpu').length).toBeGreaterThan(0);
    expect(proc.activeSeries).toBe(1);
    expect(unscored).toHaveLength(50);
  });

  it('keeps a model across a reload, rebuilds it on a seasonality change, drops it when ignored', () => {
    const { proc, ticket, created, setPolicy } = setup("rules:\n  - match: '{}'\n    threshold: 1\n");
    const feed = (from: number, to: number) => {
      for (const p of series.slice(from, to)) {
        proc.process(msg('cpu', 'a', p.ts, p.value), 'auto', ticket);
        proc.process(msg('mem', 'a', p.ts, p.value), 'auto', ticket);
      }
    };
    feed(0, 100);
    const cpu = detectorOf(proc, 'cpu');
    const state = encodeDetectorState(cpu);
    setPolicy(
      "rules:\n  - match: '{}'\n    threshold: 2\n  - match: '{metric=\"mem\"}'\n    seasonality: weekly\n"
    );
    // The reload itself touches nothing; the next point brings each series to the new policy.
    expect(Buffer.compare(encodeDetectorState(detectorOf(proc, 'cpu')), state)).toBe(0);
    feed(100, 101);
    expect(detectorOf(proc, 'cpu')).toBe(cpu);
    expect(created).toEqual(['cpu daily', 'mem daily', 'mem weekly']);
    setPolicy(
      'rules:\n  - match: \'{metric="cpu"}\'\n    ignore: true\n  - match: \'{metric="mem"}\'\n    seasonality: weekly\n'
    );
    feed(101, 102);
    expect(proc.activeSeries).toBe(1);
    expect(() => detectorOf(proc, 'cpu')).toThrow('no series cpu');
  });

  it('judges a whole batch by the policy it started with', () => {
    const { sink, proc, ticket, setPolicy } = setup(null);
    const old = proc.policy;
    setPolicy(`rules:\n  - match: '{}'\n    ignore: true\n`);
    // A batch that took the old snapshot keeps scoring; the next batch sees the new policy.
    proc.process(msg('cpu', 'a', START, 1), 'auto', ticket, old);
    expect(sink.samples.length).toBeGreaterThan(0);
    const n = sink.samples.length;
    proc.process(msg('cpu', 'a', START + STEP_MS, 1), 'auto', ticket);
    expect(sink.samples.length).toBe(n);
  });
});
