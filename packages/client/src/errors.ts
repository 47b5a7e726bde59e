/**
 * The client's error registry. Every error the client throws carries a stable `code`
 * (`NODEARK_ERR_CLIENT_<WHAT>`); match on `err.code`, never on the message. The factory is the one every
 * nodeark package uses (`@nodeark/biz/internal/coded-error`, a file with no dependencies), re-exported here
 * for packages built on the client (`@nodeark/rollout`) so they keep their own registry without another
 * dependency.
 */
import { createCodedError } from '@nodeark/biz/internal/coded-error';

export { createCodedError };

/** The shape of every client error. */
export interface ArkletClientError extends Error {
  /** Stable code, `NODEARK_ERR_CLIENT_<WHAT>`. */
  readonly code: string;
  /** The HTTP status, for `NODEARK_ERR_CLIENT_HTTP_STATUS`. */
  readonly statusCode?: number;
  /** The command envelope, for `NODEARK_ERR_CLIENT_COMMAND_FAILED`. */
  readonly response?: unknown;
}

/** A constructor made by {@link createClientError}: arguments fill `%s` slots; a trailing `{ cause }` is the cause. */
export interface ClientErrorConstructor {
  new (...args: unknown[]): ArkletClientError;
  (...args: unknown[]): ArkletClientError;
  readonly code: string;
}

/** Defines a client error with a stable code and a printf-style message template. */
export function createClientError(code: string, template: string): ClientErrorConstructor {
  return createCodedError<ArkletClientError>('ArkletClientError', code, template);
}

/** A client option or call argument is invalid (bad base URL, negative timeout, non-object body). */
export const ERR_CLIENT_INVALID_ARGUMENT = createClientError('NODEARK_ERR_CLIENT_INVALID_ARGUMENT', 'Invalid %s: %s');
/** The Arklet could not be reached (connection refused, unknown host, reset, connect timeout). */
export const ERR_CLIENT_CONNECT = createClientError('NODEARK_ERR_CLIENT_CONNECT', 'Cannot reach the Arklet at %s: %s');
/** No complete answer within the call's timeout. */
export const ERR_CLIENT_TIMEOUT = createClientError('NODEARK_ERR_CLIENT_TIMEOUT', 'No answer from %s within %s ms');
/** The caller's AbortSignal fired. */
export const ERR_CLIENT_ABORTED = createClientError('NODEARK_ERR_CLIENT_ABORTED', 'The request to %s was aborted');
/** The Arklet answered with an HTTP status other than 200 (non-POST → 500, body too large → 413). */
export const ERR_CLIENT_HTTP_STATUS = createClientError('NODEARK_ERR_CLIENT_HTTP_STATUS', 'The Arklet at %s answered HTTP %s: %s');
/** The answer is not a JSON envelope with a `code` (or exceeds the response size limit). */
export const ERR_CLIENT_INVALID_RESPONSE = createClientError('NODEARK_ERR_CLIENT_INVALID_RESPONSE', 'Invalid answer from %s: %s');
/** {@link assertSuccess}: the command answered something other than SUCCESS. */
export const ERR_CLIENT_COMMAND_FAILED = createClientError('NODEARK_ERR_CLIENT_COMMAND_FAILED', '%s answered %s: %s');
