/**
 * `@nodeark/arklet`: the Arklet command server, wire-compatible with the Java Koupleless Arklet
 * (docs/arklet-api.md; deliberate deviations listed in docs/arklet-api.md). See `docs/arklet-api.md`.
 * @packageDocumentation
 */
export { createArklet, type Arklet, type ArkletOptions } from './arklet.js';
export {
  CommandRegistry,
  ArkBizMetaSchema,
  type AnyObjectSchema,
  type CommandContext,
  type CommandDefinition,
  type CommandRegistryOptions,
} from './command-registry.js';
export { BizOpsCoordinator, conflictMessage, lockKey, type LockAttempt } from './coordinator.js';
export { OpRecord, OpRecordStore, type OpRecordLimits } from './op-records.js';
export { validationError, isBlank } from './input-validation.js';
export { internalErrorResponse, notFoundResponse, outputResponse } from './envelope.js';
export { displayBizUrl, bizInfoJson, bizModelJson, bizHealthMetaJson, masterBizHealthMetaJson, stateRecordJson } from './biz-json.js';
export { defaultBaseIdentity } from './base-identity.js';
export { DEFAULT_ARKLET_PORT, PORT_SELECT_SIZE, selectPort } from './port-select.js';
export { BODY_LIMIT, NON_POST_MESSAGE } from './http-server.js';
export { memoryCapacity } from './health/jvm-indicator.js';
export { InstallBizInputSchema, type InstallBizInput } from './commands/install-input.js';
export { BizMetaInputSchema, type BizMetaInput } from './commands/biz-meta-input.js';
export { BatchInstallBizInputSchema } from './commands/batch-install-biz.js';
export { QueryBizOpsInputSchema } from './commands/query-biz-ops.js';
export { HealthInputSchema, type HealthDataJson } from './health-command.js';
export * from './errors.js';
export type * from './types.js';
