import fs from 'fs';
import path from 'path';
import { parse } from 'yaml';
import { Dashboard, ProvisioningFile } from './checks';

/** Where docker-compose mounts the repository's provisioning/ directory in the Grafana container. */
export const CONTAINER_PROVISIONING = '/etc/grafana/provisioning';

export interface Provisioning {
  root: string;
  datasources: ProvisioningFile[];
  plugins: ProvisioningFile[];
  dashboardProviders: ProvisioningFile[];
  alerting: ProvisioningFile[];
}

/** Grafana reads *.yaml, *.yml and *.json in each provisioning subdirectory (not recursively). */
function readConfigDir(root: string, dir: string): ProvisioningFile[] {
  const full = path.join(root, dir);
  if (!fs.existsSync(full)) {
    return [];
  }
  return fs
    .readdirSync(full)
    .filter((name) => /\.(ya?ml|json)$/.test(name) && fs.statSync(path.join(full, name)).isFile())
    .sort()
    .map((name) => {
      const text = fs.readFileSync(path.join(full, name), 'utf8');
      return { path: `${dir}/${name}`, doc: name.endsWith('.json') ? JSON.parse(text) : parse(text) };
    });
}

export function loadProvisioning(root: string): Provisioning {
  return {
    root,
    datasources: readConfigDir(root, 'datasources'),
    plugins: readConfigDir(root, 'plugins'),
    dashboardProviders: readConfigDir(root, 'dashboards'),
    alerting: readConfigDir(root, 'alerting'),
  };
}

/** The repository directory a container path under /etc/grafana/provisioning refers to. */
export function hostPath(root: string, containerPath: string): string | null {
  const relative = path.posix.relative(CONTAINER_PROVISIONING, containerPath);
  return relative.startsWith('..') || path.posix.isAbsolute(relative) ? null : path.join(root, relative);
}

/** Dashboard JSON files under every file provider's path, found the way Grafana walks them. */
export function loadDashboards(p: Provisioning): Dashboard[] {
  const dashboards: Dashboard[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        walk(full);
      } else if (entry.name.endsWith('.json')) {
        dashboards.push({ path: path.relative(p.root, full), json: JSON.parse(fs.readFileSync(full, 'utf8')) });
      }
    }
  };
  for (const file of p.dashboardProviders) {
    const providers = (file.doc as { providers?: Array<{ options?: { path?: string } }> } | null)?.providers ?? [];
    for (const provider of providers) {
      const dir = provider.options?.path ? hostPath(p.root, provider.options.path) : null;
      if (dir && fs.existsSync(dir)) {
        walk(dir);
      }
    }
  }
  return dashboards;
}
