/**
 * Actuator configuration: one typed camelCase field per property the actuator honours, and the
 * declaration of each property key (Spring Boot / Koupleless names where one exists, `nodeark.actuator.*`
 * otherwise) in the shared declaration form of `config-kit.ts`: kind, default, description. The defaults
 * are written only in {@link ACTUATOR_CONFIG_KEYS}; {@link DEFAULT_ACTUATOR_CONFIG} is derived from it.
 * The base's loader composes these declarations with its own and hands the actuator typed values;
 * `resolve-config.ts` turns properties and programmatic options into a checked {@link ActuatorConfig}.
 * `docs/configuration.md` § Actuator keys is generated from the declarations.
 *
 * About 400 lines on purpose: the option type and the key declarations are one table read side by side
 * (a field's doc names its key, the key's declaration names its field).
 */
import type { ConfigKeyDef, ConfigPatternDef } from './config-kit.js';

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

/** One actuator property: its declaration and the {@link ActuatorConfig} field it sets. */
export interface ActuatorKeyDef extends ConfigKeyDef {
  /** The {@link ActuatorConfig} field it sets. */
  readonly field: keyof ActuatorConfig;
}

/** One actuator property with its key (the form of {@link ACTUATOR_PROPERTIES}). */
export interface ActuatorPropertyDef extends ActuatorKeyDef {
  /** The dotted property key. */
  readonly key: string;
}

const SHOW = ['never', 'when-authorized', 'always'] as const;
/** The declaration of a show-details / show-components setting. */
export const SHOW_DEF = { kind: 'enum', values: SHOW, default: undefined, description: 'When shown.' } as const;
/** The declaration of an HTTP status value (`…status.http-mapping.<STATUS>`). */
export const HTTP_STATUS = { kind: 'int', min: 100, max: 599, default: undefined, description: 'An HTTP status.' } as const;

