import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { run } from '../../../src/cli/replay';
import { FLEET_STEP, fleetAlarms, NIGHTLY_POLICY, nightlyFleet } from '../../support/nightly-fleet';

jest.setTimeout(120_000);

/**
 * The worked example of docs/policy.md: ten hosts with a nightly batch job at 03:00 and
 * injected anomalies at other times, replayed without and with a maintenance schedule.
 */
describe('a nightly batch job on a fleet', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'al-fleet-'));
    for (const h of nightlyFleet()) {
      const file = path.join(dir, 'in', h.host, 'cpu_utilization.csv');
      fs.mkdirSync(path.dirname(file), { recursive: true });
      const lines = h.rows.map((r) => `${new Date(r.ts).toISOString()},${r.value.toFixed(3)}`);
      fs.writeFileSync(file, ['timestamp,value', ...lines].join('\n') + '\n');
    }
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** Alarms (event openings) in the job's hour, and injected anomalies flagged within 5 rows. */
  async function measure(policy?: string) {
    const out = path.join(dir, policy ? 'with' : 'without');
    const args = ['--input', path.join(dir, 'in'), '--output', out];
    if (policy) {
      fs.writeFileSync(path.join(dir, 'policy.yaml'), policy);
      args.push('--policy', path.join(dir, 'policy.yaml'));
    }
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    expect(await run(args)).toBe(0);
    stderr.mockRestore();
    return fleetAlarms(nightlyFleet(), (h) =>
      fs
        .readFileSync(path.join(out, h.host, 'cpu_utilization.csv'), 'utf8')
        .trimEnd()
        .split('\n')
        .slice(1)
        .map((l) => l.split(',')[3] === '1')
    );
  }

  it('a maintenance schedule removes every nightly alarm and keeps the injected anomalies', async () => {
    const before = await measure();
    const after = await measure(NIGHTLY_POLICY);
    process.stdout.write(
      `nightly fleet (10 hosts × 14 days, 5-min points, job 03:00–03:20, ${before.injected} injected anomalies, step ${FLEET_STEP / 60_000} min):\n` +
        `  without policy: nightly alarms ${before.nightly}, recall ${before.recall.toFixed(2)} (${before.found}/${before.injected}), other alarms ${before.other}\n` +
        `  with schedule:  nightly alarms ${after.nightly}, recall ${after.recall.toFixed(2)} (${after.found}/${after.injected}), other alarms ${after.other}\n`
    );
    expect(before.nightly).toBeGreaterThanOrEqual(10); // the job does page without a policy
    expect(after.nightly).toBe(0);
    expect(after.recall).toBeGreaterThanOrEqual(before.recall);
    expect(after.recall).toBeGreaterThanOrEqual(0.9);
  });
});
