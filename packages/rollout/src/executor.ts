/**
 * Executing a rollout over the Arklet API: observe → plan → run the current batch's operations → observe
 * again, until the release completes, pauses for a confirmation, or blocks. Gray pauses are waited for in
 * process. Every decision comes from the planner on a fresh observation, so an interrupted run is continued
 * by running again, and a batch is never installed twice.
 *
 * Operations per base (the Arklet commands used):
 * - install: `installBiz {bizName, bizVersion, bizUrl}`, then wait until `queryAllBiz` shows it `activated`
 *   (`switchBiz` when it came up `deactivated`);
 * - upgrade, `install_then_uninstall`: installBiz the new version (it starts `deactivated` next to the
 *   activated old one), `switchBiz` to it (the routing flips atomically), wait for `activated`, then
 *   `uninstallBiz` each old version; `uninstall_then_install`: uninstall the old versions, then install;
 * - finish (a new version found installed but not activated): `switchBiz`, or uninstall + reinstall when it
 *   is `broken`, or wait while it is starting; then uninstall the old versions;
 * - remove: `uninstallBiz` each version (not found counts as done).
 */
import { setTimeout as delay } from 'node:timers/promises';
import { ERR_CLIENT_CONNECT, ERR_CLIENT_HTTP_STATUS, type ArkletClient, type ArkletResponse, type ClientResponse } from '@nodeark/client';
import { checkFleetMatches } from './documents.js';
import { ERR_ROLLOUT_INVALID_ARGUMENT, ERR_ROLLOUT_NOT_PAUSED } from './errors.js';
import { FleetClients, observeFleet, toObservedBiz } from './observe.js';
import { planRollout, simulateRollout, type Simulation } from './planner.js';
import { emptyState, MemoryStateStore, recordHistory, type RolloutState, type StateStore } from './state.js';
import type { Action, Blocked, BlockedReason, Fleet, FleetObservation, ModuleDeployment, ReleaseKind, RolloutPlan } from './types.js';

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

class ActionError extends Error {
  constructor(
    readonly reason: BlockedReason,
    message: string,
  ) {
    super(message);
  }
}

async function fleetOf(options: RolloutContextOptions): Promise<Fleet> {
  const fleet = typeof options.fleet === 'function' ? await options.fleet() : options.fleet;
  checkFleetMatches(options.md, fleet);
  return fleet;
}

function positiveOr(value: number | undefined, fallback: number, name: string, allowZero = false): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
    throw new ERR_ROLLOUT_INVALID_ARGUMENT(name, `must be a ${allowZero ? 'non-negative' : 'positive'} number, got ${String(value)}`);
  }
  return value;
}

/** The kind of the last release recorded (a completed deletion keeps reporting as a deletion until the next apply). */
function recordedKind(state: RolloutState | undefined): ReleaseKind | undefined {
  return state?.release?.kind;
}

async function observe(
  options: RolloutContextOptions,
  clients: FleetClients,
  signal?: AbortSignal,
): Promise<FleetObservation> {
  const fleet = await fleetOf(options);
  return observeFleet(fleet, {
    clients,
    ...(options.observeTimeoutMs !== undefined ? { timeoutMs: options.observeTimeoutMs } : {}),
    ...(signal ? { signal } : {}),
  });
}

/**
 * Read-only: observes the fleet and plans with the recorded release (of the recorded kind, apply or delete, unless
 * `kind` is given).
 */
export async function rolloutStatus(
  options: RolloutContextOptions & { kind?: ReleaseKind },
): Promise<{ plan: RolloutPlan; state: RolloutState | undefined; observation: FleetObservation }> {
  const clients = options.clients ?? new FleetClients();
  try {
    const state = await (options.state ?? new MemoryStateStore()).load();
    const observation = await observe(options, clients);
    const kind = options.kind ?? recordedKind(state) ?? 'apply';
    const plan = planRollout({
      md: options.md,
      observation,
      kind,
      now: (options.now ?? Date.now)(),
      ...(state?.release ? { release: state.release } : {}),
      ...(options.ignoreUnreachable ? { ignoreUnreachable: true } : {}),
    });
    return { plan, state, observation };
  } finally {
    if (!options.clients) await clients.close();
  }
}

