/**
 * Readers for the deployment files (docker-compose.yml, the Dockerfiles and their
 * .dockerignore files) shared by the static deploy tests. No Docker engine runs in CI, so these
 * files are checked by parsing them and cross-checking against the repository.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';

export const REPO_ROOT = path.resolve(__dirname, '../../..');
export const repoPath = (...parts: string[]): string => path.join(REPO_ROOT, ...parts);

export interface ComposeHealthcheck {
  test?: string | string[];
  disable?: boolean;
}

export interface ComposeService {
  image?: string;
  build?: string | { context?: string; dockerfile?: string };
  command?: string | string[];
  entrypoint?: string | string[];
  environment?: Record<string, string | number | boolean | null> | string[];
  ports?: (string | { target: number; published?: string | number; host_ip?: string })[];
  volumes?: (string | { type: string; source?: string; target: string; read_only?: boolean })[];
  depends_on?: string[] | Record<string, { condition?: string }>;
  healthcheck?: ComposeHealthcheck;
  restart?: string;
  [key: string]: unknown;
}

export interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
  [key: string]: unknown;
}

export function readYaml<T>(file: string): T {
  // merge: resolve `<<: *anchor` keys as Compose does.
  return parse(fs.readFileSync(file, 'utf8'), { merge: true }) as T;
}

export function readCompose(file = repoPath('docker-compose.yml')): ComposeFile {
  return readYaml<ComposeFile>(file);
}

/** Compose variable interpolation with defaults taken (`${X:-d}` → d), `$$` → `$`. */
export function interpolate(value: string): string {
  return value
    .replace(
      /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}/g,
      (_m, _name: string, dflt?: string) => dflt ?? ''
    )
    .replace(/\$\$/g, '$');
}

export function environmentOf(service: ComposeService): Record<string, string> {
  const env: Record<string, string> = {};
  const raw = service.environment ?? {};
  if (Array.isArray(raw)) {
    for (const entry of raw) {
      const eq = entry.indexOf('=');
      if (eq > 0) env[entry.slice(0, eq)] = interpolate(entry.slice(eq + 1));
    }
  } else {
    for (const [key, value] of Object.entries(raw))
      env[key] = value === null ? '' : interpolate(String(value));
  }
  return env;
}

export function argv(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value.map(String) : value.split(/\s+/).filter(Boolean);
}

/** Value of `--name value` or `--name=value` in an argument list. */
export function flagValue(args: string[], name: string): string | undefined {
  for (let i = 0; i < args.length; i++) {
    if (args[i] === name) return args[i + 1];
    if (args[i].startsWith(`${name}=`)) return args[i].slice(name.length + 1);
  }
  return undefined;
}

export interface Mount {
  kind: 'bind' | 'volume';
  source: string;
  target: string;
}

export function mountsOf(service: ComposeService): Mount[] {
  return (service.volumes ?? []).map((v) => {
    if (typeof v !== 'string') {
      return { kind: v.type === 'bind' ? 'bind' : 'volume', source: v.source ?? '', target: v.target };
    }
    const [source, target] = v.split(':');
    const kind = source.startsWith('.') || source.startsWith('/') ? 'bind' : 'volume';
    return { kind, source, target };
  });
}

export function dependenciesOf(service: ComposeService): Record<string, string> {
  const deps = service.depends_on ?? [];
  if (Array.isArray(deps)) return Object.fromEntries(deps.map((d) => [d, 'service_started']));
  return Object.fromEntries(
    Object.entries(deps).map(([name, d]) => [name, d.condition ?? 'service_started'])
  );
}

/** Container-side ports a service publishes. */
export function publishedTargets(service: ComposeService): number[] {
  return (service.ports ?? []).map((p) => {
    if (typeof p !== 'string') return p.target;
    const parts = p.split(':');
    return Number(parts[parts.length - 1].split('/')[0]);
  });
}

export interface HostPort {
  host: string;
  port: number;
}

/** `host:port` or `scheme://host:port/...` → host and port (the scheme's default port if none). */
export function hostPort(address: string): HostPort {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(address)) {
    const url = new URL(address);
    const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
    return { host: url.hostname, port };
  }
  const idx = address.lastIndexOf(':');
  return { host: address.slice(0, idx), port: Number(address.slice(idx + 1)) };
}

