import { parsePromDuration } from './durations';

/**
 * Static checks of Grafana provisioning files, following the rules Grafana applies when it loads
 * them (pkg/services/provisioning/*) plus the cross-references that only fail at runtime: a rule
 * query on a datasource that does not exist, a panel type no plugin provides, a policy routing to
 * a missing contact point. Each check returns readable problems: "<file>: <where>: <what>".
 */
export interface ProvisioningFile {
  /** Path relative to the provisioning directory, for messages. */
  path: string;
  doc: unknown;
}

export interface Dashboard {
  path: string;
  json: Record<string, unknown>;
}

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const asArray = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const nonEmptyString = (v: unknown): v is string => typeof v === 'string' && v.trim() !== '';

/** Grafana's uid rule for alert rules, dashboards, folders and datasources. */
const UID = /^[a-zA-Z0-9\-_]{1,40}$/;

/** The built-in "datasources" a dashboard may reference besides provisioned ones. */
const BUILTIN_DATASOURCE_UIDS = new Set(['-- Grafana --', 'grafana', '-- Mixed --', '-- Dashboard --', '__expr__']);

/** Panel plugins that ship with Grafana 12. */
export const CORE_PANEL_TYPES = new Set([
  'alertlist',
  'annolist',
  'barchart',
  'bargauge',
  'candlestick',
  'canvas',
  'dashlist',
  'datagrid',
  'flamegraph',
  'gauge',
  'geomap',
  'heatmap',
  'histogram',
  'logs',
  'news',
  'nodeGraph',
  'piechart',
  'row',
  'stat',
  'state-timeline',
  'status-history',
  'table',
  'text',
  'timeseries',
  'traces',
  'trend',
  'xychart',
]);

function checkApiVersion(file: ProvisioningFile, problems: string[]): Obj | null {
  if (!isObj(file.doc)) {
    problems.push(`${file.path}: not a YAML mapping`);
    return null;
  }
  if (file.doc.apiVersion !== 1) {
    problems.push(`${file.path}: apiVersion must be 1, got ${JSON.stringify(file.doc.apiVersion)}`);
  }
  return file.doc;
}

export interface DatasourceSummary {
  uids: Set<string>;
  problems: string[];
}

/** datasources/*.yaml: name, type, uid required; uids unique; one default per org. */
export function checkDatasources(files: ProvisioningFile[]): DatasourceSummary {
  const problems: string[] = [];
  const uids = new Set<string>();
  const defaults = new Map<number, string[]>();
  for (const file of files) {
    const doc = checkApiVersion(file, problems);
    for (const [i, ds] of asArray(doc?.datasources).entries()) {
      const where = `${file.path}: datasources[${i}]`;
      if (!isObj(ds)) {
        problems.push(`${where}: not a mapping`);
        continue;
      }
      for (const field of ['name', 'type', 'uid']) {
        if (!nonEmptyString(ds[field])) {
          problems.push(`${where}: "${field}" is required`);
        }
      }
      if (nonEmptyString(ds.uid)) {
        if (!UID.test(ds.uid)) {
          problems.push(`${where}: uid "${ds.uid}" must be 1-40 letters, digits, - or _`);
        }
        if (uids.has(ds.uid)) {
          problems.push(`${where}: duplicate uid "${ds.uid}"`);
        }
        uids.add(ds.uid);
      }
      if (ds.access !== undefined && ds.access !== 'proxy' && ds.access !== 'direct') {
        problems.push(`${where}: access must be proxy or direct`);
      }
      if (ds.isDefault === true) {
        const org = typeof ds.orgId === 'number' ? ds.orgId : 1;
        defaults.set(org, [...(defaults.get(org) ?? []), String(ds.name)]);
      }
    }
  }
  for (const [org, names] of defaults) {
    if (names.length > 1) {
      problems.push(`datasources: org ${org} has more than one default datasource (${names.join(', ')})`);
    }
  }
  return { uids, problems };
}

