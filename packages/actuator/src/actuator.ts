/**
 * `createActuator()`: Koupleless-compatible `/actuator/health` and `/actuator/info` for a nodeark base, with
 * Spring Boot Actuator semantics (docs/reference/health-semantics.md): the STARTUP and AGG components, base
 * indicators, groups and probes, show-details/show-components, path rules, content negotiation, exposure
 * and the links index. The returned fastify plugin registers the routes; the `mark*` methods are the base's
 * lifecycle signals (Spring's ApplicationStarted/Ready/Failed events and context close). When exposed,
 * `/actuator/prometheus` and `/actuator/metrics` serve the runtime's per-module metrics and the process's
 * (docs/observability.md).
 */
import type { FastifyPluginAsync } from 'fastify';
import type { BizRuntime, LevelLogger } from '@nodeark/runtime';
import type { HealthResult } from '@nodeark/biz';
import { BizAggregate } from './aggregate.js';
import type { ActuatorAuthorizer } from './auth.js';
import type { ActuatorConfig } from './config.js';
import {
  ERR_ACTUATOR_CLOSED,
  ERR_ACTUATOR_DUPLICATE_INDICATOR,
  ERR_ACTUATOR_INVALID_NAME,
  ERR_ACTUATOR_NOT_A_FUNCTION,
} from './errors.js';
import { buildHealthGroups } from './health-groups.js';
import { addBuiltInIndicators, HealthRegistry } from './health-registry.js';
import { HealthTree, type HealthNode } from './health-tree.js';
import type { BaseHealthIndicator } from './indicators.js';
import type { PluginRegistration } from './info.js';
import { InfoContributors } from './info-contributors.js';
import { Availability, StartupTracker, type LivenessState, type ReadinessState } from './lifecycle.js';
import { resolveActuatorConfig } from './resolve-config.js';
import { actuatorRoutes } from './routes.js';
import { trackModules } from './track-modules.js';

/** Minimal logger (pino-compatible subset): the two levels of `@nodeark/runtime`'s `LevelLogger` it uses. */
export type ActuatorLogger = Pick<LevelLogger, 'warn' | 'error'>;

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
  /** Where a failed base startup is reported. Default: nowhere. */
  logger?: ActuatorLogger;
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
  const runtimeNames = config.componentNames === 'runtime';
  const names = {
    startup: config.startupComponentName ?? (runtimeNames ? 'baseStartUp' : 'masterBizStartUp'),
    aggregate: config.aggregateComponentName ?? (runtimeNames ? 'compositeAllBiz' : 'arkBizAggregate'),
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
  const untrack = trackModules(runtime, startup, availability, uninstalling);

  const startupHealth = (): HealthResult => {
    const details: Record<string, unknown> = { [masterIdentity]: { status: startup.base } };
    for (const [id, s] of startup.biz) if (id !== masterIdentity) details[id] = { status: s };
    return { status: startup.status(), details };
  };
  const registry = new HealthRegistry(config.indicatorTimeoutMs);
  addBuiltInIndicators(registry, config, { names, startupHealth, aggregate, availability });
  const groups = buildHealthGroups(config);
  const tree = new HealthTree(registry, groups);
  const infoContributors = new InfoContributors(config, runtime, master);
  const info = (): Promise<Record<string, unknown>> => infoContributors.info();

  const assertOpen = (): void => {
    if (closed) throw new ERR_ACTUATOR_CLOSED();
  };

  return {
    plugin: actuatorRoutes({ config, runtime, registry, groups, tree, info, authorize: options.authorize }),
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
      if (registry.has(name) || groups.groups.has(name)) throw new ERR_ACTUATOR_DUPLICATE_INDICATOR(name);
      registry.add(name, fn);
    },
    unregisterHealthIndicator(name: string) {
      return registry.remove(name);
    },
    registerInfoContributor(name: string, fn: () => unknown) {
      assertOpen();
      if (typeof name !== 'string' || name === '') {
        throw new ERR_ACTUATOR_INVALID_NAME('info contributor', String(name), 'use a non-empty name');
      }
      if (typeof fn !== 'function') throw new ERR_ACTUATOR_NOT_A_FUNCTION('info contributor', name);
      infoContributors.addContributor(name, fn);
    },
    registerPlugin(p: PluginRegistration) {
      assertOpen();
      if (!p || typeof p.name !== 'string' || p.name === '' || typeof p.version !== 'string') {
        throw new ERR_ACTUATOR_INVALID_NAME('plugin', String(p?.name), 'a plugin needs a string name and version');
      }
      infoContributors.addPlugin(p);
    },
    async health() {
      return (await tree.renderGroupRoot(groups.primary, 'v3', true, true, true))!;
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
      untrack();
      startup.close();
    },
  };
}
