import { metricSum, until } from '../support/detector-process';
import { groupProgress } from '../support/fault-checks';
import { expectNothingLost, FaultStack } from '../support/fault-stack';

jest.setTimeout(240_000);

const ROWS = 600;
const stack = new FaultStack('kill-9');
afterAll(() => stack.down());

test('kill -9 under load, then restart: every point scored, re-sent samples identical, values equal an uninterrupted run', async () => {
  await stack.up({ hosts: 8, rows: ROWS, partitions: 4 }, { tap: true });
  const first = await stack.startDetector('detector-1');
  const driver = await stack.startLoad(40);

  // Crash mid-stream: series past warm-up, a few checkpoints committed, more load to come.
  await driver.reached(ROWS * 0.4, 90_000);
  await until(
    'a committed checkpoint',
    async () => ((await first.metric('anomalylens_detector_checkpoints_total')) >= 2 ? true : undefined),
    30_000
  );
  const scoredBeforeKill = await first.metric('anomalylens_detector_points_scored_total');
  const rejectedBeforeKill = await first.metric('anomalylens_detector_sink_samples_rejected_total');
  const killedAtRow = driver.rowsSent;
  const killedAt = Date.now();
  await first.stop('SIGKILL');
  const committedAtKill = (await groupProgress(stack.client, stack.group, stack.topic)).committed;

  const second = await stack.startDetector('detector-2');
  const resumedAt = await until(
    'the restarted detector to score',
    async () =>
      (await second.metric('anomalylens_detector_points_scored_total')) > 0 ? Date.now() : undefined,
    60_000,
    100
  );
  await stack.allCommitted(120_000);

  const m = await second.metrics();
  const metric = (name: string, ...labels: string[]) => metricSum(m, name, ...labels);
  const restored = metric('anomalylens_detector_states_restored_total', 'result="restored"');
  const incompatible = metric('anomalylens_detector_states_restored_total', 'result="incompatible"');
  const scoredAfter = metric('anomalylens_detector_points_scored_total');
  const result = await stack.verify();
  stack.summary(
    `${stack.load.points} points produced (${stack.load.seriesCount} series x ${ROWS}); killed at row ${killedAtRow} ` +
      `after ${scoredBeforeKill} scored (${committedAtKill} messages committed); restart to first score ${resumedAt - killedAt} ms; ` +
      `restored ${restored} states (${incompatible} incompatible); re-scored ${scoredBeforeKill + scoredAfter - stack.load.points} points; ` +
      `score samples per series ${[...new Set(result.scoreCounts.values())].join(',')}; Prometheus 400s ${result.prometheus400}` +
      `; remote write saw ${stack.tap!.stats.samples} samples, ${stack.tap!.stats.identicalResends} of them identical re-sends, ${stack.tap!.stats.conflicts} conflicting`
  );

  // What users see first (every sample, identical), then how the detector got there.
  expectNothingLost(
    stack,
    result,
    rejectedBeforeKill + metric('anomalylens_detector_sink_samples_rejected_total')
  );
  expect(killedAtRow).toBeLessThan(ROWS); // the crash really was under load
  expect(restored).toBeGreaterThanOrEqual(stack.load.seriesCount);
  expect(incompatible).toBe(0);
  stack.passed = true;
});