/** plugins/*.yaml: apps exist and their jsonData points at provisioned things. */
export function checkApps(
  files: ProvisioningFile[],
  context: { appIds: Set<string>; datasourceUids: Set<string>; settingKeys: Set<string> }
): string[] {
  const problems: string[] = [];
  for (const file of files) {
    const doc = checkApiVersion(file, problems);
    for (const [i, app] of asArray(doc?.apps).entries()) {
      const where = `${file.path}: apps[${i}]`;
      if (!isObj(app) || !nonEmptyString(app.type)) {
        problems.push(`${where}: "type" (the app plugin id) is required`);
        continue;
      }
      if (!context.appIds.has(app.type)) {
        problems.push(`${where}: no app plugin with id "${app.type}"`);
      }
      const jsonData = isObj(app.jsonData) ? app.jsonData : {};
      for (const key of Object.keys(jsonData)) {
        if (!context.settingKeys.has(key)) {
          problems.push(`${where}: jsonData.${key} is not an app setting`);
        }
      }
      if (jsonData.datasourceUid !== undefined && !context.datasourceUids.has(String(jsonData.datasourceUid))) {
        problems.push(
          `${where}: jsonData.datasourceUid "${String(jsonData.datasourceUid)}" is not a provisioned datasource`
        );
      }
    }
  }
  return problems;
}

/** dashboards/*.yaml: file providers whose path exists (mapped into the repository). */
export function checkDashboardProviders(
  files: ProvisioningFile[],
  pathExists: (containerPath: string) => boolean
): string[] {
  const problems: string[] = [];
  for (const file of files) {
    const doc = checkApiVersion(file, problems);
    for (const [i, provider] of asArray(doc?.providers).entries()) {
      const where = `${file.path}: providers[${i}]`;
      if (!isObj(provider) || !nonEmptyString(provider.name)) {
        problems.push(`${where}: "name" is required`);
        continue;
      }
      if ((provider.type ?? 'file') !== 'file') {
        problems.push(`${where}: only file providers are supported`);
      }
      const options = isObj(provider.options) ? provider.options : {};
      if (!nonEmptyString(options.path)) {
        problems.push(`${where}: options.path is required`);
      } else if (!pathExists(options.path)) {
        problems.push(`${where}: options.path ${options.path} does not exist in the mounted provisioning directory`);
      }
    }
  }
  return problems;
}

export interface DashboardContext {
  datasourceUids: Set<string>;
  /** Panel plugin ids besides the core ones. */
  pluginPanelTypes: Set<string>;
  /** Allowed `options` keys per plugin panel type. */
  panelOptionKeys: Record<string, Set<string>>;
  /** App routes that dashboard links may target, as "/a/<appId>/<route>". */
  appPaths: Set<string>;
}

function datasourceUidOf(ref: unknown): string | null {
  if (typeof ref === 'string') {
    return ref;
  }
  return isObj(ref) && typeof ref.uid === 'string' ? ref.uid : null;
}

function checkDatasourceRef(ref: unknown, where: string, context: DashboardContext, problems: string[]) {
  const uid = datasourceUidOf(ref);
  if (uid === null || uid.startsWith('$') || BUILTIN_DATASOURCE_UIDS.has(uid)) {
    return;
  }
  if (!context.datasourceUids.has(uid)) {
    problems.push(`${where}: datasource uid "${uid}" is not provisioned`);
  }
}

function checkLink(
  url: unknown,
  where: string,
  dashboardUids: Set<string>,
  context: DashboardContext,
  problems: string[]
) {
  if (typeof url !== 'string') {
    return;
  }
  const dashboard = /^\/d\/([^/?]+)/.exec(url);
  if (dashboard && !dashboard[1].includes('$') && !dashboardUids.has(dashboard[1])) {
    problems.push(`${where}: link to unknown dashboard "${dashboard[1]}"`);
  }
  const app = /^(\/a\/[^/?]+\/[^/?]+)/.exec(url);
  if (app && !context.appPaths.has(app[1])) {
    problems.push(`${where}: link to unknown app page ${app[1]}`);
  }
}

function flattenPanels(panels: unknown[]): Obj[] {
  return panels.filter(isObj).flatMap((p) => [p, ...flattenPanels(asArray(p.panels))]);
}

