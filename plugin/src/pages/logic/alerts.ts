import { Labels } from './prometheusResponse';

/**
 * Grafana-managed alert instances, read from Grafana's Prometheus-compatible rules API
 * (GET /api/prometheus/grafana/api/v1/rules), which lists each rule with its folder, health and
 * current instances.
 */
export type InstanceState = 'firing' | 'pending' | 'normal' | 'nodata' | 'error' | 'recovering';

export interface AlertInstance {
  id: string;
  ruleUid: string | null;
  ruleName: string;
  group: string;
  folder: string;
  state: InstanceState;
  labels: Labels;
  annotations: Labels;
  activeAtMs: number | null;
  value: number | null;
}

export interface RuleStatus {
  uid: string | null;
  name: string;
  group: string;
  folder: string;
  state: string;
  health: string;
  lastError: string | null;
  instances: AlertInstance[];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringMap(value: unknown): Labels {
  const out: Labels = {};
  if (isRecord(value)) {
    for (const [k, v] of Object.entries(value)) {
      out[k] = String(v);
    }
  }
  return out;
}

function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/** Grafana reports instance states as "Alerting", "Pending", "Normal", "NoData", "Error", sometimes
 * with a reason: "Normal (NoData)", "Alerting (Error)". The state before the reason decides. */
export function normalizeState(raw: string): InstanceState {
  const base = raw.trim().split(/[\s(]/)[0].toLowerCase();
  switch (base) {
    case 'alerting':
    case 'firing':
      return 'firing';
    case 'pending':
      return 'pending';
    case 'nodata':
      return 'nodata';
    case 'error':
      return 'error';
    case 'recovering':
      return 'recovering';
    default:
      return 'normal';
  }
}

/**
 * The instance value. Grafana formats it as "[ var='B' labels={...} value=2.5 ], [ var='C' ... ]"
 * for multi-expression rules; the reduced query value (B) is the meaningful one, else the first.
 */
export function parseAlertValue(raw: unknown): number | null {
  if (typeof raw === 'number') {
    return Number.isFinite(raw) ? raw : null;
  }
  if (typeof raw !== 'string' || raw.trim() === '') {
    return null;
  }
  const plain = Number(raw);
  if (Number.isFinite(plain)) {
    return plain;
  }
  const vars = [...raw.matchAll(/var='([^']*)'[^\]]*?value=([-+0-9.eE]+|NaN|[-+]?Inf)/g)];
  const chosen = vars.find((m) => m[1] === 'B') ?? vars[0];
  if (!chosen) {
    return null;
  }
  const value = Number(chosen[2]);
  return Number.isFinite(value) ? value : null;
}

function parseTime(raw: unknown): number | null {
  if (typeof raw !== 'string' || raw === '' || raw.startsWith('0001-01-01')) {
    return null;
  }
  const ms = Date.parse(raw);
  return Number.isNaN(ms) ? null : ms;
}

/** Parses the rules API response, keeping the rules in the given folder (all when null). */
export function parseRules(body: unknown, folder: string | null): RuleStatus[] {
  if (!isRecord(body) || body.status !== 'success' || !isRecord(body.data) || !Array.isArray(body.data.groups)) {
    const message = isRecord(body) && typeof body.error === 'string' ? body.error : 'unexpected response';
    throw new Error(`Grafana alerting API: ${message}`);
  }
  const rules: RuleStatus[] = [];
  for (const group of body.data.groups) {
    if (!isRecord(group) || !Array.isArray(group.rules)) {
      continue;
    }
    const groupFolder = str(group.file);
    if (folder !== null && groupFolder !== folder) {
      continue;
    }
    for (const rule of group.rules) {
      if (!isRecord(rule) || (rule.type !== undefined && rule.type !== 'alerting')) {
        continue;
      }
      const uid = str(rule.uid) || null;
      const name = str(rule.name);
      const alerts = Array.isArray(rule.alerts) ? rule.alerts : [];
      const instances = alerts.filter(isRecord).map((alert, index): AlertInstance => {
        const labels = stringMap(alert.labels);
        const activeAtMs = parseTime(alert.activeAt);
        return {
          id: `${uid ?? name}/${Object.entries(labels)
            .sort(([a], [b]) => a.localeCompare(b))
            .map(([k, v]) => `${k}=${v}`)
            .join(',')}/${index}`,
          ruleUid: uid,
          ruleName: name,
          group: str(group.name),
          folder: groupFolder,
          state: normalizeState(str(alert.state)),
          labels,
          annotations: stringMap(alert.annotations),
          activeAtMs,
          value: parseAlertValue(alert.value),
        };
      });
      rules.push({
        uid,
        name,
        group: str(group.name),
        folder: groupFolder,
        state: str(rule.state) || 'inactive',
        health: str(rule.health) || 'ok',
        lastError: str(rule.lastError) || null,
        instances,
      });
    }
  }
  return rules;
}

const STATE_ORDER: Record<InstanceState, number> = {
  firing: 0,
  pending: 1,
  error: 2,
  nodata: 3,
  recovering: 4,
  normal: 5,
};

/** Firing and pending instances (plus errored and no-data ones, which need a look too), worst and
 * newest first. */
export function activeInstances(rules: RuleStatus[]): AlertInstance[] {
  return rules
    .flatMap((rule) => rule.instances)
    .filter((i) => i.state !== 'normal')
    .sort(
      (a, b) =>
        STATE_ORDER[a.state] - STATE_ORDER[b.state] ||
        (b.activeAtMs ?? 0) - (a.activeAtMs ?? 0) ||
        a.id.localeCompare(b.id)
    );
}

/** Labels worth showing: Grafana adds its own (alertname, grafana_folder, __alert_rule_uid__...). */
export function userLabels(labels: Labels): Labels {
  const out: Labels = {};
  for (const [k, v] of Object.entries(labels)) {
    if (!k.startsWith('__') && k !== 'alertname' && k !== 'grafana_folder') {
      out[k] = v;
    }
  }
  return out;
}
