/**
 * The remote-write sink's CPU per sample at the e2e budget's shape (10,000 series × 6
 * output series, one sample per output series per point, 5,000-sample requests): queueing,
 * grouping, WriteRequest encoding and snappy, with the HTTP round trip left out. Peer in the
 * same run: protobufjs encoding the same requests (plus the same snappy).
 */
import { compressSync } from 'snappy';
import { encodeWriteRequest, labelSetRecords, type LabelSetRecord } from '../src/sink/encode';
import { outputLabelSets } from '../src/sink/output-series';
import { decodeWriteRequest, encodeWithProtobufjs, type TimeSeries } from '../src/sink/proto';
import { RemoteWriteSink } from '../src/sink/sink';
import { Bench, fmt, table } from './harness';

const SERIES = 10_000;
const ROWS = 12;
const SHARDS = 4;
const BATCH = 5000;

/** Each series' six output label sets, encoded once as the processor does. */
function labelSets(): LabelSetRecord[][] {
  return Array.from({ length: SERIES }, (_, i) =>
    labelSetRecords(
      outputLabelSets(`metric_${i % 6}`, {
        bench: 'sink-bench',
        host: `host-${String(Math.floor(i / 6)).padStart(4, '0')}`,
      })
    )
  );
}

/**
 * The first requests as TimeSeries, each series with its original label-set object (so the
 * encoders' label-bytes cache applies to them as it does in the sink).
 */
function asTimeSeries(raw: Buffer[], sets: LabelSetRecord[][]): TimeSeries[][] {
  const byKey = new Map(sets.flat().map(({ labels }) => [JSON.stringify(labels), labels]));
  return raw.map((r) =>
    decodeWriteRequest(r).timeseries.map((t) => ({
      labels: byKey.get(JSON.stringify(t.labels))!,
      samples: t.samples.map(({ value, timestamp }) => ({ value, timestamp })),
    }))
  );
}

/** Samples/s through RemoteWriteSink.add → batch → encode → snappy; also returns the requests' series. */
async function throughSink(
  sets: LabelSetRecord[][]
): Promise<{ perSecond: number; requests: TimeSeries[][]; bytes: number }> {
  const raw: Buffer[] = [];
  let bytes = 0;
  const sink = new RemoteWriteSink(
    {
      writeEncoded: (request) => {
        bytes += compressSync(request).length;
        // The sink reuses the request's memory once the write settles: keep a copy.
        if (raw.length < 40) raw.push(Buffer.from(request));
        return Promise.resolve({ status: 204, body: '' });
      },
    },
    {
      shards: SHARDS,
      batchSamples: BATCH,
      flushMs: 1000,
      maxPendingSamples: 1e9,
      backoff: { initialMs: 1, maxMs: 1 },
    }
  );
  const ticket = { ack: () => undefined };
  const t0 = process.hrtime.bigint();
  let samples = 0;
  for (let row = 0; row < ROWS; row++) {
    const ts = 1_795_000_000_000 + row * 10_000;
    for (let i = 0; i < SERIES; i++) {
      const out = sets[i];
      for (let k = 0; k < 6; k++) sink.add(i % SHARDS, out[k], k === 2 ? 0 : i + row / 7, ts, ticket);
      samples += 6;
    }
    // Let finished requests free their shard, as the event loop does between Kafka batches.
    await new Promise((r) => setImmediate(r));
  }
  await sink.flush(60_000);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return { perSecond: samples / seconds, requests: asTimeSeries(raw, sets), bytes };
}

function protobufjsPeer(requests: TimeSeries[][]): number {
  const samples = requests.reduce((n, r) => n + r.reduce((m, t) => m + t.samples.length, 0), 0);
  const t0 = process.hrtime.bigint();
  for (const r of requests) compressSync(Buffer.from(encodeWithProtobufjs(r)));
  return samples / (Number(process.hrtime.bigint() - t0) / 1e9);
}

function encodeOnly(requests: TimeSeries[][]): number {
  const samples = requests.reduce((n, r) => n + r.reduce((m, t) => m + t.samples.length, 0), 0);
  const t0 = process.hrtime.bigint();
  for (const r of requests) compressSync(encodeWriteRequest(r));
  return samples / (Number(process.hrtime.bigint() - t0) / 1e9);
}

export const sinkBench: Bench = {
  name: 'sink',
  description: `remote-write sink CPU per sample at ${SERIES.toLocaleString('en-US')} series × 6 outputs, ${BATCH}-sample requests (no HTTP) vs protobufjs`,
  async run() {
    const sets = labelSets();
    await throughSink(sets); // warm the JIT and the label-bytes cache
    const best = { sink: 0, encode: 0, peer: 0, bytes: 0 };
    for (let i = 0; i < 3; i++) {
      const s = await throughSink(sets);
      best.sink = Math.max(best.sink, s.perSecond);
      best.bytes = s.bytes;
      best.encode = Math.max(best.encode, encodeOnly(s.requests));
      best.peer = Math.max(best.peer, protobufjsPeer(s.requests));
    }
    const rows: (string | number)[][] = [
      [
        'sink: add → batch → encode (grouped) → snappy',
        fmt(best.sink / 1e6, 2),
        fmt(best.sink / best.peer, 2),
      ],
      ['encode → snappy of the same requests', fmt(best.encode / 1e6, 2), fmt(best.encode / best.peer, 2)],
      ['peer: protobufjs encode → snappy', fmt(best.peer / 1e6, 2), '1.00'],
    ];
    table(['path (best of 3)', 'M samples/s', 'vs peer'], rows);
    const perSample = best.bytes / (SERIES * 6 * ROWS);
    process.stdout.write(`compressed request bytes per sample: ${fmt(perSample, 1)}\n`);
  },
};