/** Dashboard JSON: fixed uids, unique panel ids, known panel types and options, provisioned datasources, valid links. */
export function checkDashboards(dashboards: Dashboard[], expectedUids: string[], context: DashboardContext): string[] {
  const problems: string[] = [];
  const uids = new Set<string>();
  for (const { path, json } of dashboards) {
    if (!nonEmptyString(json.uid) || !UID.test(json.uid)) {
      problems.push(`${path}: uid must be 1-40 letters, digits, - or _`);
    } else if (uids.has(json.uid)) {
      problems.push(`${path}: duplicate dashboard uid "${json.uid}"`);
    } else {
      uids.add(json.uid);
    }
    if (!nonEmptyString(json.title)) {
      problems.push(`${path}: title is required`);
    }
  }
  for (const uid of expectedUids) {
    if (!uids.has(uid)) {
      problems.push(`dashboards: no dashboard with uid "${uid}"`);
    }
  }
  for (const { path, json } of dashboards) {
    const panelIds = new Set<number>();
    for (const panel of flattenPanels(asArray(json.panels))) {
      const where = `${path}: panel ${JSON.stringify(panel.title ?? panel.id)}`;
      if (typeof panel.id !== 'number') {
        problems.push(`${where}: numeric id is required`);
      } else if (panelIds.has(panel.id)) {
        problems.push(`${where}: duplicate panel id ${panel.id}`);
      } else {
        panelIds.add(panel.id);
      }
      const type = String(panel.type);
      if (!CORE_PANEL_TYPES.has(type) && !context.pluginPanelTypes.has(type)) {
        problems.push(`${where}: panel type "${type}" is neither a core panel nor one of ours`);
      }
      const allowed = context.panelOptionKeys[type];
      if (allowed) {
        for (const key of Object.keys(isObj(panel.options) ? panel.options : {})) {
          if (!allowed.has(key)) {
            problems.push(`${where}: option "${key}" does not exist in the ${type} options`);
          }
        }
      }
      if (type !== 'row' && !isObj(panel.gridPos)) {
        problems.push(`${where}: gridPos is required`);
      }
      checkDatasourceRef(panel.datasource, where, context, problems);
      for (const [i, target] of asArray(panel.targets).entries()) {
        if (!isObj(target) || !nonEmptyString(target.refId)) {
          problems.push(`${where}: targets[${i}] needs a refId`);
          continue;
        }
        checkDatasourceRef(target.datasource, `${where} target ${target.refId}`, context, problems);
      }
      const fieldConfig = isObj(panel.fieldConfig) ? panel.fieldConfig : {};
      const defaults = isObj(fieldConfig.defaults) ? fieldConfig.defaults : {};
      for (const link of [...asArray(defaults.links), ...asArray(panel.links)]) {
        checkLink(isObj(link) ? link.url : undefined, `${where} link`, uids, context, problems);
      }
    }
    const templating = isObj(json.templating) ? json.templating : {};
    for (const variable of asArray(templating.list).filter(isObj)) {
      checkDatasourceRef(variable.datasource, `${path}: variable ${String(variable.name)}`, context, problems);
    }
    for (const link of asArray(json.links).filter(isObj)) {
      checkLink(link.url, `${path}: dashboard link ${JSON.stringify(link.title)}`, uids, context, problems);
    }
  }
  return problems;
}

/** Panel ids of each dashboard, by uid, for alert rules that link to a panel. */
export function panelIdsByDashboard(dashboards: Dashboard[]): Map<string, Set<number>> {
  return new Map(
    dashboards.map(({ json }) => [
      String(json.uid),
      new Set(
        flattenPanels(asArray(json.panels))
          .map((p) => p.id)
          .filter((id): id is number => typeof id === 'number')
      ),
    ])
  );
}