/** Read-only: observes the fleet and predicts the whole release (`nodeark rollout plan`). */
export async function previewRollout(
  options: RolloutContextOptions & { kind?: ReleaseKind },
): Promise<Simulation & { observation: FleetObservation }> {
  const clients = options.clients ?? new FleetClients();
  try {
    const state = await (options.state ?? new MemoryStateStore()).load();
    const observation = await observe(options, clients);
    const sim = simulateRollout({
      md: options.md,
      observation,
      kind: options.kind ?? 'apply',
      now: (options.now ?? Date.now)(),
      ...(state?.release ? { release: state.release } : {}),
      ...(options.ignoreUnreachable ? { ignoreUnreachable: true } : {}),
    });
    return { ...sim, observation };
  } finally {
    if (!options.clients) await clients.close();
  }
}

/**
 * Records the confirmation of the batch the rollout is paused after (`nodeark rollout confirm`). `batch`,
 * when given, must be that batch (v1: `confirmBatchNum` must equal the current batch). Throws
 * `NODEARK_ERR_ROLLOUT_NOT_PAUSED` when the rollout is not waiting for a confirmation. Returns the batch.
 */
export async function confirmRollout(
  options: RolloutContextOptions & { batch?: number },
): Promise<{ batch: number; kind: ReleaseKind }> {
  const store = options.state ?? new MemoryStateStore();
  const release = store.lock ? await store.lock() : undefined;
  try {
    const { plan, state } = await rolloutStatus({ ...options, state: store });
    if (plan.phase !== 'WaitingForConfirmation' || !plan.pause) {
      const what =
        plan.phase === 'Completed'
          ? `the ${plan.kind === 'delete' ? 'deletion' : 'release'} of ${plan.module.name} is complete`
          : plan.phase === 'GrayPause'
            ? `batch ${plan.pause?.afterBatch} is in its gray time (no confirmation needed); run apply to go on`
            : plan.phase === 'Blocked'
              ? `the rollout is blocked (${plan.blocked?.reason}): ${plan.blocked?.message}`
              : plan.newRelease
                ? `no release of ${plan.releaseKey} is in progress; run apply first`
                : `batch ${plan.currentBatch} of ${plan.batches.length} has not completed yet; run apply`;
      throw new ERR_ROLLOUT_NOT_PAUSED(what);
    }
    const k = plan.pause.afterBatch;
    if (options.batch !== undefined && options.batch !== k) {
      throw new ERR_ROLLOUT_NOT_PAUSED(`the rollout is paused after batch ${k} of ${plan.batches.length}, not batch ${options.batch}`);
    }
    const next: RolloutState = state ?? emptyState(options.md.module.name);
    next.release = plan.release;
    if (!next.release.confirmed.includes(k)) next.release.confirmed.push(k);
    await store.save(next);
    return { batch: k, kind: plan.kind };
  } finally {
    await release?.();
  }
}

/** Waits `ms`; an abort ends the wait early (the caller checks the signal), it does not throw. */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return delay(Math.max(0, ms), undefined, signal ? { signal } : {}).catch(() => undefined);
}

