/**
 * Actuator configuration: one typed camelCase field per property the actuator honours, the property key of
 * each (Spring Boot / Koupleless names where one exists, `nodeark.actuator.*` otherwise), defaults, and
 * a parser from dotted property maps (`actuatorConfigFromProperties`) that fails naming the key.
 * `docs/health.md` § Properties mirrors {@link ACTUATOR_PROPERTIES}.
 */
import { ERR_ACTUATOR_INVALID_CONFIG, ERR_ACTUATOR_UNKNOWN_PROPERTY } from './errors.js';

/** `never` | `when-authorized` | `always` (Spring's `Show`). */
export type ShowMode = 'never' | 'when-authorized' | 'always';

/** Which component names STARTUP and AGG get: the documented ones or the released Koupleless runtime's. */
export type ComponentNaming = 'docs' | 'runtime';

/** A health group (`management.endpoint.health.group.<name>.*`). Unset fields inherit the endpoint's. */
export interface HealthGroupConfig {
  /** `…group.<name>.include`: member component names, or `*` (default `*`). */
  include?: string[];
  /** `…group.<name>.exclude`: component names never members. */
  exclude?: string[];
  /** `…group.<name>.show-components`. */
  showComponents?: ShowMode;
  /** `…group.<name>.show-details`. */
  showDetails?: ShowMode;
  /** `…group.<name>.roles`. */
  roles?: string[];
  /** `…group.<name>.status.order`. */
  statusOrder?: string[];
  /** `…group.<name>.status.http-mapping.<STATUS>`. */
  statusHttpMapping?: Record<string, number>;
  /** `…group.<name>.additional-path`: an extra path on the base port (`server:/healthz` or `/healthz`). */
  additionalPath?: string;
}

