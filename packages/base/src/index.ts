/**
 * `nodeark`: the base. `createBase()` for a standalone base, `nodearkPlugin` for an existing fastify app,
 * the configuration loader, and the `nodeark` CLI (bin).
 * @packageDocumentation
 */
export { createBase, type CreateBaseOptions, type NodearkBase } from './create-base.js';
export { nodearkPlugin, type NodearkPluginOptions, type NodearkDecoration } from './plugin.js';
export {
  createLogger,
  type CreateLoggerOptions,
  type LogFormat,
  type NodearkLogger,
  type NodearkLogFn,
  type NodearkChildLoggerOptions,
} from './logger.js';
export type { LogStream } from './logging/pretty-destination.js';
export { loadConfig, type NodearkConfig, type LoadConfigInput, type ConfigValue } from './config/load-config.js';
export {
  CONFIG_SCHEMA,
  ACTUATOR_CONFIG_SCHEMA,
  CONFIG_KEY_PATTERNS,
  type ConfigKey,
  type ConfigKeyDef,
  type ConfigPatternDef,
} from './config/config-schema.js';
// Static deployment and the install replay run inside createBase() (configured by
// com.alipay.sofa.ark.static.biz.dir and nodeark.replay.*, docs/configuration.md); they are not called directly.
export * from './errors.js';
export { BizRuntime } from '@nodeark/runtime';
export type { BizSnapshot, BizState, InstallRequest, OperationResult } from '@nodeark/runtime';
