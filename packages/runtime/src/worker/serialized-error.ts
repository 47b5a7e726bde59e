/**
 * Errors crossing the worker boundary: a module worker turns what it caught into plain data
 * (`postMessage` keeps no class), the base rebuilds an `Error` with the same `code` and `statusCode`.
 * This is why errors are matched on `err.code`, never `instanceof` (docs/errors.md).
 */

/** A thrown value as plain data that survives `postMessage` (the class is lost anyway). */
export interface SerializedError {
  name: string;
  message: string;
  code?: string;
  statusCode?: number;
  stack?: string;
}

/** Turns any thrown value into a {@link SerializedError}. */
export function serializeError(err: unknown): SerializedError {
  if (err instanceof Error) {
    const e = err as Error & { code?: unknown; statusCode?: unknown };
    const out: SerializedError = { name: e.name, message: e.message };
    if (typeof e.code === 'string') out.code = e.code;
    if (typeof e.statusCode === 'number') out.statusCode = e.statusCode;
    if (typeof e.stack === 'string') out.stack = e.stack;
    return out;
  }
  return { name: 'Error', message: typeof err === 'string' ? err : safeString(err) };
}

/** Rebuilds an `Error` (with `code`/`statusCode`) from a {@link SerializedError}. */
export function deserializeError(s: SerializedError): Error & { code?: string; statusCode?: number } {
  const err = new Error(s.message) as Error & { code?: string; statusCode?: number };
  err.name = s.name;
  if (s.code !== undefined) err.code = s.code;
  if (s.statusCode !== undefined) err.statusCode = s.statusCode;
  if (s.stack !== undefined) err.stack = s.stack;
  return err;
}

function safeString(v: unknown): string {
  try {
    return String(v);
  } catch {
    return Object.prototype.toString.call(v);
  }
}