/** Runs `fn` over `items` with at most `limit` at once; resolves with every outcome. */
async function pool<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<PromiseSettledResult<R>[]> {
  const out: PromiseSettledResult<R>[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      try {
        out[i] = { status: 'fulfilled', value: await fn(items[i]!) };
      } catch (reason) {
        out[i] = { status: 'rejected', reason };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return out;
}

/**
 * Runs (or continues) the rollout until it completes, pauses for a confirmation, or blocks. The release
 * record is saved to `state` as it goes (and the store is locked meanwhile when it supports locks).
 */
export async function runRollout(options: RolloutOptions): Promise<RolloutResult> {
  const now = options.now ?? Date.now;
  const callTimeoutMs = positiveOr(options.callTimeoutMs, 120_000, 'callTimeoutMs');
  const activationTimeoutMs = positiveOr(options.activationTimeoutMs, 120_000, 'activationTimeoutMs');
  const pollIntervalMs = positiveOr(options.pollIntervalMs, 250, 'pollIntervalMs');
  const retries = positiveOr(options.retries, 0, 'retries', true);
  const waitBlockedMs = positiveOr(options.waitBlockedMs, 0, 'waitBlockedMs', true);
  const blockedRetryIntervalMs = positiveOr(options.blockedRetryIntervalMs, 1_000, 'blockedRetryIntervalMs');
  const parallelism = Math.min(
    positiveOr(options.parallelism, Number.MAX_SAFE_INTEGER, 'parallelism'),
    options.md.operationStrategy.maxUnavailable ?? Number.MAX_SAFE_INTEGER,
  );
  const kind = options.kind ?? 'apply';
  const emit = (e: RolloutEvent): void => {
    try {
      options.onEvent?.(e);
    } catch {
      /* a progress view must not break the rollout */
    }
  };
  const signal = options.signal;
  const store = options.state ?? new MemoryStateStore();
  const clients = options.clients ?? new FleetClients({ timeoutMs: callTimeoutMs });
  const unlock = store.lock ? await store.lock() : undefined;
  const md = options.md;
  const name = md.module.name;
  const batchesRun: number[] = [];
  let blockedSince: number | undefined;
  let lastSignature = '';
  let sameSignature = 0;
  let startedBatch = 0;

  try {
    const state: RolloutState = (await store.load()) ?? emptyState(name);
    for (;;) {
      if (signal?.aborted) {
        const { plan } = await rolloutStatus({ ...options, state: store, clients, kind });
        return { phase: 'Aborted', plan, batchesRun };
      }
      const observation = await observe(options, clients, signal);
      const t = now();
      const planNow = (): RolloutPlan =>
        planRollout({
          md,
          observation,
          kind,
          now: t,
          ...(state.release ? { release: state.release } : {}),
          ...(options.ignoreUnreachable ? { ignoreUnreachable: true } : {}),
        });
      let plan = planNow();
      let dirty = false;
      if (plan.newRelease && plan.phase !== 'Blocked') {
        state.release = plan.release;
        dirty = true;
      }
      // Stamp the completion time of batches seen complete for the first time (the gray clock starts there).
      if (state.release === plan.release) {
        for (const b of plan.batches) {
          if (b.index < plan.currentBatch && plan.release.batchCompletedAt[String(b.index)] === undefined) {
            plan.release.batchCompletedAt[String(b.index)] = t;
            dirty = true;
            if (b.index === startedBatch) emit({ type: 'batch-complete', batch: b.index, batches: plan.batches.length });
          }
        }
      }
      if (dirty) {
        await store.save(state);
        // Re-plan with the completion times just recorded (the gray clock of a batch starts now).
        if (!plan.newRelease) plan = planNow();
      }
      emit({ type: 'observed', plan });

      if (plan.phase !== 'Blocked') blockedSince = undefined;
      switch (plan.phase) {
        case 'Completed': {
          {
            plan.release.completedAt = t;
            state.release = plan.release;
            if (kind === 'apply') recordHistory(state, { version: md.module.version, url: md.module.url, replicas: md.replicas, completedAt: t });
            await store.save(state);
          }
          emit({ type: 'completed', plan });
          return { phase: 'Completed', plan, batchesRun };
        }
        case 'WaitingForConfirmation': {
          const k = plan.pause!.afterBatch;
          if (options.autoConfirm) {
            plan.release.confirmed.push(k);
            state.release = plan.release;
            await store.save(state);
            emit({ type: 'confirmed', batch: k, auto: true });
            continue;
          }
          emit({ type: 'paused', afterBatch: k, batches: plan.batches.length });
          return { phase: 'Paused', plan, pausedAfter: k, batchesRun };
        }
        case 'GrayPause': {
          const until = plan.pause!.until ?? t;
          emit({ type: 'gray', afterBatch: plan.pause!.afterBatch, until });
          await sleep(until - now(), signal);
          continue;
        }
        case 'Blocked': {
          blockedSince ??= t;
          const deadline = blockedSince + waitBlockedMs;
          const retryable = plan.blocked?.reason === 'InsufficientCapacity' || plan.blocked?.reason === 'BaseUnreachable';
          if (retryable && t < deadline) {
            emit({ type: 'blocked', blocked: plan.blocked!, willRetryUntil: deadline });
            await sleep(Math.min(blockedRetryIntervalMs, deadline - t), signal);
            continue;
          }
          emit({ type: 'blocked', blocked: plan.blocked! });
          return { phase: 'Blocked', plan, blocked: plan.blocked!, batchesRun };
        }
        case 'Executing':
          break;
      }

      // Executing: run the current batch's operations.
      const batch = plan.batches[plan.currentBatch - 1]!;
      const signature = `${batch.index}|${[...plan.actions, ...plan.cleanup].map((a) => `${a.kind}:${a.base}:${a.versions.join(',')}`).join(';')}`;
      sameSignature = signature === lastSignature ? sameSignature + 1 : 0;
      lastSignature = signature;
      if (sameSignature >= 2) {
        const blocked: Blocked = {
          reason: 'NoProgress',
          message: `batch ${batch.index}: the same operations (${[...plan.actions, ...plan.cleanup].map((a) => `${a.base}: ${a.summary}`).join('; ')}) were run ${sameSignature + 1} times and the fleet still does not show the result`,
          bases: [...plan.actions, ...plan.cleanup].map((a) => a.base),
        };
        emit({ type: 'blocked', blocked });
        return { phase: 'Blocked', plan, blocked, batchesRun };
      }
      if (startedBatch !== batch.index) {
        startedBatch = batch.index;
        batchesRun.push(batch.index);
        emit({ type: 'batch-start', batch: batch.index, batches: plan.batches.length, target: batch.target, beta: batch.beta, actions: plan.actions, cleanup: plan.cleanup });
      }
      const ctx: ActionContext = {
        md,
        clients,
        callTimeoutMs,
        activationTimeoutMs,
        pollIntervalMs,
        ...(signal ? { signal } : {}),
        report: (a, status, message) => emit({ type: 'base', batch: batch.index, base: a.base, action: a, status, ...(message !== undefined ? { message } : {}) }),
      };
      for (const phase of [plan.actions, plan.cleanup]) {
        if (phase.length === 0) continue;
        for (const a of phase) ctx.report(a, 'Prepare');
        const results = await pool(phase, parallelism, (a) => withRetries(a, ctx, retries));
        const failures = results
          .map((r, i) => ({ r, a: phase[i]! }))
          .filter((x): x is { r: PromiseRejectedResult; a: Action } => x.r.status === 'rejected');
        if (signal?.aborted) {
          const { plan: p } = await rolloutStatus({ ...options, state: store, clients, kind });
          return { phase: 'Aborted', plan: p, batchesRun };
        }
        if (failures.length > 0) {
          const reasons = failures.map((f) => (f.r.reason instanceof ActionError ? f.r.reason.reason : 'InstallFailed'));
          const blocked: Blocked = {
            reason: reasons.includes('BaseUnreachable') ? 'BaseUnreachable' : reasons[0]!,
            message: `batch ${batch.index} failed on ${failures.length === 1 ? 'base' : 'bases'} ${failures
              .map((f) => `${f.a.base} (${f.a.summary}): ${(f.r.reason as Error).message}`)
              .join('; ')}. Fix the cause and run apply again (it continues from here), or roll back`,
            bases: failures.map((f) => f.a.base),
          };
          emit({ type: 'blocked', blocked });
          const { plan: after } = await rolloutStatus({ ...options, state: store, clients, kind });
          return { phase: 'Blocked', plan: { ...after, phase: 'Blocked', blocked }, blocked, batchesRun };
        }
      }
      // Partial capacity: what could be placed was; the next observation reports the block.
    }
  } finally {
    await unlock?.();
    if (!options.clients) await clients.close();
  }
}

interface ActionContext {
  md: ModuleDeployment;
  clients: FleetClients;
  callTimeoutMs: number;
  activationTimeoutMs: number;
  pollIntervalMs: number;
  signal?: AbortSignal;
  report: (a: Action, status: BaseProgress, message?: string) => void;
}

async function withRetries(a: Action, ctx: ActionContext, retries: number): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await runAction(a, ctx);
      return;
    } catch (err) {
      if (attempt >= retries || ctx.signal?.aborted) {
        ctx.report(a, 'Failed', (err as Error).message);
        throw err;
      }
      ctx.report(a, 'Prepare', `retrying after: ${(err as Error).message}`);
      await sleep(ctx.pollIntervalMs, ctx.signal);
    }
  }
}

