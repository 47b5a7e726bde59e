/**
 * Reads a module's identity and entry from its `package.json` (the biz contract in docs/module-contract.md): every
 * `nodeark` field is optional and defaults from the npm fields. Everything is validated here, once, so
 * the registry can trust the result as path-safe.
 */
import { readFile, realpath, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, sep } from 'node:path';
import { ERR_BUNDLE_MANIFEST } from '../errors.js';
import { assertBizName, assertBizVersion, normalizeWebContextPath, unscopedName } from '../identity.js';

/** A module's identity and entry as declared by its `package.json`. */
export interface BizManifestInfo {
  bizName: string;
  bizVersion: string;
  /** One path segment, no slashes (`biz1`). */
  webContextPath: string;
  /** Lower installs first in batch and static deployment (default 100). */
  priority: number;
  /** The entry file relative to the root, posix separators (`index.mjs`, `dist/main.js`). */
  main: string;
  /** The npm `name` (or the bizName when the package has none). */
  packageName: string;
  /** Rewrite `Location`/cookie paths into the mount point (`nodeark.mountRewrite`, default true). */
  mountRewrite: boolean;
  /**
   * The version ranges the module declares for what the base provides, in declaration order; absent when it
   * declares none. The install checks them against the running base before anything changes.
   */
  requirements?: BizRequirement[];
}

/**
 * A semver range a module declares for something the base provides. The range is kept as written and not
 * validated here: an invalid one refuses the install with `FAILED` (a business outcome the caller can read),
 * not with a manifest error.
 */
export interface BizRequirement {
  /** What the range constrains: the Node.js the base runs on, or the base's `nodeark` package. */
  target: 'node' | 'nodeark';
  /** The range as written (`>=20.19.0`, `^0.1.0`). */
  range: string;
  /** Where the module declared it. */
  field: BizRequirementField;
}

/** The package.json fields a {@link BizRequirement} can come from. */
export type BizRequirementField = 'engines.node' | 'peerDependencies.nodeark' | 'nodeark.requires';

/** Entry files tried when neither `nodeark.main` nor `main` is set. */
const DEFAULT_ENTRIES = ['index.mjs', 'index.js'];
/** Suffixes tried after a `main` written without extension, as Node's CommonJS resolution would. */
const MAIN_SUFFIXES = ['', '.js', '.mjs', '.cjs', '/index.js', '/index.mjs', '/index.cjs'];

/**
 * Reads `<root>/package.json`:
 * - `bizName` = `nodeark.bizName` ?? unscoped `name`; `bizVersion` = `nodeark.bizVersion` ?? `version`
 *   (the npm field is only required when the nodeark one is absent);
 * - `webContextPath` = `nodeark.webContextPath` ?? bizName, normalised; `priority` an integer, default 100;
 * - `main` = `nodeark.main` ?? `main` ?? the first of index.mjs/index.js; it must be a file inside root;
 * - `requirements` from `engines.node`, `peerDependencies.nodeark` and `nodeark.requires` (each a string
 *   when present; the ranges themselves are checked at install).
 *
 * Every problem is `ERR_BUNDLE_MANIFEST` with a message naming the field (identity validation errors are
 * wrapped, kept as `cause`).
 */