/** Everything the actuator can be configured with. Each field documents its property key. */
export interface ActuatorConfig {
  /** `management.endpoints.web.base-path` (default `/actuator`). */
  basePath: string;
  /**
   * `management.endpoints.web.exposure.include` (default `health`; `*` exposes all; also `info`, `prometheus`,
   * `metrics`).
   */
  exposureInclude: string[];
  /** `management.endpoints.web.exposure.exclude` (default empty; wins over include). */
  exposureExclude: string[];
  /** `management.endpoints.web.path-mapping.<id>`: renames an endpoint's path (`health` → `healthcheck`). */
  pathMapping: Record<string, string>;
  /** `management.endpoints.web.discovery.enabled`: serve the `/actuator` links index (default true). */
  discoveryEnabled: boolean;
  /** `management.endpoint.health.enabled` (default true). */
  healthEnabled: boolean;
  /** `management.endpoint.info.enabled` (default true; still needs exposure). */
  infoEnabled: boolean;
  /**
   * `management.endpoint.prometheus.enabled`: `/actuator/prometheus` (default true; still needs exposure,
   * docs/observability.md).
   */
  prometheusEndpointEnabled: boolean;
  /**
   * `management.endpoint.metrics.enabled`: `/actuator/metrics` (default true; still needs exposure,
   * docs/observability.md).
   */
  metricsEndpointEnabled: boolean;
  /** `management.endpoint.health.show-details` (default `never`). */
  showDetails: ShowMode;
  /** `management.endpoint.health.show-components` (default unset: follows show-details). */
  showComponents: ShowMode | undefined;
  /** `management.endpoint.health.roles`: roles allowed by `when-authorized` (empty: any authenticated user). */
  roles: string[];
  /** `management.endpoint.health.status.order` (default `DOWN,OUT_OF_SERVICE,UP,UNKNOWN`). */
  statusOrder: string[];
  /**
   * `management.endpoint.health.status.http-mapping.<STATUS>`; non-empty replaces the default DOWN/OUT_OF_SERVICE→503.
   */
  statusHttpMapping: Record<string, number>;
  /** `management.endpoint.health.probes.enabled`: `livenessState`/`readinessState` and the two probe groups. */
  probesEnabled: boolean;
  /** `management.endpoint.health.probes.add-additional-paths`: also serve `/livez` and `/readyz`. */
  probesAddAdditionalPaths: boolean;
  /** `management.endpoint.health.group.<name>.*`. */
  groups: Record<string, HealthGroupConfig>;
  /** `management.health.defaults.enabled`: default for `ping` / `diskSpace` enablement (default true). */
  healthDefaultsEnabled: boolean;
  /** `management.health.ping.enabled` (default: `healthDefaultsEnabled`). */
  pingEnabled: boolean | undefined;
  /** `management.health.diskspace.enabled` (default: `healthDefaultsEnabled`). */
  diskSpaceEnabled: boolean | undefined;
  /** `management.health.diskspace.threshold` in bytes (default 10 MB; accepts `10MB`). */
  diskSpaceThreshold: number;
  /** `management.health.diskspace.path` (default `.`, the base's working directory). */
  diskSpacePath: string;
  /** `management.health.livenessstate.enabled`: `livenessState` without probe groups. */
  livenessStateEnabled: boolean;
  /** `management.health.readinessstate.enabled`: `readinessState` without probe groups. */
  readinessStateEnabled: boolean;
  /** `management.health.metrics.enabled`: the `metrics` (V8 heap) component (default: on iff `metaspaceCheck`). */
  metricsEnabled: boolean | undefined;
  /**
   * `com.alipay.sofa.koupleless.runtime.monitor.metaspace-check`: `metrics` DOWN above the threshold (default false).
   */
  metaspaceCheck: boolean;
  /**
   * `com.alipay.sofa.koupleless.runtime.monitor.metaspace-threshold`: percent of the V8 heap limit committed
   * (default 85).
   */
  metaspaceThreshold: number;
  /**
   * `koupleless.healthcheck.base.readiness.withAllBizReadiness` (default false): STARTUP rule and readiness coupling.
   */
  withAllBizReadiness: boolean;
  /**
   * `com.alipay.sofa.koupleless.runtime.operation.silence-seconds-before-uninstall` (default 0): how long a stopping
   * or removed module stays `DOWN` in STARTUP before its entry is dropped (the Java uninstall "silence" window).
   */
  silenceSecondsBeforeUninstall: number;
  /**
   * `nodeark.actuator.health.component-names`: `docs` (masterBizStartUp/arkBizAggregate) or `runtime`
   * (baseStartUp/compositeAllBiz).
   */
  componentNames: ComponentNaming;
  /** `nodeark.actuator.health.startup-component-name`: explicit STARTUP name (wins over componentNames). */
  startupComponentName: string | undefined;
  /** `nodeark.actuator.health.aggregate-component-name`: explicit AGG name (wins over componentNames). */
  aggregateComponentName: string | undefined;
  /**
   * `nodeark.actuator.health.aggregate.indicator-format`: `flat` (docs, `"status":"UP"`) or `nested` (Java
   * `"status":{"status":"UP"}`).
   */
  aggregateIndicatorFormat: 'flat' | 'nested';
  /**
   * `nodeark.actuator.health.aggregate.starting-biz`: how AGG shows a module whose `start()` has not returned:
   * `unknown` (default) or `down` (Java reference: `DOWN` + `applicationContext: haven't refreshed`; Q11 in
   * docs/reference/health-semantics.md § Questions on the Java reference).
   */
  startingBiz: 'unknown' | 'down';
  /**
   * `nodeark.actuator.health.aggregate.include-broken`: list modules kept `broken` after a failed start in AGG
   * (default true; Q4 in docs/reference/health-semantics.md § Questions on the Java reference).
   */
  aggregateIncludeBroken: boolean;
  /**
   * `nodeark.actuator.health.readiness.reevaluate-on-stop`: re-open readiness after an uninstall (default false =
   * Java; Q7 in docs/reference/health-semantics.md § Questions on the Java reference).
   */
  readinessReevaluateOnStop: boolean;
  /**
   * `management.endpoint.health.cache.time-to-live`, ms (default 0): how long a module's health result is reused.
   * Concurrent requests always share one in-flight evaluation per module, whatever this value.
   */
  healthCacheTtlMs: number;
  /** `nodeark.actuator.health.indicator-timeout`: bound on each base indicator, ms (default 3000). */
  indicatorTimeoutMs: number;
  /**
   * `nodeark.actuator.health.biz-timeout`: outer bound on one module's health, ms
   * (default: runtime health timeout + 2000).
   */
  bizHealthTimeoutMs: number | undefined;
  /** `management.info.build.enabled` (default true). */
  infoBuildEnabled: boolean;
  /** `management.info.git.enabled` (default true). */
  infoGitEnabled: boolean;
  /** `management.info.git.mode`: `simple` or `full` (default simple). */
  infoGitMode: 'simple' | 'full';
  /** `management.info.env.enabled`: publish `info.*` properties (default false). */
  infoEnvEnabled: boolean;
  /** `info.*`: free-form info properties (nested by dots). */
  infoEnv: Record<string, unknown>;
  /** `spring.info.build.location`: build info file, `.json` or `.properties` (default `build-info.json`). */
  buildInfoLocation: string;
  /** `spring.info.git.location`: git info file, `.properties` or `.json` (default `git.properties`). */
  gitInfoLocation: string;
  /** `spring.security.user.name`: HTTP Basic user for `when-authorized`. */
  securityUserName: string | undefined;
  /** `spring.security.user.password`. */
  securityUserPassword: string | undefined;
  /** `spring.security.user.roles`. */
  securityUserRoles: string[];
  /** `nodeark.actuator.security.token`: a bearer token for `when-authorized` (`Authorization: Bearer …`). */
  securityToken: string | undefined;
  /** `nodeark.actuator.security.token-roles`: roles of the bearer token's principal. */
  securityTokenRoles: string[];
}

