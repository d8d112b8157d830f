/**
 * `npm run bench`: runs every registered benchmark in turn. Each prints its figures next
 * to a peer or ceiling measured in the same run, with the ratio, so results stay
 * comparable across machines. To add one, write `<name>.bench.ts` exporting a
 * `Bench` and list it below (one line). `npm run bench -- <name>` runs only matching ones.
 */
import { benchEndToEnd, formatE2e } from './e2e';
import { benchBudget, formatBudget } from './e2e-budget';
import { Bench } from './harness';
import { iforestBench } from './iforest.bench';
import { replayBench } from './replay.bench';
import { sinkBench } from './sink.bench';

const e2eBench: Bench = {
  name: 'e2e',
  description: 'Kafka → detector → Prometheus (needs `npm run services:up`; skips otherwise)',
  run: async () => void process.stdout.write(formatE2e(await benchEndToEnd()) + '\n'),
};

const budgetBench: Bench = {
  name: 'e2e-budget',
  description:
    'the end-to-end budget at 10,000 series: sustained points/s, p50/p99 latency at 20,000 points/s, RSS per series, beside the raw kafkajs ceiling (needs `npm run services:up`; ~5 min)',
  run: async () => void process.stdout.write(formatBudget(await benchBudget()) + '\n'),
};

const BENCHES: Bench[] = [iforestBench, replayBench, sinkBench, e2eBench, budgetBench];

async function main(): Promise<void> {
  const filter = process.argv.slice(2);
  const chosen = BENCHES.filter((b) => filter.length === 0 || filter.some((f) => b.name.includes(f)));
  if (chosen.length === 0) {
    // The root `npm run bench -- <name>` passes the filter to every workspace; another's bench may match it.
    process.stdout.write(
      `backend benches skipped: none matches ${filter.join(', ')} (have ${BENCHES.map((b) => b.name).join(', ')})\n`
    );
    return;
  }
  for (const bench of chosen) {
    process.stdout.write(`\n== ${bench.name}: ${bench.description}\n`);
    await bench.run();
  }
}

main().catch((err) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