export async function readBizManifest(root: string): Promise<BizManifestInfo> {
  const file = join(root, 'package.json');
  const bad = (why: string, cause?: unknown): Error =>
    new ERR_BUNDLE_MANIFEST(file, why, ...(cause === undefined ? [] : [{ cause }]));

  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw bad(`cannot read package.json (${(err as NodeJS.ErrnoException).code ?? 'error'})`, err);
  }
  let pkg: unknown;
  try {
    pkg = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (err) {
    throw bad(`package.json is not valid JSON: ${(err as Error).message}`, err);
  }
  if (!isObject(pkg)) throw bad('package.json must contain a JSON object');
  const ark = pkg['nodeark'] ?? {};
  if (!isObject(ark)) throw bad('"nodeark" must be an object');

  const name = optionalString(pkg, 'name', bad);
  const version = optionalString(pkg, 'version', bad);
  const arkName = optionalString(ark, 'bizName', bad, 'nodeark.');
  const arkVersion = optionalString(ark, 'bizVersion', bad, 'nodeark.');
  const arkPath = optionalString(ark, 'webContextPath', bad, 'nodeark.');
  const arkMain = optionalString(ark, 'main', bad, 'nodeark.');
  const npmMain = optionalString(pkg, 'main', bad);

  if (arkName === undefined && name === undefined) throw bad('missing "name" (or "nodeark.bizName")');
  if (arkVersion === undefined && version === undefined) throw bad('missing "version" (or "nodeark.bizVersion")');
  const bizName = arkName ?? unscopedName(name as string);
  const bizVersion = arkVersion ?? (version as string);
  const nameField = arkName !== undefined ? 'nodeark.bizName' : 'name';
  const versionField = arkVersion !== undefined ? 'nodeark.bizVersion' : 'version';
  try {
    assertBizName(bizName);
  } catch (err) {
    throw bad(`"${nameField}": ${(err as Error).message}`, err);
  }
  try {
    assertBizVersion(bizVersion);
  } catch (err) {
    throw bad(`"${versionField}": ${(err as Error).message}`, err);
  }
  let webContextPath: string;
  try {
    webContextPath = normalizeWebContextPath(arkPath ?? bizName);
  } catch (err) {
    throw bad(`"${arkPath !== undefined ? 'nodeark.webContextPath' : 'name'}": ${(err as Error).message}`, err);
  }

  let priority = 100;
  if (ark['priority'] !== undefined) {
    const p = ark['priority'];
    if (typeof p !== 'number' || !Number.isSafeInteger(p)) throw bad(`"nodeark.priority" must be an integer, got ${JSON.stringify(p)}`);
    priority = p;
  }

  const mountRewrite = ark['mountRewrite'] ?? true;
  if (typeof mountRewrite !== 'boolean') {
    throw bad(`"nodeark.mountRewrite" must be true or false, got ${JSON.stringify(mountRewrite)}`);
  }

  const requirements = readRequirements(pkg, ark, bad);

  const mainField = arkMain !== undefined ? 'nodeark.main' : npmMain !== undefined ? 'main' : undefined;
  const main = await resolveMain(root, arkMain ?? npmMain, mainField, bad);
  return {
    bizName,
    bizVersion,
    webContextPath,
    priority,
    main,
    packageName: name ?? bizName,
    mountRewrite,
    ...(requirements.length > 0 ? { requirements } : {}),
  };
}

/** `engines.node`, `peerDependencies.nodeark`, `nodeark.requires`: each optional, a string when present. */
function readRequirements(
  pkg: Record<string, unknown>,
  ark: Record<string, unknown>,
  bad: (why: string) => Error,
): BizRequirement[] {
  const out: BizRequirement[] = [];
  const engines = pkg['engines'];
  if (engines !== undefined) {
    if (!isObject(engines)) throw bad(`"engines" must be an object, got ${JSON.stringify(engines)}`);
    const node = optionalString(engines, 'node', bad, 'engines.');
    if (node !== undefined) out.push({ target: 'node', range: node, field: 'engines.node' });
  }
  const peers = pkg['peerDependencies'];
  if (peers !== undefined) {
    if (!isObject(peers)) throw bad(`"peerDependencies" must be an object, got ${JSON.stringify(peers)}`);
    const nodeark = optionalString(peers, 'nodeark', bad, 'peerDependencies.');
    if (nodeark !== undefined) out.push({ target: 'nodeark', range: nodeark, field: 'peerDependencies.nodeark' });
  }
  const requires = optionalString(ark, 'requires', bad, 'nodeark.');
  if (requires !== undefined) out.push({ target: 'nodeark', range: requires, field: 'nodeark.requires' });
  return out;
}

async function resolveMain(
  root: string,
  declared: string | undefined,
  field: string | undefined,
  bad: (why: string) => Error,
): Promise<string> {
  const realRoot = await realpath(root);
  const candidates: string[] = [];
  if (declared === undefined) {
    candidates.push(...DEFAULT_ENTRIES);
  } else {
    if (declared.includes('\0') || declared.includes('\\') || isAbsolute(declared) || /^[A-Za-z]:/.test(declared)) {
      throw bad(`"${field}" must be a relative posix path inside the module, got ${JSON.stringify(declared)}`);
    }
    const norm = declared.split('/').filter((s) => s !== '' && s !== '.');
    if (norm.length === 0 || norm.includes('..')) {
      throw bad(`"${field}" must be a relative path inside the module, got ${JSON.stringify(declared)}`);
    }
    const base = norm.join('/');
    candidates.push(...MAIN_SUFFIXES.map((s) => base + s));
  }
  for (const c of candidates) {
    const abs = join(root, ...c.split('/'));
    let st;
    try {
      st = await stat(abs);
    } catch {
      continue;
    }
    if (!st.isFile()) continue;
    // The file may be reached through a symlink: what counts is where it really is.
    const real = await realpath(abs);
    const rel = relative(realRoot, real);
    if (rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) {
      throw bad(`"${field ?? 'main'}" (${c}) resolves outside the module directory`);
    }
    return c;
  }
  throw bad(
    declared === undefined
      ? 'no entry file: set "main" (or "nodeark.main") or add index.mjs or index.js'
      : `"${field}" names ${JSON.stringify(declared)}, which is not a file in the module`,
  );
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function optionalString(
  obj: Record<string, unknown>,
  key: string,
  bad: (why: string) => Error,
  prefix = '',
): string | undefined {
  const v = obj[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw bad(`"${prefix}${key}" must be a string, got ${JSON.stringify(v)}`);
  return v;
}