/** The defaults (Spring Boot 2.7 / Koupleless 1.x semantics, documented component names). */
export const DEFAULT_ACTUATOR_CONFIG: Readonly<ActuatorConfig> = Object.freeze({
  basePath: '/actuator',
  exposureInclude: ['health'],
  exposureExclude: [],
  pathMapping: {},
  discoveryEnabled: true,
  healthEnabled: true,
  infoEnabled: true,
  prometheusEndpointEnabled: true,
  metricsEndpointEnabled: true,
  showDetails: 'never',
  showComponents: undefined,
  roles: [],
  statusOrder: ['DOWN', 'OUT_OF_SERVICE', 'UP', 'UNKNOWN'],
  statusHttpMapping: {},
  probesEnabled: false,
  probesAddAdditionalPaths: false,
  groups: {},
  healthDefaultsEnabled: true,
  pingEnabled: undefined,
  diskSpaceEnabled: undefined,
  diskSpaceThreshold: 10 * 1024 * 1024,
  diskSpacePath: '.',
  livenessStateEnabled: false,
  readinessStateEnabled: false,
  metricsEnabled: undefined,
  metaspaceCheck: false,
  metaspaceThreshold: 85,
  withAllBizReadiness: false,
  silenceSecondsBeforeUninstall: 0,
  componentNames: 'docs',
  startupComponentName: undefined,
  aggregateComponentName: undefined,
  aggregateIndicatorFormat: 'flat',
  startingBiz: 'unknown',
  aggregateIncludeBroken: true,
  readinessReevaluateOnStop: false,
  healthCacheTtlMs: 0,
  indicatorTimeoutMs: 3000,
  bizHealthTimeoutMs: undefined,
  infoBuildEnabled: true,
  infoGitEnabled: true,
  infoGitMode: 'simple',
  infoEnvEnabled: false,
  infoEnv: {},
  buildInfoLocation: 'build-info.json',
  gitInfoLocation: 'git.properties',
  securityUserName: undefined,
  securityUserPassword: undefined,
  securityUserRoles: [],
  securityToken: undefined,
  securityTokenRoles: [],
} satisfies ActuatorConfig);

type Kind = 'string' | 'bool' | 'list' | 'int' | 'bytes' | 'ms' | 'show' | 'enum' | 'path';

/** One fixed property. */
export interface ActuatorPropertyDef {
  /** The dotted property key. */
  key: string;
  /** The {@link ActuatorConfig} field it sets. */
  field: keyof ActuatorConfig;
  kind: Kind;
  /** Allowed values for `enum`. */
  values?: readonly string[];
  description: string;
}

const SHOW = ['never', 'when-authorized', 'always'] as const;

