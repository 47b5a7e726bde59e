/**
 * `/actuator/info`: `arkBizInfo` (every registered biz, the base included, states upper
 * case), `arkPluginInfo` (the nodeark packages and the plugins the base registers), plus Spring's `env`
 * (`info.*`), `git` and `build` contributors where their files exist, and the base's own contributors.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BizRuntime } from '@nodeark/runtime';
import type { ActuatorConfig } from './config.js';

/** One `arkBizInfo` item (`BizHealthMeta`, field order kept). */
export interface BizInfoItem {
  bizName: string;
  bizVersion: string;
  bizState: string;
  webContextPath: string;
}

/** One `arkPluginInfo` item (`PluginHealthMeta`, field order kept; extra fields follow). */
export interface PluginInfoItem {
  pluginName: string;
  groupId?: string;
  artifactId?: string;
  pluginVersion: string;
  pluginUrl?: string;
  pluginActivator?: string;
  [k: string]: unknown;
}

/** What `registerPlugin` takes. */
export interface PluginRegistration {
  name: string;
  version: string;
  groupId?: string;
  artifactId?: string;
  url?: string;
  activator?: string;
  /** Ordering in `arkPluginInfo` (ascending, default 100). */
  priority?: number;
  [k: string]: unknown;
}

/** The nodeark packages listed in `arkPluginInfo` when they can be resolved from the base. */
const NODEARK_PACKAGES = ['@nodeark/biz', '@nodeark/runtime', '@nodeark/actuator', '@nodeark/arklet', '@nodeark/client', '@nodeark/base'];

/** `arkBizInfo`: modules and the master by ascending priority; at equal priority modules come first (DOCS). */
export function bizInfo(runtime: Pick<BizRuntime, 'list'>, master: { bizName: string; bizVersion: string; priority: number }): BizInfoItem[] {
  const items: Array<{ priority: number; order: number; item: BizInfoItem }> = runtime
    .list()
    .filter((b) => b.bizState !== 'stopped')
    .map((b, order) => ({
      priority: b.priority,
      order,
      item: { bizName: b.bizName, bizVersion: b.bizVersion, bizState: b.bizState.toUpperCase(), webContextPath: b.webContextPath || '/' },
    }));
  items.push({
    priority: master.priority,
    order: Number.MAX_SAFE_INTEGER,
    item: { bizName: master.bizName, bizVersion: master.bizVersion, bizState: 'ACTIVATED', webContextPath: '/' },
  });
  items.sort((a, b) => a.priority - b.priority || a.order - b.order);
  return items.map((x) => x.item);
}

/** Reads the installed nodeark packages (name, version, location, entry). Missing ones are skipped. */
export function nodearkPackages(): PluginRegistration[] {
  const require = createRequire(import.meta.url);
  const out: PluginRegistration[] = [];
  for (const name of NODEARK_PACKAGES) {
    const pkgPath = findPackageJson(require, name);
    if (!pkgPath) continue;
    try {
      const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as { name?: string; version?: string; main?: string };
      if (pkg.name !== name || typeof pkg.version !== 'string') continue;
      const dir = dirname(pkgPath);
      out.push({
        name,
        version: pkg.version,
        groupId: '@nodeark',
        artifactId: name.slice('@nodeark/'.length),
        url: pathToFileURL(dir).href + '/',
        ...(pkg.main ? { activator: pkg.main } : {}),
      });
    } catch {
      // unreadable: skip
    }
  }
  return out;
}

function findPackageJson(require: NodeJS.Require, name: string): string | undefined {
  try {
    return require.resolve(`${name}/package.json`);
  } catch {
    // no "./package.json" export: walk up from the entry
  }
  try {
    let dir = dirname(require.resolve(name));
    for (;;) {
      const candidate = join(dir, 'package.json');
      if (existsSync(candidate)) {
        const pkg = JSON.parse(readFileSync(candidate, 'utf8')) as { name?: string };
        if (pkg.name === name) return candidate;
      }
      const parent = dirname(dir);
      if (parent === dir) return undefined;
      dir = parent;
    }
  } catch {
    return undefined;
  }
}

/** Turns a registration into a `PluginHealthMeta`-shaped item. */
export function pluginItem(p: PluginRegistration): PluginInfoItem {
  const { name, version, groupId, artifactId, url, activator, ...rest } = p;
  delete rest.priority;
  const scoped = /^(@[^/]+)\/(.+)$/.exec(name);
  const g = groupId ?? scoped?.[1];
  const a = artifactId ?? (scoped ? scoped[2] : name);
  return {
    pluginName: name,
    ...(g !== undefined ? { groupId: g } : {}),
    ...(a !== undefined ? { artifactId: a } : {}),
    pluginVersion: version,
    ...(url !== undefined ? { pluginUrl: url } : {}),
    ...(activator !== undefined ? { pluginActivator: activator } : {}),
    ...rest,
  };
}

