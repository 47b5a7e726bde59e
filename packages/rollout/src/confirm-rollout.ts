/**
 * Confirming the batch a rollout is paused after (`nodeark rollout confirm`): the confirmation is recorded in
 * the release record, and the next run goes on from there.
 */
import { ERR_ROLLOUT_NOT_PAUSED } from './errors.js';
import type { RolloutContextOptions } from './rollout-options.js';
import { rolloutStatus } from './rollout-status.js';
import { emptyState, MemoryStateStore, type RolloutState } from './state.js';
import type { ReleaseKind } from './types.js';

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
