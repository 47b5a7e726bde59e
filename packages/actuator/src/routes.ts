/**
 * The actuator's fastify plugin (docs/health.md § Endpoint mechanics): the links index, `/actuator/health`
 * with its group and component paths (and a group's additional path), `/actuator/info`, and, loaded only
 * when exposed, `/actuator/prometheus` and `/actuator/metrics` (docs/observability.md). Each route answers
 * 405 to the other methods.
 */
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { BizRuntime } from '@nodeark/runtime';
import { isShown, resolvePrincipal, type ActuatorAuthorizer, type ActuatorPrincipal } from './auth.js';
import type { ActuatorConfig } from './config.js';
import { endpointPath, isExposed } from './exposure.js';
import type { HealthGroups } from './health-groups.js';
import type { HealthRegistry } from './health-registry.js';
import { renderComponent, type HealthTree } from './health-tree.js';
import { serveLinks } from './links.js';
import type { MetricsEndpoints } from './metrics/endpoints.js';
import { negotiate } from './negotiate.js';
import { methodNotAllowed, notAcceptable, notFound, OTHER_METHODS, send } from './replies.js';

/** What the routes serve from. */
export interface RouteSources {
  config: ActuatorConfig;
  runtime: BizRuntime;
  registry: HealthRegistry;
  groups: HealthGroups;
  tree: HealthTree;
  /** The `/actuator/info` body. */
  info(): Promise<Record<string, unknown>>;
  /** Extra authentication for `when-authorized`. */
  authorize: ActuatorAuthorizer | undefined;
}

/** The plugin registering every exposed route. Register without a prefix. */
export function actuatorRoutes(src: RouteSources): FastifyPluginAsync {
  const { config, registry, tree } = src;
  const { primary, groups } = src.groups;
  const healthPath = endpointPath(config, 'health');
  const infoPath = endpointPath(config, 'info');
  const prometheusPath = endpointPath(config, 'prometheus');
  const metricsPath = endpointPath(config, 'metrics');
  // The caller's principal is resolved only when some group shows something to authorized callers alone.
  const needsPrincipal = [primary, ...groups.values()].some(
    (g) => g.showComponents === 'when-authorized' || g.showDetails === 'when-authorized',
  );

  const principalOf = async (req: FastifyRequest): Promise<ActuatorPrincipal | undefined> =>
    needsPrincipal ? resolvePrincipal(req.raw.headers, req.url, config, src.authorize, req.ip) : undefined;

  const serveHealth = async (
    req: FastifyRequest,
    reply: FastifyReply,
    segments: string[],
    groupName?: string,
  ): Promise<FastifyReply> => {
    const neg = negotiate(req.headers.accept);
    if (!neg) return notAcceptable(reply);
    const principal = await principalOf(req);
    let group = primary;
    let isPrimary = true;
    let rest = segments;
    if (groupName !== undefined) {
      group = groups.get(groupName)!;
      isPrimary = false;
    } else if (segments.length > 0 && groups.has(segments[0]!)) {
      group = groups.get(segments[0]!)!;
      isPrimary = false;
      rest = segments.slice(1);
    }
    const showComponents = isShown(group.showComponents, principal, group.roles);
    const showDetails = isShown(group.showDetails, principal, group.roles);
    if (rest.length === 0) {
      const r = await tree.renderGroupRoot(group, neg.apiVersion, showComponents, showDetails, isPrimary);
      if (!r) return notFound(reply);
      return send(reply, r.statusCode, neg, r.body);
    }
    // A component path: hidden components are 404; STARTUP, AGG and every base indicator are plain
    // indicators, so any further segment is 404.
    if (!showComponents || rest.length !== 1) return notFound(reply);
    const name = rest[0]!;
    if (!registry.has(name) || !tree.members(group).includes(name)) return notFound(reply);
    const r = await registry.evaluate(name);
    return send(reply, group.mapper.statusCode(r.status), neg, renderComponent(r, showDetails));
  };

  return async (app: FastifyInstance) => {
    if (config.discoveryEnabled && config.basePath !== '') {
      app.get(config.basePath, (req, reply) => serveLinks(config, req, reply));
      // With the router's ignoreTrailingSlash the first route already answers the slash form.
      if (!app.hasRoute({ method: 'GET', url: `${config.basePath}/` })) {
        app.get(`${config.basePath}/`, (req, reply) => serveLinks(config, req, reply));
      }
    }
    if (isExposed(config, 'health')) {
      app.get(healthPath, (req, reply) => serveHealth(req, reply, []));
      app.get(`${healthPath}/*`, (req, reply) => {
        const wildcard = (req.params as { '*'?: string })['*'] ?? '';
        const segments = wildcard.split('/').filter((s) => s !== '').map(safeDecode);
        return serveHealth(req, reply, segments);
      });
      app.route({ method: [...OTHER_METHODS], url: healthPath, handler: methodNotAllowed });
      app.route({ method: [...OTHER_METHODS], url: `${healthPath}/*`, handler: methodNotAllowed });
      for (const g of groups.values()) {
        if (g.additionalPath) app.get(g.additionalPath, (req, reply) => serveHealth(req, reply, [], g.name));
      }
    }
    if (isExposed(config, 'info')) {
      app.get(infoPath, async (req, reply) => {
        const neg = negotiate(req.headers.accept);
        if (!neg) return notAcceptable(reply);
        return send(reply, 200, neg, await src.info());
      });
      app.route({ method: [...OTHER_METHODS], url: infoPath, handler: methodNotAllowed });
    }
    // Loaded only when exposed (with prom-client), before the first scrape: a base serving health alone loads none
    // of it.
    const metrics =
      isExposed(config, 'prometheus') || isExposed(config, 'metrics')
        ? await (await import('./metrics/endpoints.js')).createMetricsEndpoints(src.runtime)
        : undefined;
    if (metrics && isExposed(config, 'prometheus')) {
      app.get(prometheusPath, (_req, reply) => servePrometheus(metrics, reply));
      app.route({ method: [...OTHER_METHODS], url: prometheusPath, handler: methodNotAllowed });
    }
    if (metrics && isExposed(config, 'metrics')) {
      app.get(metricsPath, (req, reply) => serveMetric(metrics, req, reply, undefined));
      app.get(`${metricsPath}/:name`, (req, reply) =>
        serveMetric(metrics, req, reply, (req.params as { name: string }).name),
      );
      app.route({ method: [...OTHER_METHODS], url: metricsPath, handler: methodNotAllowed });
      app.route({ method: [...OTHER_METHODS], url: `${metricsPath}/:name`, handler: methodNotAllowed });
    }
  };
}

async function servePrometheus(m: MetricsEndpoints, reply: FastifyReply): Promise<FastifyReply> {
  const { contentType, body } = await m.prometheus();
  return reply.code(200).header('content-type', contentType).send(body);
}

async function serveMetric(
  m: MetricsEndpoints,
  req: FastifyRequest,
  reply: FastifyReply,
  name: string | undefined,
): Promise<FastifyReply> {
  const neg = negotiate(req.headers.accept);
  if (!neg) return notAcceptable(reply);
  if (name === undefined) return send(reply, 200, neg, await m.names());
  const r = await m.metric(name, (req.query as Record<string, unknown> | undefined)?.['tag']);
  // Spring: a `tag` that is not `key:value` is a bad request; no matching series is not found.
  if (r === 400) return reply.code(400).send();
  return r === 404 ? notFound(reply) : send(reply, 200, neg, r);
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
