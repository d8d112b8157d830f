/**
 * Static checks of docker-compose.yml: no Docker engine runs in CI, so the stack is
 * validated by parsing it and cross-checking it against the repository — the Compose
 * schema, mounted files, service references, ports and the detector's config schema.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DCLinter } from 'dclint';
import { stringify } from 'yaml';
import { loadConfig } from '../../../src/config/load';
import { SETTINGS } from '../../../src/config/schema';
import { KAFKA_USAGE } from '../../../src/cli/simulate-kafka';
import { parsePolicy } from '../../../src/policy/parse';
import { METRIC_KINDS } from '../../../src/simulate/metrics';
import {
  argv,
  copiesOf,
  dependenciesOf,
  dockerfileStages,
  environmentOf,
  flagValue,
  hostPort,
  kafkaListeners,
  mountsOf,
  publishedTargets,
  readCompose,
  readYaml,
  repoPath,
  type ComposeFile,
  type ComposeService,
} from '../../support/deploy-files';

const compose = readCompose();
const services = compose.services;
const service = (name: string): ComposeService => {
  const s = services[name];
  if (!s) throw new Error(`docker-compose.yml has no service '${name}'`);
  return s;
};

const APP_ID = 'anomalylens-detector-app';
const PANEL_ID = 'anomalylens-overlay-panel';

/** Rules about key order and quoting are style; only schema and correctness errors count. */
function composeErrors(file: string): string[] {
  const off = 0 as const;
  const linter = new DCLinter({
    rules: {
      'service-keys-order': off,
      'services-alphabetical-order': off,
      'service-dependencies-alphabetical-order': off,
      'service-ports-alphabetical-order': off,
      'top-level-properties-order': off,
      'require-quotes-in-ports': off,
      // Compose defines build + image as "build, then tag as image"; we pin our image tags.
      'no-build-and-image': off,
    },
    quiet: true,
    debug: false,
    exclude: [],
  });
  return linter
    .lintFiles([file], false)
    .flatMap((r) => r.messages)
    .filter((m) => m.type === 'error')
    .map((m) => `${m.line}:${m.column} ${m.message} (${m.rule})`);
}

