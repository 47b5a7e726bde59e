/**
 * Internal to nodeark's own packages (`@nodeark/biz/internal/coded-error`); not part of the module-author
 * API and not re-exported from `@nodeark/biz`. It may change in any release.
 *
 * The one coded-error factory behind every package's error registry (`errors.ts` in the runtime, the
 * actuator, the Arklet, the tunnels, the base, the client and rollout; the codes are listed in
 * docs/errors.md). Why it lives here:
 *
 * - `@nodeark/biz` is the lowest package: it has no dependencies, so importing it can never make a cycle.
 *   The runtime (and through it every server-side package) already depends on it; the client gains it as
 *   its only nodeark dependency, a package with no dependencies of its own.
 * - This subpath loads one small file and `node:util`, nothing else, so a base start or a client pays
 *   for exactly the factory.
 * - `@fastify/error` was the alternative. It was not taken because it changes behaviour: its `name` is
 *   always `FastifyError` (ours are `NodearkError`, `ArkletClientError`, `RolloutError`), it takes any
 *   trailing object with a `cause` key as the cause (an Error argument that has a `cause` would vanish
 *   from the message), and the client would depend on a fastify package.
 *
 * Errors made here are plain `Error`s with own `name`, `code` and (when given) `statusCode`: match on
 * `err.code`, never `instanceof`, since errors lose their class when they cross a worker boundary
 * (docs/errors.md).
 * @packageDocumentation
 */
import { format } from 'node:util';

/** The shape of every error a {@link createCodedError} constructor makes. */
export interface CodedError extends Error {
  /** Stable code, `NODEARK_ERR_<AREA>_<WHAT>`. */
  readonly code: string;
  /** HTTP status the error maps to, when its registry declares one. */
  readonly statusCode?: number;
}

/**
 * A constructor made by {@link createCodedError}. Call it with or without `new`; arguments fill the
 * template's `%s` slots, and a trailing `{ cause }` object (that one key only) becomes the error's `cause`.
 */
export interface CodedErrorConstructor<E extends CodedError = CodedError> {
  new (...args: unknown[]): E;
  (...args: unknown[]): E;
  /** The code every error from this constructor carries. */
  readonly code: string;
  /** The HTTP status every error from this constructor carries; absent when none was declared. */
  readonly statusCode?: number;
}

/**
 * Defines an error with a stable code, a printf-style message template (`util.format`) and, optionally,
 * the HTTP status it maps to. `name` is the `err.name` of every error it makes.
 */
export function createCodedError<E extends CodedError = CodedError>(
  name: string,
  code: string,
  template: string,
  statusCode?: number,
): CodedErrorConstructor<E> {
  function CodedErrorImpl(...args: unknown[]): E {
    let cause: unknown;
    const last = args[args.length - 1];
    // Only an object whose one key is `cause` is an options bag: a trailing Error (which may have a
    // `cause` of its own) is a value for a `%s` slot.
    if (last !== null && typeof last === 'object' && 'cause' in last && Object.keys(last).length === 1) {
      cause = (last as { cause: unknown }).cause;
      args = args.slice(0, -1);
    }
    const err = new Error(format(template, ...args), cause === undefined ? undefined : { cause }) as Error & {
      code: string;
      statusCode?: number;
    };
    err.name = name;
    err.code = code;
    if (statusCode !== undefined) err.statusCode = statusCode;
    Error.captureStackTrace?.(err, CodedErrorImpl);
    return err as unknown as E;
  }
  Object.defineProperty(CodedErrorImpl, 'code', { value: code });
  if (statusCode !== undefined) Object.defineProperty(CodedErrorImpl, 'statusCode', { value: statusCode });
  return CodedErrorImpl as unknown as CodedErrorConstructor<E>;
}
