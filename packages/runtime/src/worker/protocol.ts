/**
 * Messages between the base (WorkerHost) and a module worker (worker-main). One MessagePort (the worker's
 * parentPort) carries control messages and the socket link (channel/messages.ts), which carries the HTTP
 * bytes of every request and upgraded connection.
 */
import type { HealthResult } from '@nodeark/biz';
import type { SocketMessage } from '../channel/messages.js';
import type { SerializedError } from './serialized-error.js';
import type { BizHealth, BizServeKind } from '../types.js';

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
  /** How often the worker reports its heap figures (`stats`), ms; 0 or absent: never. Set by the WorkerHost. */
  statsIntervalMs?: number;
}

/** `workerData` of a spare worker (spare-workers.ts): it waits for a {@link WorkerAssignment}. */
export interface SpareWorkerData {
  spare: true;
}

/**
 * The first and only control message a spare receives before it runs a module: the boot data a worker
 * spawned for the module would have had as `workerData`, and its whole `process.env`.
 */
export interface WorkerAssignment {
  t: 'assign';
  boot: WorkerBootData;
  processEnv: Record<string, string>;
}

/** Base → worker. */
export type ToWorker = SocketMessage | { t: 'stop'; timeoutMs: number } | { t: 'health'; id: number };

/**
 * One line of the module's logger (`ctx.logger`, `console.*`), sent to the base so that module lines go
 * through the base's logger and carry the same fields as the base's own lines.
 */
export interface BizLogRecord {
  t: 'log';
  /** pino's numeric level (10 trace … 60 fatal). */
  level: number;
  msg: string;
  /** The module's own fields as JSON text (absent when there are none): plain data, always cloneable. */
  fields?: string;
}

/** Worker → base. */
export type FromWorker =
  | SocketMessage
  | { t: 'ready'; serves: BizServeKind; upgrade: boolean; healthIndicators: string[] }
  | { t: 'startFailed'; error: SerializedError }
  | { t: 'stopped'; error?: SerializedError }
  | { t: 'health'; id: number; result: BizHealth }
  | { t: 'child'; pid: number; alive: boolean }
  | WorkerStatsMessage
  | BizLogRecord;

/**
 * The worker's own V8 heap figures (`v8.getHeapStatistics()`) and CPU time, sent every `statsIntervalMs` for
 * `runtime.metrics()`.
 */
export interface WorkerStatsMessage {
  t: 'stats';
  heapUsed: number;
  heapTotal: number;
  heapLimit: number;
  external: number;
  /**
   * The thread's CPU time (user + system), seconds, where it can be read (metrics/thread-cpu.ts); absent
   * elsewhere.
   */
  cpu?: number;
  /** The thread's kernel thread id on Linux, so that the base can read its CPU time itself (metrics/thread-cpu.ts). */
  tid?: number;
  /** When taken, epoch ms. */
  at: number;
}

/** Re-exported for worker-side indicator evaluation. */
export type { HealthResult };
