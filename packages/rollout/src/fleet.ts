/**
 * The fleet document naming the bases of a rollout (docs/rollouts.md), YAML or JSON: validated as strictly as
 * the ModuleDeployment, each base's Arklet URL normalised (default port 1238) and its `max-module-count` read
 * from the entry, its labels, or the fleet default.
 */
import { Checker, describe, type Obj } from './checker.js';
import { parseText } from './document-text.js';
import { ERR_ROLLOUT_FLEET_MISMATCH, ERR_ROLLOUT_INVALID_FLEET } from './errors.js';
import type { Fleet, FleetBase, ModuleDeployment } from './types.js';

/** Labels read as a base's `max-module-count` (code domain first). */
export const MAX_MODULE_COUNT_LABELS = ['koupleless.io/max-module-count', 'koupleless.alipay.com/max-module-count'];

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
