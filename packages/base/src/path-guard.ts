/**
 * Keeps modules off paths the base itself serves. A module takes every request under `/<webContextPath>`
 * before the host app's router runs, so a module installed at `api` would silently shadow the host's
 * `/api/orders`. The runtime's admission check asks {@link pathReservation} at install time and refuses the
 * install with a reason (docs/embedding.md § Reserved paths).
 */
import type { FastifyInstance } from 'fastify';

/** What the guard compares a module's webContextPath with. */
export interface PathGuardInput {
  /** The host fastify app, whose routes are read at install time (routes added later count too). */
  app: FastifyInstance;
  /** The actuator's base path (`management.endpoints.web.base-path`, `/actuator` by default). */
  actuatorBasePath: string;
  /** `nodeark.biz.reserved-paths`: extra first segments no module may take. */
  reserved: readonly string[];
}

/** The reason `webContextPath` is reserved, or undefined when a module may take it. */
export function pathReservation(webContextPath: string, input: PathGuardInput): string | undefined {
  if (firstSegment(input.actuatorBasePath) === webContextPath) {
    return `it is the actuator's base path ${input.actuatorBasePath} (management.endpoints.web.base-path)`;
  }
  if (input.reserved.some((p) => firstSegment(p) === webContextPath)) {
    return 'it is listed in nodeark.biz.reserved-paths';
  }
  const route = hostRouteUnder(input.app, webContextPath);
  if (route !== undefined) return `the host app serves ${route}`;
  return undefined;
}

/** The first path segment of `/a/b` (or `a/b`), without slashes. */
function firstSegment(path: string): string {
  return path.replace(/^\/+/, '').split('/')[0] ?? '';
}

/**
 * The first host route (`GET /api/orders`) whose path starts with the literal segment `segment`. Fastify
 * has no public route list; `printRoutes({ commonPrefix: false })` prints the router's tree, one node per
 * line, each line's text continuing its parent's path. A route whose first segment is a parameter or a
 * wildcard (`/:slug`, `/*`) matches any path and cannot be shadowed by a module in particular: it is not
 * reported (module paths win over it, as documented).
 */
export function hostRouteUnder(app: FastifyInstance, segment: string): string | undefined {
  let tree: string;
  try {
    tree = app.printRoutes({ commonPrefix: false });
  } catch {
    return undefined;
  }
  const stack: string[] = [];
  for (const line of tree.split('\n')) {
    const at = line.search(/[├└]── /);
    if (at < 0) continue;
    const depth = at / 4;
    const rest = line.slice(at + 4);
    const open = rest.lastIndexOf(' (');
    const text = open >= 0 ? rest.slice(0, open) : rest;
    const methods = open >= 0 ? rest.slice(open + 2, rest.indexOf(')', open)) : '';
    stack.length = depth;
    const parent = depth > 0 ? (stack[depth - 1] ?? '') : '';
    // A node's text continues its parent's path exactly (`/v1` then `x` is `/v1x`).
    const path = parent + text;
    stack[depth] = path;
    if (methods && firstSegment(path) === segment) return `${methods.split(',')[0]!.trim()} ${path}`;
  }
  return undefined;
}
