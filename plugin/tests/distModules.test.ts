/**
 * Loads the built AMD bundles the way Grafana's SystemJS loader does: `define([deps], factory)`
 * with Grafana's shared modules supplied by the host (here: the same packages from node_modules)
 * and checks each exports `plugin` of the right class.
 */
import fs from 'fs';
import path from 'path';
import * as grafanaData from '@grafana/data';

const DIST = path.resolve(__dirname, '..', 'dist');

const HOST_MODULES: Record<string, () => unknown> = {
  react: () => require('react'),
  'react/jsx-runtime': () => require('react/jsx-runtime'),
  'react-dom': () => require('react-dom'),
  'react-router': () => require('react-router'),
  '@grafana/data': () => grafanaData,
  '@grafana/ui': () => require('@grafana/ui'),
  '@grafana/runtime': () => require('@grafana/runtime'),
  '@grafana/i18n': () => require('@grafana/i18n'),
  '@emotion/css': () => require('@emotion/css'),
  '@emotion/react': () => require('@emotion/react'),
  rxjs: () => require('rxjs'),
  lodash: () => require('lodash'),
};

function loadAmd(file: string, pluginId: string): { plugin?: unknown; deps: string[] } {
  const code = fs.readFileSync(file, 'utf8');
  let deps: string[] = [];
  let exported: Record<string, unknown> | undefined;
  const define = (d: string[], factory: (...args: unknown[]) => Record<string, unknown>) => {
    deps = d;
    const args = d.map((name) => {
      if (name === 'module') {
        return { uri: `public/plugins/${pluginId}/${path.basename(file)}` };
      }
      const host = HOST_MODULES[name];
      if (!host) {
        throw new Error(`${path.relative(DIST, file)} imports "${name}", which Grafana does not share with plugins`);
      }
      return host();
    });
    exported = factory(...args);
  };
  (define as unknown as { amd: boolean }).amd = true;
  new Function('define', code)(define);
  return { plugin: exported?.plugin, deps };
}

describe('built modules', () => {
  beforeAll(() => {
    if (!fs.existsSync(path.join(DIST, 'module.js'))) {
      throw new Error('plugin/dist is missing: run `npm run build -w plugin` before the tests');
    }
  });

  it('dist/module.js exports the app as an AppPlugin with its root and configuration page', () => {
    const { plugin, deps } = loadAmd(path.join(DIST, 'module.js'), 'anomalylens-detector-app');
    expect(plugin).toBeInstanceOf(grafanaData.AppPlugin);
    const app = plugin as grafanaData.AppPlugin;
    expect(app.root).toBeDefined();
    expect(app.configPages?.map((p) => p.id)).toContain('configuration');
    expect(deps).toEqual(expect.arrayContaining(['@grafana/data', 'react']));
  });

  it('dist/panels/overlay/module.js exports the overlay as a PanelPlugin with options', () => {
    const { plugin } = loadAmd(path.join(DIST, 'panels', 'overlay', 'module.js'), 'anomalylens-detector-app');
    expect(plugin).toBeInstanceOf(grafanaData.PanelPlugin);
    const panel = plugin as grafanaData.PanelPlugin;
    expect(panel.panel).toBeDefined();
    expect(typeof panel.getPanelOptionsSupplier()).toBe('function');
  });

  it('ships the nested panel logo and plugin.json next to its module', () => {
    for (const f of ['plugin.json', 'module.js', 'img/logo.svg']) {
      expect({ f, exists: fs.existsSync(path.join(DIST, 'panels', 'overlay', f)) }).toEqual({ f, exists: true });
    }
  });
});
