/**
 * The pure planner: a ModuleDeployment, an observation of the fleet and the release record in, the plan
 * for this moment out (the batches, which one is current, what stands in its way, and the operations of
 * that batch on named bases). No I/O, no clock (the time is an input): unit-testable, and the executor,
 * `plan` and `status` all use it, so a re-run after an interruption computes its continuation from what
 * the bases say.
 *
 * This file computes the release, the batches, the current batch and the gate before it; the steps live
 * beside it: `classify.ts` (the bases against the deployment), `placement.ts` (the rankings),
 * `plan-actions.ts` (the current batch's operations) and `simulate.ts` (the whole release predicted).
 */
import { computeActions } from './plan-actions.js';
import { computeBatches } from './batches.js';
import { classify, type Slot } from './classify.js';
import type {
  BatchPlan,
  Blocked,
  FleetObservation,
  ModuleDeployment,
  ReleaseKind,
  ReleaseRecord,
  RolloutPlan,
} from './types.js';

/** Inputs of {@link planRollout}. */
export interface PlanInput {
  md: ModuleDeployment;
  observation: FleetObservation;
  /** The release record from the state file, if any. Continued when its key matches and it has not completed. */
  release?: ReleaseRecord;
  /** `apply` (default) or `delete` (remove every version of the module from every eligible base). */
  kind?: ReleaseKind;
  /** The current time (epoch ms) for gray pauses. Default `observation.observedAt`. */
  now?: number;
  /** Treat unreachable bases as absent instead of blocking (their replicas are placed elsewhere). */
  ignoreUnreachable?: boolean;
}

/** Identifies a release: a new key starts a new batch plan from the fleet as it is. */
export function releaseKey(md: ModuleDeployment, kind: ReleaseKind = 'apply'): string {
  if (kind === 'delete') return `delete:${md.module.name}`;
  const o = md.operationStrategy;
  return `apply:${md.module.name}:${md.module.version}:replicas=${md.replicas}:batchCount=${o.batchCount}:useBeta=${o.useBeta}`;
}

