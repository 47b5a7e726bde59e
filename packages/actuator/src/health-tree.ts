/**
 * Renders health JSON (docs/health.md § Endpoint mechanics): a group's root with its status,
 * HTTP code and (when shown) its members sorted by name, and a single component. v2 puts the members
 * under `details`, v3 under `components`.
 */
import type { HealthResult } from '@nodeark/biz';
import { groupMembers, type HealthGroup, type HealthGroups } from './health-groups.js';
import type { HealthRegistry } from './health-registry.js';

/** A rendered health node (the JSON of one component, group or the root). */
export interface HealthNode {
  status: string;
  details?: Record<string, unknown>;
  components?: Record<string, HealthNode>;
  groups?: string[];
}

/** One contributor's node: its status, and its details when shown and not empty. */
export function renderComponent(r: HealthResult, showDetails: boolean): HealthNode {
  const node: HealthNode = { status: r.status };
  if (showDetails && r.details && Object.keys(r.details).length > 0) node.details = r.details;
  return node;
}

/** The contributors and groups, rendered. */
export class HealthTree {
  constructor(
    private readonly registry: HealthRegistry,
    private readonly groups: HealthGroups,
  ) {}

  /** The contributor names that are members of `g`. */
  members(g: HealthGroup): string[] {
    return groupMembers(g, this.registry.names());
  }

  /** Renders a group root (or the primary root). Returns undefined for 404 (a group with no members). */
  async renderGroupRoot(
    g: HealthGroup,
    apiVersion: 'v2' | 'v3',
    showComponents: boolean,
    showDetails: boolean,
    isPrimary: boolean,
  ): Promise<{ statusCode: number; body: HealthNode } | undefined> {
    const names = this.members(g);
    if (names.length === 0 && !isPrimary) return undefined;
    const results = await Promise.all(names.map((n) => this.registry.evaluate(n)));
    const status = names.length === 0 ? 'UP' : g.aggregator.aggregate(results.map((r) => r.status));
    const body: HealthNode = { status };
    if (showComponents && names.length > 0) {
      const sorted = names.map((n, i) => [n, results[i]!] as const).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      const comps: Record<string, HealthNode> = {};
      for (const [n, r] of sorted) comps[n] = renderComponent(r, showDetails);
      if (apiVersion === 'v2') body.details = comps;
      else body.components = comps;
    }
    if (isPrimary && this.groups.groups.size > 0) body.groups = [...this.groups.groups.keys()].sort();
    return { statusCode: g.mapper.statusCode(status), body };
  }
}
