/**
 * Node export conditions: `yaml` maps its browser condition to an ES module build.
 * @jest-environment-options {"customExportConditions": ["node", "require", "default"]}
 */
import fs from 'fs';
import path from 'path';
import { parse } from 'yaml';
import appJson from '../plugin.json';
import panelJson from '../panels/overlay/plugin.json';
import { defaultOverlayOptions } from '../panels/overlay/types';
import { PLUGIN_BASE_URL, ROUTES } from '../constants';
import { DEFAULT_SETTINGS } from '../pages/settings';
import { ANOMALY_SCORE_THRESHOLD, DETECTOR_METRICS, OUTPUT_SERIES } from '../pages/metrics';
import { HEALTH_THRESHOLDS } from '../pages/logic/health';
import {
  Dashboard,
  DashboardContext,
  ProvisioningFile,
  checkAlertRules,
  checkApps,
  checkDashboardProviders,
  checkDashboards,
  checkDatasources,
  checkNotifications,
  panelIdsByDashboard,
} from './checks';
import { parsePromDuration } from './durations';
import { hostPath, loadDashboards, loadProvisioning } from './load';

const REPO = path.resolve(__dirname, '../../..');
const ROOT = path.join(REPO, 'provisioning');
const FOLDER = 'Anomaly Lens';
const DASHBOARD_UIDS = ['anomalylens-overview', 'anomalylens-stream-health'];

const provisioning = loadProvisioning(ROOT);
const dashboards = loadDashboards(provisioning);
const datasources = checkDatasources(provisioning.datasources);
const dashboardContext: DashboardContext = {
  datasourceUids: datasources.uids,
  pluginPanelTypes: new Set([panelJson.id]),
  panelOptionKeys: { [panelJson.id]: new Set(Object.keys(defaultOverlayOptions)) },
  appPaths: new Set(Object.values(ROUTES).map((route) => `${PLUGIN_BASE_URL}/${route}`)),
};
const ruleContext = { datasourceUids: datasources.uids, folder: FOLDER, panelIds: panelIdsByDashboard(dashboards) };
const rules = checkAlertRules(provisioning.alerting, ruleContext);

const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value));

