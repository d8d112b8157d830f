/**
 * Both Prometheus configs (the compose stack's and the local test service's) are checked
 * by Prometheus's own validator, promtool, which rejects unknown or misplaced fields.
 * scripts/services/install.sh installs it (Debian's prometheus package).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { repoPath } from '../../support/deploy-files';

function promtool(file: string): { status: number | null; output: string } {
  const r = spawnSync('promtool', ['check', 'config', file], { encoding: 'utf8' });
  if (r.error) throw new Error(`promtool is needed (bash scripts/services/install.sh): ${r.error.message}`);
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

describe('Prometheus configuration', () => {
  it.each(['provisioning/prometheus/prometheus.yml', 'scripts/services/prometheus/prometheus.yml'])(
    '%s passes promtool check config',
    (file) => {
      const { status, output } = promtool(repoPath(file));
      expect({ status, output }).toEqual({ status: 0, output: expect.stringContaining('SUCCESS') });
    }
  );

  it('promtool rejects a misplaced out-of-order window', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'anomalylens-prom-'));
    try {
      const file = path.join(dir, 'prometheus.yml');
      fs.writeFileSync(file, 'global:\n  out_of_order_time_window: 30d\n');
      expect(promtool(file).status).not.toBe(0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