/** Spring's `BuildInfoContributor`: the file's `build.*` entries (or a JSON object), if the file exists. */
export function readBuildInfo(location: string): Record<string, unknown> | undefined {
  const data = readInfoFile(location);
  if (!data) return undefined;
  if (data.kind === 'json') return data.value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(data.value)) {
    if (k.startsWith('build.')) out[k.slice('build.'.length)] = v;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/** Spring's `GitInfoContributor`: `simple` = branch + commit id (abbreviated) and time; `full` = every property. */
export function readGitInfo(location: string, mode: 'simple' | 'full'): Record<string, unknown> | undefined {
  const data = readInfoFile(location);
  if (!data) return undefined;
  let flat: Record<string, unknown>;
  if (data.kind === 'json') {
    const v = data.value;
    flat = {};
    flattenInto(v.git !== undefined && typeof v.git === 'object' ? (v.git as Record<string, unknown>) : v, '', flat);
  } else {
    flat = {};
    for (const [k, v] of Object.entries(data.value)) if (k.startsWith('git.')) flat[k.slice(4)] = v;
  }
  if (Object.keys(flat).length === 0) return undefined;
  if (mode === 'full') {
    const nested: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(flat)) setPath(nested, k.split('.'), v);
    return nested;
  }
  const out: Record<string, unknown> = {};
  if (flat.branch !== undefined) out.branch = flat.branch;
  const id = typeof flat['commit.id.abbrev'] === 'string' ? flat['commit.id.abbrev'] : typeof flat['commit.id'] === 'string' ? (flat['commit.id'] as string).slice(0, 7) : undefined;
  const commit: Record<string, unknown> = {};
  if (id !== undefined) commit.id = id;
  if (flat['commit.time'] !== undefined) commit.time = flat['commit.time'];
  if (Object.keys(commit).length > 0) out.commit = commit;
  return Object.keys(out).length > 0 ? out : undefined;
}

type InfoFile = { kind: 'json'; value: Record<string, unknown> } | { kind: 'properties'; value: Record<string, string> };

function readInfoFile(location: string): InfoFile | undefined {
  const path = resolve(location);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  if (path.endsWith('.json')) {
    try {
      const v = JSON.parse(text) as unknown;
      return typeof v === 'object' && v !== null && !Array.isArray(v) ? { kind: 'json', value: v as Record<string, unknown> } : undefined;
    } catch {
      return undefined;
    }
  }
  return { kind: 'properties', value: parseProperties(text) };
}

/** A small `.properties` reader: `key=value` / `key: value`, `#`/`!` comments, `\` escapes and continuations. */
export function parseProperties(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i]!.replace(/^\s+/, '');
    if (line === '' || line.startsWith('#') || line.startsWith('!')) continue;
    while (/(^|[^\\])(\\\\)*\\$/.test(line) && i + 1 < lines.length) line = line.slice(0, -1) + lines[++i]!.replace(/^\s+/, '');
    const m = /^((?:\\.|[^=:\s\\])+)\s*[=:\s]\s*(.*)$/.exec(line);
    const key = unescape(m ? m[1]! : line);
    out[key] = m ? unescape(m[2]!) : '';
  }
  return out;
}

function unescape(s: string): string {
  return s.replace(/\\(u[0-9a-fA-F]{4}|.)/g, (_, c: string) => {
    if (c.length === 5) return String.fromCharCode(parseInt(c.slice(1), 16));
    return c === 't' ? '\t' : c === 'n' ? '\n' : c === 'r' ? '\r' : c === 'f' ? '\f' : c;
  });
}

function flattenInto(v: Record<string, unknown>, prefix: string, out: Record<string, unknown>): void {
  for (const [k, x] of Object.entries(v)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (x !== null && typeof x === 'object' && !Array.isArray(x)) flattenInto(x as Record<string, unknown>, key, out);
    else out[key] = x;
  }
}

function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node = target;
  for (let i = 0; i < path.length - 1; i++) {
    const seg = path[i]!;
    if (node[seg] === null || typeof node[seg] !== 'object') node[seg] = {};
    node = node[seg] as Record<string, unknown>;
  }
  node[path[path.length - 1]!] = value;
}

/** The static parts of info (env, git, build), read once. */
export function staticInfo(config: Pick<ActuatorConfig, 'infoEnvEnabled' | 'infoEnv' | 'infoGitEnabled' | 'infoGitMode' | 'gitInfoLocation' | 'infoBuildEnabled' | 'buildInfoLocation'>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (config.infoEnvEnabled) Object.assign(out, structuredClone(config.infoEnv));
  if (config.infoGitEnabled) {
    const git = readGitInfo(config.gitInfoLocation, config.infoGitMode);
    if (git) out.git = git;
  }
  if (config.infoBuildEnabled) {
    const build = readBuildInfo(config.buildInfoLocation);
    if (build) out.build = build;
  }
  return out;
}
