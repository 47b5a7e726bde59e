/**
 * Identity rules. A bizName and bizVersion become directory names under the store and keys in health
 * JSON, so they are restricted to a path-safe alphabet (no `/`, `\`, `..`, NUL, whitespace): this is what
 * keeps `<store>/<bizName>/<bizVersion>` inside the store whatever a request or a bundle says.
 */
import { ERR_BIZ_INVALID_IDENTITY } from './errors.js';

const NAME_RE = /^[A-Za-z0-9@][A-Za-z0-9._-]{0,127}$/;
const VERSION_RE = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,127}$/;
const PATH_RE = /^[A-Za-z0-9._~-]{1,128}$/;

/** `bizName:bizVersion`, the key of every record, lock and health entry. */
export function bizIdentity(bizName: string, bizVersion: string): string {
  return `${bizName}:${bizVersion}`;
}

/** Throws `NODEARK_ERR_BIZ_INVALID_IDENTITY` unless `name` is a safe bizName. */
export function assertBizName(name: unknown): asserts name is string {
  if (typeof name !== 'string' || !NAME_RE.test(name) || name.includes('..') || name.startsWith('@')) {
    throw new ERR_BIZ_INVALID_IDENTITY(
      'bizName',
      printable(name),
      'use 1-128 characters from A-Z a-z 0-9 . _ - , starting with a letter or digit, without ".."',
    );
  }
}

/** Throws `NODEARK_ERR_BIZ_INVALID_IDENTITY` unless `version` is a safe bizVersion. */
export function assertBizVersion(version: unknown): asserts version is string {
  if (typeof version !== 'string' || !VERSION_RE.test(version) || version.includes('..')) {
    throw new ERR_BIZ_INVALID_IDENTITY(
      'bizVersion',
      printable(version),
      'use 1-128 characters from A-Z a-z 0-9 . _ + - , starting with a letter or digit, without ".."',
    );
  }
}

/**
 * Normalises a webContextPath (`/biz1/` → `biz1`) and validates it: one path segment, URL-safe,
 * not `actuator` (that prefix belongs to the base's own endpoints).
 */
export function normalizeWebContextPath(path: unknown): string {
  const raw = typeof path === 'string' ? path.replace(/^\/+|\/+$/g, '') : path;
  if (typeof raw !== 'string' || !PATH_RE.test(raw) || raw === '.' || raw === '..' || raw === 'actuator') {
    throw new ERR_BIZ_INVALID_IDENTITY(
      'webContextPath',
      printable(path),
      'use one path segment of A-Z a-z 0-9 . _ ~ - (not "actuator")',
    );
  }
  return raw;
}

/** Strips an npm scope: `@acme/biz1` → `biz1`. */
export function unscopedName(packageName: string): string {
  const slash = packageName.indexOf('/');
  return packageName.startsWith('@') && slash > 0 ? packageName.slice(slash + 1) : packageName;
}

function printable(v: unknown): string {
  const s = typeof v === 'string' ? v : JSON.stringify(v) ?? String(v);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}