/** Every fixed property the actuator honours: declared once, defaults included. */
export const ACTUATOR_CONFIG_KEYS = {
  'management.endpoints.web.base-path': { field: 'basePath', kind: 'string', default: '/actuator',
    description: 'Base path of the actuator endpoints.' },
  'management.endpoints.web.exposure.include': { field: 'exposureInclude', kind: 'list', default: ['health'],
    description: 'Endpoint ids exposed over HTTP (`health`, `info`, `prometheus`, `metrics`, `*`).' },
  'management.endpoints.web.exposure.exclude': { field: 'exposureExclude', kind: 'list', default: [],
    description: 'Endpoint ids never exposed (wins over include).' },
  'management.endpoints.web.discovery.enabled': { field: 'discoveryEnabled', kind: 'bool', default: true,
    description: 'Serve the links index at the base path.' },
  'management.endpoint.health.enabled': { field: 'healthEnabled', kind: 'bool', default: true,
    description: 'Enable the health endpoint.' },
  'management.endpoint.info.enabled': { field: 'infoEnabled', kind: 'bool', default: true,
    description: 'Enable the info endpoint.' },
  'management.endpoint.prometheus.enabled': { field: 'prometheusEndpointEnabled', kind: 'bool', default: true,
    description: 'Enable the prometheus endpoint (Prometheus text; docs/observability.md).' },
  'management.endpoint.metrics.enabled': { field: 'metricsEndpointEnabled', kind: 'bool', default: true,
    description: 'Enable the metrics endpoint (Spring JSON; docs/observability.md).' },
  'management.endpoint.health.show-details': { field: 'showDetails', kind: 'enum', values: SHOW, default: 'never',
    description: 'When details are shown.' },
  'management.endpoint.health.show-components': { field: 'showComponents', kind: 'enum', values: SHOW, default: undefined,
    description: 'When components are shown (unset: as show-details).' },
  'management.endpoint.health.roles': { field: 'roles', kind: 'list', default: [],
    description: 'Roles allowed by when-authorized (empty: any authenticated principal).' },
  'management.endpoint.health.status.order': { field: 'statusOrder', kind: 'list', default: ['DOWN', 'OUT_OF_SERVICE', 'UP', 'UNKNOWN'],
    description: 'Aggregation order, most severe first.' },
  'management.endpoint.health.probes.enabled': { field: 'probesEnabled', kind: 'bool', default: false,
    description: 'livenessState/readinessState and the liveness/readiness groups.' },
  'management.endpoint.health.probes.add-additional-paths': { field: 'probesAddAdditionalPaths', kind: 'bool', default: false,
    description: 'Also serve /livez and /readyz.' },
  'management.health.defaults.enabled': { field: 'healthDefaultsEnabled', kind: 'bool', default: true,
    description: 'Default enablement of ping and diskSpace.' },
  'management.health.ping.enabled': { field: 'pingEnabled', kind: 'bool', default: undefined, docDefault: 'management.health.defaults.enabled',
    description: 'Register `ping`.' },
  'management.health.diskspace.enabled': { field: 'diskSpaceEnabled', kind: 'bool', default: undefined, docDefault: 'management.health.defaults.enabled',
    description: 'Register `diskSpace`.' },
  'management.health.diskspace.threshold': { field: 'diskSpaceThreshold', kind: 'bytes', default: 10 * 1024 * 1024,
    description: 'Free-space threshold of diskSpace (bytes or `10MB`).' },
  'management.health.diskspace.path': { field: 'diskSpacePath', kind: 'string', default: '.',
    description: 'Path whose filesystem diskSpace checks.' },
  'management.health.livenessstate.enabled': { field: 'livenessStateEnabled', kind: 'bool', default: false,
    description: 'Register livenessState without probe groups.' },
  'management.health.readinessstate.enabled': { field: 'readinessStateEnabled', kind: 'bool', default: false,
    description: 'Register readinessState without probe groups.' },
  'management.health.metrics.enabled': { field: 'metricsEnabled', kind: 'bool', default: undefined, docDefault: 'metaspace-check',
    description: 'Register `metrics` (V8 heap); default on iff metaspace-check.' },
  'com.alipay.sofa.koupleless.runtime.monitor.metaspace-check': { field: 'metaspaceCheck', kind: 'bool', default: false,
    description: '`metrics` DOWN when heap committed/limit exceeds the threshold.' },
  'com.alipay.sofa.koupleless.runtime.monitor.metaspace-threshold': { field: 'metaspaceThreshold', kind: 'int', min: 0, max: 100, default: 85,
    description: 'Threshold in percent (0-100).' },
  'koupleless.healthcheck.base.readiness.withAllBizReadiness': { field: 'withAllBizReadiness', kind: 'bool', default: false,
    description: 'STARTUP counts modules; readiness waits for every module to be up (docs/health.md).' },
  'com.alipay.sofa.koupleless.runtime.operation.silence-seconds-before-uninstall': { field: 'silenceSecondsBeforeUninstall', kind: 'int', min: 0, default: 0,
    description: 'Seconds a stopping module stays DOWN in STARTUP.' },
  'nodeark.actuator.health.component-names': { field: 'componentNames', kind: 'enum', values: ['docs', 'runtime'], default: 'docs',
    description: 'masterBizStartUp/arkBizAggregate (docs) or baseStartUp/compositeAllBiz (runtime).' },
  'nodeark.actuator.health.startup-component-name': { field: 'startupComponentName', kind: 'string', default: undefined,
    description: 'Explicit STARTUP component name.' },
  'nodeark.actuator.health.aggregate-component-name': { field: 'aggregateComponentName', kind: 'string', default: undefined,
    description: 'Explicit AGG component name.' },
  'nodeark.actuator.health.aggregate.indicator-format': { field: 'aggregateIndicatorFormat', kind: 'enum', values: ['flat', 'nested'], default: 'flat',
    description: 'Per-indicator entries in AGG: flat (docs) or nested status (Java).' },
  'nodeark.actuator.health.aggregate.starting-biz': { field: 'startingBiz', kind: 'enum', values: ['unknown', 'down'], default: 'unknown',
    description: 'A starting module in AGG: UNKNOWN, or DOWN "haven\'t refreshed" (Java, Q11).' },
  'nodeark.actuator.health.aggregate.include-broken': { field: 'aggregateIncludeBroken', kind: 'bool', default: true,
    description: 'List modules kept broken after a failed start in AGG (Q4).' },
  'nodeark.actuator.health.readiness.reevaluate-on-stop': { field: 'readinessReevaluateOnStop', kind: 'bool', default: false,
    description: 'Re-open readiness after an uninstall when every remaining module is ready (Q7 fix).' },
  'management.endpoint.health.cache.time-to-live': { field: 'healthCacheTtlMs', kind: 'duration', default: 0,
    description: 'Reuse module health results this long (0: evaluate on every request).' },
  'nodeark.actuator.health.indicator-timeout': { field: 'indicatorTimeoutMs', kind: 'duration', min: 1, default: 3000,
    description: 'Bound on each base indicator (ms or `3s`).' },
  'nodeark.actuator.health.biz-timeout': { field: 'bizHealthTimeoutMs', kind: 'duration', min: 1, default: undefined, docDefault: 'nodeark.biz.health-timeout + 2s',
    description: 'Outer bound on one module health call.' },
  'management.info.build.enabled': { field: 'infoBuildEnabled', kind: 'bool', default: true,
    description: 'Publish `build` from spring.info.build.location.' },
  'management.info.git.enabled': { field: 'infoGitEnabled', kind: 'bool', default: true,
    description: 'Publish `git` from spring.info.git.location.' },
  'management.info.git.mode': { field: 'infoGitMode', kind: 'enum', values: ['simple', 'full'], default: 'simple',
    description: 'simple: branch + commit id/time; full: every property.' },
  'management.info.env.enabled': { field: 'infoEnvEnabled', kind: 'bool', default: false,
    description: 'Publish `info.*` properties.' },
  'spring.info.build.location': { field: 'buildInfoLocation', kind: 'string', default: 'build-info.json',
    description: 'Build info file (.json or .properties), relative to the cwd.' },
  'spring.info.git.location': { field: 'gitInfoLocation', kind: 'string', default: 'git.properties',
    description: 'Git info file (.properties or .json), relative to the cwd.' },
  'spring.security.user.name': { field: 'securityUserName', kind: 'string', default: undefined,
    description: 'Basic-auth user for when-authorized.' },
  'spring.security.user.password': { field: 'securityUserPassword', kind: 'string', default: undefined,
    description: 'Basic-auth password.' },
  'spring.security.user.roles': { field: 'securityUserRoles', kind: 'list', default: [],
    description: 'Roles of the Basic-auth user.' },
  'nodeark.actuator.security.token': { field: 'securityToken', kind: 'string', default: undefined,
    description: 'Bearer token for when-authorized.' },
  'nodeark.actuator.security.token-roles': { field: 'securityTokenRoles', kind: 'list', default: [],
    description: 'Roles of the bearer-token principal.' },
} as const satisfies Readonly<Record<string, ActuatorKeyDef>>;