/** Every fixed property key the actuator honours, mapped to its option field. */
export const ACTUATOR_PROPERTIES: readonly ActuatorPropertyDef[] = [
  { key: 'management.endpoints.web.base-path', field: 'basePath', kind: 'path', description: 'Base path of the actuator endpoints.' },
  { key: 'management.endpoints.web.exposure.include', field: 'exposureInclude', kind: 'list', description: 'Endpoint ids exposed over HTTP (`health`, `info`, `prometheus`, `metrics`, `*`).' },
  { key: 'management.endpoints.web.exposure.exclude', field: 'exposureExclude', kind: 'list', description: 'Endpoint ids never exposed (wins over include).' },
  { key: 'management.endpoints.web.discovery.enabled', field: 'discoveryEnabled', kind: 'bool', description: 'Serve the links index at the base path.' },
  { key: 'management.endpoint.health.enabled', field: 'healthEnabled', kind: 'bool', description: 'Enable the health endpoint.' },
  { key: 'management.endpoint.info.enabled', field: 'infoEnabled', kind: 'bool', description: 'Enable the info endpoint.' },
  { key: 'management.endpoint.prometheus.enabled', field: 'prometheusEndpointEnabled', kind: 'bool', description: 'Enable the prometheus endpoint (Prometheus text; docs/observability.md).' },
  { key: 'management.endpoint.metrics.enabled', field: 'metricsEndpointEnabled', kind: 'bool', description: 'Enable the metrics endpoint (Spring JSON; docs/observability.md).' },
  { key: 'management.endpoint.health.show-details', field: 'showDetails', kind: 'show', description: 'When details are shown.' },
  { key: 'management.endpoint.health.show-components', field: 'showComponents', kind: 'show', description: 'When components are shown (unset: as show-details).' },
  { key: 'management.endpoint.health.roles', field: 'roles', kind: 'list', description: 'Roles allowed by when-authorized (empty: any authenticated principal).' },
  { key: 'management.endpoint.health.status.order', field: 'statusOrder', kind: 'list', description: 'Aggregation order, most severe first.' },
  { key: 'management.endpoint.health.probes.enabled', field: 'probesEnabled', kind: 'bool', description: 'livenessState/readinessState and the liveness/readiness groups.' },
  { key: 'management.endpoint.health.probes.add-additional-paths', field: 'probesAddAdditionalPaths', kind: 'bool', description: 'Also serve /livez and /readyz.' },
  { key: 'management.health.defaults.enabled', field: 'healthDefaultsEnabled', kind: 'bool', description: 'Default enablement of ping and diskSpace.' },
  { key: 'management.health.ping.enabled', field: 'pingEnabled', kind: 'bool', description: 'Register `ping`.' },
  { key: 'management.health.diskspace.enabled', field: 'diskSpaceEnabled', kind: 'bool', description: 'Register `diskSpace`.' },
  { key: 'management.health.diskspace.threshold', field: 'diskSpaceThreshold', kind: 'bytes', description: 'Free-space threshold of diskSpace (bytes or `10MB`).' },
  { key: 'management.health.diskspace.path', field: 'diskSpacePath', kind: 'string', description: 'Path whose filesystem diskSpace checks.' },
  { key: 'management.health.livenessstate.enabled', field: 'livenessStateEnabled', kind: 'bool', description: 'Register livenessState without probe groups.' },
  { key: 'management.health.readinessstate.enabled', field: 'readinessStateEnabled', kind: 'bool', description: 'Register readinessState without probe groups.' },
  { key: 'management.health.metrics.enabled', field: 'metricsEnabled', kind: 'bool', description: 'Register `metrics` (V8 heap); default on iff metaspace-check.' },
  { key: 'com.alipay.sofa.koupleless.runtime.monitor.metaspace-check', field: 'metaspaceCheck', kind: 'bool', description: '`metrics` DOWN when heap committed/limit exceeds the threshold.' },
  { key: 'com.alipay.sofa.koupleless.runtime.monitor.metaspace-threshold', field: 'metaspaceThreshold', kind: 'int', description: 'Threshold in percent (0-100).' },
  { key: 'koupleless.healthcheck.base.readiness.withAllBizReadiness', field: 'withAllBizReadiness', kind: 'bool', description: 'STARTUP counts modules; readiness follows module installs.' },
  { key: 'com.alipay.sofa.koupleless.runtime.operation.silence-seconds-before-uninstall', field: 'silenceSecondsBeforeUninstall', kind: 'int', description: 'Seconds a stopping module stays DOWN in STARTUP.' },
  { key: 'nodeark.actuator.health.component-names', field: 'componentNames', kind: 'enum', values: ['docs', 'runtime'], description: 'masterBizStartUp/arkBizAggregate (docs) or baseStartUp/compositeAllBiz (runtime).' },
  { key: 'nodeark.actuator.health.startup-component-name', field: 'startupComponentName', kind: 'string', description: 'Explicit STARTUP component name.' },
  { key: 'nodeark.actuator.health.aggregate-component-name', field: 'aggregateComponentName', kind: 'string', description: 'Explicit AGG component name.' },
  { key: 'nodeark.actuator.health.aggregate.indicator-format', field: 'aggregateIndicatorFormat', kind: 'enum', values: ['flat', 'nested'], description: 'Per-indicator entries in AGG: flat (docs) or nested status (Java).' },
  { key: 'nodeark.actuator.health.aggregate.starting-biz', field: 'startingBiz', kind: 'enum', values: ['unknown', 'down'], description: 'A starting module in AGG: UNKNOWN, or DOWN "haven\'t refreshed" (Java, Q11).' },
  { key: 'nodeark.actuator.health.aggregate.include-broken', field: 'aggregateIncludeBroken', kind: 'bool', description: 'List modules kept broken after a failed start in AGG (Q4).' },
  { key: 'nodeark.actuator.health.readiness.reevaluate-on-stop', field: 'readinessReevaluateOnStop', kind: 'bool', description: 'Re-open readiness after an uninstall when every remaining module is ready (Q7 fix).' },
  { key: 'management.endpoint.health.cache.time-to-live', field: 'healthCacheTtlMs', kind: 'ms', description: 'Reuse module health results this long (0: evaluate on every request).' },
  { key: 'nodeark.actuator.health.indicator-timeout', field: 'indicatorTimeoutMs', kind: 'ms', description: 'Bound on each base indicator (ms or `3s`).' },
  { key: 'nodeark.actuator.health.biz-timeout', field: 'bizHealthTimeoutMs', kind: 'ms', description: 'Outer bound on one module health call.' },
  { key: 'management.info.build.enabled', field: 'infoBuildEnabled', kind: 'bool', description: 'Publish `build` from spring.info.build.location.' },
  { key: 'management.info.git.enabled', field: 'infoGitEnabled', kind: 'bool', description: 'Publish `git` from spring.info.git.location.' },
  { key: 'management.info.git.mode', field: 'infoGitMode', kind: 'enum', values: ['simple', 'full'], description: 'simple: branch + commit id/time; full: every property.' },
  { key: 'management.info.env.enabled', field: 'infoEnvEnabled', kind: 'bool', description: 'Publish `info.*` properties.' },
  { key: 'spring.info.build.location', field: 'buildInfoLocation', kind: 'string', description: 'Build info file (.json or .properties), relative to the cwd.' },
  { key: 'spring.info.git.location', field: 'gitInfoLocation', kind: 'string', description: 'Git info file (.properties or .json), relative to the cwd.' },
  { key: 'spring.security.user.name', field: 'securityUserName', kind: 'string', description: 'Basic-auth user for when-authorized.' },
  { key: 'spring.security.user.password', field: 'securityUserPassword', kind: 'string', description: 'Basic-auth password.' },
  { key: 'spring.security.user.roles', field: 'securityUserRoles', kind: 'list', description: 'Roles of the Basic-auth user.' },
  { key: 'nodeark.actuator.security.token', field: 'securityToken', kind: 'string', description: 'Bearer token for when-authorized.' },
  { key: 'nodeark.actuator.security.token-roles', field: 'securityTokenRoles', kind: 'list', description: 'Roles of the bearer-token principal.' },
];

