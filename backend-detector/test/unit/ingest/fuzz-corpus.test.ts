import { decodeMessage } from '../../../src/ingest/decode';
import { DEFAULT_INGEST_LIMITS } from '../../../src/ingest/limits';
import { InvalidMessageError } from '../../../src/ingest/types';
import { FuzzCorpus } from '../../support/fuzz-corpus';

/**
 * The hostile corpus of the fault suite's fuzz test, decoded in-process: each message must
 * decode, or fail with exactly the reason the corpus expects. Fast (no services), and a
 * different seed on every run; the end-to-end test adds Kafka, the sink and Prometheus.
 */
const SEED = Number(process.env.ANOMALYLENS_FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));

test(`every corpus message decodes or is refused with its expected reason (seed ${SEED})`, () => {
  const now = Date.now();
  const corpus = new FuzzCorpus({
    seed: SEED,
    now,
    maxMessageBytes: 256 * 1024,
    warmupTicks: 5,
    ticks: 100,
    badPerTick: 20,
    explosionMessages: 5,
    explosionBatch: 10,
  });
  const wrong: string[] = [];
  for (const m of [...corpus.warmup, ...corpus.hostile]) {
    let got: string | undefined;
    try {
      decodeMessage(m.value, {
        format: m.topic === 'influx' ? 'influx' : 'auto',
        maxBytes: 256 * 1024,
        messageTimestamp: m.timestamp ?? now,
        limits: DEFAULT_INGEST_LIMITS,
        now,
      });
    } catch (e) {
      if (!(e instanceof InvalidMessageError)) throw e;
      got = `${e.reason}: ${e.message}`;
    }
    if ((got?.split(':')[0] ?? undefined) !== m.reason)
      wrong.push(`#${m.id} ${m.kind} on ${m.topic}: expected ${m.reason ?? 'valid'}, got ${got ?? 'valid'}`);
  }
  expect(wrong.slice(0, 20)).toEqual([]);
  expect(corpus.bad.length).toBeGreaterThan(1000);
});
