/**
 * The two documents of a rollout: the ModuleDeployment (the seed's v1 shape, docs/kubernetes.md
 *) and the fleet file naming the bases. Both are YAML or JSON. Validation is strict and names the
 * offending field (`spec.operationStrategy.batchCount must be an integer ≥ 0, got "two"`): an unknown key is
 * an error (a typo such as `bachCount` must not silently mean "one batch"), except the v1 fields that are
 * accepted and have no effect, which become warnings.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseDocument } from 'yaml';
import {
  ERR_ROLLOUT_FLEET_MISMATCH,
  ERR_ROLLOUT_INVALID_DEPLOYMENT,
  ERR_ROLLOUT_INVALID_FLEET,
  ERR_ROLLOUT_READ,
  type RolloutError,
  type RolloutErrorConstructor,
} from './errors.js';
import type { Fleet, FleetBase, ModuleDeployment, OperationStrategy, SchedulingPolicy, ServiceStrategy, UpgradePolicy } from './types.js';

/** API groups accepted in `apiVersion` (the code's, the docs', and the oldest). */
export const ACCEPTED_API_VERSIONS = ['koupleless.io/v1alpha1', 'koupleless.alipay.com/v1alpha1', 'serverless.alipay.com/v1alpha1'];

/** Labels read as a base's `max-module-count` (code domain first). */
export const MAX_MODULE_COUNT_LABELS = ['koupleless.io/max-module-count', 'koupleless.alipay.com/max-module-count'];

const UPGRADE_POLICIES: Record<string, UpgradePolicy> = {
  install_then_uninstall: 'install_then_uninstall',
  installthenuninstall: 'install_then_uninstall',
  uninstall_then_install: 'uninstall_then_install',
  uninstalltheninstall: 'uninstall_then_install',
  scaleup_then_scaledown: 'scaleup_then_scaledown',
  scaleupthenscaledown: 'scaleup_then_scaledown',
};

/**
 * Normalises an upgrade policy (`install_then_uninstall`, `installThenUninstall`, `InstallThenUninstall`, …); undefined
 * when unknown.
 */
export function normaliseUpgradePolicy(value: string): UpgradePolicy | undefined {
  const key = value.replace(/-/g, '_').toLowerCase();
  return UPGRADE_POLICIES[key] ?? UPGRADE_POLICIES[key.replace(/_/g, '')];
}

/** Normalises a scheduling policy (`scatter`, `Scatter`, `stacking`, `Stacking`); undefined when unknown. */
export function normaliseSchedulingPolicy(value: string): SchedulingPolicy | undefined {
  const v = value.toLowerCase();
  return v === 'scatter' || v === 'stacking' ? v : undefined;
}

type Obj = Record<string, unknown>;

class Checker {
  constructor(
    private readonly file: string,
    private readonly ctor: RolloutErrorConstructor,
  ) {}

  fail(field: string, message: string): never {
    const err = new this.ctor(this.file, field === '' ? message : `${field} ${message}`) as RolloutError & { field: string; file: string };
    Object.assign(err, { field, file: this.file });
    throw err;
  }

  object(value: unknown, field: string, required: boolean): Obj | undefined {
    if (value === undefined || value === null) {
      if (required) this.fail(field, 'is required');
      return undefined;
    }
    if (typeof value !== 'object' || Array.isArray(value)) this.fail(field, `must be a mapping, got ${describe(value)}`);
    return value as Obj;
  }

  keys(
    obj: Obj,
    field: string,
    allowed: readonly string[],
    ignored: readonly string[] = [],
    warnings?: string[],
  ): void {
    for (const key of Object.keys(obj)) {
      if (allowed.includes(key)) continue;
      const path = field === '' ? key : `${field}.${key}`;
      if (ignored.includes(key)) {
        warnings?.push(`${path} is accepted but has no effect`);
        continue;
      }
      const near = [...allowed, ...ignored].find(
        (a) => a.toLowerCase() === key.toLowerCase() || editDistance(a.toLowerCase(), key.toLowerCase()) <= 2,
      );
      this.fail(path, `is not a known field${near ? ` (did you mean ${field === '' ? near : `${field}.${near}`}?)` : ''}`);
    }
  }

