/**
 * The per-identity coordinator of biz operations (docs/reference/arklet-protocol.md § Concurrency, Java
 * `BizOpsCommandCoordinator`): at most one biz-ops command runs per `bizName:bizVersion` key; a second one
 * is refused at once, never queued. Different versions of one name do not conflict.
 *
 * Unlike Java, a lock is released through the token its owner received, so a refused request can never
 * release the lock of the command that is running (Java's async conflict path unlocks in `finally`).
 */

/** The lock key: the request's `bizName:bizVersion`, where an absent part renders as `null` (Java). */
export function lockKey(bizName: unknown, bizVersion: unknown): string {
  const part = (v: unknown): string => (typeof v === 'string' ? v : 'null');
  return `${part(bizName)}:${part(bizVersion)}`;
}

/** The result of {@link BizOpsCoordinator.tryLock}. */
export type LockAttempt = { ok: true; release: () => void } | { ok: false; running: string };

/** The conflict message of a refused synchronous command, exact Java text. */
export function conflictMessage(key: string, commandId: string, runningCommandId: string): string {
  return `FAILED:${key} ${commandId} conflict, exist unfinished command(${runningCommandId}) for this biz`;
}

/** In-memory lock table keyed by identity, storing the running command id. */
export class BizOpsCoordinator {
  private readonly locks = new Map<string, { commandId: string; token: symbol }>();

  /** Takes the lock for `key` unless another command holds it. `release` is idempotent. */
  tryLock(key: string, commandId: string): LockAttempt {
    const held = this.locks.get(key);
    if (held) return { ok: false, running: held.commandId };
    const token = Symbol(commandId);
    this.locks.set(key, { commandId, token });
    return {
      ok: true,
      release: () => {
        if (this.locks.get(key)?.token === token) this.locks.delete(key);
      },
    };
  }

  /** The command holding `key`, if any. */
  running(key: string): string | undefined {
    return this.locks.get(key)?.commandId;
  }

  /** How many keys are locked (0 when idle: docs/reference/arklet-protocol.md § Conformance cases, case 38). */
  get size(): number {
    return this.locks.size;
  }
}
