/**
 * The Arklet's error registry (`NODEARK_ERR_ARKLET_*`), built with the runtime's `createError` so every
 * error carries a stable `code` and an HTTP status. On the Arklet wire these never change the HTTP status
 * (docs/reference/arklet-protocol.md § Outcome matrix: every command outcome is HTTP 200); they surface as
 * `CMD_PROCESS_INTERNAL_ERROR` with `message: "Internal Error: <message>"`. Registration and
 * startup errors are thrown to the embedding code.
 */
import { createError } from '@nodeark/runtime';

/**
 * A command input failed validation. The message is the exact Java text where docs/reference/arklet-protocol.md
 * § Commands gives one (`bizUrl should not be blank`) or names the offending field
 * (`args[0] must be a string (got number)`).
 */
export const ERR_ARKLET_VALIDATION = createError('NODEARK_ERR_ARKLET_VALIDATION', '%s', 400);

/**
 * The request body is not JSON, or not a JSON object (a deviation, docs/reference/arklet-protocol.md § Deviations
 * from the Java Arklet: Java never answers).
 */
export const ERR_ARKLET_BAD_JSON = createError('NODEARK_ERR_ARKLET_BAD_JSON', '%s', 400);

/** `registerCommand` with a blank id or description, or a malformed definition. */
export const ERR_ARKLET_INVALID_COMMAND = createError('NODEARK_ERR_ARKLET_INVALID_COMMAND', 'Invalid command definition: %s', 500);

/** `registerCommand` with an id that is already registered (Java: `handler id (<id>) duplicated`). */
export const ERR_ARKLET_DUPLICATE_COMMAND = createError('NODEARK_ERR_ARKLET_DUPLICATE_COMMAND', 'handler id (%s) duplicated', 500);

/** `registerHealthIndicator` with a blank id, a non-function, or an id already registered (`cpu`, `jvm`, …). */
export const ERR_ARKLET_INVALID_INDICATOR = createError('NODEARK_ERR_ARKLET_INVALID_INDICATOR', 'Invalid health indicator "%s": %s', 500);

/** The configured port is not an integer in 0..65535. */
export const ERR_ARKLET_INVALID_PORT = createError('NODEARK_ERR_ARKLET_INVALID_PORT', 'Invalid Arklet port %s: %s', 500);

/** The explicit port is taken, or no port of the default range 1238..1337 is free. */
export const ERR_ARKLET_PORT_UNAVAILABLE = createError('NODEARK_ERR_ARKLET_PORT_UNAVAILABLE', 'Arklet cannot listen: %s', 500);

/** A command was executed after `close()`. */
export const ERR_ARKLET_CLOSED = createError('NODEARK_ERR_ARKLET_CLOSED', 'The Arklet is closed', 503);

/** Invalid `createArklet` options (missing runtime, malformed master biz, …). */
export const ERR_ARKLET_INVALID_OPTIONS = createError('NODEARK_ERR_ARKLET_INVALID_OPTIONS', 'Invalid Arklet option %s: %s', 500);
