/**
 * The runtime's error registry. Every error nodeark throws carries a stable `code`
 * (`NODEARK_ERR_<AREA>_<WHAT>`) and the HTTP status it maps to, declared here at the definition
 * (fastify's `createError` pattern). Match on `err.code`, never `instanceof`: errors lose their class
 * when they cross a worker boundary (docs/security.md). Documented in `docs/errors.md`.
 *
 * {@link createError} is the factory the server-side registries (actuator, Arklet, tunnels, base) import;
 * it is the one coded-error implementation shared with the client (`@nodeark/biz/internal/coded-error`),
 * fixed to the name `NodearkError` and a status that defaults to 500.
 */
import { createCodedError, type CodedError } from '@nodeark/biz/internal/coded-error';

/** The shape every nodeark error has, whether it was created here or rebuilt after crossing a port. */
export interface NodearkError extends CodedError {
  /** Stable code, `NODEARK_ERR_<AREA>_<WHAT>`. */
  readonly code: string;
  /** HTTP status this error maps to where it reaches an HTTP edge. */
  readonly statusCode: number;
}

/** A constructor made by {@link createError}. Call it with or without `new`; arguments fill `%s` slots. */
export interface NodearkErrorConstructor {
  new (...args: unknown[]): NodearkError;
  (...args: unknown[]): NodearkError;
  readonly code: string;
  readonly statusCode: number;
}

/**
 * Defines an error with a stable code, a printf-style message template and an HTTP status.
 * A trailing `{ cause }` object argument becomes the error's `cause`.
 */
export function createError(code: string, template: string, statusCode = 500): NodearkErrorConstructor {
  return createCodedError<NodearkError>('NodearkError', code, template, statusCode) as NodearkErrorConstructor;
}

/** True when `err` is an object with the given nodeark `code`. */
export function hasCode(err: unknown, code: string): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === code;
}

/* ------------------------------------------------------------------ Bundle (bizUrl, download, archives) */

/** bizUrl is not a parseable URL or is blank. */
export const ERR_BUNDLE_INVALID_URL = createError('NODEARK_ERR_BUNDLE_INVALID_URL', 'Invalid bizUrl "%s": %s', 400);
/** bizUrl scheme is not file:, http: or https: (or not allowed by configuration). */
export const ERR_BUNDLE_UNSUPPORTED_SCHEME = createError(
  'NODEARK_ERR_BUNDLE_UNSUPPORTED_SCHEME',
  'Unsupported bizUrl scheme "%s": use file:, http: or https:',
  400,
);
/** A file: bizUrl names a path that does not exist or cannot be read. */
export const ERR_BUNDLE_NOT_FOUND = createError('NODEARK_ERR_BUNDLE_NOT_FOUND', 'Bundle not found: %s', 404);
/** The bundle's content is neither a directory, a gzip tarball nor a zip archive. */
export const ERR_BUNDLE_UNKNOWN_FORMAT = createError(
  'NODEARK_ERR_BUNDLE_UNKNOWN_FORMAT',
  'Unrecognised bundle format for %s: expected a directory, a .tgz (npm pack) or a .zip/.jar archive',
  400,
);
/** The archive is malformed (truncated, bad checksum, bad compression). */
export const ERR_BUNDLE_CORRUPT = createError('NODEARK_ERR_BUNDLE_CORRUPT', 'Corrupt bundle %s: %s', 400);
/** The archive or download exceeds a configured size or entry-count limit. */
export const ERR_BUNDLE_TOO_LARGE = createError('NODEARK_ERR_BUNDLE_TOO_LARGE', 'Bundle %s exceeds the limit: %s', 413);
/** An archive entry would be written outside the extraction directory (zip-slip, absolute path, link out). */
export const ERR_BUNDLE_UNSAFE_ENTRY = createError(
  'NODEARK_ERR_BUNDLE_UNSAFE_ENTRY',
  'Unsafe archive entry "%s" in %s: %s',
  400,
);
/** The integrity value is malformed or does not match the bundle's bytes. */
export const ERR_BUNDLE_INTEGRITY = createError('NODEARK_ERR_BUNDLE_INTEGRITY', 'Integrity check failed for %s: %s', 400);
/** An http(s) download failed: status >= 400, connection error, timeout, too many redirects. */
export const ERR_BUNDLE_DOWNLOAD = createError('NODEARK_ERR_BUNDLE_DOWNLOAD', 'Download of %s failed: %s', 502);
/** The bundle has no readable package.json, or its fields are invalid. */
export const ERR_BUNDLE_MANIFEST = createError('NODEARK_ERR_BUNDLE_MANIFEST', 'Invalid module manifest in %s: %s', 400);

/** The bizUrl is outside the configured allow-lists (hosts, local roots) or lacks a required integrity value. */
export const ERR_BUNDLE_NOT_ALLOWED = createError('NODEARK_ERR_BUNDLE_NOT_ALLOWED', 'bizUrl %s is not allowed: %s', 403);

