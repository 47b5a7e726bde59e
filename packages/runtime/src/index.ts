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
export * from './types.js';
export * from './errors.js';
export { assertBizName, assertBizVersion, bizIdentity, normalizeWebContextPath, unscopedName } from './identity.js';
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
export { aggregateStatus } from './worker/health-eval.js';
export { sendEdgeError } from './http/edge-errors.js';
export { sendRawEdgeError } from './http/raw-response.js';
export { LATENCY_BUCKETS_SECONDS } from './metrics/histogram.js';
export {
  METRICS_HTTP_METHODS,
  WORKER_STATS_INTERVAL_MS,
  type HttpOutcome,
  type MetricsHttpMethod,
  type ModuleMetricsSnapshot,
  type RequestSeriesSnapshot,
  type RuntimeMetricsSnapshot,
  type WorkerHeapStats,
  type WorkerMetricsSnapshot,
} from './metrics/module-metrics.js';
