/**
 * Predicting a whole release from this moment (`nodeark rollout plan`): the pure planner run repeatedly on a
 * copy of the observation, each batch's operations applied as if they succeeded and each pause passed.
 */
import { planRollout, type PlanInput } from './planner.js';
import type { Action, BatchPlan, FleetObservation, ReleaseRecord, RolloutPlan } from './types.js';

/** A batch as {@link simulateRollout} predicts it. */
export interface PredictedBatch {
  batch: BatchPlan;
  actions: Action[];
  cleanup: Action[];
  /** The pause expected after this batch (none after the last). */
  pause?: { confirm: boolean; graySeconds: number };
  blocked?: RolloutPlan['blocked'];
}

/** What {@link simulateRollout} returns. */
export interface Simulation {
  /** The plan for this moment (as {@link planRollout}). */
  plan: RolloutPlan;
  /** Every remaining batch with its predicted operations, assuming each succeeds and each pause is passed. */
  batches: PredictedBatch[];
  /** `Completed`, or `Blocked` when a batch is predicted to block. */
  outcome: 'Completed' | 'Blocked';
  blocked?: RolloutPlan['blocked'];
  /** The fleet as predicted at the end. */
  final: FleetObservation;
}

/** Applies an action to an observation as if it succeeded (pure; used by {@link simulateRollout}). */
export function applyAction(observation: FleetObservation, a: Action, moduleName: string): FleetObservation {
  return {
    ...observation,
    bases: observation.bases.map((b) => {
      if (b.name !== a.base) return b;
      let bizs = b.bizs.filter((z) => !(z.bizName === moduleName && a.versions.includes(z.bizVersion)));
      if (a.kind !== 'remove' && a.version !== undefined) {
        bizs = bizs.filter((z) => !(z.bizName === moduleName && z.bizVersion === a.version));
        bizs.push({ bizName: moduleName, bizVersion: a.version, bizState: 'activated' });
      }
      return { ...b, bizs };
    }),
  };
}

/**
 * Predicts the whole release from this moment (`nodeark rollout plan`): plans, applies the batch's
 * operations to a copy of the observation as if they succeeded, passes the pause, and repeats.
 */
export function simulateRollout(input: PlanInput): Simulation {
  const first = planRollout(input);
  let observation = input.observation;
  let release: ReleaseRecord = structuredClone(first.release);
  const out: PredictedBatch[] = [];
  let last = first;
  for (let i = 0; i < 1000; i++) {
    const plan = i === 0 ? first : planRollout({ ...input, observation, release });
    last = plan;
    if (plan.phase === 'Completed') break;
    if (plan.phase === 'WaitingForConfirmation' || plan.phase === 'GrayPause') {
      const k = plan.pause!.afterBatch;
      release = {
        ...release,
        confirmed: [...release.confirmed, k],
        batchCompletedAt: { ...release.batchCompletedAt, [k]: -Infinity },
      };
      continue;
    }
    if (plan.phase === 'Blocked') {
      const batch = plan.batches[plan.currentBatch - 1];
      if (batch) {
        const entry: PredictedBatch = { batch, actions: [], cleanup: [] };
        if (plan.blocked) entry.blocked = plan.blocked;
        const prev = out[out.length - 1];
        if (prev && prev.batch.index === batch.index) {
          if (plan.blocked) prev.blocked = plan.blocked;
        } else out.push(entry);
      }
      break;
    }
    const batch = plan.batches[plan.currentBatch - 1]!;
    const prev = out[out.length - 1];
    const entry: PredictedBatch =
      prev && prev.batch.index === batch.index
        ? prev
        : {
            batch,
            actions: [],
            cleanup: [],
            ...(batch.index < plan.batches.length ? { pause: batch.pauseAfter } : {}),
          };
    if (entry !== prev) out.push(entry);
    entry.actions.push(...plan.actions);
    entry.cleanup.push(...plan.cleanup);
    if (plan.blocked) entry.blocked = plan.blocked;
    for (const a of [...plan.actions, ...plan.cleanup]) observation = applyAction(observation, a, input.md.module.name);
    release = plan.release === release ? release : structuredClone(plan.release);
    // Stamp the batch as complete "long ago" so that gray pauses pass.
    release = { ...release, batchCompletedAt: { ...release.batchCompletedAt, [batch.index]: -Infinity } };
  }
  const sim: Simulation = { plan: first, batches: out, outcome: last.phase === 'Completed' ? 'Completed' : 'Blocked', final: observation };
  if (last.phase !== 'Completed' && last.blocked) sim.blocked = last.blocked;
  return sim;
}