function withTempCompose(doc: ComposeFile, check: (file: string) => void): void {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'anomalylens-compose-'));
  try {
    const file = path.join(dir, 'docker-compose.yml');
    fs.writeFileSync(file, stringify(doc));
    check(file);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function hasHealthcheck(name: string): boolean {
  const s = service(name);
  if (s.healthcheck) return s.healthcheck.disable !== true;
  if (s.build === undefined) return false;
  const dockerfile = typeof s.build === 'string' ? 'Dockerfile' : (s.build.dockerfile ?? 'Dockerfile');
  const context = typeof s.build === 'string' ? s.build : (s.build.context ?? '.');
  const text = fs.readFileSync(repoPath(context, dockerfile), 'utf8');
  const { stages } = dockerfileStages(text);
  return stages[stages.length - 1].instructions.some(
    (i) => i.keyword === 'HEALTHCHECK' && !/^NONE\b/i.test(i.args)
  );
}

describe('docker-compose.yml', () => {
  it('is a valid Compose file', () => {
    expect(composeErrors(repoPath('docker-compose.yml'))).toEqual([]);
  });

  it('the schema check rejects a broken file', () => {
    const broken = structuredClone(compose);
    (broken.services.detector as Record<string, unknown>).restart_policy = 'always';
    withTempCompose(broken, (file) =>
      expect(composeErrors(file).join('\n')).toMatch(/services\/detector.*additional properties/)
    );
  });

  it('runs the whole stack', () => {
    expect(Object.keys(services).sort()).toEqual(
      ['detector', 'grafana', 'kafka', 'prometheus', 'simulator', 'topics'].sort()
    );
  });

  it('mounts only files and directories that exist in the repository', () => {
    for (const [name, s] of Object.entries(services)) {
      for (const m of mountsOf(s).filter((x) => x.kind === 'bind')) {
        const rel = path.normalize(m.source);
        expect({ service: name, source: m.source, exists: fs.existsSync(repoPath(rel)) }).toEqual({
          service: name,
          source: m.source,
          exists: true,
        });
      }
    }
  });

  describe('Grafana image', () => {
    const grafana = service('grafana');
    const build = grafana.build;
    const dockerfile =
      build === undefined || typeof build === 'string'
        ? ''
        : path.posix.join(build.context ?? '.', build.dockerfile ?? 'Dockerfile');
    const { stages } = dockerfileStages(fs.readFileSync(repoPath(dockerfile), 'utf8'));
    const runtime = stages[stages.length - 1];
    const imageEnv = Object.fromEntries(
      runtime.instructions
        .filter((i) => i.keyword === 'ENV')
        .map((i) => /^(\w+)[= ](.*)$/.exec(i.args) as RegExpExecArray)
        .map((m) => [m[1], m[2]])
    ) as Record<string, string>;
    // What Grafana reads at run time: compose's environment overrides the image's ENV.
    const pluginsDir =
      environmentOf(grafana).GF_PATHS_PLUGINS ?? imageEnv.GF_PATHS_PLUGINS ?? '/var/lib/grafana/plugins';
    const grafanaDataVersion = (): string => {
      const pkg = JSON.parse(fs.readFileSync(repoPath('plugin/package.json'), 'utf8')) as {
        dependencies?: Record<string, string>;
      };
      const version = pkg.dependencies?.['@grafana/data'];
      expect(version).toMatch(/^\d+\.\d+\.\d+$/); // exact, or the image could drift from the build
      return version as string;
    };

    it('is built from plugin/Dockerfile with the repository root as context, not mounted from a local build', () => {
      expect(build).toEqual({ context: '.', dockerfile: 'plugin/Dockerfile' });
      for (const m of mountsOf(grafana)) expect(path.normalize(m.source)).not.toMatch(/^plugin\b/);
    });

    it('copies the webpack output into the plugins directory Grafana reads, as the app plugin id', () => {
      const copy = copiesOf(runtime).find((c) => c.from !== undefined);
      expect(copy?.dest).toBe(path.posix.join(pluginsDir, APP_ID));
      // The scaffold's webpack config writes to DIST_DIR inside the workspace it builds in.
      const constants = fs.readFileSync(repoPath('plugin/.config/bundler/constants.ts'), 'utf8');
      const distDir = /DIST_DIR\s*=\s*['"]([^'"]+)['"]/.exec(constants)?.[1] as string;
      expect(distDir).toBeDefined();
      const builder = stages.find((s) => s.name === copy?.from) as (typeof stages)[number];
      const workdir = builder.instructions.filter((i) => i.keyword === 'WORKDIR').pop()?.args as string;
      expect(copy?.sources).toEqual([path.posix.join(workdir, 'plugin', distDir)]);
      const pluginJson = JSON.parse(fs.readFileSync(repoPath('plugin/src/plugin.json'), 'utf8')) as {
        id: string;
      };
      expect(pluginJson.id).toBe(APP_ID);
    });

    it('keeps the plugins directory off the data volume, so a rebuilt image shows the new plugin', () => {
      for (const m of mountsOf(grafana)) {
        const inside = `${pluginsDir}/`.startsWith(`${m.target.replace(/\/+$/, '')}/`);
        expect({ mount: m.target, pluginsDir, shadowsPlugins: inside }).toEqual({
          mount: m.target,
          pluginsDir,
          shadowsPlugins: false,
        });
      }
    });

    it('runs the Grafana release the plugin builds against', () => {
      const version = grafanaDataVersion();
      expect(runtime.from).toBe(`grafana/grafana:${version}`);
      expect(grafana.image).toBe(`anomaly-lens-grafana:${version}`);
    });

    it('lets Grafana load both unsigned plugins the build produces', () => {
      const allowed = (environmentOf(grafana).GF_PLUGINS_ALLOW_LOADING_UNSIGNED_PLUGINS ?? '')
        .split(',')
        .map((s) => s.trim());
      const panel = JSON.parse(
        fs.readFileSync(repoPath('plugin/src/panels/overlay/plugin.json'), 'utf8')
      ) as { id: string };
      expect(panel.id).toBe(PANEL_ID);
      expect(allowed).toEqual(expect.arrayContaining([APP_ID, PANEL_ID]));
    });
  });

  it('mounts provisioning where Grafana reads it and the home dashboard exists there', () => {
    const grafana = service('grafana');
    const prov = mountsOf(grafana).find((m) => m.target === '/etc/grafana/provisioning');
    expect(prov?.source).toBe('./provisioning');
    const home = environmentOf(grafana).GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH;
    if (home) {
      expect(home.startsWith('/etc/grafana/provisioning/')).toBe(true);
      expect(fs.existsSync(repoPath('provisioning', home.slice('/etc/grafana/provisioning/'.length)))).toBe(
        true
      );
    }
  });

  it('declares every named volume it uses, and uses every one it declares', () => {
    const used = new Set(
      Object.values(services).flatMap((s) =>
        mountsOf(s)
          .filter((m) => m.kind === 'volume')
          .map((m) => m.source)
      )
    );
    expect([...used].sort()).toEqual(Object.keys(compose.volumes ?? {}).sort());
  });

  it('depends only on services that exist, with conditions those services can meet', () => {
    for (const [name, s] of Object.entries(services)) {
      for (const [dep, condition] of Object.entries(dependenciesOf(s))) {
        expect({ service: name, dependsOn: dep, exists: dep in services }).toEqual({
          service: name,
          dependsOn: dep,
          exists: true,
        });
        if (condition === 'service_healthy') {
          expect({ service: name, dependsOn: dep, hasHealthcheck: hasHealthcheck(dep) }).toEqual({
            service: name,
            dependsOn: dep,
            hasHealthcheck: true,
          });
        }
        if (condition === 'service_completed_successfully') {
          // A one-shot job: restarting it would never let the condition hold.
          expect({ dependsOn: dep, restart: service(dep).restart ?? 'no' }).toEqual({
            dependsOn: dep,
            restart: 'no',
          });
        }
      }
    }
  });

  it('gives every long-running service a healthcheck', () => {
    for (const name of ['kafka', 'detector', 'prometheus', 'grafana']) {
      expect({ service: name, healthcheck: hasHealthcheck(name) }).toEqual({
        service: name,
        healthcheck: true,
      });
    }
  });

  describe('Kafka', () => {
    const env = environmentOf(service('kafka'));
    const listeners = kafkaListeners(env.KAFKA_LISTENERS);
    const advertised = kafkaListeners(env.KAFKA_ADVERTISED_LISTENERS);

    it('is a single KRaft node with a listener for containers and one for the host', () => {
      expect(env.KAFKA_PROCESS_ROLES.split(',').sort()).toEqual(['broker', 'controller']);
      expect(env.KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR).toBe('1');
      expect(env.KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR).toBe('1');
      const internal = [...advertised.values()].filter((l) => l.host === 'kafka');
      const host = [...advertised.entries()].filter(
        ([, l]) => l.host === 'localhost' || l.host === '127.0.0.1'
      );
      expect(internal).toHaveLength(1);
      expect(host).toHaveLength(1);
      // The host listener is published on the same port it advertises.
      expect(publishedTargets(service('kafka'))).toContain(host[0][1].port);
      for (const [name, l] of advertised) expect(listeners.get(name)?.port).toBe(l.port);
      const controller = env.KAFKA_CONTROLLER_LISTENER_NAMES;
      expect(listeners.has(controller)).toBe(true);
      expect(advertised.has(controller)).toBe(false);
    });

    it('runs the same Kafka release as the local test services', () => {
      const pom = fs.readFileSync(repoPath('scripts/services/kafka/pom.xml'), 'utf8');
      const version = /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(pom)?.[1];
      expect(service('kafka').image).toBe(`apache/kafka:${version}`);
      expect(service('topics').image).toBe(`apache/kafka:${version}`);
    });

    const internalAddress = (): string => {
      const l = [...advertised.values()].find((x) => x.host === 'kafka') as { host: string; port: number };
      return `${l.host}:${l.port}`;
    };

    it('is reached by every client through its container listener', () => {
      const detector = loadConfig(environmentOf(service('detector')), undefined);
      expect(detector.kafkaBrokers).toEqual([internalAddress()]);
      expect(flagValue(argv(service('simulator').command), '--brokers')).toBe(internalAddress());
      const topicsScript = argv(service('topics').command).join(' ');
      const bootstraps = [...topicsScript.matchAll(/--bootstrap-server\s+(\S+)/g)].map((m) => m[1]);
      expect(bootstraps.length).toBeGreaterThan(0);
      for (const b of bootstraps) expect(b).toBe(internalAddress());
      const health = argv(service('kafka').healthcheck?.test).join(' ');
      expect(health).toContain(internalAddress());
    });

    it('has every topic the detector and simulator use created up front', () => {
      const script = argv(service('topics').command).join(' ');
      const created = [...script.matchAll(/create\s+--topic\s+(\S+)/g)].map((m) => m[1]);
      const detector = loadConfig(environmentOf(service('detector')), undefined);
      const needed = [...detector.inputTopics.map((t) => t.topic), detector.dlqTopic];
      const simulatorTopic = flagValue(argv(service('simulator').command), '--topic');
      if (simulatorTopic) needed.push(simulatorTopic);
      expect(created).toEqual(expect.arrayContaining([...needed, 'anomalylens.models']));
      expect(script).toMatch(/--topic anomalylens\.models\b[^\n]*cleanup\.policy=compact/);
    });
  });

  describe('detector', () => {
    const env = environmentOf(service('detector'));

    it('sets only ANOMALYLENS_* variables that exist in the config schema', () => {
      const known = new Set<string>(SETTINGS.map((s) => s.env));
      for (const [name, s] of Object.entries(services)) {
        for (const key of Object.keys(environmentOf(s)).filter((k) => k.startsWith('ANOMALYLENS_'))) {
          expect({ service: name, variable: key, known: known.has(key) }).toEqual({
            service: name,
            variable: key,
            known: true,
          });
        }
      }
    });

    it('passes the detector config validation', () => {
      expect(() => loadConfig(env, undefined)).not.toThrow();
    });

    it('mounts a valid detection policy where ANOMALYLENS_POLICY_FILE points', () => {
      const file = env.ANOMALYLENS_POLICY_FILE;
      expect(file).toBeDefined();
      const mount = mountsOf(service('detector')).find((m) => file!.startsWith(`${m.target}/`));
      expect(mount).toMatchObject({ kind: 'bind' });
      // The directory, not the file: a file bind mount would not see an editor's rename.
      expect(fs.statSync(repoPath(mount!.source)).isDirectory()).toBe(true);
      const local = path.join(repoPath(mount!.source), file!.slice(mount!.target.length + 1));
      const policy = parsePolicy(fs.readFileSync(local, 'utf8'), path.relative(repoPath('.'), local));
      expect(policy.rules.length).toBeGreaterThan(0);
      // Its selectors name metrics the simulator sends.
      for (const r of policy.rules) {
        const metric = r.match.matchers.find((m) => m.name === 'metric' && m.op === '=');
        if (metric) expect(METRIC_KINDS).toContain(metric.value);
      }
    });

    it('writes to the Prometheus service, which has the remote-write receiver on', () => {
      const cfg = loadConfig(env, undefined);
      const target = hostPort(cfg.remoteWriteUrl);
      expect(target.host).toBe('prometheus');
      expect(new URL(cfg.remoteWriteUrl).pathname).toBe('/api/v1/write');
      const promArgs = argv(service('prometheus').command);
      expect(promArgs).toContain('--web.enable-remote-write-receiver');
      const listen = flagValue(promArgs, '--web.listen-address') ?? ':9090';
      expect(target.port).toBe(Number(listen.split(':').pop()));
    });

    it('serves HTTP on the port Prometheus scrapes, publishes and the image exposes', () => {
      const cfg = loadConfig(env, undefined);
      const promArgs = argv(service('prometheus').command);
      const configPath = flagValue(promArgs, '--config.file') as string;
      const mount = mountsOf(service('prometheus')).find((m) => m.target === configPath);
      expect(mount).toBeDefined();
      const promConfig = readYaml<{
        scrape_configs: {
          job_name: string;
          static_configs?: { targets: string[] }[];
          dns_sd_configs?: { names: string[]; type?: string; port: number }[];
        }[];
        storage?: { tsdb?: { out_of_order_time_window?: string } };
      }>(repoPath(mount?.source as string));
      // Every replica is scraped: the detector is found by DNS (one A record per container),
      // not as one fixed target.
      const discovered = promConfig.scrape_configs.flatMap((j) =>
        (j.dns_sd_configs ?? [])
          .filter((d) => d.type === 'A')
          .flatMap((d) => d.names.map((n) => `${n}:${d.port}`))
      );
      expect(discovered).toContain(`detector:${cfg.httpPort}`);
      expect(publishedTargets(service('detector'))).toContain(cfg.httpPort);
      const dockerfile = fs.readFileSync(repoPath('backend-detector/Dockerfile'), 'utf8');
      expect(dockerfile).toMatch(new RegExp(`^EXPOSE\\s+${cfg.httpPort}\\b`, 'm'));
      // Remote-written samples arrive out of order (replays, redeliveries): the window must be set.
      expect(promConfig.storage?.tsdb?.out_of_order_time_window).toMatch(/^\d+[smhdwy]$/);
    });
  });

  it('scales the detector: no fixed name, and a host port per replica of the input partitions', () => {
    const detector = service('detector') as { container_name?: string; ports?: unknown[] };
    expect(detector.container_name).toBeUndefined();
    const published = (detector.ports ?? []).map(String);
    expect(published).toHaveLength(1);
    const range = /^127\.0\.0\.1:(\d+)-(\d+):\d+$/.exec(published[0]);
    expect(range).not.toBeNull();
    const topics = String((service('topics') as { command: string[] }).command.join(' '));
    const partitions = Number(/--topic metrics --partitions (\d+)/.exec(topics)?.[1]);
    expect(partitions).toBeGreaterThan(1);
    expect(Number(range![2]) - Number(range![1]) + 1).toBeGreaterThanOrEqual(partitions);
  });

  it('runs the simulator with options `simulate --to kafka` documents', () => {
    const args = argv(service('simulator').command);
    expect(args.slice(0, 3)).toEqual(['simulate', '--to', 'kafka']);
    const documented = new Set([...KAFKA_USAGE.matchAll(/^\s+(--[a-z-]+)/gm)].map((m) => m[1]));
    const used = args.filter((a) => a.startsWith('--'));
    for (const flag of used)
      expect({ flag, documented: documented.has(flag) }).toEqual({ flag, documented: true });
    expect(used).toContain('--loop'); // a one-off run would leave the stack without live data
  });

  it("points Grafana's provisioned datasource at the Prometheus service", () => {
    const ds = readYaml<{ datasources: { uid: string; url: string }[] }>(
      repoPath('provisioning/datasources/anomalylens.yaml')
    );
    const prom = ds.datasources.find((d) => d.uid === 'anomalylens-prometheus');
    expect(prom).toBeDefined();
    const listen = flagValue(argv(service('prometheus').command), '--web.listen-address') ?? ':9090';
    expect(hostPort(prom?.url as string)).toEqual({
      host: 'prometheus',
      port: Number(listen.split(':').pop()),
    });
  });

  it('refers by name only to services that exist', () => {
    const text = JSON.stringify(
      Object.values(services).map((s) => [environmentOf(s), argv(s.command), argv(s.healthcheck?.test)])
    );
    const hosts = new Set<string>();
    for (const m of text.matchAll(/(?:\/\/|@|\b)([a-z][a-z0-9-]*):(\d{2,5})\b/g)) hosts.add(m[1]);
    for (const local of ['localhost', 'http', 'https']) hosts.delete(local);
    for (const host of hosts)
      expect({ host, isService: host in services }).toEqual({ host, isService: true });
    expect(hosts.size).toBeGreaterThan(0);
  });

  it('bakes in no secrets', () => {
    for (const [name, s] of Object.entries(services)) {
      const raw = s.environment ?? {};
      const entries = Array.isArray(raw)
        ? raw.map((e) => [e.split('=')[0], e.slice(e.indexOf('=') + 1)] as const)
        : Object.entries(raw).map(([k, v]) => [k, String(v ?? '')] as const);
      for (const [key, value] of entries.filter(([k]) => /PASSWORD|TOKEN|SECRET|_KEY$/.test(k))) {
        // Secrets come from the user's environment (${VAR}), never from this file.
        expect({ service: name, key, fromEnvironment: /^\$\{[A-Z0-9_]+(:?-[^}]*)?\}$/.test(value) }).toEqual({
          service: name,
          key,
          fromEnvironment: true,
        });
      }
    }
  });
});