/** Property families whose last segments are free (`<STATUS>`, `<id>`, `<group>.<prop>`, `info.*`). */
export const ACTUATOR_PROPERTY_PATTERNS = [
  { prefix: 'management.endpoint.health.status.http-mapping.', field: 'statusHttpMapping', description: 'HTTP code for a status, e.g. `…http-mapping.DOWN=500`.' },
  { prefix: 'management.endpoints.web.path-mapping.', field: 'pathMapping', description: 'Path of an endpoint, e.g. `…path-mapping.health=healthcheck`.' },
  {
    prefix: 'management.endpoint.health.group.',
    field: 'groups',
    description:
      '`<name>.include`, `.exclude`, `.show-components`, `.show-details`, `.roles`, `.status.order`, `.status.http-mapping.<STATUS>`, `.additional-path`.',
  },
  { prefix: 'info.', field: 'infoEnv', description: 'Free-form info (with management.info.env.enabled).' },
] as const;

/** Key prefixes this package owns: an unknown key under one of them is an error. */
export const ACTUATOR_OWNED_PREFIXES = [
  'management.endpoint.health.',
  'management.endpoint.info.',
  'management.endpoint.metrics.',
  'management.endpoint.prometheus.',
  'management.endpoints.web.',
  'management.health.',
  'management.info.',
  'nodeark.actuator.',
] as const;

const BY_KEY = new Map(ACTUATOR_PROPERTIES.map((p) => [p.key.toLowerCase(), p]));

/**
 * Builds a partial {@link ActuatorConfig} from dotted (or nested) properties, e.g. the base's resolved
 * configuration. Values may be strings (as from the environment or the CLI) or already typed. Keys outside
 * the actuator's prefixes are ignored; an unknown key under an owned prefix, or a malformed value, throws
 * `NODEARK_ERR_ACTUATOR_UNKNOWN_PROPERTY` / `NODEARK_ERR_ACTUATOR_INVALID_CONFIG` naming the key.
 */
