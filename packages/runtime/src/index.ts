/**
 * `@nodeark/runtime`: the biz host. Bundles, the registry and state machine, module workers, the
 * socket link into each module's own node:http server, the routing table and the lifecycle event stream.
 * @packageDocumentation
 */
export { redactUrl } from './bundle/redact-url.js';
export { checkBundlePolicy, type BundlePolicy } from './bundle-policy.js';
export { BizRuntime } from './biz-runtime.js';
export {
  RUNTIME_DEFAULTS,
  type ResolvedRuntimeOptions,
  type RuntimeLogger,
  type RuntimeOptions,
  type WatchdogAction,
  type WatchdogOptions,
} from './runtime-options.js';
export { silentLogger, type LevelLogger } from './logger.js';
export type { AttachedRelay } from './relay/attach-relay.js';
export * from './types.js';
export * from './errors.js';
export { assertBizName, assertBizVersion, normalizeWebContextPath } from './identity.js';
export { compareBizVersions } from './versions.js';
export {
  stageBundle,
  readBizManifest,
  packBundle,
  DEFAULT_BUNDLE_LIMITS,
  DEFAULT_DOWNLOAD_OPTIONS,
  type BundleLimits,
  type DownloadOptions,
  type StageOptions,
  type StagedBundle,
  type BizManifestInfo,
  type BizRequirement,
  type BizRequirementField,
  type PackOptions,
  type PackResult,
} from './bundle/index.js';
// Internal: the identity key and package-name helpers, the module-health aggregation, the error transport
// between a worker and the base, the edge-error writers and the metrics constants are used inside the runtime;
// users see their results (edge answers: docs/errors.md, module health: docs/health.md, metrics:
// docs/observability.md). The base writes the raw edge error through `@nodeark/runtime/internal/edge-errors`.
export {
  type HttpOutcome,
  type MetricsHttpMethod,
  type ModuleMetricsSnapshot,
  type RequestSeriesSnapshot,
  type RuntimeMetricsSnapshot,
  type WorkerHeapStats,
  type WorkerMetricsSnapshot,
} from './metrics/module-metrics.js';
