/**
 * Node export conditions: `yaml` maps its browser condition to an ES module build.
 * @jest-environment-options {"customExportConditions": ["node", "require", "default"]}
 */
import fs from 'fs';
import path from 'path';
import { parse } from 'yaml';
import { SEVERITY_THRESHOLDS } from './severity';
import { defaultOverlayOptions } from './panels/overlay/types';
import { severityOf } from './pages/logic/events';

const REPO = path.resolve(__dirname, '../..');
const read = (file: string) => fs.readFileSync(path.join(REPO, file), 'utf8');

/** The thresholds the detector grades events with (read as text: the plugin builds on its own). */
function backendThresholds(): { major: number; critical: number } {
  const text = read('backend-detector/src/events/severity.ts');
  const number = (name: string) => {
    const m = new RegExp(`^\\s*${name}:\\s*([0-9.]+),`, 'm').exec(text);
    if (!m) {
      throw new Error(`no ${name} threshold in backend-detector/src/events/severity.ts`);
    }
    return Number(m[1]);
  };
  return { major: number('major'), critical: number('critical') };
}

/** The thresholds inside the provisioned alert rules' templated `severity` labels. */
function alertRuleThresholds(): { major: number; critical: number } {
  const doc = parse(read('provisioning/alerting/rules.yaml'));
  const templates: string[] = doc.groups.flatMap((g: { rules: Array<{ labels?: { severity?: string } }> }) =>
    g.rules.map((r) => r.labels?.severity).filter((s): s is string => typeof s === 'string' && s.includes('$$values'))
  );
  expect(templates.length).toBeGreaterThan(0);
  const found = templates.map((t) => {
    const critical = /ge \$\$values\.B\.Value ([0-9.]+) ?\}\}critical/.exec(t);
    const major = /ge \$\$values\.B\.Value ([0-9.]+) ?\}\}major/.exec(t);
    if (!critical || !major) {
      throw new Error(`alert rule severity label not understood: ${t}`);
    }
    return { major: Number(major[1]), critical: Number(critical[1]) };
  });
  for (const f of found) {
    expect(f).toEqual(found[0]);
  }
  return found[0];
}

describe('severity thresholds have one source', () => {
  it('the plugin mirrors the detector', () => {
    expect(SEVERITY_THRESHOLDS).toEqual(backendThresholds());
  });

  it('the provisioned alert rule labels severity with the same thresholds', () => {
    expect(alertRuleThresholds()).toEqual(backendThresholds());
  });

  it('the panel defaults, the provisioned overview panel and the app pages use them', () => {
    const { major, critical } = backendThresholds();
    expect([defaultOverlayOptions.majorScore, defaultOverlayOptions.criticalScore]).toEqual([major, critical]);
    const overview = JSON.parse(read('provisioning/dashboards/anomalylens/overview.json'));
    const overlays = overview.panels.filter((p: { type: string }) => p.type === 'anomalylens-overlay-panel');
    expect(overlays.length).toBeGreaterThan(0);
    for (const p of overlays) {
      expect([p.options.majorScore ?? major, p.options.criticalScore ?? critical]).toEqual([major, critical]);
    }
    expect([major - 0.01, major, critical - 0.01, critical].map(severityOf)).toEqual([
      'minor',
      'major',
      'major',
      'critical',
    ]);
  });
});