describe('the repository provisioning', () => {
  it('provisions the Prometheus datasource with the contract uid', () => {
    expect(datasources.problems).toEqual([]);
    expect([...datasources.uids]).toEqual(['anomalylens-prometheus']);
    const ds = (provisioning.datasources[0].doc as { datasources: Array<Record<string, unknown>> }).datasources[0];
    expect(ds).toMatchObject({ type: 'prometheus', url: 'http://prometheus:9090', isDefault: true });
  });

  it('enables our app with settings it understands', () => {
    expect(provisioning.plugins.length).toBeGreaterThan(0);
    const problems = checkApps(provisioning.plugins, {
      appIds: new Set([appJson.id]),
      datasourceUids: datasources.uids,
      settingKeys: new Set(Object.keys(DEFAULT_SETTINGS)),
    });
    expect(problems).toEqual([]);
  });

  it('loads dashboards from a provider path inside the mounted directory', () => {
    expect(
      checkDashboardProviders(provisioning.dashboardProviders, (p) =>
        fs.existsSync(hostPath(ROOT, p) ?? '/nonexistent')
      )
    ).toEqual([]);
    expect(dashboards.map((d) => d.json.uid).sort()).toEqual(DASHBOARD_UIDS);
  });

  it('has dashboards that reference only provisioned datasources, known panels and our panel options', () => {
    expect(checkDashboards(dashboards, DASHBOARD_UIDS, dashboardContext)).toEqual([]);
  });

  it('shows the output series and maintenance in the overview overlay panel, with metric and host variables', () => {
    const overview = dashboards.find((d) => d.json.uid === 'anomalylens-overview')!.json as {
      panels: Array<{ type: string; targets: Array<{ expr: string }> }>;
      templating: { list: Array<{ name: string; definition: string }> };
    };
    const overlay = overview.panels.find((p) => p.type === panelJson.id)!;
    const queried = overlay.targets.map((t) => /^(\w+)/.exec(t.expr)![1]).sort();
    expect(queried).toEqual(Object.values(OUTPUT_SERIES).sort());
    for (const target of overlay.targets) {
      expect(target.expr).toContain('metric=~"$metric"');
      expect(target.expr).toContain('host=~"$host"');
    }
    // Remote write leaves no staleness marker: a maintenance sample would still answer for the
    // 5-minute lookback after the window. It counts only while no newer observed sample exists.
    const maintenance = overlay.targets.find((t) => t.expr.startsWith(OUTPUT_SERIES.maintenance))!;
    expect(maintenance.expr).toMatch(
      /^anomalylens_maintenance\{(.+)\} and \(timestamp\(anomalylens_maintenance\{\1\}\) >= timestamp\(anomalylens_observed\{\1\}\)\)$/
    );
    expect(overview.templating.list.map((v) => [v.name, v.definition])).toEqual([
      ['metric', 'label_values(anomalylens_score, metric)'],
      ['host', 'label_values(anomalylens_score{metric=~"$metric"}, host)'],
    ]);
    expect(JSON.stringify(overview)).toMatch(/topk\(10, max by \(metric, host\) \(max_over_time\(anomalylens_score/);
  });

  it('has valid alert rules in the Anomaly Lens folder', () => {
    expect(rules.problems).toEqual([]);
    expect(rules.rules.map((r) => r.uid).sort()).toEqual([
      'anomalylens-consumer-lag-high',
      'anomalylens-detector-stalled',
      'anomalylens-dlq-rate',
      'anomalylens-incident',
      'anomalylens-sink-failures',
    ]);
  });

  it('has a contact point and a policy tree that reference each other', () => {
    expect(checkNotifications(provisioning.alerting)).toEqual([]);
  });

  it('alerts on the same thresholds the app pages and the panel use', () => {
    const condition = (uid: string) => {
      const rule = rules.rules.find((r) => r.uid === uid)!;
      const model = rule.data.find((q) => q.refId === 'C')!.model as { expression: string };
      return model.expression;
    };
    expect(condition('anomalylens-incident')).toBe(`$B >= ${ANOMALY_SCORE_THRESHOLD}`);
    expect(condition('anomalylens-detector-stalled')).toBe(`$B > ${HEALTH_THRESHOLDS.stalledAfterSeconds}`);
    expect(condition('anomalylens-consumer-lag-high')).toBe(`$B > ${HEALTH_THRESHOLDS.lagHigh}`);
    const incident = rules.rules.find((r) => r.uid === 'anomalylens-incident')!;
    expect(incident.labels.severity).toContain(`ge $$values.B.Value ${defaultOverlayOptions.criticalScore.toFixed(1)}`);
    expect(incident.labels.severity).toContain(`ge $$values.B.Value ${defaultOverlayOptions.majorScore.toFixed(1)}`);
    expect(String(incident.annotations.dashboard_url)).toContain('/d/anomalylens-overview/');
    expect(String(incident.annotations.dashboard_url)).toContain('var-host={{ $labels.host }}');
  });

  it('queries only detector self-metrics that the detector registers', () => {
    const texts = [
      ...dashboards.map((d) => JSON.stringify(d.json)),
      ...provisioning.alerting.map((f) => JSON.stringify(f.doc)),
    ].join('\n');
    const used = new Set(
      [...texts.matchAll(/anomalylens_detector_\w+/g)].map((m) => m[0].replace(/_(bucket|sum|count)$/, ''))
    );
    const known = new Set<string>(Object.values(DETECTOR_METRICS));
    expect([...used].filter((name) => !known.has(name))).toEqual([]);

    // The detector builds its names from METRIC_PREFIX; read them from its source.
    const source = fs.readFileSync(path.join(REPO, 'backend-detector/src/health/metrics.ts'), 'utf8');
    const prefix = /METRIC_PREFIX = '([^']+)'/.exec(source)![1];
    const registered = new Set([...source.matchAll(/name: `\$\{p\}(\w+)`/g)].map((m) => prefix + m[1]));
    expect(registered.size).toBeGreaterThan(5);
    expect([...known].filter((name) => !registered.has(name))).toEqual([]);
  });
});

describe('the incident alert rule', () => {
  const rule = rules.rules.find((r) => r.uid === 'anomalylens-incident')!;
  const raw = (provisioning.alerting.flatMap((f) => (f.doc as any).groups ?? []) as any[])
    .flatMap((g) => g.rules)
    .find((r: any) => r.uid === 'anomalylens-incident');
  const exprs = rule.data
    .map((q) => (q.model as { expr?: string }).expr)
    .filter((e): e is string => typeof e === 'string');
  const entity = DEFAULT_SETTINGS.entityLabel;
  const group = (provisioning.alerting.flatMap((f) => (f.doc as any).groups ?? []) as any[]).find((g) =>
    g.rules.some((r: any) => r.uid === 'anomalylens-incident')
  );
  const window = /max_over_time\(\w+\[(\w+)\]\)/.exec(exprs[0] ?? '')?.[1] ?? '';
  const windowPeak = `max_over_time(${OUTPUT_SERIES.score}[${window}])`;

  it("has one instance per entity: every query groups by the app's default entity label", () => {
    expect(exprs.length).toBeGreaterThanOrEqual(4);
    for (const expr of exprs) {
      const groupings = [...expr.matchAll(/\b(?:by|on) \(([^)]*)\)/g)].map((m) => m[1]);
      expect(groupings.length).toBeGreaterThan(0);
      expect(new Set(groupings)).toEqual(new Set([entity]));
      expect(expr).toContain(OUTPUT_SERIES.score);
    }
    const peak = rule.data.find((q) => q.refId === 'A')!.model as { expr: string };
    expect(peak.expr).toBe(`max by (${entity}) (${windowPeak})`);
  });

  it('names the anomalous metrics in its summary from the ranked queries', () => {
    const summary = String(rule.annotations.summary);
    for (const ref of ['M1', 'M2', 'M3']) {
      expect(summary).toContain(`$values.${ref}.Labels.metric`);
      expect(rule.data.some((q) => q.refId === ref)).toBe(true);
    }
    expect(summary).toContain('$values.N.Value');
    expect(summary).toContain(`$labels.${entity}`);
    // The second and third are named only when anomalous themselves.
    expect(summary).toContain(`if ge $values.M2.Value ${ANOMALY_SCORE_THRESHOLD.toFixed(1)}`);
    expect(summary).toContain(`if ge $values.M3.Value ${ANOMALY_SCORE_THRESHOLD.toFixed(1)}`);
    // Ranked queries fall back to a 0 per entity, so they never leave the rule without data.
    for (const ref of ['M2', 'M3']) {
      const expr = (rule.data.find((q) => q.refId === ref)!.model as { expr: string }).expr;
      expect(expr).toContain(`or on (${entity}) (max by (${entity}) (${windowPeak}) * 0)`);
    }
  });

  it('groups by the label the provisioned app settings name', () => {
    const apps = provisioning.plugins.flatMap((f) => ((f.doc as any).apps ?? []) as any[]);
    const jsonData = apps.find((a) => a.type === appJson.id).jsonData;
    expect(jsonData.entityLabel).toBe(entity);
    expect(jsonData.incidentToleranceMinutes).toBe(DEFAULT_SETTINGS.incidentToleranceMinutes);
  });

  it('looks back over the same gap that joins anomalies into one incident on the Anomalies page', () => {
    // The detector announces an anomaly with one or a few scores of 1 or more: every query reads
    // each series' peak over the window, so any anomalous point between two evaluations fires.
    for (const expr of exprs) {
      expect(expr.replaceAll(windowPeak, '')).not.toContain(OUTPUT_SERIES.score);
    }
    expect(parsePromDuration(window)).toBe(DEFAULT_SETTINGS.incidentToleranceMinutes * 60_000);
    expect(parsePromDuration(window)).toBeGreaterThanOrEqual(parsePromDuration(group.interval)!);
    // Held for no time: a `for` longer than an evaluation would wait for scores the detector
    // does not repeat; the window already keeps the alert firing between close anomalies.
    expect(parsePromDuration(raw.for ?? '0s')).toBe(0);
    expect(raw.keepFiringFor).toBeUndefined();
  });

  it('notifies once per entity: its policy route groups by the entity label alone', () => {
    const policies = provisioning.alerting.flatMap((f) => ((f.doc as any).policies ?? []) as any[]);
    const routes = policies.flatMap((p) => p.routes ?? []);
    const route = routes.find((r: any) =>
      (r.object_matchers ?? []).some((m: string[]) => m[0] === 'anomalylens' && m[2] === rule.labels.anomalylens)
    );
    expect(route).toBeDefined();
    expect(route.group_by).toEqual([entity]);
  });

  it('leaves no policy route matching a rule label that no rule has', () => {
    const policies = provisioning.alerting.flatMap((f) => ((f.doc as any).policies ?? []) as any[]);
    const kinds = new Set(rules.rules.map((r) => r.labels.anomalylens));
    const matched = policies
      .flatMap((p) => p.routes ?? [])
      .flatMap((r: any) => r.object_matchers ?? [])
      .filter((m: string[]) => m[0] === 'anomalylens')
      .map((m: string[]) => m[2]);
    expect(matched.filter((kind: string) => !kinds.has(kind))).toEqual([]);
  });
});

