/**
 * Executing a rollout over the Arklet API: observe → plan → run the current batch's operations → observe
 * again, until the release completes, pauses for a confirmation, or blocks. Gray pauses are waited for in
 * process. Every decision comes from the planner on a fresh observation, so an interrupted run is continued
 * by running again, and a batch is never installed twice.
 *
 * This file is the loop; the operations on a base are in `run-action.ts`, the read-only views in
 * `rollout-status.ts`, and confirmation in `confirm-rollout.ts`.
 */
import { pool, positiveOr, sleep } from './kit.js';
import { FleetClients } from './observe.js';
import { planRollout } from './planner.js';
import type { RolloutEvent, RolloutOptions, RolloutResult } from './rollout-options.js';
import { observe, planInput, rolloutStatus } from './rollout-status.js';
import { ActionError, withRetries, type ActionContext } from './run-action.js';
import { emptyState, MemoryStateStore, recordHistory, type RolloutState } from './state.js';
import type { Action, Blocked, RolloutPlan } from './types.js';

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
      const planNow = (): RolloutPlan => planRollout(planInput(options, observation, kind, t, state.release));
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
