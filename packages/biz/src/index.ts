/**
 * `@nodeark/biz`: what a nodeark module author imports. Types plus tiny helpers; no runtime dependencies.
 * @packageDocumentation
 */
export type {
  BizContext,
  BizDefinition,
  BizFetchHandler,
  BizLogger,
  BizManifest,
  BizModuleExport,
  BizNodeHandler,
  BizUpgradeHandler,
  HealthIndicator,
  HealthResult,
  HealthStatus,
} from './types.js';
export { defineBiz, down, up } from './define-biz.js';
