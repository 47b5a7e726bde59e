/**
 * Builders of the response envelope (docs/reference/arklet-protocol.md § Envelope) for each row of its
 * § Outcome matrix.
 * Keys are inserted in alphabetical order, the order fastjson writes them.
 */
import type { ArkletResponse, CommandOutput } from './types.js';

/** `{"code":"CMD_NOT_FOUND","message":"please follow the doc"}`, without baseIdentity. */
export function notFoundResponse(): ArkletResponse<never> {
  return { code: 'CMD_NOT_FOUND', message: 'please follow the doc' };
}

/**
 * A handler output → envelope with `baseIdentity`. `message`
 * is dropped on SUCCESS and `data` when the output has none.
 */
export function outputResponse<T>(baseIdentity: string, output: CommandOutput<T>): ArkletResponse<T> {
  const res: ArkletResponse<T> = { baseIdentity, code: output.code };
  if (output.data !== undefined) res.data = output.data;
  if (output.code !== 'SUCCESS') res.message = output.message ?? '';
  return res;
}

/**
 * Any thrown value → `{"code":"CMD_PROCESS_INTERNAL_ERROR","errorStackTrace":…,"message":"Internal Error: …"}`
 * without baseIdentity.
 */
export function internalErrorResponse(err: unknown): ArkletResponse<never> {
  return {
    code: 'CMD_PROCESS_INTERNAL_ERROR',
    errorStackTrace: stackTraceOf(err),
    message: `Internal Error: ${messageOf(err)}`,
  };
}

/** The message of any thrown value. */
export function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (typeof err === 'string') return err;
  try {
    return JSON.stringify(err) ?? String(err);
  } catch {
    return String(err);
  }
}

/**
 * A Java-like trace: first line `<code or name>: <message>` (Java prints `<class>: <message>`), then the
 * stack frames, then `Caused by:` lines for error causes and a module's own stack when a module failed.
 */
export function stackTraceOf(err: unknown, depth = 0): string {
  if (!(err instanceof Error)) return messageOf(err);
  const e = err as Error & { code?: unknown; moduleStack?: unknown };
  const head = `${typeof e.code === 'string' ? e.code : e.name}: ${e.message}`;
  const stack = typeof e.stack === 'string' ? e.stack : '';
  const firstFrame = stack.indexOf('\n    at ');
  let out = firstFrame >= 0 ? head + stack.slice(firstFrame) : head;
  if (e.cause !== undefined && depth < 5) out += `\nCaused by: ${stackTraceOf(e.cause, depth + 1)}`;
  else if (typeof e.moduleStack === 'string' && e.moduleStack !== '') out += `\nCaused by: ${e.moduleStack}`;
  return out;
}
