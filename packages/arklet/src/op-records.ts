/**
 * Async operation records (docs/reference/arklet-protocol.md § Async operations; Java `ProcessRecord` /
 * `ProcessRecordHolder`). Java keeps them forever; nodeark bounds them by count and by age and evicts the
 * oldest first (a deliberate deviation, § Deviations from the Java Arklet).
 */
import type { ProcessRecordJson, ProcessStatus } from './types.js';
import { messageOf, stackTraceOf } from './envelope.js';

/** Bounds of the record store. */
export interface OpRecordLimits {
  /** Most records kept; the oldest (finished first) is evicted beyond it. Default 1000. */
  max?: number;
  /** A finished record older than this (since it finished) is evicted. Default 3 600 000 (1 h). */
  maxAgeMs?: number;
}

/** One operation record. Mutated by the task that runs the operation; read through {@link toJSON}. */
export class OpRecord {
  status: ProcessStatus = 'INITIALIZED';
  message: string | undefined;
  threadName: string | undefined;
  endTimestamp = 0;
  elapsedTime = 0;
  throwable: ProcessRecordJson['throwable'];
  readonly startTimestamp = Date.now();

  constructor(
    readonly requestId: string,
    readonly arkBizMeta: Record<string, unknown>,
  ) {}

  /** INITIALIZED → EXECUTING (Java `start()`). */
  start(): void {
    if (this.status === 'INITIALIZED') this.status = 'EXECUTING';
  }

  /** EXECUTING → SUCCEEDED (Java `success()`). */
  succeed(): void {
    if (this.status === 'EXECUTING') this.status = 'SUCCEEDED';
  }

  /**
   * → FAILED with a message (and the error when the operation threw). Unlike Java, this also applies to an
   * INITIALIZED record, so a conflicting async request ends FAILED (a deviation,
   * docs/reference/arklet-protocol.md § Deviations from the Java Arklet).
   */
  fail(message: string, err?: unknown): void {
    if (this.status === 'INITIALIZED' || this.status === 'EXECUTING') this.status = 'FAILED';
    this.message = message;
    if (err !== undefined) {
      const e = err as { code?: unknown; name?: unknown };
      this.throwable = {
        ...(typeof e.code === 'string' ? { code: e.code } : {}),
        message: messageOf(err),
        name: typeof e.name === 'string' ? e.name : 'Error',
        stackTrace: stackTraceOf(err),
      };
    }
  }

  /** Sets end time and elapsed time (Java `markFinishTime()`). */
  markFinished(): void {
    this.endTimestamp = Date.now();
    this.elapsedTime = this.endTimestamp - this.startTimestamp;
  }

  /** True once the operation reached a terminal status. */
  get finished(): boolean {
    return this.endTimestamp !== 0;
  }

  /** The wire form: alphabetical keys, absent members omitted, integer epoch-ms times. */
  toJSON(): ProcessRecordJson {
    const out: ProcessRecordJson = {
      arkBizMeta: this.arkBizMeta,
      elapsedTime: this.elapsedTime,
      endTimestamp: this.endTimestamp,
      requestId: this.requestId,
      startTime: this.startTimestamp,
      startTimestamp: this.startTimestamp,
      status: this.status,
    };
    const ordered: Record<string, unknown> = {};
    const extra: Record<string, unknown> = {
      ...(this.endTimestamp !== 0 ? { endTime: this.endTimestamp } : {}),
      ...(this.message !== undefined ? { message: this.message } : {}),
      ...(this.threadName !== undefined ? { threadName: this.threadName } : {}),
      ...(this.throwable !== undefined ? { throwable: this.throwable } : {}),
    };
    const all: Record<string, unknown> = { ...out, ...extra };
    for (const k of Object.keys(all).sort()) ordered[k] = all[k];
    return ordered as unknown as ProcessRecordJson;
  }
}

/** The bounded record store, keyed by requestId. */
export class OpRecordStore {
  private readonly records = new Map<string, OpRecord>();
  private readonly max: number;
  private readonly maxAgeMs: number;

  constructor(limits: OpRecordLimits = {}) {
    this.max = limits.max ?? 1000;
    this.maxAgeMs = limits.maxAgeMs ?? 3_600_000;
    if (!Number.isSafeInteger(this.max) || this.max < 1) throw new RangeError(`opRecords.max must be a positive integer, got ${String(limits.max)}`);
    if (typeof this.maxAgeMs !== 'number' || !(this.maxAgeMs > 0)) throw new RangeError(`opRecords.maxAgeMs must be a positive number, got ${String(limits.maxAgeMs)}`);
  }

  /** The record of `requestId`, unless it never existed or was evicted. */
  get(requestId: string): OpRecord | undefined {
    this.evictExpired();
    return this.records.get(requestId);
  }

  /** Creates the INITIALIZED record of a new async request, evicting the oldest beyond the bounds. */
  create(requestId: string, arkBizMeta: Record<string, unknown>): OpRecord {
    this.evictExpired();
    const rec = new OpRecord(requestId, arkBizMeta);
    this.records.set(requestId, rec);
    while (this.records.size > this.max) this.evictOldest();
    return rec;
  }

  /** How many records are kept. */
  get size(): number {
    return this.records.size;
  }

  private evictExpired(): void {
    const now = Date.now();
    for (const [id, rec] of this.records) {
      if (rec.finished && now - rec.endTimestamp > this.maxAgeMs) this.records.delete(id);
    }
  }

  private evictOldest(): void {
    // Map iteration is insertion order, i.e. oldest first; prefer a finished record.
    for (const [id, rec] of this.records) {
      if (rec.finished) {
        this.records.delete(id);
        return;
      }
    }
    const first = this.records.keys().next();
    if (!first.done) this.records.delete(first.value);
  }
}
