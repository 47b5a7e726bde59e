/**
 * What the console lists under "Recent activity" (docs/console.md): the runtime's state transitions (every
 * install, switch and uninstall, whoever asked for it: the console, curl, ModuleController) and the
 * operations the console relayed, with the Arklet's code and message, plus crashes and watchdog actions.
 * Both are bounded rings: the newest {@link ACTIVITY_LIMIT} entries.
 */
import type { BizTransitionEvent } from '@nodeark/runtime';

/** Entries kept per list. */
export const ACTIVITY_LIMIT = 50;

/** A state transition as the console shows it. */
export interface TransitionEntry {
  time: number;
  identity: string;
  from: string | null;
  to: string;
  reason: string;
  message: string;
}

/** An operation: a console action and the Arklet's answer, or an event the runtime raised on its own. */
export interface OperationEntry {
  time: number;
  /** `installBiz`, `switchBiz`, `uninstallBiz`, `crash` or `watchdog`. */
  operation: string;
  /** What it was about (a bizUrl, `name:version`). */
  target: string;
  /** The Arklet's `code` (`SUCCESS`, `FAILED`, …), the HTTP status when there was no envelope, or the event. */
  outcome: string;
  message: string;
}

function push<T>(list: T[], entry: T): void {
  list.push(entry);
  if (list.length > ACTIVITY_LIMIT) list.splice(0, list.length - ACTIVITY_LIMIT);
}

/** The two rings. */
export class ActivityLog {
  readonly transitions: TransitionEntry[] = [];
  readonly operations: OperationEntry[] = [];

  /** Records a runtime `'transition'` event. */
  transition(e: BizTransitionEvent): void {
    const { time, identity, from, to, reason, message } = e;
    push(this.transitions, { time, identity, from, to, reason, message });
  }

  /** Records an operation. */
  operation(entry: OperationEntry): void {
    push(this.operations, entry);
  }
}