const EXPRESSION_TYPES = new Set(['math', 'reduce', 'resample', 'classic_conditions', 'threshold', 'sql']);
const NO_DATA_STATES = new Set(['Alerting', 'NoData', 'OK', 'KeepLast']);
const EXEC_ERR_STATES = new Set(['Alerting', 'Error', 'OK', 'KeepLast']);
/** A `$` that Grafana's provisioning would expand as an environment variable ($$ is a literal $). */
const ENV_EXPANSION = /(?<!\$)\$(?!\$)(?=[A-Za-z_{])/;
const BRACED_ENV = /(?<!\$)\$\{/;

export interface RuleSummary {
  problems: string[];
  rules: Array<{ uid: string; folder: string; data: Obj[]; labels: Obj; annotations: Obj }>;
}

/** alerting/*.yaml groups: the checks Grafana's rule provisioning applies, plus references. */
export function checkAlertRules(
  files: ProvisioningFile[],
  context: { datasourceUids: Set<string>; folder: string; panelIds: Map<string, Set<number>> }
): RuleSummary {
  const problems: string[] = [];
  const rules: RuleSummary['rules'] = [];
  const uids = new Set<string>();
  for (const file of files) {
    if (!isObj(file.doc) || file.doc.groups === undefined) {
      continue;
    }
    checkApiVersion(file, problems);
    for (const [g, group] of asArray(file.doc.groups).entries()) {
      const gWhere = `${file.path}: groups[${g}]`;
      if (!isObj(group)) {
        problems.push(`${gWhere}: not a mapping`);
        continue;
      }
      if (!nonEmptyString(group.name)) {
        problems.push(`${gWhere}: rule group has no name set`);
      }
      if (group.folder !== context.folder) {
        problems.push(`${gWhere}: folder must be "${context.folder}", got ${JSON.stringify(group.folder)}`);
      }
      const interval = parsePromDuration(group.interval);
      if (interval === null || interval <= 0 || interval % 10_000 !== 0) {
        problems.push(`${gWhere}: interval ${JSON.stringify(group.interval)} must be a positive multiple of 10s`);
      }
      for (const [r, rule] of asArray(group.rules).entries()) {
        const where = `${gWhere}.rules[${r}]`;
        if (!isObj(rule)) {
          problems.push(`${where}: not a mapping`);
          continue;
        }
        problems.push(...checkRule(rule, `${where} (${String(rule.title ?? rule.uid)})`, context, uids));
        rules.push({
          uid: String(rule.uid),
          folder: String(group.folder),
          data: asArray(rule.data).filter(isObj),
          labels: isObj(rule.labels) ? rule.labels : {},
          annotations: isObj(rule.annotations) ? rule.annotations : {},
        });
      }
    }
  }
  return { problems, rules };
}

function checkRule(
  rule: Obj,
  where: string,
  context: { datasourceUids: Set<string>; panelIds: Map<string, Set<number>> },
  uids: Set<string>
): string[] {
  const problems: string[] = [];
  if (!nonEmptyString(rule.title)) {
    problems.push(`${where}: rule has no title set`);
  } else if (rule.title.length > 190) {
    problems.push(`${where}: title longer than 190 characters`);
  }
  if (!nonEmptyString(rule.uid) || !UID.test(rule.uid)) {
    problems.push(`${where}: uid must be 1-40 letters, digits, - or _`);
  } else if (uids.has(rule.uid)) {
    problems.push(`${where}: duplicate rule uid "${rule.uid}"`);
  } else {
    uids.add(rule.uid);
  }
  for (const field of ['for', 'keepFiringFor']) {
    if (rule[field] !== undefined && parsePromDuration(rule[field]) === null) {
      problems.push(`${where}: "${field}" ${JSON.stringify(rule[field])} is not a duration`);
    }
  }
  if (rule.noDataState !== undefined && !NO_DATA_STATES.has(String(rule.noDataState))) {
    problems.push(`${where}: noDataState must be one of ${[...NO_DATA_STATES].join(', ')}`);
  }
  if (rule.execErrState !== undefined && !EXEC_ERR_STATES.has(String(rule.execErrState))) {
    problems.push(`${where}: execErrState must be one of ${[...EXEC_ERR_STATES].join(', ')}`);
  }
  const data = asArray(rule.data);
  if (data.length === 0) {
    problems.push(`${where}: no data set`);
  }
  const refIds = new Set<string>();
  for (const query of data) {
    if (isObj(query) && nonEmptyString(query.refId)) {
      if (refIds.has(query.refId)) {
        problems.push(`${where}: duplicate refId ${query.refId}`);
      }
      refIds.add(query.refId);
    }
  }
  if (!nonEmptyString(rule.condition)) {
    problems.push(`${where}: no condition set`);
  } else if (!refIds.has(rule.condition)) {
    problems.push(`${where}: condition "${rule.condition}" is not a refId in data (${[...refIds].join(', ')})`);
  }
  for (const [i, query] of data.entries()) {
    const qWhere = `${where}: data[${i}]`;
    if (!isObj(query) || !nonEmptyString(query.refId)) {
      problems.push(`${qWhere}: refId is required`);
      continue;
    }
    const model = isObj(query.model) ? query.model : null;
    if (!model) {
      problems.push(`${qWhere}: model is required`);
      continue;
    }
    if (model.refId !== undefined && model.refId !== query.refId) {
      problems.push(`${qWhere}: model.refId ${String(model.refId)} differs from refId ${query.refId}`);
    }
    if (query.datasourceUid === '__expr__') {
      if (!EXPRESSION_TYPES.has(String(model.type))) {
        problems.push(
          `${qWhere}: expression type ${JSON.stringify(model.type)} is not one of ${[...EXPRESSION_TYPES].join(', ')}`
        );
      }
      const expression = String(model.expression ?? '');
      const referenced =
        model.type === 'math' ? [...expression.matchAll(/\$\{?([A-Za-z0-9_]+)\}?/g)].map((m) => m[1]) : [expression];
      for (const ref of referenced) {
        if (!refIds.has(ref) || ref === query.refId) {
          problems.push(`${qWhere}: expression refers to "${ref}", which is not another query of this rule`);
        }
      }
    } else {
      if (!nonEmptyString(query.datasourceUid) || !context.datasourceUids.has(query.datasourceUid)) {
        problems.push(
          `${qWhere}: datasourceUid ${JSON.stringify(query.datasourceUid)} is neither a provisioned datasource nor __expr__`
        );
      }
      const range = isObj(query.relativeTimeRange) ? query.relativeTimeRange : null;
      if (!range || typeof range.from !== 'number' || typeof range.to !== 'number' || range.from <= range.to) {
        problems.push(`${qWhere}: relativeTimeRange needs from > to (seconds before now)`);
      }
      if (!nonEmptyString(model.expr)) {
        problems.push(`${qWhere}: a Prometheus query needs model.expr`);
      }
    }
  }
  for (const [name, value] of Object.entries(isObj(rule.labels) ? rule.labels : {})) {
    if (typeof value === 'string' && ENV_EXPANSION.test(value)) {
      problems.push(
        `${where}: label ${name} has a "$" Grafana expands as an environment variable; write $$ in templates`
      );
    }
  }
  for (const [name, value] of Object.entries(isObj(rule.annotations) ? rule.annotations : {})) {
    if (typeof value === 'string' && BRACED_ENV.test(value)) {
      problems.push(`${where}: annotation ${name} has "\${", which Grafana expands as an environment variable`);
    }
  }
  // $values.<refId> in a template is a value of this rule's queries: a typo prints nothing.
  const templates = [
    ...Object.entries(isObj(rule.labels) ? rule.labels : {}).map(([name, value]) => [`label ${name}`, value]),
    ...Object.entries(isObj(rule.annotations) ? rule.annotations : {}).map(([name, value]) => [
      `annotation ${name}`,
      value,
    ]),
  ];
  for (const [name, value] of templates) {
    if (typeof value !== 'string') {
      continue;
    }
    for (const m of value.matchAll(/\$\$?values\.([A-Za-z0-9_]+)/g)) {
      if (!refIds.has(m[1])) {
        problems.push(`${where}: ${name} reads $values.${m[1]}, which is not a refId of this rule`);
      }
    }
  }
  const dashboardUid = rule.dashboardUid;
  if (dashboardUid !== undefined) {
    const panels = context.panelIds.get(String(dashboardUid));
    if (!panels) {
      problems.push(`${where}: dashboardUid "${String(dashboardUid)}" is not a provisioned dashboard`);
    } else if (rule.panelId !== undefined && !panels.has(Number(rule.panelId))) {
      problems.push(`${where}: panel ${String(rule.panelId)} does not exist in dashboard ${String(dashboardUid)}`);
    }
  }
  return problems;
}

const CONTACT_POINT_TYPES = new Set([
  'alertmanager',
  'dingding',
  'discord',
  'email',
  'googlechat',
  'jira',
  'kafka',
  'line',
  'mqtt',
  'oncall',
  'opsgenie',
  'pagerduty',
  'pushover',
  'sensugo',
  'slack',
  'sns',
  'teams',
  'telegram',
  'threema',
  'victorops',
  'webex',
  'webhook',
  'wecom',
]);
const MATCHER_OPS = new Set(['=', '!=', '=~', '!~']);

/** Contact points and the notification policy tree, and that they reference each other. */
export function checkNotifications(files: ProvisioningFile[]): string[] {
  const problems: string[] = [];
  const contactPoints = new Set<string>();
  const receiverUids = new Set<string>();
  const policies: Array<{ where: string; policy: Obj }> = [];
  for (const file of files) {
    if (!isObj(file.doc)) {
      continue;
    }
    if (file.doc.contactPoints === undefined && file.doc.policies === undefined) {
      continue;
    }
    checkApiVersion(file, problems);
    for (const [i, cp] of asArray(file.doc.contactPoints).entries()) {
      const where = `${file.path}: contactPoints[${i}]`;
      if (!isObj(cp) || !nonEmptyString(cp.name)) {
        problems.push(`${where}: "name" is required`);
        continue;
      }
      contactPoints.add(cp.name);
      const receivers = asArray(cp.receivers);
      if (receivers.length === 0) {
        problems.push(`${where}: at least one receiver is required`);
      }
      for (const [j, receiver] of receivers.entries()) {
        const rWhere = `${where}.receivers[${j}]`;
        if (!isObj(receiver)) {
          problems.push(`${rWhere}: not a mapping`);
          continue;
        }
        if (!nonEmptyString(receiver.uid) || !UID.test(receiver.uid)) {
          problems.push(`${rWhere}: uid must be 1-40 letters, digits, - or _`);
        } else if (receiverUids.has(receiver.uid)) {
          problems.push(`${rWhere}: duplicate receiver uid "${receiver.uid}"`);
        } else {
          receiverUids.add(receiver.uid);
        }
        if (!CONTACT_POINT_TYPES.has(String(receiver.type))) {
          problems.push(`${rWhere}: unknown receiver type ${JSON.stringify(receiver.type)}`);
        }
        const settings = isObj(receiver.settings) ? receiver.settings : {};
        if (receiver.type === 'email' && !nonEmptyString(settings.addresses)) {
          problems.push(`${rWhere}: email needs settings.addresses`);
        }
        if (receiver.type === 'webhook' && !nonEmptyString(settings.url)) {
          problems.push(`${rWhere}: webhook needs settings.url`);
        }
      }
    }
    for (const [i, policy] of asArray(file.doc.policies).entries()) {
      if (isObj(policy)) {
        policies.push({ where: `${file.path}: policies[${i}]`, policy });
      }
    }
  }
  if (policies.length === 0) {
    problems.push('alerting: no notification policy is provisioned');
  }
  const walk = (policy: Obj, where: string, root: boolean) => {
    if (root && !nonEmptyString(policy.receiver)) {
      problems.push(`${where}: the root policy needs a receiver`);
    }
    if (policy.receiver !== undefined && !contactPoints.has(String(policy.receiver))) {
      problems.push(`${where}: receiver "${String(policy.receiver)}" is not a provisioned contact point`);
    }
    for (const field of ['group_wait', 'group_interval', 'repeat_interval']) {
      if (policy[field] !== undefined && parsePromDuration(policy[field]) === null) {
        problems.push(`${where}: ${field} ${JSON.stringify(policy[field])} is not a duration`);
      }
    }
    for (const [k, matcher] of asArray(policy.object_matchers).entries()) {
      if (!Array.isArray(matcher) || matcher.length !== 3 || !MATCHER_OPS.has(String(matcher[1]))) {
        problems.push(`${where}: object_matchers[${k}] must be [label, =|!=|=~|!~, value]`);
      }
    }
    for (const [k, child] of asArray(policy.routes).entries()) {
      if (isObj(child)) {
        walk(child, `${where}.routes[${k}]`, false);
      }
    }
  };
  for (const { where, policy } of policies) {
    walk(policy, where, true);
  }
  return problems;
}
