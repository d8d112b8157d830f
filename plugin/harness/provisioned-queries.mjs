// Every PromQL expression the provisioned dashboards and alert rules run, with Grafana's
// dashboard variables replaced the way Grafana does for the default selection, so they can be
// evaluated against a real Prometheus.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { transform } from 'esbuild';
import { parse } from 'yaml';

const here = path.dirname(fileURLToPath(import.meta.url));
const PROVISIONING = path.resolve(here, '..', '..', 'provisioning');

/** Grafana's values for the variables our dashboards use (All selected, a 1 h range). */
const VARIABLES = {
  metric: '.+',
  host: '.*',
  __range: '1h',
  __rate_interval: '1m',
  __interval: '15s',
};

export function interpolate(expr) {
  return expr.replace(/\$\{?(\w+)\}?/g, (match, name) => VARIABLES[name] ?? match);
}

function panelsOf(panels) {
  return (panels ?? []).flatMap((p) => [p, ...panelsOf(p.panels)]);
}

/** [{ where, expr }] for every dashboard target and alert rule data query with an expr. */
export function provisionedQueries() {
  const out = [];
  const dashboards = path.join(PROVISIONING, 'dashboards', 'anomalylens');
  for (const file of readdirSync(dashboards).filter((f) => f.endsWith('.json'))) {
    const json = JSON.parse(readFileSync(path.join(dashboards, file), 'utf8'));
    for (const panel of panelsOf(json.panels)) {
      for (const target of panel.targets ?? []) {
        if (target.expr) {
          out.push({ where: `${json.uid} / ${panel.title} / ${target.refId}`, expr: interpolate(target.expr) });
        }
      }
    }
  }
  const alerting = path.join(PROVISIONING, 'alerting');
  for (const file of readdirSync(alerting).filter((f) => /\.ya?ml$/.test(f))) {
    const doc = parse(readFileSync(path.join(alerting, file), 'utf8'));
    for (const group of doc?.groups ?? []) {
      for (const rule of group.rules ?? []) {
        for (const query of rule.data ?? []) {
          if (query.model?.expr) {
            out.push({ where: `rule ${rule.uid} / ${query.refId}`, expr: query.model.expr });
          }
        }
      }
    }
  }
  return out;
}

/**
 * The provisioned incident rule as the harness evaluates it: its queries by refId, how long its
 * condition must hold (`for`) and how often its group evaluates, both in seconds.
 */
export function incidentRule() {
  const doc = parse(readFileSync(path.join(PROVISIONING, 'alerting', 'rules.yaml'), 'utf8'));
  for (const group of doc.groups) {
    const rule = group.rules.find((r) => r.uid === 'anomalylens-incident');
    if (rule) {
      const exprs = Object.fromEntries(rule.data.filter((q) => q.model?.expr).map((q) => [q.refId, q.model.expr]));
      return { exprs, forSeconds: seconds(rule.for ?? '0s'), intervalSeconds: seconds(group.interval) };
    }
  }
  throw new Error('rules.yaml has no anomalylens-incident rule');
}

// Grafana's duration syntax, parsed by the provisioning checks' own parser (TypeScript,
// transpiled here so the harness reads rules.yaml exactly as those checks do).
const { parsePromDuration } = await import(
  `data:text/javascript,${encodeURIComponent(
    (
      await transform(readFileSync(path.join(here, '..', 'src', 'provisioningChecks', 'durations.ts'), 'utf8'), {
        loader: 'ts',
        format: 'esm',
      })
    ).code
  )}`
);

function seconds(duration) {
  const ms = parsePromDuration(duration);
  if (ms === null) {
    throw new Error(`not a duration: ${duration}`);
  }
  return ms / 1000;
}