/** The plan for this moment. See the module comment. */
export function planRollout(input: PlanInput): RolloutPlan {
  const { md, observation } = input;
  const kind = input.kind ?? 'apply';
  const now = input.now ?? observation.observedAt;
  const ignoreUnreachable = input.ignoreUnreachable ?? false;
  const ops = md.operationStrategy;
  const policy = md.schedulingPolicy;
  const ident = `${md.module.name}:${md.module.version}`;
  const { slots, views, unreachable } = classify(md, observation, kind, ignoreUnreachable);
  const warnings = [...md.warnings];

  const target = kind === 'delete' ? 0 : md.replicas === -1 ? slots.filter((s) => !s.cordoned).length : md.replicas;
  const isUpdated = (s: Slot): boolean => s.desired?.bizState === 'activated';
  const updated = slots.filter(isUpdated).length;
  const old = kind === 'delete' ? 0 : slots.filter((s) => s.old.length > 0).length;
  const pending = slots.filter((s) => s.desired !== undefined && !isUpdated(s)).length;

  // The release: continue the recorded one, or start a new one from the fleet as it is.
  const key = releaseKey(md, kind);
  let release: ReleaseRecord;
  let newRelease = false;
  if (input.release && input.release.key === key && input.release.completedAt === undefined) {
    release = input.release;
  } else {
    newRelease = true;
    release = {
      key,
      kind,
      module: { ...md.module },
      origin: { updated, old },
      startedAt: now,
      confirmed: [],
      batchCompletedAt: {},
    };
  }

  let batches: BatchPlan[] = computeBatches({
    current: release.origin.updated,
    target,
    batchCount: ops.batchCount,
    useBeta: ops.useBeta,
    needConfirm: ops.needConfirm,
    graySeconds: ops.grayTimeBetweenBatchSeconds,
    oldCurrent: release.origin.old,
  });
  const converged = updated === target && old === 0 && pending === 0;
  if (batches.length === 0 && !converged) {
    batches = [
      {
        index: 1,
        target,
        oldTarget: 0,
        size: target - updated,
        beta: false,
        pauseAfter: { confirm: false, graySeconds: 0 },
      },
    ];
  }

  const up = target >= release.origin.updated;
  const complete = (b: BatchPlan): boolean => {
    const last = b.index === batches.length;
    if (last) return updated === b.target && old === 0 && pending === 0;
    return (up ? updated >= b.target : updated <= b.target) && old <= b.oldTarget;
  };
  let currentBatch = batches.length + 1;
  for (const b of batches) {
    if (!complete(b)) {
      currentBatch = b.index;
      break;
    }
  }

  const plan: RolloutPlan = {
    kind,
    deployment: md.name,
    module: { ...md.module },
    upgradePolicy: ops.upgradePolicy,
    schedulingPolicy: policy,
    target,
    releaseKey: key,
    release,
    newRelease,
    batches,
    currentBatch,
    phase: 'Completed',
    actions: [],
    cleanup: [],
    updated,
    old,
    bases: views,
    conditions: [],
    warnings,
  };

  const svc = ops.serviceStrategy;
  if (svc?.enableModuleService && kind === 'apply') {
    const port = svc.targetPort ?? svc.port;
    plan.service = {
      name: `${md.module.name}-service`,
      ...(svc.port !== undefined ? { port: svc.port } : {}),
      ...(svc.targetPort !== undefined ? { targetPort: svc.targetPort } : {}),
      endpoints: slots.filter((s) => s.desired || s.old.length > 0).map((s) => endpointOf(s.obs.arkletUrl, port)),
    };
  }

  if (unreachable.length > 0) {
    const list = unreachable.map((b) => `${b.name} (${b.arkletUrl}): ${b.error ?? 'unreachable'}`).join('; ');
    if (!ignoreUnreachable) {
      return block(plan, {
        reason: 'BaseUnreachable',
        message: `cannot observe ${unreachable.length === 1 ? 'base' : 'bases'} ${list}. Bring ${unreachable.length === 1 ? 'it' : 'them'} back, remove ${unreachable.length === 1 ? 'it' : 'them'} from the fleet file, or pass --ignore-unreachable to place their replicas elsewhere`,
        bases: unreachable.map((b) => b.name),
      });
    }
    warnings.push(`ignoring unreachable ${unreachable.length === 1 ? 'base' : 'bases'} ${list}`);
  }

  if (currentBatch > batches.length) {
    plan.phase = 'Completed';
    plan.conditions.push({
      type: 'Available',
      status: 'True',
      reason: 'Completed',
      message: kind === 'delete' ? 'deployment deleted' : 'deployment release progress completed',
    });
    return plan;
  }

  const batch = batches[currentBatch - 1]!;
  // The gate between the previous batch and this one.
  if (currentBatch > 1) {
    const prev = batches[currentBatch - 2]!;
    const doneAt = release.batchCompletedAt[String(prev.index)];
    const grayUntil =
      prev.pauseAfter.graySeconds > 0
        ? (doneAt === undefined ? undefined : doneAt + prev.pauseAfter.graySeconds * 1000)
        : 0;
    const grayPending = prev.pauseAfter.graySeconds > 0 && (grayUntil === undefined || now < grayUntil);
    if (prev.pauseAfter.confirm && !release.confirmed.includes(prev.index)) {
      plan.phase = 'WaitingForConfirmation';
      plan.pause = { afterBatch: prev.index, kind: 'confirm', ...(grayPending && grayUntil !== undefined ? { until: grayUntil } : {}) };
      plan.conditions.push({
        type: 'Progressing',
        status: 'True',
        reason: 'WaitingForConfirmation',
        message: `deployment release: batch ${prev.index} of ${batches.length} completed, waiting for confirmation`,
      });
      return plan;
    }
    if (grayPending) {
      plan.phase = 'GrayPause';
      plan.pause = { afterBatch: prev.index, kind: 'gray', ...(grayUntil !== undefined ? { until: grayUntil } : {}) };
      plan.conditions.push({
        type: 'Progressing',
        status: 'True',
        reason: 'GrayPause',
        message: `deployment release: batch ${prev.index} of ${batches.length} completed, gray time ${prev.pauseAfter.graySeconds} s`,
      });
      return plan;
    }
  }

  plan.phase = 'Executing';
  plan.conditions.push({
    type: 'Progressing',
    status: 'True',
    reason: 'Executing',
    message: batch.beta ? 'deployment release: beta deployment' : `deployment release: curbatch ${batch.index}, batchCount ${batches.length}`,
  });
  computeActions(plan, md, kind, slots, batch, updated, policy, ident);
  if (plan.blocked) {
    plan.conditions.push({ type: 'ReplicaFailure', status: 'True', reason: plan.blocked.reason, message: plan.blocked.message });
    if (plan.actions.length === 0 && plan.cleanup.length === 0) plan.phase = 'Blocked';
  }
  return plan;
}

function block(plan: RolloutPlan, blocked: Blocked): RolloutPlan {
  plan.phase = 'Blocked';
  plan.blocked = blocked;
  plan.conditions.push({ type: 'ReplicaFailure', status: 'True', reason: blocked.reason, message: blocked.message });
  return plan;
}

function endpointOf(arkletUrl: string, port: number | string | undefined): string {
  // URL.hostname keeps an IPv6 address in its brackets (`[::1]`), ready for a `:port`.
  const host = new URL(arkletUrl).hostname;
  return port === undefined ? host : `${host}:${port}`;
}