export function actuatorConfigFromProperties(properties: Record<string, unknown>): Partial<ActuatorConfig> {
  const out: Partial<ActuatorConfig> = {};
  const flat = flatten(properties);
  for (const [key, raw] of Object.entries(flat)) {
    if (raw === undefined) continue;
    const lower = key.toLowerCase();
    const def = BY_KEY.get(lower);
    if (def) {
      (out as Record<string, unknown>)[def.field] = coerce(key, def.kind, raw, def.values);
      continue;
    }
    if (lower.startsWith('management.endpoint.health.status.http-mapping.')) {
      const status = key.slice('management.endpoint.health.status.http-mapping.'.length);
      out.statusHttpMapping = { ...out.statusHttpMapping, [status]: httpCode(key, raw) };
      continue;
    }
    if (lower.startsWith('management.endpoints.web.path-mapping.')) {
      const id = key.slice('management.endpoints.web.path-mapping.'.length);
      out.pathMapping = { ...out.pathMapping, [id]: stripSlashes(key, String(raw)) };
      continue;
    }
    if (lower.startsWith('management.endpoint.health.group.')) {
      const rest = key.slice('management.endpoint.health.group.'.length);
      const dot = rest.indexOf('.');
      if (dot <= 0) throw new ERR_ACTUATOR_UNKNOWN_PROPERTY(key, ': expected management.endpoint.health.group.<name>.<setting>');
      const name = rest.slice(0, dot);
      const setting = rest.slice(dot + 1);
      const groups = (out.groups ??= {});
      const g = (groups[name] ??= {});
      applyGroupSetting(g, key, setting, raw);
      continue;
    }
    if (lower.startsWith('info.')) {
      out.infoEnv = setPath(out.infoEnv ?? {}, key.slice('info.'.length).split('.'), raw);
      continue;
    }
    if (ACTUATOR_OWNED_PREFIXES.some((p) => lower.startsWith(p))) {
      throw new ERR_ACTUATOR_UNKNOWN_PROPERTY(key, suggestion(lower));
    }
  }
  return out;
}