/** Kafka listener list (`NAME://host:port,...`) → name → host/port. */
export function kafkaListeners(value: string): Map<string, HostPort> {
  const out = new Map<string, HostPort>();
  for (const entry of value.split(',').map((s) => s.trim())) {
    const m = /^([A-Za-z0-9_]+):\/\/([^:]*):(\d+)$/.exec(entry);
    if (!m) throw new Error(`not a Kafka listener: ${entry}`);
    out.set(m[1], { host: m[2], port: Number(m[3]) });
  }
  return out;
}

// ---------------------------------------------------------------- Dockerfile

export interface Instruction {
  keyword: string;
  args: string;
  line: number;
}

export interface Stage {
  name: string;
  index: number;
  from: string;
  instructions: Instruction[];
}

/** Instructions with line continuations joined and comments dropped. */
export function dockerfileInstructions(text: string): Instruction[] {
  const out: Instruction[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const start = i;
    let line = lines[i];
    if (/^\s*(#|$)/.test(line)) continue;
    while (/\\\s*$/.test(line) && i + 1 < lines.length) {
      i++;
      const next = lines[i];
      if (/^\s*#/.test(next)) continue;
      line = line.replace(/\\\s*$/, ' ') + next.trim();
    }
    const m = /^\s*([A-Za-z]+)\s+(.*)$/.exec(line);
    if (m) out.push({ keyword: m[1].toUpperCase(), args: m[2].trim(), line: start + 1 });
  }
  return out;
}

export function dockerfileStages(text: string): { args: Record<string, string>; stages: Stage[] } {
  const args: Record<string, string> = {};
  const stages: Stage[] = [];
  for (const ins of dockerfileInstructions(text)) {
    if (ins.keyword === 'FROM') {
      const m = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(ins.args);
      if (!m) throw new Error(`line ${ins.line}: cannot read FROM ${ins.args}`);
      const from = m[1].replace(
        /\$\{(\w+)\}|\$(\w+)/g,
        (_x, a?: string, b?: string) => args[(a ?? b) as string] ?? ''
      );
      stages.push({ name: m[2] ?? String(stages.length), index: stages.length, from, instructions: [] });
    } else if (stages.length === 0) {
      if (ins.keyword === 'ARG') {
        const [name, value = ''] = ins.args.split('=');
        args[name] = value;
      }
    } else {
      stages[stages.length - 1].instructions.push(ins);
    }
  }
  return { args, stages };
}

export interface Copy {
  from?: string;
  sources: string[];
  dest: string;
  line: number;
}

export function copiesOf(stage: Stage): Copy[] {
  return stage.instructions
    .filter((i) => i.keyword === 'COPY' || i.keyword === 'ADD')
    .map((i) => {
      const words = i.args.split(/\s+/);
      let from: string | undefined;
      while (words[0]?.startsWith('--')) {
        const flag = words.shift() as string;
        if (flag.startsWith('--from=')) from = flag.slice('--from='.length);
      }
      const dest = words.pop() as string;
      return { from, sources: words, dest, line: i.line };
    });
}

// ---------------------------------------------------------------- .dockerignore

function globToRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*' && pattern[i + 1] === '*') {
      if (pattern[i + 2] === '/') {
        re += '(?:.*/)?';
        i += 2;
      } else {
        re += '.*';
        i += 1;
      }
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/**
 * Whether .dockerignore keeps `relPath` out of the build context: the last matching
 * pattern wins, `!` re-includes, and a pattern matching a parent directory matches the
 * path too (Docker's rules, without the rarely used escapes).
 */
export function dockerIgnored(ignoreText: string, relPath: string): boolean {
  const rules = ignoreText
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const negated = l.startsWith('!');
      const pattern = path.posix.normalize((negated ? l.slice(1) : l).replace(/^\/+/, ''));
      return { negated, re: globToRegExp(pattern) };
    });
  const parts = path.posix.normalize(relPath).split('/');
  const prefixes = parts.map((_p, i) => parts.slice(0, i + 1).join('/'));
  let ignored = false;
  for (const rule of rules) {
    if (prefixes.some((p) => rule.re.test(p))) ignored = !rule.negated;
  }
  return ignored;
}

/**
 * The ignore file BuildKit applies to a build: `<Dockerfile>.dockerignore` beside the
 * Dockerfile when present, else `.dockerignore` at the context root ('' when neither exists).
 */
export function ignoreFileFor(dockerfile: string, context = '.'): string {
  const beside = `${dockerfile}.dockerignore`;
  if (fs.existsSync(repoPath(beside))) return beside;
  const atRoot = path.posix.join(context, '.dockerignore');
  return fs.existsSync(repoPath(atRoot)) ? atRoot : '';
}