function transport(base: string, command: string, err: unknown): ActionError {
  const e = err as { message?: string; code?: string };
  // A timeout is not "unreachable": a slow install may still be running on the base (re-run apply to see).
  const unreachable = e.code === ERR_CLIENT_CONNECT.code || e.code === ERR_CLIENT_HTTP_STATUS.code;
  return new ActionError(
    unreachable ? 'BaseUnreachable' : command === 'uninstallBiz' ? 'UninstallFailed' : 'InstallFailed',
    `${command} on ${base}: ${e.message ?? String(err)}${e.code ? ` [${e.code}]` : ''}`,
  );
}

function envelopeDetail(res: ArkletResponse<unknown>): string {
  const data = res.data as { code?: unknown; message?: unknown } | undefined;
  const parts = [res.message, typeof data?.message === 'string' && data.message !== res.message ? data.message : undefined].filter(
    (m): m is string => typeof m === 'string' && m !== '',
  );
  const dataCode = typeof data?.code === 'string' && data.code !== res.code ? ` [${data.code}]` : '';
  return `${res.code}: ${parts.join(' — ') || '(no message)'}${dataCode}`;
}

async function call<T>(
  a: Action,
  ctx: ActionContext,
  command: string,
  fn: (c: ArkletClient, opts: { timeoutMs: number; signal?: AbortSignal }) => Promise<ArkletResponse<T>>,
): Promise<ArkletResponse<T>> {
  try {
    return await fn(ctx.clients.get(a.arkletUrl), {
      timeoutMs: ctx.callTimeoutMs,
      ...(ctx.signal ? { signal: ctx.signal } : {}),
    });
  } catch (err) {
    throw transport(a.base, command, err);
  }
}

