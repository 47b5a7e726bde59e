/**
 * `createActuator()`: Koupleless-compatible `/actuator/health` and `/actuator/info` for a nodeark base, with
 * Spring Boot Actuator semantics (docs/reference/health-semantics.md): the STARTUP and AGG components, base
 * indicators, groups and probes, show-details/show-components, path rules, content negotiation, exposure
 * and the links index. The returned fastify plugin registers the routes; the `mark*` methods are the base's
 * lifecycle signals (Spring's ApplicationStarted/Ready/Failed events and context close). When exposed,
 * `/actuator/prometheus` and `/actuator/metrics` serve the runtime's per-module metrics and the process's
 * (docs/observability.md).
 */
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { BizRuntime, BizTransitionEvent } from '@nodeark/runtime';
import type { HealthResult } from '@nodeark/biz';
import { BizAggregate } from './aggregate.js';
import { isShown, resolvePrincipal, type ActuatorAuthorizer, type ActuatorPrincipal } from './auth.js';
import { resolveActuatorConfig, type ActuatorConfig, type ShowMode } from './config.js';
import {
  ERR_ACTUATOR_CLOSED,
  ERR_ACTUATOR_DUPLICATE_INDICATOR,
  ERR_ACTUATOR_DUPLICATE_INFO_CONTRIBUTOR,
  ERR_ACTUATOR_DUPLICATE_PLUGIN,
  ERR_ACTUATOR_INVALID_NAME,
  ERR_ACTUATOR_NOT_A_FUNCTION,
} from './errors.js';
import {
  diskSpaceIndicator,
  livenessIndicator,
  metricsIndicator,
  pingIndicator,
  readinessIndicator,
  runIndicator,
  type BaseHealthIndicator,
} from './indicators.js';
import { bizInfo, nodearkPackages, pluginItem, staticInfo, type PluginRegistration } from './info.js';
import { Availability, StartupTracker, classify, type LivenessState, type ReadinessState } from './lifecycle.js';
import type { MetricsEndpoints } from './metrics/endpoints.js';
import { negotiate, type Negotiated } from './negotiate.js';
import { HttpCodeStatusMapper, StatusAggregator } from './status.js';

