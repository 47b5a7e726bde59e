/**
 * Messages between the base (WorkerHost) and a module worker (worker-main). One MessagePort (the worker's
 * parentPort) carries control and HTTP traffic; HTTP messages carry a numeric request id.
 *
 * Bodies: up to {@link INLINE_BODY_MAX} bytes travel inside the `req`/`res` message (one postMessage per
 * request in the common case). Larger or unknown-length bodies stream as `chunk` messages with a credit
 * window: the receiver `ack`s bytes it has consumed and the sender pauses when more than
 * {@link STREAM_WINDOW} bytes are unacknowledged (the design of undici-thread-interceptor's
 * MessagePortWritable, `research/node-runtime.md` §1.7 and §5.2). ArrayBuffers are transferred, not copied.
 */
import type { HealthResult } from '@nodeark/biz';
import type { SerializedError } from '../errors.js';
import type { BizHealth, BizServeKind } from '../types.js';

/** Bodies up to this size travel inline with the request/response head. */
export const INLINE_BODY_MAX = 64 * 1024;
/** Unacknowledged streamed bytes allowed in flight per body and direction. */
export const STREAM_WINDOW = 256 * 1024;

/** Static data handed to a worker at spawn (`workerData`). */
export interface WorkerBootData {
  entryUrl: string;
  bizName: string;
  bizVersion: string;
  webContextPath: string;
  args: string[];
  env: Record<string, string>;
  logLevel: string;
  healthTimeoutMs: number;
  /** What happens when the module spawns a child process (see child-process-guard.ts). */
  childProcesses: 'track' | 'deny';
}

/** A request head sent from the base to a worker. Headers are the raw [name, value, ...] list. */
export interface ReqMessage {
  t: 'req';
  id: number;
  method: string;
  /** Path and query with the context prefix stripped. */
  url: string;
  headers: string[];
  remoteAddress: string;
  /** Inline body, or `null` when there is none or it streams (`streaming`). */
  body: ArrayBuffer | null;
  streaming: boolean;
}

/** Base → worker. */
export type ToWorker =
  | ReqMessage
  | { t: 'chunk'; id: number; data: ArrayBuffer }
  | { t: 'end'; id: number }
  | { t: 'abort'; id: number }
  | { t: 'ack'; id: number; bytes: number }
  | { t: 'stop'; timeoutMs: number }
  | { t: 'health'; id: number };

/** Worker → base. */
export type FromWorker =
  | { t: 'ready'; serves: BizServeKind; healthIndicators: string[] }
  | { t: 'startFailed'; error: SerializedError }
  | { t: 'stopped'; error?: SerializedError }
  | { t: 'res'; id: number; status: number; headers: string[]; body: ArrayBuffer | null; streaming: boolean }
  | { t: 'chunk'; id: number; data: ArrayBuffer }
  | { t: 'end'; id: number }
  | { t: 'error'; id: number; error: SerializedError }
  | { t: 'ack'; id: number; bytes: number }
  | { t: 'health'; id: number; result: BizHealth }
  | { t: 'child'; pid: number; alive: boolean };

/** Re-exported for worker-side indicator evaluation. */
export type { HealthResult };

/**
 * Copies a byte view into a fresh, exactly-sized ArrayBuffer for the transfer list. We always copy: the
 * view may belong to the module (a cached Buffer it writes on every response) or to Node's shared Buffer
 * pool, and transferring either would detach memory someone else still uses. The copy is a memcpy; the
 * transfer then avoids a second, structured-clone copy.
 */
export function toTransferable(view: Uint8Array): ArrayBuffer {
  const copy = new Uint8Array(view.byteLength);
  copy.set(view);
  return copy.buffer;
}