describe('the checks catch what Grafana would reject', () => {
  const alerting = (mutate: (doc: any) => void): ProvisioningFile[] =>
    provisioning.alerting.map((file) => {
      const doc = clone(file.doc) as any;
      if (doc.groups) {
        mutate(doc);
      }
      return { path: file.path, doc };
    });
  const ruleProblems = (mutate: (doc: any) => void) =>
    checkAlertRules(alerting(mutate), ruleContext).problems.join('\n');

  it('rejects rules without uid or title, or with a condition missing from data', () => {
    expect(ruleProblems((d) => delete d.groups[0].rules[0].uid)).toMatch(/uid must be/);
    expect(ruleProblems((d) => (d.groups[0].rules[0].title = ''))).toMatch(/no title set/);
    expect(ruleProblems((d) => (d.groups[0].rules[0].condition = 'Z'))).toMatch(/condition "Z" is not a refId in data/);
    expect(ruleProblems((d) => (d.groups[1].rules[0].uid = d.groups[0].rules[0].uid))).toMatch(/duplicate rule uid/);
  });

  it('rejects unknown datasources, bad durations and the wrong folder', () => {
    expect(ruleProblems((d) => (d.groups[0].rules[0].data[0].datasourceUid = 'prometheus'))).toMatch(
      /datasourceUid "prometheus" is neither a provisioned datasource nor __expr__/
    );
    expect(ruleProblems((d) => (d.groups[0].interval = '45s'))).toMatch(/positive multiple of 10s/);
    expect(ruleProblems((d) => (d.groups[0].interval = '1 minute'))).toMatch(/interval/);
    expect(ruleProblems((d) => (d.groups[0].rules[0].for = '2 minutes'))).toMatch(
      /"for" "2 minutes" is not a duration/
    );
    expect(ruleProblems((d) => (d.groups[0].folder = 'General'))).toMatch(/folder must be "Anomaly Lens"/);
    expect(ruleProblems((d) => (d.groups[0].rules[0].noDataState = 'Ok'))).toMatch(/noDataState must be one of/);
  });

  it('rejects expressions that refer to missing queries and env-expanded label templates', () => {
    expect(ruleProblems((d) => (d.groups[0].rules[0].data[2].model.expression = '$X >= 1'))).toMatch(/refers to "X"/);
    expect(ruleProblems((d) => (d.groups[0].rules[0].data[1].model.type = 'avg'))).toMatch(/expression type "avg"/);
    expect(ruleProblems((d) => (d.groups[0].rules[0].labels.severity = '{{ $values.B.Value }}'))).toMatch(
      /write \$\$ in templates/
    );
    expect(ruleProblems((d) => (d.groups[0].rules[0].annotations.summary = '${HOST}'))).toMatch(
      /expands as an environment variable/
    );
    expect(ruleProblems((d) => (d.groups[0].rules[0].panelId = 99))).toMatch(/panel 99 does not exist/);
    expect(ruleProblems((d) => (d.groups[0].rules[0].annotations.summary = '{{ $values.M9.Value }}'))).toMatch(
      /annotation summary reads \$values.M9, which is not a refId of this rule/
    );
  });

  it('rejects dashboards with unknown datasources, panel types or panel options', () => {
    const mutated = (mutate: (json: any) => void): Dashboard[] =>
      dashboards.map((d) => {
        const json = clone(d.json) as any;
        if (json.uid === 'anomalylens-overview') {
          mutate(json);
        }
        return { path: d.path, json };
      });
    const problems = (mutate: (json: any) => void) =>
      checkDashboards(mutated(mutate), DASHBOARD_UIDS, dashboardContext).join('\n');
    expect(problems((j) => (j.panels[1].datasource.uid = 'PBFA97CFB590B2093'))).toMatch(
      /datasource uid "PBFA97CFB590B2093" is not provisioned/
    );
    expect(problems((j) => (j.panels[0].targets[0].datasource = { uid: 'other' }))).toMatch(
      /target A: datasource uid "other"/
    );
    expect(problems((j) => (j.panels[1].type = 'graph-old'))).toMatch(/panel type "graph-old"/);
    expect(problems((j) => (j.panels[0].options.bandColour = 'red'))).toMatch(/option "bandColour" does not exist/);
    expect(problems((j) => (j.panels[1].id = j.panels[0].id))).toMatch(/duplicate panel id/);
    expect(problems((j) => (j.uid = 'renamed'))).toMatch(/no dashboard with uid "anomalylens-overview"/);
    expect(problems((j) => (j.links[0].url = '/d/nope'))).toMatch(/link to unknown dashboard "nope"/);
    expect(problems((j) => (j.links[1].url = '/a/anomalylens-detector-app/nope'))).toMatch(/unknown app page/);
  });

  it('rejects policies that route to missing contact points and malformed matchers', () => {
    const notifications = (mutate: (doc: any) => void) =>
      checkNotifications(
        provisioning.alerting.map((file) => {
          const doc = clone(file.doc) as any;
          mutate(doc);
          return { path: file.path, doc };
        })
      ).join('\n');
    expect(notifications((d) => d.policies && (d.policies[0].receiver = 'Slack'))).toMatch(
      /receiver "Slack" is not a provisioned contact point/
    );
    expect(notifications((d) => d.policies && (d.policies[0].routes[0].receiver = 'pager'))).toMatch(
      /routes\[0\]: receiver "pager"/
    );
    expect(notifications((d) => d.policies && (d.policies[0].routes[0].object_matchers = [['a', '==', 'b']]))).toMatch(
      /object_matchers\[0\]/
    );
    expect(notifications((d) => d.contactPoints && (d.contactPoints[0].receivers[0].settings = {}))).toMatch(
      /email needs settings.addresses/
    );
    expect(notifications((d) => d.policies && delete d.policies)).toMatch(/no notification policy/);
  });

  it('rejects datasources and apps Grafana would not load', () => {
    const ds = (mutate: (doc: any) => void) => {
      const doc = clone(provisioning.datasources[0].doc) as any;
      mutate(doc);
      return checkDatasources([{ path: 'datasources/x.yaml', doc }]).problems.join('\n');
    };
    expect(ds((d) => delete d.datasources[0].uid)).toMatch(/"uid" is required/);
    expect(ds((d) => d.datasources.push({ ...d.datasources[0], uid: 'second' }))).toMatch(/more than one default/);
    expect(ds((d) => (d.apiVersion = 2))).toMatch(/apiVersion must be 1/);
    const apps = checkApps(
      [
        {
          path: 'plugins/x.yaml',
          doc: parse('apiVersion: 1\napps:\n  - type: other-app\n    jsonData: { datasourceUid: nope, colour: red }'),
        },
      ],
      {
        appIds: new Set([appJson.id]),
        datasourceUids: datasources.uids,
        settingKeys: new Set(Object.keys(DEFAULT_SETTINGS)),
      }
    ).join('\n');
    expect(apps).toMatch(/no app plugin with id "other-app"/);
    expect(apps).toMatch(/jsonData.colour is not an app setting/);
    expect(apps).toMatch(/"nope" is not a provisioned datasource/);
  });
});

describe('parsePromDuration', () => {
  it.each([
    ['0', 0],
    ['10s', 10_000],
    ['1m', 60_000],
    ['1h30m', 5_400_000],
    ['500ms', 500],
    ['2d', 172_800_000],
  ])('%s is %d ms', (text, ms) => expect(parsePromDuration(text)).toBe(ms));

  it.each(['', '1.5m', '30', 'm', '1m1h', ' 1m', '1 m'])('rejects %j', (text) =>
    expect(parsePromDuration(text)).toBeNull()
  );
});