/** Minimal logger (pino-compatible subset). */
export interface ActuatorLogger {
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** Options of {@link createActuator}. */
export interface ActuatorOptions {
  /** The base's runtime: its modules feed STARTUP, AGG and `arkBizInfo`. */
  runtime: BizRuntime;
  /** The master biz (the base): `com.alipay.sofa.ark.master.biz` / `spring.application.name`, and its version. */
  masterBiz: { bizName: string; bizVersion: string; priority?: number };
  /** Configuration; unset fields take {@link DEFAULT_ACTUATOR_CONFIG}. See `actuatorConfigFromProperties`. */
  config?: Partial<ActuatorConfig>;
  /** Extra authentication for `when-authorized` (after `spring.security.user.*` and the bearer token). */
  authorize?: ActuatorAuthorizer;
  logger?: ActuatorLogger;
}

/** A rendered health node (the JSON of one component, group or the root). */
export interface HealthNode {
  status: string;
  details?: Record<string, unknown>;
  components?: Record<string, HealthNode>;
  groups?: string[];
}

/** What the base gets back. */
export interface Actuator {
  /**
   * Registers `GET {basePath}`, `{basePath}/health(/**)`, `{basePath}/info`, `{basePath}/prometheus`,
   * `{basePath}/metrics(/{name})` (each when exposed). Register without a prefix.
   */
  plugin: FastifyPluginAsync;
  /** The web server is up (Spring's ApplicationStartedEvent): liveness CORRECT. Implied by {@link markBaseReady}. */
  markBaseStarted(): void;
  /** The base finished startup, static modules included: STARTUP base UP, readiness ACCEPTING_TRAFFIC. */
  markBaseReady(): void;
  /** The base's startup failed: STARTUP base DOWN, readiness REFUSING_TRAFFIC, liveness BROKEN. */
  markBaseFailed(err: Error): void;
  /** Graceful shutdown began: readiness OUT_OF_SERVICE first, and it never comes back. */
  markShuttingDown(): void;
  /**
   * Call right before uninstalling a module (wire it as the runtime's `beforeUninstall` hook): removes it from
   * AGG, marks it DOWN in STARTUP, drops readiness when `withAllBizReadiness`, then waits
   * `silenceSecondsBeforeUninstall` before resolving (Q10 in docs/reference/health-semantics.md § Uninstall order
   * and silence: readiness drop, then silence, then stop, once).
   */
  prepareUninstall(bizName: string, bizVersion: string): Promise<void>;
  /**
   * Adds a base indicator. Names are unique across built-ins and registrations
   * (`NODEARK_ERR_ACTUATOR_DUPLICATE_INDICATOR`).
   */
  registerHealthIndicator(name: string, fn: BaseHealthIndicator): void;
  /** Removes a registered base indicator; true if it existed. Built-in components cannot be removed. */
  unregisterHealthIndicator(name: string): boolean;
  /** Adds a top-level key to `/actuator/info` (`NODEARK_ERR_ACTUATOR_DUPLICATE_INFO_CONTRIBUTOR` on a taken key). */
  registerInfoContributor(name: string, fn: () => unknown): void;
  /** Lists a plugin in `arkPluginInfo` (`NODEARK_ERR_ACTUATOR_DUPLICATE_PLUGIN` on a taken name). */
  registerPlugin(info: PluginRegistration): void;
  /** The full health tree as `show-details=always` would render it (v3), with its HTTP code. */
  health(): Promise<{ statusCode: number; body: HealthNode }>;
  /** The `/actuator/info` body. */
  info(): Promise<Record<string, unknown>>;
  /** Current base availability. */
  readonly availability: { readonly liveness: LivenessState; readonly readiness: ReadinessState };
  /** The STARTUP and AGG component names in use. */
  readonly componentNames: { readonly startup: string; readonly aggregate: string };
  /** The resolved configuration. */
  readonly config: Readonly<ActuatorConfig>;
  /** Detaches the runtime listener and clears timers. Idempotent. */
  close(): void;
}

interface Group {
  name: string;
  include: string[];
  exclude: string[];
  showComponents: ShowMode;
  showDetails: ShowMode;
  roles: string[];
  aggregator: StatusAggregator;
  mapper: HttpCodeStatusMapper;
  additionalPath: string | undefined;
}

interface Contributor {
  fn: () => Promise<HealthResult>;
  builtIn: boolean;
}

const RESERVED_INFO_KEYS = ['arkBizInfo', 'arkPluginInfo', 'build', 'git'];
const NAME_RE = /^[^/\s]+$/;

/** Creates the actuator and subscribes to the runtime's events right away (call before static deployment). */
export function createActuator(options: ActuatorOptions): Actuator {
  const config = resolveActuatorConfig(options.config);
  const { runtime } = options;
  const master = {
    bizName: options.masterBiz.bizName,
    bizVersion: options.masterBiz.bizVersion,
    priority: options.masterBiz.priority ?? 100,
  };
  const masterIdentity = `${master.bizName}:${master.bizVersion}`;
  const names = {
    startup: config.startupComponentName ?? (config.componentNames === 'runtime' ? 'baseStartUp' : 'masterBizStartUp'),
    aggregate: config.aggregateComponentName ?? (config.componentNames === 'runtime' ? 'compositeAllBiz' : 'arkBizAggregate'),
  };

  const startup = new StartupTracker(config);
  const availability = new Availability(config, runtime);
  const bizTimeoutMs = config.bizHealthTimeoutMs ?? runtime.options.healthTimeoutMs + 2000;
  /** Identities `prepareUninstall` ran for: out of AGG until their stop (or a reinstall) completes. */
  const uninstalling = new Set<string>();
  const aggregate = new BizAggregate(
    runtime,
    config,
    bizTimeoutMs,
    (id) => uninstalling.has(id),
    config.healthCacheTtlMs,
  );
  let closed = false;

  // Seed from modules installed before the actuator existed, then follow every transition.
  for (const b of runtime.list()) {
    if (b.bizState === 'resolved') startup.set(b.identity, 'UNKNOWN');
    else if (b.bizState === 'activated' || b.bizState === 'deactivated') startup.set(b.identity, 'UP');
    else if (b.bizState === 'broken') startup.set(b.identity, 'DOWN');
  }
  const onTransition = (e: BizTransitionEvent): void => {
    switch (classify(e)) {
      case 'beforeStartup':
        uninstalling.delete(e.identity);
        startup.silenced.delete(e.identity);
        startup.set(e.identity, 'UNKNOWN');
        break;
      case 'afterStartup':
        startup.set(e.identity, 'UP');
        break;
      case 'startupFailed':
      case 'beforeStop':
        startup.set(e.identity, 'DOWN');
        break;
      case 'afterStop':
        uninstalling.delete(e.identity);
        if (startup.biz.has(e.identity)) startup.biz.set(e.identity, 'DOWN');
        startup.remove(e.identity);
        break;
      default:
        break;
    }
    availability.onTransition(e);
  };
  runtime.on('transition', onTransition);

  /* ------------------------------------------------------------------------------ health registry */

  const registry = new Map<string, Contributor>();
  const bounded = (fn: BaseHealthIndicator) => () => runIndicator(fn, config.indicatorTimeoutMs);
  const addBuiltIn = (name: string, fn: () => Promise<HealthResult>): void => {
    registry.set(name, { fn, builtIn: true });
  };
  const defaults = config.healthDefaultsEnabled;
  if (config.pingEnabled ?? defaults) addBuiltIn('ping', bounded(pingIndicator));
  if (config.diskSpaceEnabled ?? defaults) addBuiltIn('diskSpace', bounded(diskSpaceIndicator(config.diskSpacePath, config.diskSpaceThreshold)));
  if (config.metricsEnabled ?? config.metaspaceCheck) addBuiltIn('metrics', bounded(metricsIndicator(config.metaspaceCheck, config.metaspaceThreshold)));
  addBuiltIn(names.startup, async () => startupHealth());
  addBuiltIn(names.aggregate, () => aggregate.evaluate());
  if (config.probesEnabled || config.livenessStateEnabled) addBuiltIn('livenessState', bounded(livenessIndicator(availability)));
  if (config.probesEnabled || config.readinessStateEnabled) addBuiltIn('readinessState', bounded(readinessIndicator(availability)));

  function startupHealth(): HealthResult {
    const details: Record<string, unknown> = { [masterIdentity]: { status: startup.base } };
    for (const [id, s] of startup.biz) if (id !== masterIdentity) details[id] = { status: s };
    return { status: startup.status(), details };
  }

  /* ---------------------------------------------------------------------------------------- groups */

  const primaryShowDetails = config.showDetails;
  const primaryShowComponents = config.showComponents ?? config.showDetails;
  const primary: Group = {
    name: '',
    include: ['*'],
    exclude: [],
    showComponents: primaryShowComponents,
    showDetails: primaryShowDetails,
    roles: config.roles,
    aggregator: new StatusAggregator(config.statusOrder),
    mapper: new HttpCodeStatusMapper(config.statusHttpMapping),
    additionalPath: undefined,
  };
  const groups = new Map<string, Group>();
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

  const members = (g: Group): string[] => {
    const all = [...registry.keys()];
    const included = g.include.includes('*') ? all : all.filter((n) => g.include.includes(n));
    return included.filter((n) => !g.exclude.includes(n));
  };

  const evaluate = async (name: string): Promise<HealthResult> => {
    const c = registry.get(name);
    if (!c) return { status: 'UNKNOWN' };
    try {
      return await c.fn();
    } catch (err) {
      return { status: 'DOWN', details: { error: `${(err as Error).name}: ${(err as Error).message}` } };
    }
  };

  const renderComponent = (r: HealthResult, showDetails: boolean): HealthNode => {
    const node: HealthNode = { status: r.status };
    if (showDetails && r.details && Object.keys(r.details).length > 0) node.details = r.details;
    return node;
  };

  /** Renders a group root (or the primary root). Returns undefined for 404 (a group with no members). */
  const renderGroupRoot = async (
    g: Group,
    apiVersion: 'v2' | 'v3',
    showComponents: boolean,
    showDetails: boolean,
    isPrimary: boolean,
  ): Promise<{ statusCode: number; body: HealthNode } | undefined> => {
    const names = members(g);
    if (names.length === 0 && !isPrimary) return undefined;
    const results = await Promise.all(names.map(evaluate));
    const status = names.length === 0 ? 'UP' : g.aggregator.aggregate(results.map((r) => r.status));
    const body: HealthNode = { status };
    if (showComponents && names.length > 0) {
      const sorted = names.map((n, i) => [n, results[i]!] as const).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      const comps: Record<string, HealthNode> = {};
      for (const [n, r] of sorted) comps[n] = renderComponent(r, showDetails);
      if (apiVersion === 'v2') body.details = comps;
      else body.components = comps;
    }
    if (isPrimary && groups.size > 0) body.groups = [...groups.keys()].sort();
    return { statusCode: g.mapper.statusCode(status), body };
  };

  /* ------------------------------------------------------------------------------------------ info */

  const infoContributors = new Map<string, () => unknown>();
  const plugins: PluginRegistration[] = [];
  let pluginsLoaded = false;
  let staticInfoCache: Record<string, unknown> | undefined;
  const loadPlugins = (): void => {
    if (pluginsLoaded) return;
    pluginsLoaded = true;
    const own = nodearkPackages().filter((p) => !plugins.some((x) => x.name === p.name));
    plugins.unshift(...own);
  };

  const info = async (): Promise<Record<string, unknown>> => {
    loadPlugins();
    staticInfoCache ??= staticInfo(config);
    const body: Record<string, unknown> = structuredClone(staticInfoCache);
    body.arkBizInfo = bizInfo(runtime, master);
    body.arkPluginInfo = plugins
      .map((p, i) => ({ p, i }))
      .sort((a, b) => (a.p.priority ?? 100) - (b.p.priority ?? 100) || a.i - b.i)
      .map(({ p }) => pluginItem(p));
    const extra = [...infoContributors.entries()];
    const values = await Promise.all(
      extra.map(async ([, fn]) => {
        const r = await runIndicator(async () => ({ status: 'UP', details: { value: await fn() } }), config.indicatorTimeoutMs);
        if (r.status === 'UP' && r.details && 'value' in r.details) return r.details.value;
        return { error: String(r.details?.error ?? 'contributor failed') };
      }),
    );
    extra.forEach(([name], i) => {
      body[name] = values[i];
    });
    return body;
  };

  /* ------------------------------------------------------------------------------------------ HTTP */

  const exposed = (id: 'health' | 'info' | 'prometheus' | 'metrics'): boolean => {
    const enabled =
      id === 'health'
        ? config.healthEnabled
        : id === 'info'
          ? config.infoEnabled
          : id === 'prometheus'
            ? config.prometheusEndpointEnabled
            : config.metricsEndpointEnabled;
    if (!enabled) return false;
    const inc = config.exposureInclude.map((s) => s.toLowerCase());
    const exc = config.exposureExclude.map((s) => s.toLowerCase());
    if (exc.includes(id) || exc.includes('*')) return false;
    return inc.includes(id) || inc.includes('*');
  };
  const healthPath = `${config.basePath}/${config.pathMapping.health ?? 'health'}`;
  const infoPath = `${config.basePath}/${config.pathMapping.info ?? 'info'}`;
  const prometheusPath = `${config.basePath}/${config.pathMapping.prometheus ?? 'prometheus'}`;
  const metricsPath = `${config.basePath}/${config.pathMapping.metrics ?? 'metrics'}`;
  const needsPrincipal =
    [primary, ...groups.values()].some((g) => g.showComponents === 'when-authorized' || g.showDetails === 'when-authorized');

  const send = (reply: FastifyReply, statusCode: number, neg: Negotiated, body: unknown): FastifyReply =>
    // A Buffer, so that fastify does not append `; charset=utf-8` (Spring sends the bare media type).
    reply.code(statusCode).header('content-type', neg.contentType).send(Buffer.from(JSON.stringify(body), 'utf8'));
  const notFound = (reply: FastifyReply): FastifyReply => reply.code(404).send();
  const notAcceptable = (reply: FastifyReply): FastifyReply => reply.code(406).send();

  const principalOf = async (req: FastifyRequest): Promise<ActuatorPrincipal | undefined> =>
    needsPrincipal ? resolvePrincipal(req.raw.headers, req.url, config, options.authorize, req.ip) : undefined;

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
      const r = await renderGroupRoot(group, neg.apiVersion, showComponents, showDetails, isPrimary);
      if (!r) return notFound(reply);
      return send(reply, r.statusCode, neg, r.body);
    }
    // A component path: hidden components are 404; STARTUP, AGG and every base indicator are plain
    // indicators, so any further segment is 404.
    if (!showComponents || rest.length !== 1) return notFound(reply);
    const name = rest[0]!;
    if (!registry.has(name) || !members(group).includes(name)) return notFound(reply);
    const r = await evaluate(name);
    return send(reply, group.mapper.statusCode(r.status), neg, renderComponent(r, showDetails));
  };

  const links = (req: FastifyRequest, reply: FastifyReply): FastifyReply => {
    const neg = negotiate(req.headers.accept);
    if (!neg) return notAcceptable(reply);
    const path = (req.url.split('?')[0] ?? '').replace(/\/+$/, '');
    const host = req.headers.host ?? `${req.hostname}`;
    const self = `${req.protocol}://${host}${path}`;
    const out: Record<string, { href: string; templated: boolean }> = { self: { href: self, templated: false } };
    const link = (href: string): { href: string; templated: boolean } => ({ href, templated: href.includes('{') });
    if (exposed('health')) {
      const p = config.pathMapping.health ?? 'health';
      out.health = link(`${self}/${p}`);
      out['health-path'] = link(`${self}/${p}/{*path}`);
    }
    if (exposed('info')) out.info = link(`${self}/${config.pathMapping.info ?? 'info'}`);
    if (exposed('prometheus')) out.prometheus = link(`${self}/${config.pathMapping.prometheus ?? 'prometheus'}`);
    if (exposed('metrics')) {
      const p = config.pathMapping.metrics ?? 'metrics';
      // Spring's link names for the metrics endpoint.
      out['metrics-requiredMetricName'] = link(`${self}/${p}/{requiredMetricName}`);
      out.metrics = link(`${self}/${p}`);
    }
    return send(reply, 200, neg, { _links: out });
  };

  const methodNotAllowed = (_req: FastifyRequest, reply: FastifyReply): FastifyReply =>
    reply.code(405).header('allow', 'GET, HEAD').send();
  const OTHER_METHODS = ['POST', 'PUT', 'DELETE', 'PATCH'] as const;

  /* -------------------------------------------------------------------------------------- metrics */

  const servePrometheus = async (m: MetricsEndpoints, reply: FastifyReply): Promise<FastifyReply> => {
    const { contentType, body } = await m.prometheus();
    return reply.code(200).header('content-type', contentType).send(body);
  };

  const serveMetric = async (
    m: MetricsEndpoints,
    req: FastifyRequest,
    reply: FastifyReply,
    name: string | undefined,
  ): Promise<FastifyReply> => {
    const neg = negotiate(req.headers.accept);
    if (!neg) return notAcceptable(reply);
    if (name === undefined) return send(reply, 200, neg, await m.names());
    const r = await m.metric(name, (req.query as Record<string, unknown> | undefined)?.['tag']);
    // Spring: a `tag` that is not `key:value` is a bad request; no matching series is not found.
    if (r === 400) return reply.code(400).send();
    return r === 404 ? notFound(reply) : send(reply, 200, neg, r);
  };

  const plugin: FastifyPluginAsync = async (app: FastifyInstance) => {
    if (config.discoveryEnabled && config.basePath !== '') {
      app.get(config.basePath, (req, reply) => links(req, reply));
      // With the router's ignoreTrailingSlash the first route already answers the slash form.
      if (!app.hasRoute({ method: 'GET', url: `${config.basePath}/` })) app.get(`${config.basePath}/`, (req, reply) => links(req, reply));
    }
    if (exposed('health')) {
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
    if (exposed('info')) {
      app.get(infoPath, async (req, reply) => {
        const neg = negotiate(req.headers.accept);
        if (!neg) return notAcceptable(reply);
        return send(reply, 200, neg, await info());
      });
      app.route({ method: [...OTHER_METHODS], url: infoPath, handler: methodNotAllowed });
    }
    // Loaded only when exposed (with prom-client), before the first scrape: a base serving health alone loads none
    // of it.
    const metrics = exposed('prometheus') || exposed('metrics') ? await (await import('./metrics/endpoints.js')).createMetricsEndpoints(runtime) : undefined;
    if (metrics && exposed('prometheus')) {
      app.get(prometheusPath, (_req, reply) => servePrometheus(metrics, reply));
      app.route({ method: [...OTHER_METHODS], url: prometheusPath, handler: methodNotAllowed });
    }
    if (metrics && exposed('metrics')) {
      app.get(metricsPath, (req, reply) => serveMetric(metrics, req, reply, undefined));
      app.get(`${metricsPath}/:name`, (req, reply) => serveMetric(metrics, req, reply, (req.params as { name: string }).name));
      app.route({ method: [...OTHER_METHODS], url: metricsPath, handler: methodNotAllowed });
      app.route({ method: [...OTHER_METHODS], url: `${metricsPath}/:name`, handler: methodNotAllowed });
    }
  };

  /* ------------------------------------------------------------------------------------------- API */

  const assertOpen = (): void => {
    if (closed) throw new ERR_ACTUATOR_CLOSED();
  };

  return {
    plugin,
    markBaseStarted() {
      availability.markStarted();
    },
    markBaseReady() {
      startup.markBase('UP');
      availability.markReady();
    },
    markBaseFailed(err: Error) {
      startup.markBase('DOWN');
      availability.markFailed();
      options.logger?.error({ err: err?.message }, 'base startup failed; /actuator/health reports DOWN');
    },
    markShuttingDown() {
      availability.markShuttingDown();
    },
    async prepareUninstall(bizName: string, bizVersion: string) {
      const id = `${bizName}:${bizVersion}`;
      if (!runtime.get(bizName, bizVersion)) return;
      // BeforeBizStopEvent: out of AGG (the Java module context closes first), STARTUP DOWN, readiness drop.
      uninstalling.add(id);
      startup.set(id, 'DOWN');
      availability.refuseFor(id);
      const ms = config.silenceSecondsBeforeUninstall * 1000;
      if (ms > 0) {
        startup.silenced.add(id);
        await new Promise((r) => setTimeout(r, ms));
      }
    },
    registerHealthIndicator(name: string, fn: BaseHealthIndicator) {
      assertOpen();
      if (typeof name !== 'string' || !NAME_RE.test(name)) {
        throw new ERR_ACTUATOR_INVALID_NAME('health indicator', String(name), 'use a non-empty name without "/" or whitespace');
      }
      if (typeof fn !== 'function') throw new ERR_ACTUATOR_NOT_A_FUNCTION('health indicator', name);
      if (registry.has(name) || groups.has(name)) throw new ERR_ACTUATOR_DUPLICATE_INDICATOR(name);
      registry.set(name, { fn: bounded(fn), builtIn: false });
    },
    unregisterHealthIndicator(name: string) {
      const c = registry.get(name);
      if (!c || c.builtIn) return false;
      return registry.delete(name);
    },
    registerInfoContributor(name: string, fn: () => unknown) {
      assertOpen();
      if (typeof name !== 'string' || name === '') throw new ERR_ACTUATOR_INVALID_NAME('info contributor', String(name), 'use a non-empty name');
      if (typeof fn !== 'function') throw new ERR_ACTUATOR_NOT_A_FUNCTION('info contributor', name);
      if (
        infoContributors.has(name) ||
        RESERVED_INFO_KEYS.includes(name) ||
        (config.infoEnvEnabled && name in config.infoEnv)
      ) {
        throw new ERR_ACTUATOR_DUPLICATE_INFO_CONTRIBUTOR(name);
      }
      infoContributors.set(name, fn);
    },
    registerPlugin(p: PluginRegistration) {
      assertOpen();
      if (!p || typeof p.name !== 'string' || p.name === '' || typeof p.version !== 'string') {
        throw new ERR_ACTUATOR_INVALID_NAME('plugin', String(p?.name), 'a plugin needs a string name and version');
      }
      loadPlugins();
      if (plugins.some((x) => x.name === p.name)) throw new ERR_ACTUATOR_DUPLICATE_PLUGIN(p.name);
      plugins.push({ ...p });
    },
    async health() {
      const r = (await renderGroupRoot(primary, 'v3', true, true, true))!;
      return r;
    },
    info,
    availability: {
      get liveness() {
        return availability.liveness;
      },
      get readiness() {
        return availability.readiness;
      },
    },
    componentNames: names,
    config,
    close() {
      if (closed) return;
      closed = true;
      runtime.off('transition', onTransition);
      startup.close();
    },
  };
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** `server:/healthz` → `/healthz`; `management:` paths are the same port here. */
function normalizeAdditionalPath(p: string | undefined): string | undefined {
  if (p === undefined || p === '') return undefined;
  const path = p.replace(/^(server|management):/, '');
  return path.startsWith('/') ? path : `/${path}`;
}
