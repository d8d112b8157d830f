import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import pino from 'pino';
import { Registry } from 'prom-client';
import { PolicyError } from '../../../src/policy/parse';
import { PolicyRuntime } from '../../../src/policy/runtime';
import { watchPolicy } from '../../../src/policy/watch';

let dir: string;
beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'al-policy-'))));
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const GOOD =
  "rules:\n  - match: '{}'\n    threshold: 1.5\n  - match: '{host=\"db-1\"}'\n    name: db\n    direction: up\n";
const silent = pino({ level: 'silent' });

async function metric(registry: Registry, name: string): Promise<string[]> {
  const text = await registry.metrics();
  return text.split('\n').filter((l) => l.startsWith(`anomalylens_detector_${name}`));
}

describe('the service policy', () => {
  it('fails at start with file, line, field and reason', () => {
    const file = path.join(dir, 'policy.yaml');
    fs.writeFileSync(file, "rules:\n  - match: '{}'\n    direction: upward\n");
    expect(() => new PolicyRuntime(file, new Registry(), silent)).toThrow(PolicyError);
    expect(() => new PolicyRuntime(file, new Registry(), silent)).toThrow(
      `${file}:3: rules[0].direction: must be one of up, down, both (got "upward")`
    );
  });

  it('applies a valid reload atomically and refuses an invalid one, keeping the old policy', async () => {
    const file = path.join(dir, 'policy.yaml');
    fs.writeFileSync(file, GOOD);
    const registry = new Registry();
    let now = 1_000_000;
    const rt = new PolicyRuntime(file, registry, silent, () => now);
    const first = rt.snapshot;
    expect(first.version).toBe(1);
    expect(rt.hash).toMatch(/^[0-9a-f]{12}$/);
    expect(await metric(registry, 'policy_rules')).toContain('anomalylens_detector_policy_rules 2');
    expect(await metric(registry, 'policy_info')).toContain(
      `anomalylens_detector_policy_info{hash="${rt.hash}"} 1`
    );

    now += 5000;
    expect(rt.reload('change')).toBe(true); // same bytes: same snapshot
    expect(rt.snapshot).toBe(first);

    fs.writeFileSync(file, "rules:\n  - match: '{}'\n    direction: sideways\n");
    now += 5000;
    expect(rt.reload('SIGHUP')).toBe(false);
    expect(rt.snapshot).toBe(first);
    const status = rt.status();
    expect(status.lastReload).toEqual({
      at: new Date(now).toISOString(),
      result: 'failure',
      error: `${file}:3: rules[0].direction: must be one of up, down, both (got "sideways")`,
    });
    expect(status.rules).toHaveLength(2);
    expect(await metric(registry, 'policy_last_reload_success')).toContain(
      'anomalylens_detector_policy_last_reload_success 0'
    );
    expect(await metric(registry, 'policy_reloads_total')).toEqual(
      expect.arrayContaining([
        'anomalylens_detector_policy_reloads_total{result="success"} 1',
        'anomalylens_detector_policy_reloads_total{result="failure"} 1',
      ])
    );

    const oldHash = rt.hash;
    fs.writeFileSync(
      file,
      "rules:\n  - match: '{}'\n    threshold: 3\nmaintenance:\n  - match: '{}'\n    schedule: '0 3 * * *'\n    duration: 30m\n"
    );
    expect(rt.reload('change')).toBe(true);
    expect(rt.snapshot.version).toBe(2);
    expect(rt.hash).not.toBe(oldHash);
    const info = await metric(registry, 'policy_info');
    expect(info).toEqual([`anomalylens_detector_policy_info{hash="${rt.hash}"} 1`]); // the old hash is gone
    expect(rt.status()).toMatchObject({
      path: file,
      hash: rt.hash,
      rules: [{ index: 0, line: 2, match: '{}', settings: { threshold: 3 } }],
      maintenance: [
        { index: 0, match: '{}', window: { schedule: '0 3 * * *', duration: '30m', timezone: 'UTC' } },
      ],
      lastReload: { result: 'success', error: null },
    });
    expect(await metric(registry, 'policy_last_reload_timestamp_seconds')).toContain(
      `anomalylens_detector_policy_last_reload_timestamp_seconds ${now / 1000}`
    );
  });
});

describe('policy file watch', () => {
  const until = async (cond: () => boolean) => {
    for (let i = 0; i < 100 && !cond(); i++) await new Promise((r) => setTimeout(r, 20));
  };

  it('reloads once per burst of changes, also when the file is replaced by a rename', async () => {
    const file = path.join(dir, 'policy.yaml');
    fs.writeFileSync(file, GOOD);
    const triggers: string[] = [];
    const w = watchPolicy(file, (t) => triggers.push(t), silent, 50);
    try {
      fs.writeFileSync(file, GOOD + '# 1\n');
      fs.writeFileSync(file, GOOD + '# 2\n');
      await until(() => triggers.length > 0);
      await new Promise((r) => setTimeout(r, 150));
      expect(triggers).toEqual(['change']);
      // An editor's save: write a temporary file, rename it over the policy.
      const tmp = path.join(dir, '.policy.yaml.swp');
      fs.writeFileSync(tmp, GOOD + '# 3\n');
      fs.renameSync(tmp, file);
      await until(() => triggers.length > 1);
      expect(triggers).toEqual(['change', 'change']);
      process.emit('SIGHUP', 'SIGHUP');
      expect(triggers).toEqual(['change', 'change', 'SIGHUP']);
    } finally {
      w.close();
    }
    expect(process.listenerCount('SIGHUP')).toBe(0);
  });
});
