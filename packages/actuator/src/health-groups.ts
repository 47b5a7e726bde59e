/**
 * Health groups (docs/health.md § Probes and Kubernetes): the primary group (the root of `/actuator/health`),
 * each `management.endpoint.health.group.<name>` with its settings inherited from the endpoint's, and the
 * `liveness` / `readiness` probe groups Spring adds when probes are enabled.
 */
import type { ActuatorConfig, ShowMode } from './config.js';
import { HttpCodeStatusMapper, StatusAggregator } from './status.js';

/** One health group, its settings resolved. */
export interface HealthGroup {
  /** The group name; empty for the primary group. */
  name: string;
  include: string[];
  exclude: string[];
  showComponents: ShowMode;
  showDetails: ShowMode;
  roles: string[];
  aggregator: StatusAggregator;
  mapper: HttpCodeStatusMapper;
  /** An extra path on the base port serving the group (`/livez`), or undefined. */
  additionalPath: string | undefined;
}

/** The primary group and the named groups. */
export interface HealthGroups {
  readonly primary: HealthGroup;
  readonly groups: ReadonlyMap<string, HealthGroup>;
}

/** Resolves the configured groups (and the probe groups) against the endpoint's settings. */
export function buildHealthGroups(config: ActuatorConfig): HealthGroups {
  const primaryShowDetails = config.showDetails;
  const primary: HealthGroup = {
    name: '',
    include: ['*'],
    exclude: [],
    showComponents: config.showComponents ?? config.showDetails,
    showDetails: primaryShowDetails,
    roles: config.roles,
    aggregator: new StatusAggregator(config.statusOrder),
    mapper: new HttpCodeStatusMapper(config.statusHttpMapping),
    additionalPath: undefined,
  };
  const groups = new Map<string, HealthGroup>();
  for (const [name, g] of Object.entries(config.groups)) {
    groups.set(name, {
      name,
      include: g.include ?? ['*'],
      exclude: g.exclude ?? [],
      showComponents: g.showComponents ?? config.showComponents ?? g.showDetails ?? primaryShowDetails,
      showDetails: g.showDetails ?? primaryShowDetails,
      roles: g.roles ?? config.roles,
      aggregator: g.statusOrder ? new StatusAggregator(g.statusOrder) : primary.aggregator,
      mapper: g.statusHttpMapping ? new HttpCodeStatusMapper(g.statusHttpMapping) : primary.mapper,
      additionalPath: normalizeAdditionalPath(g.additionalPath),
    });
  }
  if (config.probesEnabled) {
    // Spring's AvailabilityProbesHealthEndpointGroups: added unless the user configured a group of that name.
    for (const [name, member, extra] of [
      ['liveness', 'livenessState', '/livez'],
      ['readiness', 'readinessState', '/readyz'],
    ] as const) {
      if (groups.has(name)) continue;
      groups.set(name, {
        name,
        include: [member],
        exclude: [],
        showComponents: 'never',
        showDetails: 'never',
        roles: [],
        aggregator: primary.aggregator,
        mapper: primary.mapper,
        additionalPath: config.probesAddAdditionalPaths ? extra : undefined,
      });
    }
  }
  return { primary, groups };
}

/** The members of `g` among the contributor `names`: its includes (or all) minus its excludes. */
export function groupMembers(g: HealthGroup, names: readonly string[]): string[] {
  const included = g.include.includes('*') ? [...names] : names.filter((n) => g.include.includes(n));
  return included.filter((n) => !g.exclude.includes(n));
}

/** `server:/healthz` → `/healthz`; `management:` paths are the same port here. */
function normalizeAdditionalPath(p: string | undefined): string | undefined {
  if (p === undefined || p === '') return undefined;
  const path = p.replace(/^(server|management):/, '');
  return path.startsWith('/') ? path : `/${path}`;
}