  string(value: unknown, field: string, required: true): string;
  string(value: unknown, field: string, required: false): string | undefined;
  string(value: unknown, field: string, required: boolean): string | undefined {
    if (value === undefined || value === null) {
      if (required) this.fail(field, 'is required');
      return undefined;
    }
    if (typeof value === 'number') return String(value);
    if (typeof value !== 'string') this.fail(field, `must be a string, got ${describe(value)}`);
    if (value.trim() === '') this.fail(field, 'must not be empty');
    return value;
  }

  bool(value: unknown, field: string, fallback: boolean): boolean {
    if (value === undefined || value === null) return fallback;
    if (typeof value !== 'boolean') this.fail(field, `must be true or false, got ${describe(value)}`);
    return value;
  }

  int(value: unknown, field: string, min: number, fallback?: number): number {
    if (value === undefined || value === null) {
      if (fallback === undefined) this.fail(field, 'is required');
      return fallback;
    }
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
      this.fail(field, `must be an integer ≥ ${min}, got ${describe(value)}`);
    }
    return value;
  }

  labels(value: unknown, field: string): Record<string, string> {
    const obj = this.object(value, field, false) ?? {};
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(obj)) {
      if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') this.fail(`${field}.${k}`, `must be a string, got ${describe(v)}`);
      out[k] = String(v);
    }
    return out;
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return JSON.stringify(value);
}

function editDistance(a: string, b: string): number {
  const dp = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) dp[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      dp[i]![j] = Math.min(
        dp[i - 1]![j]! + 1,
        dp[i]![j - 1]! + 1,
        dp[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
  }
  return dp[a.length]![b.length]!;
}

/** Parses YAML or JSON text into a plain value; a syntax error is `NODEARK_ERR_ROLLOUT_READ` naming the line. */
export function parseText(text: string, source: string): unknown {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    throw new ERR_ROLLOUT_READ(source, e.message.split('\n')[0]);
  }
  return doc.toJS({ maxAliasCount: 100 });
}

/** Options of {@link parseModuleDeployment}. */
export interface ParseOptions {
  /** Name of the source in error messages (a file path). Default `ModuleDeployment`. */
  source?: string;
  /** Folder against which a relative module `url` (a path without a scheme) is resolved into a `file:` URL. */
  baseDir?: string;
}

/** Resolves a module url: URLs with a scheme as given, paths to `file:` URLs (relative to `baseDir`). */
export function resolveModuleUrl(url: string, baseDir = process.cwd()): string {
  if (/^[A-Za-z][A-Za-z0-9+.-]*:/.test(url) && !/^[A-Za-z]:[\\/]/.test(url)) return url;
  return pathToFileURL(isAbsolute(url) ? url : resolve(baseDir, url)).href;
}

/**
 * Validates a ModuleDeployment (parsed YAML/JSON or text) and normalises it: both spellings of the
 * policies, defaults (`batchCount` 1, `scatter`, `install_then_uninstall`), the selector, and a warning for
 * each accepted-but-ignored v1 field.
 */
