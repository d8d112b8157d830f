/**
 * Static checks of the Dockerfiles (backend-detector/Dockerfile, plugin/Dockerfile) and the
 * ignore files BuildKit applies to each: stages, paths and the runtime contract (user,
 * healthcheck, entrypoint) against the repository, since no Docker engine builds the images in CI.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SETTINGS } from '../../../src/config/schema';
import {
  copiesOf,
  dockerfileStages,
  dockerIgnored,
  ignoreFileFor,
  readCompose,
  repoPath,
  type Stage,
} from '../../support/deploy-files';

const dockerfileText = fs.readFileSync(repoPath('backend-detector/Dockerfile'), 'utf8');
const { args, stages } = dockerfileStages(dockerfileText);
const ignoreText = fs.readFileSync(repoPath(ignoreFileFor('backend-detector/Dockerfile')), 'utf8');
const finalStage = stages[stages.length - 1];
const stageNamed = (name: string): Stage | undefined => stages.find((s) => s.name === name);
const defaultHttpPort = Number(SETTINGS.find((s) => s.env === 'ANOMALYLENS_HTTP_PORT')?.default);

describe('.dockerignore matching', () => {
  it('follows Docker rules: last match wins, parents match, negation re-includes', () => {
    const rules = '**/node_modules\nplugin/*\n!plugin/package.json\n.services\n';
    expect(dockerIgnored(rules, 'backend-detector/node_modules/kafkajs/index.js')).toBe(true);
    expect(dockerIgnored(rules, 'plugin/src/module.ts')).toBe(true);
    expect(dockerIgnored(rules, 'plugin/package.json')).toBe(false);
    expect(dockerIgnored(rules, '.services/kafka/pid')).toBe(true);
    expect(dockerIgnored(rules, 'backend-detector/src/cli/main.ts')).toBe(false);
  });

  it('lets an allow-list re-include a directory below an excluded parent', () => {
    const rules = '*\n!package.json\n!plugin/src\n**/node_modules\n';
    expect(dockerIgnored(rules, 'plugin/src/panels/overlay/module.tsx')).toBe(false);
    expect(dockerIgnored(rules, 'package.json')).toBe(false);
    expect(dockerIgnored(rules, 'plugin/package.json')).toBe(true);
    expect(dockerIgnored(rules, 'plugin/harness/build.mjs')).toBe(true);
    expect(dockerIgnored(rules, 'plugin/src/node_modules/x/index.js')).toBe(true);
  });
});

describe('the ignore file BuildKit applies', () => {
  it('is <Dockerfile>.dockerignore beside the Dockerfile, else the context root .dockerignore', () => {
    expect(ignoreFileFor('plugin/Dockerfile')).toBe('plugin/Dockerfile.dockerignore');
    expect(ignoreFileFor('backend-detector/Dockerfile')).toBe('.dockerignore');
    expect(ignoreFileFor('no/such/Dockerfile', 'no/such')).toBe('');
  });
});

