import { metricSum, until, type DetectorProcess } from '../support/detector-process';
import { FaultLoad } from '../support/fault-load';
import { expectNothingLost, FaultStack, SESSION_TIMEOUT_MS } from '../support/fault-stack';

jest.setTimeout(240_000);

const ROWS = 600;
const PARTITIONS = 4;
const stack = new FaultStack('takeover');
afterAll(() => stack.down());

/** Partitions of the input topic in the member's latest "joined consumer group" log line. */
function assignment(d: DetectorProcess): number[] {
  const joins = d.logLines().filter((l) => l.msg === 'joined consumer group');
  const last = joins[joins.length - 1] as { assignment?: Record<string, number[]> } | undefined;
  return [...(last?.assignment?.[stack.topic] ?? [])].sort();
}

test('two detectors in one group, one killed: the survivor takes its partitions, restores their state and scores on without a warm-up gap', async () => {
  await stack.up({ hosts: 8, rows: ROWS, partitions: PARTITIONS }, { tap: true });
  const victim = await stack.startDetector('detector-a');
  const survivor = await stack.startDetector('detector-b');
  await until(
    'both members to share the partitions',
    () => {
      const a = assignment(victim);
      const b = assignment(survivor);
      return a.length > 0 &&
        b.length > 0 &&
        a.length + b.length === PARTITIONS &&
        a.every((p) => !b.includes(p))
        ? true
        : undefined;
    },
    60_000
  );
  const driver = await stack.startLoad(40);

  // Kill the member once its series are well past warm-up and checkpointed.
  await driver.reached(ROWS / 2, 90_000);
  await until(
    'the victim to commit a checkpoint',
    async () => ((await victim.metric('anomalylens_detector_checkpoints_total')) >= 2 ? true : undefined),
    30_000
  );
  const victimPartitions = assignment(victim);
  const rejectedByVictim = await victim.metric('anomalylens_detector_sink_samples_rejected_total');
  const killedAtRow = driver.rowsSent;
  const killedAt = Date.now();
  await victim.stop('SIGKILL');

  const tookOverAt = await until(
    'the survivor to own every partition',
    () => (assignment(survivor).length === PARTITIONS ? Date.now() : undefined),
    SESSION_TIMEOUT_MS * 5,
    100
  );
  await stack.allCommitted(120_000);

  const m = await survivor.metrics();
  const restored = metricSum(m, 'anomalylens_detector_states_restored_total', 'result="restored"');
  const incompatible = metricSum(m, 'anomalylens_detector_states_restored_total', 'result="incompatible"');
  const takenOver = new Set(
    stack.load.fleet
      .filter((f) => victimPartitions.includes(stack.load.partitionOf(f.host)))
      .map((f) => FaultLoad.seriesId(f.host, f.metric))
  );
  // Points from the kill on: the ones the survivor scored for the taken-over series.
  const fromMs = stack.load.startMs + killedAtRow * stack.load.stepMs;
  const reference = stack.load.reference();
  const expectedAfterKill = [...takenOver].reduce(
    (n, id) =>
      n +
      reference
        .get(id)!
        .get('anomalylens_expected')!
        .filter(([t]) => t >= fromMs).length,
    0
  );
  const result = await stack.verify();
  const afterTakeover = await stack.verify({ only: takenOver, fromMs });
  stack.summary(
    `${stack.load.points} points produced (${stack.load.seriesCount} series x ${ROWS}); member killed at row ${killedAtRow} ` +
      `owning partitions ${victimPartitions.join(',')} (${takenOver.size} series); survivor owned all partitions ` +
      `${tookOverAt - killedAt} ms later (session timeout ${SESSION_TIMEOUT_MS} ms); restored ${restored} states ` +
      `(${incompatible} incompatible); ${expectedAfterKill} expected-range samples after the kill, all present and identical` +
      `; remote write saw ${stack.tap!.stats.samples} samples, ${stack.tap!.stats.identicalResends} of them identical re-sends, ${stack.tap!.stats.conflicts} conflicting`
  );

  // What users see first (every sample, identical), then how the detector got there.
  expectNothingLost(
    stack,
    result,
    rejectedByVictim + metricSum(m, 'anomalylens_detector_sink_samples_rejected_total')
  );
  expect(killedAtRow).toBeLessThan(ROWS);
  expect(takenOver.size).toBeGreaterThan(0);
  expect(restored).toBeGreaterThanOrEqual(takenOver.size);
  expect(incompatible).toBe(0);
  // No warm-up gap: every taken-over point after the kill has its expected range.
  expect(expectedAfterKill).toBe(takenOver.size * (ROWS - killedAtRow));
  expect(afterTakeover.comparison.examples).toEqual([]);
  stack.passed = true;
});