async function install(a: Action, ctx: ActionContext): Promise<void> {
  const { name, version, url } = ctx.md.module;
  ctx.report(a, 'Upgrading', `installBiz ${name}:${version}`);
  const res = await call<ClientResponse>(a, ctx, 'installBiz', (c, o) => c.installBiz({ bizName: name, bizVersion: version, bizUrl: url }, o));
  if (res.code === 'SUCCESS') return;
  if (res.code === 'FAILED' && res.data?.code === 'REPEAT_BIZ') return; // already there (another bizUrl, or deactivated): checked next
  throw new ActionError('InstallFailed', `installBiz ${name}:${version} on ${a.base} answered ${envelopeDetail(res)}`);
}

async function uninstall(a: Action, ctx: ActionContext, version: string): Promise<void> {
  const name = ctx.md.module.name;
  ctx.report(a, 'Terminating', `uninstallBiz ${name}:${version}`);
  const deadline = Date.now() + ctx.activationTimeoutMs;
  for (;;) {
    const res = await call<ClientResponse>(a, ctx, 'uninstallBiz', (c, o) => c.uninstallBiz({ bizName: name, bizVersion: version }, o));
    if (res.code === 'SUCCESS') return;
    if (res.code === 'FAILED' && res.data?.code === 'NOT_FOUND_BIZ') return; // Java: not installed is FAILED
    if (res.code === 'FAILED' && res.data?.code === 'ILLEGAL_STATE_BIZ' && Date.now() < deadline && !ctx.signal?.aborted) {
      await sleep(ctx.pollIntervalMs, ctx.signal); // still starting: wait and retry
      continue;
    }
    throw new ActionError('UninstallFailed', `uninstallBiz ${name}:${version} on ${a.base} answered ${envelopeDetail(res)}`);
  }
}

