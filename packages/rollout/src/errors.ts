/**
 * The rollout error registry. Every error `@nodeark/rollout` throws carries a stable `code`
 * (`NODEARK_ERR_ROLLOUT_<WHAT>`); match on `err.code`, never on the message. Document errors also carry
 * `field` (the dotted path of the offending field, e.g. `spec.operationStrategy.batchCount`) and `file`.
 * A blocked rollout is not an error: it is a result (`phase: 'Blocked'`) with a reason.
 */
import { createCodedError } from '@nodeark/client';

/** The shape of every rollout error. */
export interface RolloutError extends Error {
  /** Stable code, `NODEARK_ERR_ROLLOUT_<WHAT>`. */
  readonly code: string;
  /** The offending field of a document (`spec.replicas`), when there is one. */
  readonly field?: string;
  /** The document the error is about, when it came from a file. */
  readonly file?: string;
}

/** A constructor made by {@link createRolloutError}: arguments fill `%s` slots; a trailing `{ cause }` is the cause. */
export interface RolloutErrorConstructor {
  new (...args: unknown[]): RolloutError;
  (...args: unknown[]): RolloutError;
  readonly code: string;
}

/** Defines a rollout error with a stable code and a printf-style message template (the client's factory). */
export function createRolloutError(code: string, template: string): RolloutErrorConstructor {
  return createCodedError<RolloutError>('RolloutError', code, template);
}

/**
 * A ModuleDeployment document is malformed: the message names the file and the field
 * (`spec.replicas must be an integer ≥ -1`).
 */
export const ERR_ROLLOUT_INVALID_DEPLOYMENT = createRolloutError('NODEARK_ERR_ROLLOUT_INVALID_DEPLOYMENT', '%s: %s');
/**
 * A fleet document is malformed (no bases, a base without an Arklet URL, duplicate names, bad `max-module-count`);
 * names the field.
 */
export const ERR_ROLLOUT_INVALID_FLEET = createRolloutError('NODEARK_ERR_ROLLOUT_INVALID_FLEET', '%s: %s');
/** The ModuleDeployment names a `baseDeploymentName` other than the fleet's name: probably the wrong fleet file. */
export const ERR_ROLLOUT_FLEET_MISMATCH = createRolloutError('NODEARK_ERR_ROLLOUT_FLEET_MISMATCH', 'The ModuleDeployment targets base deployment "%s" but the fleet is "%s"');
/** A document or state file cannot be read or parsed as YAML/JSON. */
export const ERR_ROLLOUT_READ = createRolloutError('NODEARK_ERR_ROLLOUT_READ', 'Cannot read %s: %s');
/** The rollout state file exists but is not a state file this version understands. */
export const ERR_ROLLOUT_STATE = createRolloutError('NODEARK_ERR_ROLLOUT_STATE', 'Invalid rollout state file %s: %s');
/** Another rollout process holds the lock of this ModuleDeployment (its pid is in the message). */
export const ERR_ROLLOUT_LOCKED = createRolloutError('NODEARK_ERR_ROLLOUT_LOCKED', 'Another rollout of %s is running (lock %s held by pid %s)');
/** `confirm` while the rollout is not waiting for a confirmation, or for another batch than the one given. */
export const ERR_ROLLOUT_NOT_PAUSED = createRolloutError('NODEARK_ERR_ROLLOUT_NOT_PAUSED', 'Nothing to confirm: %s');
/** `rollback` cannot find the version to go back to (no revision history and no `--to-version`/`--url`). */
export const ERR_ROLLOUT_NO_ROLLBACK_TARGET = createRolloutError('NODEARK_ERR_ROLLOUT_NO_ROLLBACK_TARGET', 'Cannot roll back %s: %s');
/** An option of the library or the CLI is invalid (negative timeout, replicas below -1). */
export const ERR_ROLLOUT_INVALID_ARGUMENT = createRolloutError('NODEARK_ERR_ROLLOUT_INVALID_ARGUMENT', 'Invalid %s: %s');
