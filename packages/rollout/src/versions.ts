/**
 * How a rollout orders module versions: by semver precedence, so `1.10.0` is newer than `1.9.0` and a
 * prerelease is older than its release (`2.0.0-rc.1 < 2.0.0`), never by string order or by when a version
 * happened to be deployed. A rollback goes to a lower version. Versions that are not semver (`bizVersion`
 * is free-form: `1.0`, `20240101`) have no order; each function says what it does with them.
 */
import semver from 'semver';
import type { HistoryEntry } from './state.js';

/** Semver precedence of two module versions (negative, 0, positive), or `undefined` when either is not valid semver. */
export function compareModuleVersions(a: string, b: string): number | undefined {
  const va = semver.valid(a);
  const vb = semver.valid(b);
  if (va === null || vb === null) return undefined;
  return semver.compare(va, vb);
}

/**
 * What moving a base from the versions it holds (`from`) to `to` is: `rollback` when every one of them is
 * semver-higher than `to` (`2.0.0 → 1.9.0`, `2.0.0 → 2.0.0-rc.1`), `upgrade` otherwise, including when a
 * version is not semver (nothing says it is older).
 */
export function versionChange(from: readonly string[], to: string): 'upgrade' | 'rollback' {
  if (from.length === 0) return 'upgrade';
  return from.every((f) => (compareModuleVersions(f, to) ?? 0) > 0) ? 'rollback' : 'upgrade';
}

/**
 * The completed version `rollback` goes back to when none is named: the most recently completed version
 * lower than `current`. A version deployed after `current` is not a rollback target even when it completed
 * more recently (the history of `1.0.0, 2.0.0, 1.0.0` has nothing below `1.0.0`), and a prerelease of
 * `current` is below it. When `current` is not semver, or no other completed version is, versions have no
 * order and the most recently completed other version is the target.
 * `undefined` when there is none.
 */
export function rollbackTarget(history: readonly HistoryEntry[], current: string): HistoryEntry | undefined {
  const newestFirst = [...history].reverse().filter((h) => h.version !== current);
  const ordered = semver.valid(current) !== null && newestFirst.some((h) => semver.valid(h.version) !== null);
  if (!ordered) return newestFirst[0];
  return newestFirst.find((h) => (compareModuleVersions(h.version, current) ?? 0) < 0);
}