/** Merges partial config over the defaults and validates it (throws `NODEARK_ERR_ACTUATOR_INVALID_CONFIG`). */
export function resolveActuatorConfig(partial: Partial<ActuatorConfig> = {}): ActuatorConfig {
  const c: ActuatorConfig = { ...DEFAULT_ACTUATOR_CONFIG, ...stripUndefinedExcept(partial) };
  const check = (ok: boolean, key: string, value: unknown, why: string): void => {
    if (!ok) throw new ERR_ACTUATOR_INVALID_CONFIG(key, JSON.stringify(value), why);
  };
  check(typeof c.basePath === 'string' && (c.basePath === '' || c.basePath.startsWith('/')), 'management.endpoints.web.base-path', c.basePath, 'must be empty or start with "/"');
  c.basePath = c.basePath.replace(/\/+$/, '');
  for (const [field, key] of [
    ['showDetails', 'management.endpoint.health.show-details'],
    ['showComponents', 'management.endpoint.health.show-components'],
  ] as const) {
    const v = c[field];
    check(v === undefined || (SHOW as readonly string[]).includes(v), key, v, 'expected never, when-authorized or always');
  }
  check(Array.isArray(c.statusOrder) && c.statusOrder.length > 0, 'management.endpoint.health.status.order', c.statusOrder, 'expected a non-empty list');
  for (const [s, code] of Object.entries(c.statusHttpMapping)) {
    check(Number.isInteger(code) && code >= 100 && code <= 599, `management.endpoint.health.status.http-mapping.${s}`, code, 'expected an HTTP status 100-599');
  }
  check(Number.isFinite(c.diskSpaceThreshold) && c.diskSpaceThreshold >= 0, 'management.health.diskspace.threshold', c.diskSpaceThreshold, 'expected a non-negative size');
  check(Number.isFinite(c.metaspaceThreshold) && c.metaspaceThreshold >= 0 && c.metaspaceThreshold <= 100, 'com.alipay.sofa.koupleless.runtime.monitor.metaspace-threshold', c.metaspaceThreshold, 'expected 0-100');
  check(Number.isFinite(c.silenceSecondsBeforeUninstall) && c.silenceSecondsBeforeUninstall >= 0, 'com.alipay.sofa.koupleless.runtime.operation.silence-seconds-before-uninstall', c.silenceSecondsBeforeUninstall, 'expected >= 0');
  check(Number.isFinite(c.healthCacheTtlMs) && c.healthCacheTtlMs >= 0, 'management.endpoint.health.cache.time-to-live', c.healthCacheTtlMs, 'expected >= 0');
  check(Number.isFinite(c.indicatorTimeoutMs) && c.indicatorTimeoutMs > 0, 'nodeark.actuator.health.indicator-timeout', c.indicatorTimeoutMs, 'expected > 0');
  check(c.bizHealthTimeoutMs === undefined || (Number.isFinite(c.bizHealthTimeoutMs) && c.bizHealthTimeoutMs > 0), 'nodeark.actuator.health.biz-timeout', c.bizHealthTimeoutMs, 'expected > 0');
  check(c.componentNames === 'docs' || c.componentNames === 'runtime', 'nodeark.actuator.health.component-names', c.componentNames, 'expected docs or runtime');
  check(c.aggregateIndicatorFormat === 'flat' || c.aggregateIndicatorFormat === 'nested', 'nodeark.actuator.health.aggregate.indicator-format', c.aggregateIndicatorFormat, 'expected flat or nested');
  check(c.startingBiz === 'unknown' || c.startingBiz === 'down', 'nodeark.actuator.health.aggregate.starting-biz', c.startingBiz, 'expected unknown or down');
  check(c.infoGitMode === 'simple' || c.infoGitMode === 'full', 'management.info.git.mode', c.infoGitMode, 'expected simple or full');
  for (const name of [c.startupComponentName, c.aggregateComponentName]) {
    check(name === undefined || (typeof name === 'string' && /^[^/\s]+$/.test(name)), 'nodeark.actuator.health.*-component-name', name, 'a component name cannot be empty or contain "/" or spaces');
  }
  for (const [name, g] of Object.entries(c.groups)) {
    const k = `management.endpoint.health.group.${name}`;
    check(/^[^/\s]+$/.test(name), k, name, 'a group name cannot contain "/" or spaces');
    for (const f of ['showDetails', 'showComponents'] as const) {
      check(g[f] === undefined || (SHOW as readonly string[]).includes(g[f]), `${k}.${f === 'showDetails' ? 'show-details' : 'show-components'}`, g[f], 'expected never, when-authorized or always');
    }
    for (const [s, code] of Object.entries(g.statusHttpMapping ?? {})) {
      check(Number.isInteger(code) && code >= 100 && code <= 599, `${k}.status.http-mapping.${s}`, code, 'expected an HTTP status 100-599');
    }
  }
  return c;
}

/* ------------------------------------------------------------------------------------------- helpers */

function stripUndefinedExcept(p: Partial<ActuatorConfig>): Partial<ActuatorConfig> {
  const o: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(p)) if (v !== undefined) o[k] = v;
  return o as Partial<ActuatorConfig>;
}

function flatten(obj: Record<string, unknown>, prefix = '', out: Record<string, unknown> = {}): Record<string, unknown> {
  for (const [k, v] of Object.entries(obj)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) flatten(v as Record<string, unknown>, key, out);
    else out[key] = v;
  }
  return out;
}

function setPath(target: Record<string, unknown>, path: string[], value: unknown): Record<string, unknown> {
  let node = target;
  for (let i = 0; i < path.length - 1; i++) {
    const seg = path[i]!;
    const next = node[seg];
    if (next === null || typeof next !== 'object' || Array.isArray(next)) node[seg] = {};
    node = node[seg] as Record<string, unknown>;
  }
  node[path[path.length - 1]!] = value;
  return target;
}

function applyGroupSetting(g: HealthGroupConfig, key: string, setting: string, raw: unknown): void {
  const s = setting.toLowerCase();
  if (s === 'include') g.include = coerce(key, 'list', raw) as string[];
  else if (s === 'exclude') g.exclude = coerce(key, 'list', raw) as string[];
  else if (s === 'show-components' || s === 'showcomponents') g.showComponents = coerce(key, 'show', raw) as ShowMode;
  else if (s === 'show-details' || s === 'showdetails') g.showDetails = coerce(key, 'show', raw) as ShowMode;
  else if (s === 'roles') g.roles = coerce(key, 'list', raw) as string[];
  else if (s === 'status.order') g.statusOrder = coerce(key, 'list', raw) as string[];
  else if (s.startsWith('status.http-mapping.')) {
    g.statusHttpMapping = { ...g.statusHttpMapping, [setting.slice('status.http-mapping.'.length)]: httpCode(key, raw) };
  } else if (s === 'additional-path') g.additionalPath = String(coerce(key, 'string', raw));
  else throw new ERR_ACTUATOR_UNKNOWN_PROPERTY(key, ': known group settings are include, exclude, show-components, show-details, roles, status.order, status.http-mapping.<STATUS>, additional-path');
}