/** Waits until the desired version is `activated` on the base, switching to it when it is `deactivated`. */
async function ensureActivated(a: Action, ctx: ActionContext): Promise<void> {
  const { name, version } = ctx.md.module;
  ctx.report(a, 'Completing', `waiting for ${name}:${version} to be activated`);
  const deadline = Date.now() + ctx.activationTimeoutMs;
  let switched = false;
  for (;;) {
    const res = await call(a, ctx, 'queryAllBiz', (c, o) => c.queryAllBiz(o));
    if (res.code !== 'SUCCESS' || !Array.isArray(res.data)) throw new ActionError('ActivationFailed', `queryAllBiz on ${a.base} answered ${envelopeDetail(res)}`);
    const biz = res.data.map(toObservedBiz).find((b) => b.bizName === name && b.bizVersion === version);
    if (!biz) throw new ActionError('ActivationFailed', `${name}:${version} is not installed on ${a.base} after installBiz answered SUCCESS`);
    if (biz.bizState === 'activated') return;
    if (biz.bizState === 'broken' || biz.bizState === 'stopped') {
      throw new ActionError('ActivationFailed', `${name}:${version} is ${biz.bizState} on ${a.base}${biz.message ? `: ${biz.message}` : ''}`);
    }
    if (biz.bizState === 'deactivated' && !switched) {
      ctx.report(a, 'Completing', `switchBiz ${name}:${version}`);
      const sw = await call<ClientResponse>(a, ctx, 'switchBiz', (c, o) => c.switchBiz({ bizName: name, bizVersion: version }, o));
      if (sw.code !== 'SUCCESS') throw new ActionError('ActivationFailed', `switchBiz ${name}:${version} on ${a.base} answered ${envelopeDetail(sw)}`);
      switched = true;
      continue;
    }
    if (Date.now() >= deadline) {
      throw new ActionError('ActivationFailed', `${name}:${version} is still ${biz.bizState} on ${a.base} after ${Math.round(ctx.activationTimeoutMs / 1000)} s`);
    }
    if (ctx.signal?.aborted) throw new ActionError('ActivationFailed', 'aborted');
    await sleep(ctx.pollIntervalMs, ctx.signal);
  }
}

async function runAction(a: Action, ctx: ActionContext): Promise<void> {
  switch (a.kind) {
    case 'install':
      await install(a, ctx);
      await ensureActivated(a, ctx);
      ctx.report(a, 'Available');
      return;
    case 'upgrade':
      if (a.policy === 'uninstall_then_install') {
        for (const v of a.versions) await uninstall(a, ctx, v);
        await install(a, ctx);
        await ensureActivated(a, ctx);
      } else {
        await install(a, ctx);
        await ensureActivated(a, ctx);
        for (const v of a.versions) await uninstall(a, ctx, v);
      }
      ctx.report(a, 'Available');
      return;
    case 'finish':
      if (a.state === 'broken') {
        await uninstall(a, ctx, ctx.md.module.version);
        await install(a, ctx);
      }
      await ensureActivated(a, ctx);
      for (const v of a.versions) await uninstall(a, ctx, v);
      ctx.report(a, 'Available');
      return;
    case 'remove':
      for (const v of a.versions) await uninstall(a, ctx, v);
      ctx.report(a, 'Terminated');
      return;
  }
}
