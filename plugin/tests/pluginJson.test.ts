import Ajv from 'ajv';
import fs from 'fs';
import path from 'path';

/**
 * Grafana's plugin.json rules (from its plugin.json JSON schema), restated for this project's
 * two plugins: required fields, id pattern, types, info/logos/dependencies shapes and includes.
 */
const ID_PATTERN = '^[0-9a-z]+\\-([0-9a-z]+\\-)?(app|panel|datasource|secretsmanager|transformer)$';
const pluginJsonRules = {
  type: 'object',
  required: ['type', 'name', 'id', 'info', 'dependencies'],
  additionalProperties: false,
  properties: {
    $schema: { type: 'string' },
    id: { type: 'string', pattern: ID_PATTERN },
    type: { enum: ['app', 'datasource', 'panel', 'renderer', 'secretsmanager', 'transformer'] },
    name: { type: 'string', minLength: 1 },
    state: { enum: ['alpha', 'beta'] },
    autoEnabled: { type: 'boolean' },
    preload: { type: 'boolean' },
    skipDataQuery: { type: 'boolean' },
    // Written into dist/plugin.json by the scaffold's own BuildModeWebpackPlugin.
    buildMode: { enum: ['production', 'development'] },
    info: {
      type: 'object',
      required: ['logos', 'version', 'updated', 'keywords'],
      additionalProperties: false,
      properties: {
        author: {
          type: 'object',
          additionalProperties: false,
          properties: { name: { type: 'string' }, email: { type: 'string' }, url: { type: 'string' } },
        },
        description: { type: 'string' },
        keywords: { type: 'array', minItems: 1, items: { type: 'string' } },
        links: {
          type: 'array',
          items: {
            type: 'object',
            additionalProperties: false,
            properties: { name: { type: 'string' }, url: { type: 'string' } },
          },
        },
        logos: {
          type: 'object',
          required: ['small', 'large'],
          additionalProperties: false,
          properties: { small: { type: 'string' }, large: { type: 'string' } },
        },
        screenshots: {
          type: 'array',
          items: {
            type: 'object',
            additionalProperties: false,
            properties: { name: { type: 'string' }, path: { type: 'string' } },
          },
        },
        updated: { type: 'string', pattern: '^(\\d{4}-\\d{2}-\\d{2}|\\%TODAY\\%)$' },
        version: { type: 'string', pattern: '^(0|[1-9]\\d*)\\.(0|[1-9]\\d*)\\.(0|[1-9]\\d*)|(\\%VERSION\\%)$' },
      },
    },
    dependencies: {
      type: 'object',
      required: ['grafanaDependency'],
      additionalProperties: false,
      properties: {
        grafanaVersion: { type: 'string' },
        grafanaDependency: {
          type: 'string',
          pattern:
            '^(<=|>=|<|>|=|~|\\^)?([0-9]+)(\\.[0-9x\\*]+)(\\.[0-9x\\*]+)?(\\s(<=|>=|<|=>)?([0-9]+)(\\.[0-9x]+)(\\.[0-9x]+))?$',
        },
        plugins: {
          type: 'array',
          items: {
            type: 'object',
            required: ['id', 'name', 'type', 'version'],
            properties: {
              id: { type: 'string', pattern: ID_PATTERN },
              type: { enum: ['app', 'datasource', 'panel', 'secretsmanager'] },
              name: { type: 'string' },
              version: { type: 'string' },
            },
          },
        },
      },
    },
    includes: {
      type: 'array',
      items: {
        type: 'object',
        required: ['type', 'name'],
        additionalProperties: false,
        properties: {
          uid: { type: 'string' },
          type: { enum: ['dashboard', 'page', 'panel', 'datasource', 'secretsmanager'] },
          name: { type: 'string' },
          component: { type: 'string' },
          role: { enum: ['Admin', 'Editor', 'Viewer'] },
          action: { type: 'string' },
          path: { type: 'string' },
          addToNav: { type: 'boolean' },
          defaultNav: { type: 'boolean' },
          icon: { type: 'string' },
        },
      },
    },
  },
};

