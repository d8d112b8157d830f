/**
 * The checks every fault test ends with: the group committed every message, Prometheus holds
 * exactly the samples an uninterrupted detector writes (no point missing, none extra, every
 * value identical), and nobody rejected a remote write.
 */
import type { Kafka } from 'kafkajs';
import { OUTPUT_NAMES } from '../../src/sink/output-series';
import { FaultLoad, type OutputName } from './fault-load';
import { parseMetrics, metricSum } from './detector-process';

/** Per partition: committed offset of the group and the high watermark. */
export async function groupProgress(
  kafka: Kafka,
  groupId: string,
  topic: string
): Promise<{ committed: number; end: number; perPartition: Array<{ committed: number; end: number }> }> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [[offsets], highs] = await Promise.all([
      admin.fetchOffsets({ groupId, topics: [topic] }),
      admin.fetchTopicOffsets(topic),
    ]);
    const perPartition = highs
      .sort((a, b) => a.partition - b.partition)
      .map((h) => {
        const c = offsets.partitions.find((p) => p.partition === h.partition)?.offset ?? '-1';
        return { committed: Math.max(0, Number(c)), end: Number(h.high) };
      });
    return {
      committed: perPartition.reduce((n, p) => n + p.committed, 0),
      end: perPartition.reduce((n, p) => n + p.end, 0),
      perPartition,
    };
  } finally {
    await admin.disconnect();
  }
}

/** Requests Prometheus answered 400 on /api/v1/write since it started (its own counter). */
export async function prometheusWrite400s(promUrl: string): Promise<number> {
  const text = await (await fetch(`${promUrl}/metrics`)).text();
  return metricSum(
    parseMetrics(text),
    'prometheus_http_requests_total',
    'handler="/api/v1/write"',
    'code="400"'
  );
}

interface PromMatrix {
  metric: Record<string, string>;
  values: Array<[number, string]>;
}

/** Every raw sample of the run's output series, per input series and output name. */
export async function storedSamples(
  promUrl: string,
  load: FaultLoad
): Promise<Map<string, Map<OutputName, Array<[number, number]>>>> {
  const spanS = Math.ceil((Date.now() - load.startMs) / 1000) + 60;
  const names = OUTPUT_NAMES.join('|');
  const params = new URLSearchParams({
    query: `{__name__=~"${names}",run="${load.o.run}"}[${spanS}s]`,
    time: String(Date.now() / 1000),
  });
  const res = await fetch(`${promUrl}/api/v1/query?${params}`);
  const body = (await res.json()) as { status: string; error?: string; data: { result: PromMatrix[] } };
  if (body.status !== 'success') throw new Error(`Prometheus query failed: ${body.error ?? res.status}`);
  const out = new Map<string, Map<OutputName, Array<[number, number]>>>();
  for (const s of body.data.result) {
    const id = FaultLoad.seriesId(s.metric.host, s.metric.metric);
    let perName = out.get(id);
    if (!perName) out.set(id, (perName = new Map()));
    perName.set(
      s.metric.__name__ as OutputName,
      s.values.map(([t, v]) => [Math.round(t * 1000), Number(v)])
    );
  }
  return out;
}

export interface Comparison {
  /** Samples the reference has and Prometheus lacks, per output name. */
  missing: Record<string, number>;
  /** Samples Prometheus has at timestamps the reference has none. */
  extra: Record<string, number>;
  /** Same timestamp, different value. */
  differing: Record<string, number>;
  /** Up to 10 examples of each problem, for the failure message. */
  examples: string[];
}

/**
 * Prometheus against the reference, sample by sample. Only series in `only` (ids from
 * FaultLoad.seriesId) and samples at or after `fromMs` are compared when given.
 */
export function compareWithReference(
  reference: Map<string, Map<OutputName, Array<[number, number]>>>,
  stored: Map<string, Map<OutputName, Array<[number, number]>>>,
  opts: { only?: Set<string>; fromMs?: number } = {}
): Comparison {
  const zero = () => Object.fromEntries(OUTPUT_NAMES.map((n) => [n, 0])) as Record<string, number>;
  const c: Comparison = { missing: zero(), extra: zero(), differing: zero(), examples: [] };
  const note = (s: string) => {
    if (c.examples.length < 10) c.examples.push(s);
  };
  const from = opts.fromMs ?? -Infinity;
  for (const [id, perName] of reference) {
    if (opts.only && !opts.only.has(id)) continue;
    for (const name of OUTPUT_NAMES) {
      const want = new Map((perName.get(name) ?? []).filter(([t]) => t >= from));
      const got = new Map((stored.get(id)?.get(name) ?? []).filter(([t]) => t >= from));
      for (const [t, v] of want) {
        const g = got.get(t);
        if (g === undefined) {
          c.missing[name]++;
          note(`${name}{${id}} @${t}: missing (want ${v})`);
        } else if (!Object.is(g, v)) {
          c.differing[name]++;
          note(`${name}{${id}} @${t}: ${g} != reference ${v}`);
        }
      }
      for (const [t, g] of got) {
        if (!want.has(t)) {
          c.extra[name]++;
          note(`${name}{${id}} @${t}: unexpected sample ${g}`);
        }
      }
    }
  }
  return c;
}

export function comparisonClean(c: Comparison): boolean {
  const sum = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);
  return sum(c.missing) + sum(c.extra) + sum(c.differing) === 0;
}

/** Count of raw `anomalylens_score` samples per input series. */
export function scoreCounts(
  stored: Map<string, Map<OutputName, Array<[number, number]>>>
): Map<string, number> {
  return new Map([...stored].map(([id, m]) => [id, m.get('anomalylens_score')?.length ?? 0]));
}
