/**
 * The options, progress events and result of the rollout functions (`runRollout`, `rolloutStatus`,
 * `previewRollout`, `confirmRollout`).
 */
import type { FleetClients } from './observe.js';
import type { StateStore } from './state.js';
import type { Action, Blocked, Fleet, ModuleDeployment, ReleaseKind, RolloutPlan } from './types.js';

/** v1 Module status names, used for the per-base progress of an operation. */
export type BaseProgress = 'Prepare' | 'Upgrading' | 'Completing' | 'Available' | 'Terminating' | 'Terminated' | 'Failed';

/** What the executor reports while it runs. */
export type RolloutEvent =
  | { type: 'observed'; plan: RolloutPlan }
  | { type: 'batch-start'; batch: number; batches: number; target: number; beta: boolean; actions: Action[]; cleanup: Action[] }
  | { type: 'base'; batch: number; base: string; action: Action; status: BaseProgress; message?: string }
  | { type: 'batch-complete'; batch: number; batches: number }
  | { type: 'confirmed'; batch: number; auto: boolean }
  | { type: 'gray'; afterBatch: number; until: number }
  | { type: 'paused'; afterBatch: number; batches: number }
  | { type: 'blocked'; blocked: Blocked; willRetryUntil?: number }
  | { type: 'completed'; plan: RolloutPlan };

/** Common options of the rollout functions. */
export interface RolloutContextOptions {
  md: ModuleDeployment;
  /** The fleet, or a function reading it (re-read on every observation, so bases added to the file are seen). */
  fleet: Fleet | (() => Promise<Fleet>);
  /** Where the release record lives. Default: memory (nothing survives the process). */
  state?: StateStore;
  /** Treat unreachable bases as absent instead of blocking. */
  ignoreUnreachable?: boolean;
  /** Bound on each base's `queryAllBiz`. Default 10 000 ms. */
  observeTimeoutMs?: number;
  /** Clients to use (kept open). By default the call creates and closes its own. */
  clients?: FleetClients;
  /** The clock. Default `Date.now`. */
  now?: () => number;
}

/** Options of {@link runRollout}. */
export interface RolloutOptions extends RolloutContextOptions {
  /** `apply` (default) or `delete`. */
  kind?: ReleaseKind;
  /** Confirm every pause automatically (`--yes`). Gray times are still waited for. */
  autoConfirm?: boolean;
  /** Bound on each install/uninstall/switch call. Default 120 000 ms. */
  callTimeoutMs?: number;
  /** Bound on waiting for a new version to become `activated`. Default 120 000 ms. */
  activationTimeoutMs?: number;
  /** Poll interval while waiting for `activated`. Default 250 ms. */
  pollIntervalMs?: number;
  /** At most this many bases operated on at once (default: the whole batch; `maxUnavailable` caps it too). */
  parallelism?: number;
  /** Retries of a failed base operation before the batch is blocked. Default 0. */
  retries?: number;
  /** Keep re-observing a blocked rollout (no capacity, unreachable base) for this long before giving up. Default 0. */
  waitBlockedMs?: number;
  /** Interval of those re-observations. Default 1 000 ms. */
  blockedRetryIntervalMs?: number;
  onEvent?: (event: RolloutEvent) => void;
  signal?: AbortSignal;
}

/** The outcome of {@link runRollout}. */
export interface RolloutResult {
  /** `Completed`; `Paused` waiting for `confirm(pausedAfter)`; `Blocked` (see `blocked`); `Aborted` by the signal. */
  phase: 'Completed' | 'Paused' | 'Blocked' | 'Aborted';
  /** The last plan. */
  plan: RolloutPlan;
  pausedAfter?: number;
  blocked?: Blocked;
  /** Batch indexes executed by this run. */
  batchesRun: number[];
}