export function parseModuleDeployment(input: unknown, options: ParseOptions = {}): ModuleDeployment {
  const source = options.source ?? 'ModuleDeployment';
  const c: Checker = new Checker(source, ERR_ROLLOUT_INVALID_DEPLOYMENT);
  const value = typeof input === 'string' ? parseText(input, source) : input;
  const warnings: string[] = [];
  const root = c.object(value, '', true) ?? {};
  if (Object.keys(root).length === 0) c.fail('spec', 'is required (the document is empty)');
  c.keys(root, '', ['apiVersion', 'kind', 'metadata', 'spec'], ['status']);
  const apiVersion = c.string(root['apiVersion'], 'apiVersion', false);
  if (apiVersion !== undefined && !ACCEPTED_API_VERSIONS.includes(apiVersion)) {
    c.fail('apiVersion', `must be one of ${ACCEPTED_API_VERSIONS.join(', ')}, got ${JSON.stringify(apiVersion)}`);
  }
  const kind = c.string(root['kind'], 'kind', false);
  if (kind !== undefined && kind !== 'ModuleDeployment') c.fail('kind', `must be ModuleDeployment, got ${JSON.stringify(kind)}`);
  const metadata = c.object(root['metadata'], 'metadata', false) ?? {};
  const mdName = c.string(metadata['name'], 'metadata.name', false);

  const spec = c.object(root['spec'], 'spec', true)!;
  c.keys(
    spec,
    'spec',
    ['baseDeploymentName', 'replicas', 'template', 'operationStrategy', 'schedulingStrategy', 'selector'],
    ['minReadySeconds', 'revisionHistoryLimit', 'progressDeadlineSeconds', 'confirmBatchNum', 'pause', 'paused'],
    warnings,
  );
  const baseDeploymentName = c.string(spec['baseDeploymentName'], 'spec.baseDeploymentName', false);
  const replicas = c.int(spec['replicas'], 'spec.replicas', -1);

  const template = c.object(spec['template'], 'spec.template', true)!;
  c.keys(template, 'spec.template', ['spec', 'metadata']);
  const tspec = c.object(template['spec'], 'spec.template.spec', true)!;
  c.keys(tspec, 'spec.template.spec', ['module', 'upgradePolicy', 'selector']);
  const mod = c.object(tspec['module'], 'spec.template.spec.module', true)!;
  c.keys(mod, 'spec.template.spec.module', ['name', 'version', 'url'], ['type', 'md5'], warnings);
  const name = c.string(mod['name'], 'spec.template.spec.module.name', true);
  const version = c.string(mod['version'], 'spec.template.spec.module.version', true);
  const rawUrl = c.string(mod['url'], 'spec.template.spec.module.url', true);
  if (!/^[A-Za-z0-9._-]+$/.test(name) || name.startsWith('.')) {
    c.fail('spec.template.spec.module.name', `must be a module name (letters, digits, . _ -), got ${JSON.stringify(name)}`);
  }
  if (!/^[A-Za-z0-9._+-]+$/.test(version) || version.startsWith('.')) {
    c.fail('spec.template.spec.module.version', `must be a version (letters, digits, . _ + -), got ${JSON.stringify(version)}`);
  }
  const url = resolveModuleUrl(rawUrl, options.baseDir);
  if (!/^(file|https?):/i.test(url)) c.fail('spec.template.spec.module.url', `must be a file:, http: or https: URL or a path, got ${JSON.stringify(rawUrl)}`);

  const ops = c.object(spec['operationStrategy'], 'spec.operationStrategy', false) ?? {};
  c.keys(
    ops,
    'spec.operationStrategy',
    ['needConfirm', 'useBeta', 'batchCount', 'grayTimeBetweenBatchSeconds', 'grayTime', 'upgradePolicy', 'maxUnavailable', 'serviceStrategy'],
  );
  const p = 'spec.operationStrategy';
  if (ops['grayTime'] !== undefined && ops['grayTimeBetweenBatchSeconds'] !== undefined) {
    c.fail(`${p}.grayTime`, 'and grayTimeBetweenBatchSeconds are the same setting; give one');
  }
  const grayField = ops['grayTime'] !== undefined ? 'grayTime' : 'grayTimeBetweenBatchSeconds';
  const gray = ops[grayField] ?? 0;
  if (typeof gray !== 'number' || !Number.isFinite(gray) || gray < 0) c.fail(`${p}.${grayField}`, `must be a number of seconds ≥ 0, got ${describe(gray)}`);

  const policyInputs: [string, unknown][] = [
    [`${p}.upgradePolicy`, ops['upgradePolicy']],
    ['spec.template.spec.upgradePolicy', tspec['upgradePolicy']],
  ];
  let upgradePolicy: UpgradePolicy | undefined;
  for (const [field, raw] of policyInputs) {
    const s = c.string(raw, field, false);
    if (s === undefined) continue;
    const norm = normaliseUpgradePolicy(s);
    if (!norm) c.fail(field, `must be install_then_uninstall, uninstall_then_install or scaleup_then_scaledown (or camelCase), got ${JSON.stringify(s)}`);
    if (upgradePolicy !== undefined && upgradePolicy !== norm) c.fail(field, `(${norm}) contradicts ${p}.upgradePolicy (${upgradePolicy})`);
    upgradePolicy = norm;
  }

  const operationStrategy: OperationStrategy = {
    needConfirm: c.bool(ops['needConfirm'], `${p}.needConfirm`, false),
    useBeta: c.bool(ops['useBeta'], `${p}.useBeta`, false),
    batchCount: c.int(ops['batchCount'], `${p}.batchCount`, 0, 1),
    grayTimeBetweenBatchSeconds: gray as number,
    upgradePolicy: upgradePolicy ?? 'install_then_uninstall',
  };
  if (ops['maxUnavailable'] !== undefined && ops['maxUnavailable'] !== null) {
    const mu = ops['maxUnavailable'];
    if (typeof mu === 'string' && /^\d+%$/.test(mu)) {
      const pct = Number(mu.slice(0, -1));
      if (pct < 1 || pct > 100) c.fail(`${p}.maxUnavailable`, `must be between 1% and 100%, got ${mu}`);
      const base = Math.max(replicas, 1);
      operationStrategy.maxUnavailable = Math.max(1, Math.floor((base * pct) / 100));
    } else {
      operationStrategy.maxUnavailable = c.int(mu, `${p}.maxUnavailable`, 1);
    }
  }
  const svc = c.object(ops['serviceStrategy'], `${p}.serviceStrategy`, false);
  if (svc) {
    c.keys(svc, `${p}.serviceStrategy`, ['enableModuleService', 'port', 'targetPort']);
    const s: ServiceStrategy = { enableModuleService: c.bool(svc['enableModuleService'], `${p}.serviceStrategy.enableModuleService`, false) };
    if (svc['port'] !== undefined) s.port = c.int(svc['port'], `${p}.serviceStrategy.port`, 1);
    const tp = svc['targetPort'];
    if (tp !== undefined) {
      if (typeof tp === 'string' && tp.trim() !== '') s.targetPort = tp;
      else s.targetPort = c.int(tp, `${p}.serviceStrategy.targetPort`, 1);
    }
    operationStrategy.serviceStrategy = s;
  }

  const sched = c.object(spec['schedulingStrategy'], 'spec.schedulingStrategy', false) ?? {};
  c.keys(sched, 'spec.schedulingStrategy', ['schedulingPolicy']);
  const rawPolicy = c.string(sched['schedulingPolicy'], 'spec.schedulingStrategy.schedulingPolicy', false);
  let schedulingPolicy: SchedulingPolicy = 'scatter';
  if (rawPolicy !== undefined) {
    const norm = normaliseSchedulingPolicy(rawPolicy);
    if (!norm) c.fail('spec.schedulingStrategy.schedulingPolicy', `must be scatter or stacking, got ${JSON.stringify(rawPolicy)}`);
    schedulingPolicy = norm;
  }

  const selector: Record<string, string> = {};
  for (const [field, raw] of [
    ['spec.selector', spec['selector']],
    ['spec.template.spec.selector', tspec['selector']],
  ] as const) {
    const sel = c.object(raw, field, false);
    if (!sel) continue;
    c.keys(sel, field, ['matchLabels']);
    for (const [k, v] of Object.entries(c.labels(sel['matchLabels'], `${field}.matchLabels`))) {
      if (selector[k] !== undefined && selector[k] !== v) c.fail(`${field}.matchLabels.${k}`, `(${v}) contradicts the other selector (${selector[k]})`);
      selector[k] = v;
    }
  }

  const md: ModuleDeployment = {
    name: mdName ?? name,
    module: { name, version, url },
    replicas,
    operationStrategy,
    schedulingPolicy,
    selector,
    warnings,
  };
  if (baseDeploymentName !== undefined) md.baseDeploymentName = baseDeploymentName;
  return md;
}

