/**
 * Static checks of backend-detector/Dockerfile and .dockerignore: stages, paths and the
 * runtime contract (user, healthcheck, entrypoint) against the repository, since no
 * Docker engine builds the image in CI.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SETTINGS } from '../../../src/config/schema';
import { copiesOf, dockerfileStages, dockerIgnored, readCompose, repoPath, type Stage } from './deploy-files';

const dockerfileText = fs.readFileSync(repoPath('backend-detector/Dockerfile'), 'utf8');
const { args, stages } = dockerfileStages(dockerfileText);
const ignoreText = fs.readFileSync(repoPath('.dockerignore'), 'utf8');
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