describe('backend-detector/Dockerfile', () => {
  it('is the file docker-compose builds, with the repository root as context', () => {
    const compose = readCompose();
    for (const name of ['detector', 'simulator']) {
      const build = compose.services[name].build;
      expect(build).toEqual({ context: '.', dockerfile: 'backend-detector/Dockerfile' });
    }
  });

  it('builds in stages on Node 20 and ends in a runtime stage', () => {
    expect(stages.map((s) => s.name)).toEqual(['build', 'prod-deps', 'runtime']);
    for (const s of stages) expect(s.from).toMatch(/^node:20[.-]/);
    expect(args.NODE_IMAGE).toBeDefined();
  });

  it('copies from earlier stages only, and those paths are produced there', () => {
    for (const stage of stages) {
      for (const copy of copiesOf(stage).filter((c) => c.from !== undefined)) {
        const source = stageNamed(copy.from as string);
        expect({
          line: copy.line,
          from: copy.from,
          earlier: source !== undefined && source.index < stage.index,
        }).toEqual({ line: copy.line, from: copy.from, earlier: true });
      }
    }
    // The compiled output the runtime copies is where tsconfig.build.json puts it.
    const tsconfig = JSON.parse(
      fs.readFileSync(repoPath('backend-detector/tsconfig.build.json'), 'utf8')
    ) as {
      compilerOptions: { outDir: string };
    };
    const build = stageNamed('build') as Stage;
    const workdir = build.instructions.filter((i) => i.keyword === 'WORKDIR').pop()?.args as string;
    const fromBuild = copiesOf(finalStage).find((c) => c.from === 'build');
    expect(fromBuild?.sources).toEqual([
      path.posix.join(workdir, 'backend-detector', tsconfig.compilerOptions.outDir),
    ]);
  });

  it('copies only context paths that exist and that .dockerignore lets through', () => {
    const sources = stages
      .flatMap((s) => copiesOf(s).filter((c) => c.from === undefined))
      .flatMap((c) => c.sources);
    expect(sources.length).toBeGreaterThan(5);
    for (const source of sources) {
      expect({
        source,
        exists: fs.existsSync(repoPath(source)),
        ignored: dockerIgnored(ignoreText, source),
      }).toEqual({
        source,
        exists: true,
        ignored: false,
      });
    }
  });

  it('keeps local installs, build output and service state out of the build context', () => {
    for (const p of [
      'node_modules/kafkajs',
      'backend-detector/node_modules/x',
      'backend-detector/dist/cli/main.js',
      'plugin/dist/module.js',
      'plugin/node_modules/react',
      '.services/kafka/data',
      '.git/HEAD',
    ]) {
      expect({ path: p, ignored: dockerIgnored(ignoreText, p) }).toEqual({ path: p, ignored: true });
    }
  });

  it('installs only production dependencies into the runtime image', () => {
    const prodDeps = stageNamed('prod-deps') as Stage;
    const install = prodDeps.instructions.find((i) => i.keyword === 'RUN' && /\bnpm ci\b/.test(i.args));
    expect(install?.args).toMatch(/--omit=dev/);
    expect(install?.args).toMatch(/--workspace[= ]backend-detector/);
    const nodeModules = copiesOf(finalStage).filter((c) => c.sources.some((s) => s.includes('node_modules')));
    expect(nodeModules.every((c) => c.from === 'prod-deps')).toBe(true);
    expect(nodeModules.length).toBeGreaterThan(0);
  });

  it('runs as an unprivileged user', () => {
    const user = finalStage.instructions.filter((i) => i.keyword === 'USER').pop()?.args;
    expect(user).toBeDefined();
    expect(['root', '0', '0:0']).not.toContain(user);
  });

  it('checks health on /healthz at the HTTP port the detector listens on by default', () => {
    const health = finalStage.instructions.find((i) => i.keyword === 'HEALTHCHECK');
    expect(health?.args).toMatch(/\/healthz/);
    expect(health?.args).toContain('ANOMALYLENS_HTTP_PORT');
    expect(health?.args).toContain(String(defaultHttpPort));
    const exposed = finalStage.instructions.filter((i) => i.keyword === 'EXPOSE').map((i) => Number(i.args));
    expect(exposed).toContain(defaultHttpPort);
  });

  it('starts the CLI launcher, which loads the compiled entry point', () => {
    const entrypoint = JSON.parse(
      finalStage.instructions.find((i) => i.keyword === 'ENTRYPOINT')?.args ?? '[]'
    ) as string[];
    expect(entrypoint[0]).toBe('node');
    const workdir = finalStage.instructions.filter((i) => i.keyword === 'WORKDIR').pop()?.args as string;
    const launcher = path.posix.relative(workdir, entrypoint[1]);
    expect(fs.existsSync(repoPath(launcher))).toBe(true);
    const copied = copiesOf(finalStage).some((c) => c.sources.includes(path.posix.dirname(launcher)));
    expect(copied).toBe(true);
    expect(fs.readFileSync(repoPath(launcher), 'utf8')).toMatch(/'dist', 'cli', 'main\.js'/);
    const cmd = JSON.parse(
      finalStage.instructions.find((i) => i.keyword === 'CMD')?.args ?? '[]'
    ) as string[];
    expect(cmd).toEqual(['run']);
  });
});

/** Files below `dir` (repository-relative), skipping installs and build output. */
function filesUnder(dir: string): string[] {
  return fs.readdirSync(repoPath(dir), { withFileTypes: true }).flatMap((e) => {
    const rel = path.posix.join(dir, e.name);
    if (['node_modules', 'dist'].includes(e.name)) return [];
    return e.isDirectory() ? filesUnder(rel) : [rel];
  });
}

/** Whether a COPY of `sources` (files or directories, context-relative) brings `file` in. */
const copiedBy = (sources: string[], file: string): boolean =>
  sources.some((s) => file === s || file.startsWith(`${s.replace(/\/+$/, '')}/`));

