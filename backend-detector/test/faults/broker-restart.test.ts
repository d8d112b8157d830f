import { metricSum, until } from '../support/detector-process';
import { expectNothingLost, FaultStack } from '../support/fault-stack';

jest.setTimeout(300_000);

const ROWS = 800;
const stack = new FaultStack('broker-restart');
afterAll(() => stack.down());

test('the broker restarts under load (SIGTERM, then SIGKILL): the detector reconnects and resumes by itself, nothing lost', async () => {
  await stack.up({ hosts: 8, rows: ROWS, partitions: 4 }, { tap: true });
  const detector = await stack.startDetector('detector');
  const pid = detector.pid;
  const driver = await stack.startLoad(25);
  const scored = () => detector.metric('anomalylens_detector_points_scored_total');

  const restarts: string[] = [];
  const rowsAtRestart: number[] = [];
  for (const [signal, atRow] of [
    ['SIGTERM', ROWS * 0.25],
    ['SIGKILL', ROWS * 0.55],
  ] as const) {
    await driver.reached(atRow, 120_000);
    rowsAtRestart.push(driver.rowsSent);
    const t0 = Date.now();
    await stack.kafka.restart(signal);
    const brokerBackAt = Date.now();
    const before = await scored();
    // Resumed = scoring points it had not scored before the restart.
    const resumedAt = await until(
      `the detector to resume after the ${signal} broker restart`,
      async () => ((await scored()) > before ? Date.now() : undefined),
      90_000,
      100
    );
    restarts.push(
      `${signal} at row ${Math.round(atRow)}: broker down+up ${brokerBackAt - t0} ms, detector scoring again ${resumedAt - brokerBackAt} ms after`
    );
  }
  await stack.allCommitted(120_000);

  const m = await detector.metrics();
  const result = await stack.verify();
  stack.summary(
    `${stack.load.points} points produced (${stack.load.seriesCount} series x ${ROWS}); ${restarts.join('; ')}; ` +
      `load sends retried ${driver.sendRetries} times; ` +
      `${metricSum(m, 'anomalylens_detector_points_scored_total') - stack.load.points} points re-delivered and re-scored, ` +
      `${metricSum(m, 'anomalylens_detector_points_dropped_total', 'reason="out_of_order"')} skipped as already scored; ` +
      `Prometheus 400s ${result.prometheus400}` +
      `; remote write saw ${stack.tap!.stats.samples} samples, ${stack.tap!.stats.identicalResends} of them identical re-sends, ${stack.tap!.stats.conflicts} conflicting`
  );

  expect(Math.max(...rowsAtRestart)).toBeLessThan(ROWS); // both restarts came under load
  // The same process did it all: it neither exited nor needed a restart.
  expect(detector.running).toBe(true);
  expect(detector.pid).toBe(pid);
  expect(await detector.readyStatus()).toBe(200);
  expectNothingLost(stack, result, metricSum(m, 'anomalylens_detector_sink_samples_rejected_total'));
  stack.passed = true;
});
