/**
 * `@nodeark/arklet`: the Arklet command server, wire-compatible with the Java Koupleless Arklet
 * (docs/reference/arklet-protocol.md; deliberate deviations in its § Deviations from the Java Arklet). Guide:
 * `docs/arklet-api.md`.
 * @packageDocumentation
 */
export { createArklet, type Arklet, type ArkletOptions } from './arklet.js';
export {
  CommandRegistry,
  type AnyObjectSchema,
  type CommandContext,
  type CommandDefinition,
  type CommandRegistryOptions,
} from './command-registry.js';
// The lock key and conflict text, the envelope builders, the wire JSON builders and port selection are
// internal: the server uses them and users see their results on the wire (docs/arklet-api.md).
export { BizOpsCoordinator, type LockAttempt } from './coordinator.js';
export { OpRecord, OpRecordStore, type OpRecordLimits } from './op-records.js';
export { validationError } from './input-validation.js';
export { defaultBaseIdentity } from './base-identity.js';
export { DEFAULT_ARKLET_PORT } from './port-select.js';
export { BODY_LIMIT, NON_POST_MESSAGE } from './http-server.js';
export { memoryCapacity } from './health/jvm-indicator.js';
// The input schemas are in `@nodeark/arklet/schemas`, loaded on demand (TypeBox is large).
export type { InstallBizInput, BizMetaInput, BuiltinSchemaName } from './schemas.js';
export type { PrecompiledInput } from './input-validation.js';
export type { HealthDataJson } from './health-command.js';
export * from './errors.js';
export type * from './types.js';