describe('plugin/Dockerfile', () => {
  const text = fs.readFileSync(repoPath('plugin/Dockerfile'), 'utf8');
  const plugin = dockerfileStages(text);
  const ignoreFile = ignoreFileFor('plugin/Dockerfile');
  const pluginIgnore = fs.readFileSync(repoPath(ignoreFile), 'utf8');
  const builder = plugin.stages.find((s) => s.name === 'build') as Stage;
  const contextSources = copiesOf(builder)
    .filter((c) => c.from === undefined)
    .flatMap((c) => c.sources);
  const pluginPkg = JSON.parse(fs.readFileSync(repoPath('plugin/package.json'), 'utf8')) as {
    name: string;
    scripts: Record<string, string>;
    dependencies: Record<string, string>;
  };

  it('builds on Node 20 and ends in the Grafana release the plugin builds against', () => {
    expect(plugin.stages.map((s) => s.name)).toEqual(['build', 'runtime']);
    expect(builder.from).toMatch(/^node:20[.-]/);
    expect(plugin.stages[1].from).toBe(`grafana/grafana:${pluginPkg.dependencies['@grafana/data']}`);
    expect(plugin.args.NODE_IMAGE).toBe(args.NODE_IMAGE); // one Node for both images
  });

  it('has its own ignore file, so the root one (which drops plugin sources) does not apply', () => {
    expect(ignoreFile).toBe('plugin/Dockerfile.dockerignore');
    const rootIgnore = fs.readFileSync(repoPath('.dockerignore'), 'utf8');
    expect(dockerIgnored(rootIgnore, 'plugin/src/module.tsx')).toBe(true);
    expect(dockerIgnored(pluginIgnore, 'plugin/src/module.tsx')).toBe(false);
  });

  it('copies only context paths that exist and that its ignore file lets through', () => {
    expect(contextSources.length).toBeGreaterThan(5);
    for (const source of contextSources) {
      expect({
        source,
        exists: fs.existsSync(repoPath(source)),
        ignored: dockerIgnored(pluginIgnore, source),
      }).toEqual({ source, exists: true, ignored: false });
    }
  });

  it('brings in every file the production webpack build reads, through the ignore file', () => {
    const inputs = [
      'package.json',
      'package-lock.json',
      'plugin/package.json',
      'plugin/tsconfig.json',
      'plugin/webpack.config.ts',
      // copied into dist by .config/bundler/copyFiles.ts
      'plugin/README.md',
      'plugin/LICENSE',
      'plugin/CHANGELOG.md',
      ...filesUnder('plugin/src'),
      ...filesUnder('plugin/.config/bundler'),
      ...filesUnder('plugin/.config/webpack'),
      'plugin/.config/tsconfig.json',
      'plugin/.config/.cprc.json',
    ];
    expect(inputs).toContain('plugin/src/module.tsx');
    expect(inputs).toContain('plugin/src/panels/overlay/module.ts');
    for (const file of inputs) {
      expect({
        file,
        copied: copiedBy(contextSources, file),
        ignored: dockerIgnored(pluginIgnore, file),
      }).toEqual({ file, copied: true, ignored: false });
    }
  });

  it('copies every workspace manifest before npm ci, which checks the lockfile against all of them', () => {
    const root = JSON.parse(fs.readFileSync(repoPath('package.json'), 'utf8')) as { workspaces: string[] };
    for (const [name, stages] of [
      ['plugin/Dockerfile', plugin.stages],
      ['backend-detector/Dockerfile', dockerfileStages(dockerfileText).stages],
    ] as const) {
      for (const stage of stages) {
        const ci = stage.instructions.findIndex((i) => i.keyword === 'RUN' && /\bnpm ci\b/.test(i.args));
        if (ci < 0) continue;
        const before = copiesOf({ ...stage, instructions: stage.instructions.slice(0, ci) })
          .filter((c) => c.from === undefined)
          .flatMap((c) => c.sources);
        for (const file of [
          'package.json',
          'package-lock.json',
          ...root.workspaces.map((w) => `${w}/package.json`),
        ])
          expect({ dockerfile: name, stage: stage.name, file, copied: before.includes(file) }).toEqual({
            dockerfile: name,
            stage: stage.name,
            file,
            copied: true,
          });
      }
    }
  });

  it('installs the plugin workspace and runs its own build script (the Node 20 ts-node settings live there)', () => {
    const runs = builder.instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args);
    const ci = runs.find((r) => /\bnpm ci\b/.test(r));
    expect(ci).toMatch(new RegExp(`--workspace[= ](plugin|${pluginPkg.name})\\b`));
    const build = runs.find((r) => /\bnpm run build\b/.test(r));
    expect(build).toMatch(/--workspace[= ]plugin\b/);
    expect(runs.some((r) => /\bwebpack\b/.test(r))).toBe(false);
    expect(pluginPkg.scripts.build).toMatch(/TS_NODE_COMPILER_OPTIONS=.*webpack .*--env production/);
  });

  it('keeps local installs, build output and everything else out of its context', () => {
    for (const p of [
      'node_modules/webpack/package.json',
      'plugin/node_modules/react/index.js',
      'plugin/dist/module.js',
      'plugin/src/node_modules/x.js',
      'plugin/.eslintcache',
      'plugin/harness/build.mjs',
      'backend-detector/src/cli/main.ts',
      '.services/kafka/data',
      '.git/HEAD',
      'provisioning/dashboards/anomalylens/overview.json',
    ]) {
      expect({ path: p, ignored: dockerIgnored(pluginIgnore, p) }).toEqual({ path: p, ignored: true });
    }
  });
});
