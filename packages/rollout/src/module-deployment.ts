/**
 * The ModuleDeployment document (the v1 shape, docs/kubernetes.md), YAML or JSON: strict validation naming
 * the offending field (`spec.operationStrategy.batchCount must be an integer ≥ 0, got "two"`), both
 * spellings of the policies, the defaults, and a warning for each v1 field that is accepted but has no effect.
 */
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Checker, describe } from './checker.js';
import { parseText } from './document-text.js';
import { ERR_ROLLOUT_INVALID_DEPLOYMENT } from './errors.js';
import type { ModuleDeployment, OperationStrategy, SchedulingPolicy, ServiceStrategy, UpgradePolicy } from './types.js';

/** API groups accepted in `apiVersion` (the code's, the docs', and the oldest). */
export const ACCEPTED_API_VERSIONS = ['koupleless.io/v1alpha1', 'koupleless.alipay.com/v1alpha1', 'serverless.alipay.com/v1alpha1'];

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