/* ------------------------------------------------------------------------------- Biz (registry, lifecycle) */

/** A bizName/bizVersion/webContextPath value is not acceptable (empty, path characters, too long). */
export const ERR_BIZ_INVALID_IDENTITY = createError('NODEARK_ERR_BIZ_INVALID_IDENTITY', 'Invalid %s "%s": %s', 400);
/** The identity declared by the bundle differs from the one in the request. */
export const ERR_BIZ_IDENTITY_MISMATCH = createError(
  'NODEARK_ERR_BIZ_IDENTITY_MISMATCH',
  'Bundle %s declares %s but the request asked for %s',
  400,
);
/** Another module already serves this webContextPath under a different bizName. */
export const ERR_BIZ_CONTEXT_PATH_TAKEN = createError(
  'NODEARK_ERR_BIZ_CONTEXT_PATH_TAKEN',
  'webContextPath "/%s" is already used by module %s',
  409,
);
/**
 * An admission check of the base refused the module's webContextPath (a host route, the actuator, a reserved prefix).
 */
export const ERR_BIZ_CONTEXT_PATH_RESERVED = createError(
  'NODEARK_ERR_BIZ_CONTEXT_PATH_RESERVED',
  'webContextPath "/%s" is reserved: %s',
  409,
);
/**
 * The module declares a Node.js or nodeark version range (`engines.node`, `peerDependencies.nodeark`,
 * `nodeark.requires`) the running base does not satisfy, or a range that is not valid semver.
 */
export const ERR_BIZ_INCOMPATIBLE = createError('NODEARK_ERR_BIZ_INCOMPATIBLE', 'module %s needs %s', 409);
/** The module's start() threw, rejected, timed out, or the worker died while starting. */
export const ERR_BIZ_START_FAILED = createError('NODEARK_ERR_BIZ_START_FAILED', 'Module %s failed to start: %s', 500);
/** A module tried to spawn a child process under the `deny` policy (raised inside the module's worker). */
export const ERR_BIZ_CHILD_PROCESS_DENIED = createError(
  'NODEARK_ERR_BIZ_CHILD_PROCESS_DENIED',
  'Module %s may not spawn child processes (nodeark.biz.child-processes=deny)',
  403,
);
/** A `BizRuntime` option has a value it cannot use (a programming error of the caller, at construction). */
export const ERR_RUNTIME_INVALID_OPTION = createError('NODEARK_ERR_RUNTIME_INVALID_OPTION', 'Invalid runtime option %s: %s', 500);
/** A lifecycle call was made on a runtime that is shutting down. */
export const ERR_BIZ_RUNTIME_CLOSED = createError('NODEARK_ERR_BIZ_RUNTIME_CLOSED', 'The runtime is shutting down', 503);
/**
 * The runtime tried a module state move its transition table does not allow (docs/module-contract.md §
 * Lifecycle). A bug in nodeark, never caused by a request: the move is refused and nothing changes.
 */
export const ERR_BIZ_ILLEGAL_TRANSITION = createError(
  'NODEARK_ERR_BIZ_ILLEGAL_TRANSITION',
  'Module %s cannot move from %s to %s (%s)',
  500,
);

/* --------------------------------------------------------------------------------- Route (the HTTP edge) */

/** No module is served under the requested context path. */
export const ERR_ROUTE_NOT_FOUND = createError('NODEARK_ERR_ROUTE_NOT_FOUND', 'No module is served at "%s"', 404);
/** The module for this path is installed but still starting. */
export const ERR_ROUTE_STARTING = createError('NODEARK_ERR_ROUTE_STARTING', 'Module %s is starting', 503);
/** The module has no fetch or handler export. */
export const ERR_ROUTE_NO_HANDLER = createError('NODEARK_ERR_ROUTE_NO_HANDLER', 'Module %s serves no HTTP', 404);
/** The worker died (or was terminated) while the request was in flight. */
export const ERR_ROUTE_WORKER_GONE = createError('NODEARK_ERR_ROUTE_WORKER_GONE', 'Module %s stopped while handling the request', 502);
/** The module did not answer within the per-request timeout. */
export const ERR_ROUTE_TIMEOUT = createError('NODEARK_ERR_ROUTE_TIMEOUT', 'Module %s did not answer within %s ms', 504);
/** An `Upgrade` request (WebSocket) for a module that exports neither `upgrade` nor `server`. */
export const ERR_ROUTE_UPGRADE_UNSUPPORTED = createError(
  'NODEARK_ERR_ROUTE_UPGRADE_UNSUPPORTED',
  'Module %s does not accept upgrades',
  400,
);
/** The module's handler threw or returned something that is not a Response. */
export const ERR_ROUTE_HANDLER_FAILED = createError('NODEARK_ERR_ROUTE_HANDLER_FAILED', 'Module %s failed to handle the request: %s', 500);