/** Validates a fleet document (parsed YAML/JSON or text). */
export function parseFleet(input: unknown, options: { source?: string } = {}): Fleet {
  const source = options.source ?? 'fleet';
  const c: Checker = new Checker(source, ERR_ROLLOUT_INVALID_FLEET);
  const value = typeof input === 'string' ? parseText(input, source) : input;
  let root: Obj;
  let prefix = '';
  if (Array.isArray(value)) {
    root = { bases: value };
  } else {
    root = c.object(value, '', true) ?? {};
    c.keys(root, '', ['apiVersion', 'kind', 'metadata', 'name', 'baseDeploymentName', 'spec', 'bases', 'maxModuleCount', 'max-module-count']);
    const kind = c.string(root['kind'], 'kind', false);
    if (kind !== undefined && kind !== 'Fleet') c.fail('kind', `must be Fleet, got ${JSON.stringify(kind)}`);
    if (root['spec'] !== undefined) {
      if (root['bases'] !== undefined) c.fail('bases', 'is given twice (top level and spec.bases)');
      const spec = c.object(root['spec'], 'spec', true)!;
      c.keys(spec, 'spec', ['bases', 'maxModuleCount', 'max-module-count', 'baseDeploymentName']);
      root = { ...root, ...spec };
      prefix = 'spec.';
    }
  }
  const metadata = c.object(root['metadata'], 'metadata', false) ?? {};
  const names = [
    ['metadata.name', metadata['name']],
    ['name', root['name']],
    [`${prefix}baseDeploymentName`, root['baseDeploymentName']],
  ] as const;
  let fleetName: string | undefined;
  for (const [field, raw] of names) {
    const s = c.string(raw, field, false);
    if (s === undefined) continue;
    if (fleetName !== undefined && fleetName !== s) c.fail(field, `(${s}) contradicts the fleet name ${fleetName}`);
    fleetName = s;
  }
  const defaultMax = maxCount(c, root, prefix);
  if (root['bases'] === undefined || root['bases'] === null) c.fail(`${prefix}bases`, 'is required (a list of bases)');
  if (!Array.isArray(root['bases'])) c.fail(`${prefix}bases`, `must be a list, got ${describe(root['bases'])}`);
  const list = root['bases'] as unknown[];
  if (list.length === 0) c.fail(`${prefix}bases`, 'must name at least one base');
  const bases: FleetBase[] = [];
  list.forEach((raw, i) => {
    const field = `${prefix}bases[${i}]`;
    const entry: Obj = typeof raw === 'string' ? { arklet: raw } : (c.object(raw, field, true) ?? {});
    c.keys(entry, field, ['name', 'arklet', 'arkletUrl', 'url', 'labels', 'maxModuleCount', 'max-module-count', 'cordon']);
    const urlKeys = ['arklet', 'arkletUrl', 'url'].filter((k) => entry[k] !== undefined);
    if (urlKeys.length === 0) c.fail(`${field}.arklet`, 'is required (the Arklet URL, e.g. http://10.0.0.5:1238)');
    if (urlKeys.length > 1) c.fail(`${field}.${urlKeys[1]}`, `and ${field}.${urlKeys[0]} are the same setting; give one`);
    const urlField = `${field}.${urlKeys[0]}`;
    const rawUrl = c.string(entry[urlKeys[0]!], urlField, true);
    let url: URL;
    try {
      url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(rawUrl) ? rawUrl : `http://${rawUrl}`);
    } catch {
      c.fail(urlField, `must be an http: or https: URL, got ${JSON.stringify(rawUrl)}`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') c.fail(urlField, `must be an http: or https: URL, got ${JSON.stringify(rawUrl)}`);
    if (url.port === '' && !/^[a-z][a-z0-9+.-]*:\/\//i.test(rawUrl)) url.port = '1238';
    const labels = c.labels(entry['labels'], `${field}.labels`);
    const name = c.string(entry['name'], `${field}.name`, false) ?? url.host;
    if (!/^[A-Za-z0-9._:@-]+$/.test(name)) c.fail(`${field}.name`, `must be letters, digits and . _ : @ -, got ${JSON.stringify(name)}`);
    const base: FleetBase = { name, arkletUrl: url.href, labels };
    if (c.bool(entry['cordon'], `${field}.cordon`, false)) base.cordon = true;
    let max = maxCount(c, entry, `${field}.`);
    if (max === undefined) {
      for (const label of MAX_MODULE_COUNT_LABELS) {
        const v = labels[label];
        if (v === undefined) continue;
        if (!/^\d+$/.test(v)) c.fail(`${field}.labels.${label}`, `must be a non-negative integer, got ${JSON.stringify(v)}`);
        max = Number(v);
        break;
      }
    }
    max ??= defaultMax;
    if (max !== undefined) base.maxModuleCount = max;
    const dupName = bases.find((b) => b.name === name);
    if (dupName) c.fail(`${field}.name`, `${JSON.stringify(name)} is used by two bases`);
    const dupUrl = bases.find((b) => b.arkletUrl === base.arkletUrl);
    if (dupUrl) c.fail(urlField, `${base.arkletUrl} is also the Arklet of base ${dupUrl.name}`);
    bases.push(base);
  });
  const fleet: Fleet = { bases };
  if (fleetName !== undefined) fleet.name = fleetName;
  return fleet;
}

function maxCount(c: Checker, obj: Obj, prefix: string): number | undefined {
  const keys = ['maxModuleCount', 'max-module-count'].filter((k) => obj[k] !== undefined && obj[k] !== null);
  if (keys.length > 1) c.fail(`${prefix}max-module-count`, `and ${prefix}maxModuleCount are the same setting; give one`);
  if (keys.length === 0) return undefined;
  return c.int(obj[keys[0]!], `${prefix}${keys[0]}`, 0);
}

/** Checks that a ModuleDeployment and a fleet belong together (`spec.baseDeploymentName` against the fleet name). */
export function checkFleetMatches(md: ModuleDeployment, fleet: Fleet): void {
  if (md.baseDeploymentName !== undefined && fleet.name !== undefined && md.baseDeploymentName !== fleet.name) {
    throw new ERR_ROLLOUT_FLEET_MISMATCH(md.baseDeploymentName, fleet.name);
  }
}

async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw new ERR_ROLLOUT_READ(path, (err as Error).message, { cause: err });
  }
}