function httpCode(key: string, raw: unknown): number {
  const n = coerce(key, 'int', raw) as number;
  if (n < 100 || n > 599) throw new ERR_ACTUATOR_INVALID_CONFIG(key, JSON.stringify(raw), 'expected an HTTP status 100-599');
  return n;
}

function stripSlashes(key: string, v: string): string {
  const s = v.replace(/^\/+|\/+$/g, '');
  if (s === '' || s.includes('/')) throw new ERR_ACTUATOR_INVALID_CONFIG(key, JSON.stringify(v), 'expected one path segment');
  return s;
}

const SIZE_UNITS: Record<string, number> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3, tb: 1024 ** 4 };

function coerce(key: string, kind: Kind, raw: unknown, values?: readonly string[]): unknown {
  const bad = (why: string): never => {
    throw new ERR_ACTUATOR_INVALID_CONFIG(key, JSON.stringify(raw), why);
  };
  switch (kind) {
    case 'string':
      if (typeof raw === 'string') return raw;
      if (typeof raw === 'number' || typeof raw === 'boolean') return String(raw);
      return bad('expected a string');
    case 'path': {
      if (typeof raw !== 'string') return bad('expected a path');
      return raw;
    }
    case 'bool':
      if (typeof raw === 'boolean') return raw;
      if (typeof raw === 'string' && /^(true|false)$/i.test(raw.trim())) return raw.trim().toLowerCase() === 'true';
      return bad('expected true or false');
    case 'list':
      if (Array.isArray(raw)) return raw.map((x) => String(x).trim()).filter((x) => x !== '');
      if (typeof raw === 'string') return raw.split(',').map((x) => x.trim()).filter((x) => x !== '');
      return bad('expected a comma-separated list');
    case 'int': {
      const n = typeof raw === 'number' ? raw : typeof raw === 'string' && /^-?\d+$/.test(raw.trim()) ? Number(raw.trim()) : NaN;
      if (!Number.isInteger(n)) return bad('expected an integer');
      return n;
    }
    case 'ms': {
      if (typeof raw === 'number' && Number.isFinite(raw)) return raw;
      const m = typeof raw === 'string' ? /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m)?\s*$/i.exec(raw) : null;
      if (!m) return bad('expected a duration (ms, or 500ms / 3s / 1m)');
      const unit = (m[2] ?? 'ms').toLowerCase();
      return Math.round(Number(m[1]) * (unit === 's' ? 1000 : unit === 'm' ? 60_000 : 1));
    }
    case 'bytes': {
      if (typeof raw === 'number' && Number.isFinite(raw)) return raw;
      const m = typeof raw === 'string' ? /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?b)?\s*$/i.exec(raw) : null;
      if (!m) return bad('expected a size (bytes, or 10MB / 512KB / 1GB)');
      return Math.round(Number(m[1]) * SIZE_UNITS[(m[2] ?? 'b').toLowerCase()]!);
    }
    case 'show': {
      const v = typeof raw === 'string' ? raw.trim().toLowerCase().replace(/_/g, '-') : '';
      if (!(SHOW as readonly string[]).includes(v)) return bad('expected never, when-authorized or always');
      return v;
    }
    case 'enum': {
      const v = typeof raw === 'string' ? raw.trim().toLowerCase() : '';
      if (!values?.includes(v)) return bad(`expected one of ${values?.join(', ')}`);
      return v;
    }
  }
}

function suggestion(lowerKey: string): string {
  let best: string | undefined;
  let bestScore = Infinity;
  for (const p of ACTUATOR_PROPERTIES) {
    const d = distance(lowerKey, p.key.toLowerCase());
    if (d < bestScore) {
      bestScore = d;
      best = p.key;
    }
  }
  return best && bestScore <= 6 ? `; did you mean "${best}"?` : '';
}

function distance(a: string, b: string): number {
  const dp = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = dp[0]!;
    dp[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = dp[j]!;
      dp[j] = Math.min(dp[j]! + 1, dp[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return dp[b.length]!;
}