/** A fixed actuator property key. */
export type ActuatorConfigKey = keyof typeof ACTUATOR_CONFIG_KEYS;

/** The settings of a health group (`management.endpoint.health.group.<name>.<setting>`), by setting. */
export const GROUP_SETTINGS = {
  include: { kind: 'list', default: undefined, description: 'Member component names, or `*`.' },
  exclude: { kind: 'list', default: undefined, description: 'Component names never members.' },
  'show-components': SHOW_DEF,
  'show-details': SHOW_DEF,
  roles: { kind: 'list', default: undefined, description: 'Roles allowed by when-authorized.' },
  'status.order': { kind: 'list', default: undefined, description: 'Aggregation order.' },
  'status.http-mapping.': HTTP_STATUS,
  'additional-path': { kind: 'string', default: undefined, description: 'An extra path on the base port.' },
} as const satisfies Readonly<Record<string, ConfigKeyDef>>;

/** The {@link HealthGroupConfig} field each group setting sets. */
export const GROUP_FIELD: Readonly<Record<keyof typeof GROUP_SETTINGS, keyof HealthGroupConfig>> = {
  include: 'include',
  exclude: 'exclude',
  'show-components': 'showComponents',
  'show-details': 'showDetails',
  roles: 'roles',
  'status.order': 'statusOrder',
  'status.http-mapping.': 'statusHttpMapping',
  'additional-path': 'additionalPath',
};

/** Property families whose last segments are free (`<STATUS>`, `<id>`, `<name>.<setting>`, `info.*`). */
export const ACTUATOR_CONFIG_PATTERNS = [
  {
    prefix: 'management.endpoint.health.status.http-mapping.',
    placeholder: '<STATUS>',
    field: 'statusHttpMapping',
    value: HTTP_STATUS,
    envPrefix: 'MANAGEMENT_ENDPOINT_HEALTH_STATUS_HTTPMAPPING_',
    description: 'HTTP code for a status, e.g. `…http-mapping.DOWN=500`.',
  },
  {
    prefix: 'management.endpoints.web.path-mapping.',
    placeholder: '<id>',
    field: 'pathMapping',
    value: { kind: 'string', default: undefined, description: 'One path segment.' },
    description: 'Path of an endpoint, e.g. `…path-mapping.health=healthcheck`.',
  },
  {
    prefix: 'management.endpoint.health.group.',
    placeholder: '<name>.<setting>',
    field: 'groups',
    settings: GROUP_SETTINGS,
    description:
      '`<name>.include`, `.exclude`, `.show-components`, `.show-details`, `.roles`, `.status.order`, `.status.http-mapping.<STATUS>`, `.additional-path`.',
  },
  {
    prefix: 'info.',
    placeholder: '<key>',
    field: 'infoEnv',
    value: { kind: 'raw', default: undefined, description: 'A free-form info value.' },
    description: 'Free-form info (with management.info.env.enabled).',
  },
] as const satisfies ReadonlyArray<ConfigPatternDef & { readonly field: keyof ActuatorConfig }>;

/** Every fixed property key the actuator honours, with its declaration (derived from {@link ACTUATOR_CONFIG_KEYS}). */
export const ACTUATOR_PROPERTIES: readonly ActuatorPropertyDef[] = Object.entries(ACTUATOR_CONFIG_KEYS).map(
  ([key, def]) => ({ key, ...def }),
);

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

function copyDefault(v: ConfigKeyDef['default']): unknown {
  return Array.isArray(v) ? [...(v as readonly string[])] : v;
}

/** The defaults (Spring Boot 2.7 / Koupleless 1.x semantics), derived from {@link ACTUATOR_CONFIG_KEYS}. */
export const DEFAULT_ACTUATOR_CONFIG: Readonly<ActuatorConfig> = Object.freeze({
  ...Object.fromEntries(Object.values(ACTUATOR_CONFIG_KEYS).map((d) => [d.field, copyDefault(d.default)])),
  ...Object.fromEntries(ACTUATOR_CONFIG_PATTERNS.map((p) => [p.field, {}])),
}) as unknown as ActuatorConfig;