// Grafana's patterns escape '-', which unicode-mode regexps reject.
const ajv = new Ajv({ allErrors: true, unicodeRegExp: false });
const validate = ajv.compile(pluginJsonRules);

const ROOT = path.resolve(__dirname, '..');
const SRC = path.join(ROOT, 'src');
const DIST = path.join(ROOT, 'dist');

interface PluginJson {
  id: string;
  type: string;
  name: string;
  info: { logos: { small: string; large: string }; version: string; updated: string };
  includes?: Array<{ type: string; name: string; path?: string; defaultNav?: boolean; addToNav?: boolean }>;
}

function readJson(file: string): PluginJson {
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

/** Every plugin.json under a directory, as Grafana discovers nested plugins. */
function findPluginJsons(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      out.push(...findPluginJsons(full));
    } else if (entry.name === 'plugin.json') {
      out.push(full);
    }
  }
  return out;
}

function checkPluginTree(base: string, built: boolean) {
  const files = findPluginJsons(base);
  const byId = new Map(files.map((f) => [readJson(f).id, { file: f, json: readJson(f) }]));

  it('holds exactly the app and its nested panel', () => {
    expect([...byId.keys()].sort()).toEqual(['anomalylens-detector-app', 'anomalylens-overlay-panel']);
    expect(path.relative(base, byId.get('anomalylens-detector-app')!.file)).toBe('plugin.json');
  });

  it.each(files.map((f) => [path.relative(ROOT, f), f]))('%s satisfies the plugin.json rules', (_rel, file) => {
    const ok = validate(readJson(file));
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  });

  it.each(files.map((f) => [path.relative(ROOT, f), f]))(
    '%s: type matches the id suffix, logos and module exist',
    (_rel, file) => {
      const json = readJson(file);
      expect(json.id.endsWith(`-${json.type}`)).toBe(true);
      const dir = path.dirname(file);
      for (const logo of [json.info.logos.small, json.info.logos.large]) {
        expect({ logo, exists: fs.existsSync(path.join(dir, logo)) }).toEqual({ logo, exists: true });
      }
      const modules = fs.readdirSync(dir).filter((f) => /^module\.(js|ts|tsx)$/.test(f));
      expect(modules.length).toBe(1);
      if (built) {
        expect(json.info.version).toMatch(/^\d+\.\d+\.\d+$/);
        expect(json.info.updated).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      }
    }
  );

  it('app includes: one default page, app-relative page paths, the nested panel reachable', () => {
    const app = byId.get('anomalylens-detector-app')!.json;
    const pages = (app.includes ?? []).filter((i) => i.type === 'page');
    expect(pages.filter((p) => p.defaultNav)).toHaveLength(1);
    for (const p of pages) {
      const appPage = built ? `/a/${app.id}/` : '/a/%PLUGIN_ID%/';
      const configPage = built ? `/plugins/${app.id}` : '/plugins/%PLUGIN_ID%';
      expect(p.path === configPage || p.path?.startsWith(appPage)).toBe(true);
    }
    const panelIncludes = (app.includes ?? []).filter((i) => i.type === 'panel');
    const panel = byId.get('anomalylens-overlay-panel')!.json;
    expect(panelIncludes.map((i) => i.name)).toEqual([panel.name]);
    expect(panel.type).toBe('panel');
  });
}

describe('plugin.json in src/', () => {
  checkPluginTree(SRC, false);
});

describe('plugin.json in dist/ (after npm run build)', () => {
  if (!fs.existsSync(path.join(DIST, 'plugin.json'))) {
    it('exists', () => {
      throw new Error('plugin/dist is missing: run `npm run build -w plugin` before the tests');
    });
    return;
  }
  checkPluginTree(DIST, true);
});
