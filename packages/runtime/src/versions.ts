/**
 * Semver for module versions: the compatibility check of a module's declared ranges against the running
 * base (`engines.node`, `peerDependencies.nodeark`, `nodeark.requires`, see docs/module-contract.md), and the
 * order of versions of one module in listings.
 */
import { createRequire } from 'node:module';
import type * as Semver from 'semver';
import type { BizRequirement } from './bundle/manifest.js';
import { ERR_BIZ_INCOMPATIBLE } from './errors.js';

/** The versions of what the base provides, as the compatibility check sees them. */
export interface HostVersions {
  /** The running Node.js (`process.versions.node`). */
  node: string;
  /**
   * The running nodeark package, or undefined when the runtime is used without it (ranges on it are then not checked).
   */
  nodeark: string | undefined;
}

/** The result of {@link checkRequirements}: the refusal message, or the ranges that could not be checked. */
export interface RequirementsCheck {
  /** `NODEARK_ERR_BIZ_INCOMPATIBLE`'s message for the first requirement not met (or not valid), if any. */
  refusal?: string;
  /** Requirements skipped because the base's version of their target is unknown. */
  unchecked: BizRequirement[];
}

let semverModule: typeof Semver | undefined;

/**
 * semver, loaded on first use: a base with no modules never needs it, and its 50-odd files cost start-up
 * time (docs/benchmarks.md, base start-up).
 */
function semverLib(): typeof Semver {
  semverModule ??= createRequire(import.meta.url)('semver') as typeof Semver;
  return semverModule;
}

const LABEL: Record<BizRequirement['target'], string> = { node: 'Node', nodeark: 'nodeark' };

/**
 * Checks a module's declared ranges against the running base, in declaration order. A version satisfies a
 * range as npm decides it, except that prereleases count (`includePrerelease`): a base on `0.2.0-rc.1`
 * satisfies `>=0.1.0`, where npm's default would refuse every prerelease outside the range's own tuple.
 * A range that is not valid semver refuses the module too: a typo must not silently disable the check.
 */
export function checkRequirements(
  identity: string,
  requirements: readonly BizRequirement[],
  host: HostVersions,
): RequirementsCheck {
  const unchecked: BizRequirement[] = [];
  for (const r of requirements) {
    const label = LABEL[r.target];
    const what = `${label} ${r.range} (${r.field})`;
    if (semverLib().validRange(r.range, { includePrerelease: true }) === null) {
      return { refusal: new ERR_BIZ_INCOMPATIBLE(identity, `${label} ${JSON.stringify(r.range)} (${r.field}), which is not a valid semver range`).message, unchecked };
    }
    const running = r.target === 'node' ? host.node : host.nodeark;
    if (running === undefined) {
      unchecked.push(r);
      continue;
    }
    if (!semverLib().satisfies(running, r.range, { includePrerelease: true })) {
      const base = r.target === 'node' ? `this base runs Node ${running}` : `this base is nodeark ${running}`;
      return { refusal: new ERR_BIZ_INCOMPATIBLE(identity, `${what}, ${base}`).message, unchecked };
    }
  }
  return { unchecked };
}

/**
 * Orders two versions of one module: semver precedence (`1.9.0 < 1.10.0-rc.1 < 1.10.0`) when both are valid
 * semver, else `undefined` (no order: bizVersion is free-form, `1.0` or `20240101` are valid identities, and
 * the caller keeps its own order for those). Build metadata does not count (`1.0.0+a` equals `1.0.0+b`).
 */
export function compareBizVersions(a: string, b: string): number | undefined {
  const va = semverLib().valid(a);
  const vb = semverLib().valid(b);
  if (va === null || vb === null) return undefined;
  return semverLib().compare(va, vb);
}

/**
 * Puts the items of each group whose versions are valid semver into semver order, within the positions
 * those items already hold; every other item (another group, or a version that is not semver) keeps its
 * position. Reordering only inside the held positions keeps the order total and deterministic even when
 * a group mixes semver and free-form versions, which a single comparator falling back to the input order
 * for mixed pairs would not (it is not transitive). Equal versions keep their input order.
 */
export function orderVersionsWithinGroups<T>(
  items: readonly T[],
  group: (item: T) => string,
  version: (item: T) => string,
): T[] {
  const out = [...items];
  const positions = new Map<string, number[]>();
  items.forEach((item, i) => {
    if (semverLib().valid(version(item)) === null) return;
    const key = group(item);
    const list = positions.get(key);
    if (list) list.push(i);
    else positions.set(key, [i]);
  });
  for (const list of positions.values()) {
    if (list.length < 2) continue;
    const sorted = list.map((i) => items[i]!).sort((a, b) => compareBizVersions(version(a), version(b)) ?? 0);
    list.forEach((pos, k) => {
      out[pos] = sorted[k]!;
    });
  }
  return out;
}
