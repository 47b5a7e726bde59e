/**
 * The registry of installed module versions and their state machine. Every state change goes through
 * {@link BizRegistry.move}, which checks it against {@link BIZ_TRANSITIONS} (the moves of
 * docs/module-contract.md § Lifecycle, in sofa-ark's states as docs/reference/arklet-protocol.md § Wire
 * types lists them) and refuses any other with `NODEARK_ERR_BIZ_ILLEGAL_TRANSITION`: a refused move is a
 * bug in the runtime, never a user error, so it is thrown rather than answered.
 */
import { ERR_BIZ_ILLEGAL_TRANSITION } from './errors.js';
import { snapshot, type BizRecord } from './biz-record.js';
import { orderVersionsWithinGroups } from './versions.js';
import type { BizState, BizStateReason, BizTransitionEvent } from './types.js';

/**
 * The legal state moves, from → the states it may move to. A record is created `unresolved` with no
 * history and registered at once as `resolved` (reason `Created`).
 *
 * - `resolved` (starting) → `activated` or `deactivated` once `start()` resolved (`deactivated` when
 *   another version of the name is activated), `broken` when it failed (`Install Failed`).
 * - `activated` → `deactivated` (switched away from, or `Killing` before an uninstall stops it), or
 *   `broken` (the worker crashed, or the watchdog acts on it).
 * - `deactivated` → `activated` (switched to), `broken` (a crash, the watchdog, a failed `stop()`), or
 *   `stopped` (uninstalled or shut down).
 * - `broken` → `stopped` (removed), or `activated` / `deactivated` when a watchdog restart's fresh worker
 *   of the same version started (docs/operations.md § The event-loop watchdog).
 * - `stopped` is final: the record leaves the registry with it.
 *
 * No state moves to itself, and `activated` never goes straight to `stopped`: traffic is always taken
 * away (`deactivated`) before a module is stopped.
 */
export const BIZ_TRANSITIONS: Readonly<Record<BizState, readonly BizState[]>> = Object.freeze({
  unresolved: Object.freeze(['resolved'] as const),
  resolved: Object.freeze(['activated', 'deactivated', 'broken'] as const),
  activated: Object.freeze(['deactivated', 'broken'] as const),
  deactivated: Object.freeze(['activated', 'broken', 'stopped'] as const),
  broken: Object.freeze(['activated', 'deactivated', 'stopped'] as const),
  stopped: Object.freeze([] as const),
});

/** True when {@link BIZ_TRANSITIONS} allows moving from `from` to `to`. */
export function isLegalTransition(from: BizState, to: BizState): boolean {
  return BIZ_TRANSITIONS[from].includes(to);
}

/** Registered module versions by identity, and the only code that changes their state. */
export class BizRegistry {
  private readonly bizs = new Map<string, BizRecord>();

  /** @param onTransition Receives every move, after the record changed (the runtime's `'transition'` event). */
  constructor(private readonly onTransition: (event: BizTransitionEvent) => void) {}

  /** The record registered under an identity. */
  get(identity: string): BizRecord | undefined {
    return this.bizs.get(identity);
  }

  /** True while this very record is the one registered under its identity. */
  holds(rec: BizRecord): boolean {
    return this.bizs.get(rec.identity) === rec;
  }

  /** Every registered record, in registration order. */
  values(): IterableIterator<BizRecord> {
    return this.bizs.values();
  }

  /** The activated version of a name other than `except`, if any (at most one is, by sofa-ark's rule). */
  activatedOf(bizName: string, except?: BizRecord): BizRecord | undefined {
    for (const r of this.bizs.values()) {
      if (r !== except && r.bizName === bizName && r.state === 'activated') return r;
    }
    return undefined;
  }

  /**
   * Every record by priority ascending then install time (sofa-ark `getBizInOrder`), except that the
   * versions of one name (at one priority) that are valid semver are in semver order within the places
   * they hold: install order says nothing about which version is newer.
   */
  ordered(): BizRecord[] {
    const byInstall = [...this.bizs.values()].sort((a, b) => a.priority - b.priority || a.installTime - b.installTime);
    return orderVersionsWithinGroups(byInstall, (r) => `${r.priority}\0${r.bizName}`, (r) => r.bizVersion);
  }

  /** Registers a fresh `unresolved` record and moves it to `resolved` (`Created`). */
  register(rec: BizRecord): void {
    this.bizs.set(rec.identity, rec);
    this.move(rec, 'resolved', 'Created');
  }

  /** Removes the record if it is still the registered one; true when it was. */
  remove(rec: BizRecord): boolean {
    if (!this.holds(rec)) return false;
    this.bizs.delete(rec.identity);
    return true;
  }

  /**
   * Moves a record to `to`, appends the `bizStateRecords` entry and reports the move. Throws
   * `NODEARK_ERR_BIZ_ILLEGAL_TRANSITION` (and changes nothing) when {@link BIZ_TRANSITIONS} does not allow it.
   */
  move(rec: BizRecord, to: BizState, reason: BizStateReason, message = ''): void {
    if (!isLegalTransition(rec.state, to)) throw new ERR_BIZ_ILLEGAL_TRANSITION(rec.identity, rec.state, to, reason);
    const from = rec.records.length === 0 ? null : rec.state;
    const time = Date.now();
    rec.state = to;
    rec.records.push({ changeTime: time, state: to, reason, message });
    this.onTransition({
      identity: rec.identity,
      bizName: rec.bizName,
      bizVersion: rec.bizVersion,
      from,
      to,
      reason,
      message,
      time,
      biz: snapshot(rec),
    });
  }
}