/** Reads and validates a ModuleDeployment file; a relative module url is resolved against the file's folder. */
export async function loadModuleDeployment(path: string): Promise<ModuleDeployment> {
  return parseModuleDeployment(parseText(await readText(path), path), {
    source: path,
    baseDir: dirname(resolve(path)),
  });
}

/** Reads and validates a fleet file. */
export async function loadFleet(path: string): Promise<Fleet> {
  return parseFleet(parseText(await readText(path), path), { source: path });
}

/** Edits of {@link editModuleDeploymentFile}. */
export interface ModuleDeploymentEdits {
  replicas?: number;
  version?: string;
  url?: string;
}

/**
 * Rewrites fields of a ModuleDeployment file in place (`scale`, `rollback`), keeping comments and layout
 * of YAML files; a JSON file stays JSON. Returns the changes as `field: old → new` lines (empty when
 * nothing changed, and then the file is not written).
 */
export async function editModuleDeploymentFile(path: string, edits: ModuleDeploymentEdits): Promise<string[]> {
  const text = await readText(path);
  const doc = parseDocument(text, { uniqueKeys: true });
  if (doc.errors.length > 0) throw new ERR_ROLLOUT_READ(path, doc.errors[0]!.message.split('\n')[0]);
  const changes: string[] = [];
  const set = (keys: string[], value: string | number | undefined): void => {
    if (value === undefined) return;
    const old = doc.getIn(keys) as unknown;
    if (old === value) return;
    changes.push(`${keys.join('.')}: ${old === undefined ? '(unset)' : String(old)} → ${value}`);
    doc.setIn(keys, value);
  };
  set(['spec', 'replicas'], edits.replicas);
  set(['spec', 'template', 'spec', 'module', 'version'], edits.version);
  set(['spec', 'template', 'spec', 'module', 'url'], edits.url);
  if (changes.length === 0) return changes;
  const json = text.trimStart().startsWith('{');
  const out = json ? `${JSON.stringify(doc.toJS(), null, 2)}\n` : doc.toString();
  // Validate before writing: never leave a file the next command cannot read.
  parseModuleDeployment(parseText(out, path), { source: path, baseDir: dirname(resolve(path)) });
  await writeFile(path, out);
  return changes;
}
