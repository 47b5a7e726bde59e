/**
 * Placement rules (docs/kubernetes.md): one replica per base; a base is a candidate when it has no version
 * of the module, matches the selector and has room (`count < max-module-count`, where the count is the number
 * of distinct modules the base holds); scatter ranks by (count asc, name asc), stacking by (count desc, name
 * asc). Removal ranks in reverse: scatter (count desc, name asc), stacking (count asc, name asc).
 */
import type { BaseObservation, SchedulingPolicy } from './types.js';

/** True when the base has all the selector's labels. */
export function matchesSelector(base: { labels: Record<string, string> }, selector: Record<string, string>): boolean {
  return Object.entries(selector).every(([k, v]) => base.labels[k] === v);
}

/** Distinct modules on a base (any state but `stopped`): the placement count. */
export function moduleCount(base: BaseObservation): number {
  return new Set(base.bizs.filter((b) => b.bizState !== 'stopped').map((b) => b.bizName)).size;
}

/** What the rankings read of a base: its name and its placement count. */
export interface Ranked {
  name: string;
  count: number;
}

/** Orders bases for placement: scatter (count asc, name asc), stacking (count desc, name asc). */
export function rankForPlacement<T extends Ranked>(bases: readonly T[], policy: SchedulingPolicy): T[] {
  const dir = policy === 'scatter' ? 1 : -1;
  return [...bases].sort((a, b) => dir * (a.count - b.count) || compareNames(a.name, b.name));
}

/** Orders bases for removal: scatter (count desc, name asc), stacking (count asc, name asc). */
export function rankForRemoval<T extends Ranked>(bases: readonly T[], policy: SchedulingPolicy): T[] {
  const dir = policy === 'scatter' ? -1 : 1;
  return [...bases].sort((a, b) => dir * (a.count - b.count) || compareNames(a.name, b.name));
}

/** Plain code-unit order (not locale order), so every machine ranks bases the same way. */
export function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
