/**
 * `@nodeark/actuator`: Koupleless-compatible `/actuator/health` and `/actuator/info` for a nodeark base
 * (`masterBizStartUp`, `arkBizAggregate`, `withAllBizReadiness`, probes, `arkBizInfo` / `arkPluginInfo`),
 * with Spring Boot Actuator semantics. See `docs/health.md`. Also per-module metrics: `/actuator/prometheus`
 * and `/actuator/metrics` (docs/observability.md).
 * @packageDocumentation
 */
export { createActuator, type Actuator, type ActuatorOptions, type ActuatorLogger } from './actuator.js';
export type { HealthNode } from './health-tree.js';
export {
  ACTUATOR_CONFIG_KEYS,
  ACTUATOR_CONFIG_PATTERNS,
  ACTUATOR_PROPERTIES,
  DEFAULT_ACTUATOR_CONFIG,
  type ActuatorConfig,
  type ActuatorConfigKey,
  type ActuatorKeyDef,
  type ActuatorPropertyDef,
  type ComponentNaming,
  type HealthGroupConfig,
  type ShowMode,
} from './config.js';
export { actuatorConfigFromProperties, actuatorKeyOf, resolveActuatorConfig } from './resolve-config.js';
// The declaration form and coercion of configuration keys, shared with the base's loader (config-kit.ts).
export {
  closestKey,
  coerceConfigValue,
  createConfigCatalog,
  describeRefusal,
  editDistance,
  envNamesOf,
  flattenConfig,
  relaxedKey,
  type CoerceResult,
  type ConfigCatalog,
  type ConfigKeyDef,
  type ConfigKind,
  type ConfigPatternDef,
  type ConfigValue,
  type ResolvedKey,
} from './config-kit.js';
export type { ActuatorAuthorizer, ActuatorPrincipal } from './auth.js';
export type { BaseHealthIndicator } from './indicators.js';
export type { BizInfoItem, PluginInfoItem, PluginRegistration } from './info.js';
export type { LivenessState, ReadinessState } from './lifecycle.js';
// Internal, acting inside the exported functions: the status-code normalisation (`uniformCode`), the
// accepted-forms text of a refusal (`acceptedForms`, in describeRefusal's message, docs/configuration.md), the
// nearest-candidate search behind closestKey (`closest`) and the key prefixes the actuator owns (an unknown key
// under one is refused, docs/health.md).
export { StatusAggregator, HttpCodeStatusMapper } from './status.js';
export { negotiate, V2 as ACTUATOR_V2_JSON, V3 as ACTUATOR_V3_JSON } from './negotiate.js';
export * from './errors.js';
