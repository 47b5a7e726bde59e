/**
 * The pure planner: a ModuleDeployment, an observation of the fleet and the release record in, the plan
 * for this moment out (the batches, which one is current, what stands in its way, and the operations of
 * that batch on named bases). No I/O, no clock (the time is an input): unit-testable, and the executor,
 * `plan` and `status` all use it, so a re-run after an interruption computes its continuation from what
 * the bases say.
 *
 * Placement (docs/kubernetes.md): one replica per base; a base is a candidate when it
 * has no version of the module, matches the selector and has room (`count < max-module-count`, where the
 * count is the number of distinct modules the base holds); scatter ranks by (count asc, name asc),
 * stacking by (count desc, name asc). Removal ranks in reverse: scatter (count desc, name asc), stacking
 * (count asc, name asc).
 */
import { computeBatches } from './batches.js';
import { versionChange } from './versions.js';
import type {
  Action,
  BaseObservation,
  BaseView,
  BatchPlan,
  Blocked,
  FleetObservation,
  ModuleDeployment,
  ObservedBiz,
  ReleaseKind,
  ReleaseRecord,
  RolloutPlan,
  SchedulingPolicy,
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

/** True when the base has all the selector's labels. */
export function matchesSelector(base: { labels: Record<string, string> }, selector: Record<string, string>): boolean {
  return Object.entries(selector).every(([k, v]) => base.labels[k] === v);
}

/** Distinct modules on a base (any state but `stopped`): the placement count. */
export function moduleCount(base: BaseObservation): number {
  return new Set(base.bizs.filter((b) => b.bizState !== 'stopped').map((b) => b.bizName)).size;
}

interface Ranked {
  name: string;
  count: number;
}

/** Orders bases for placement: scatter (count asc, name asc), stacking (count desc, name asc). */
export function rankForPlacement<T extends Ranked>(bases: readonly T[], policy: SchedulingPolicy): T[] {
  const dir = policy === 'scatter' ? 1 : -1;
  return [...bases].sort((a, b) => dir * (a.count - b.count) || compareNames(a.name, b.name));
}

/** Orders bases for removal: scatter (count desc, name asc), stacking (count asc, name asc). */
export function rankForRemoval<T extends Ranked>(bases: readonly T[], policy: SchedulingPolicy): T[] {
  const dir = policy === 'scatter' ? -1 : 1;
  return [...bases].sort((a, b) => dir * (a.count - b.count) || compareNames(a.name, b.name));
}

function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

interface Slot {
  obs: BaseObservation;
  name: string;
  count: number;
  view: BaseView;
  desired?: ObservedBiz;
  old: ObservedBiz[];
  cordoned: boolean;
}

const isLive = (b: ObservedBiz): boolean => b.bizState !== 'stopped';

/** The view of every base (status of the module relative to the desired version). */
function classify(md: ModuleDeployment, observation: FleetObservation, kind: ReleaseKind, ignoreUnreachable: boolean) {
  const slots: Slot[] = [];
  const views: BaseView[] = [];
  const unreachable: BaseObservation[] = [];
  for (const obs of [...observation.bases].sort((a, b) => compareNames(a.name, b.name))) {
    const mine = obs.bizs.filter((b) => b.bizName === md.module.name && isLive(b));
    const view: BaseView = {
      name: obs.name,
      arkletUrl: obs.arkletUrl,
      status: 'none',
      versions: mine.map((b) => ({ version: b.bizVersion, state: b.bizState })),
      count: moduleCount(obs),
    };
    if (obs.maxModuleCount !== undefined) view.maxModuleCount = obs.maxModuleCount;
    views.push(view);
    if (!matchesSelector(obs, md.selector)) {
      view.status = 'ineligible';
      continue;
    }
    if (!obs.reachable) {
      view.status = 'unreachable';
      if (obs.error !== undefined) view.error = obs.error;
      unreachable.push(obs);
      continue;
    }
    let desired: ObservedBiz | undefined;
    let old: ObservedBiz[];
    if (kind === 'delete') {
      // Every version counts as "the module": the release drives the count to 0.
      desired = mine.find((b) => b.bizState === 'activated') ?? mine[0];
      old = mine.filter((b) => b !== desired);
      if (desired && desired.bizState !== 'activated') desired = { ...desired, bizState: 'activated' };
    } else {
      desired = mine.find((b) => b.bizVersion === md.module.version);
      old = mine.filter((b) => b.bizVersion !== md.module.version);
    }
    const cordoned = obs.cordon === true && kind !== 'delete';
    if (cordoned) {
      // Every version on a cordoned base is to be replaced elsewhere, then removed.
      old = mine;
      desired = undefined;
    }
    if (kind === 'delete') view.status = desired ? 'old' : 'none';
    else if (cordoned) view.status = 'cordoned';
    else if (desired?.bizState === 'activated') view.status = old.length > 0 ? 'updated+old' : 'updated';
    else if (desired) view.status = 'pending';
    else view.status = old.length > 0 ? 'old' : 'none';
    const slot: Slot = { obs, name: obs.name, count: view.count, view, old, cordoned };
    if (desired) slot.desired = desired;
    slots.push(slot);
  }
  void ignoreUnreachable;
  return { slots, views, unreachable };
}

function versionsOf(bizs: ObservedBiz[]): string[] {
  return bizs.map((b) => b.bizVersion);
}

function describeList(names: string[]): string {
  return names.length === 0 ? '(none)' : names.join(', ');
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
  const host = new URL(arkletUrl).hostname;
  return port === undefined ? host : `${host.includes(':') ? `[${host}]` : host}:${port}`;
}

function action(kind: Action['kind'], s: Slot, fields: Partial<Action> & { summary: string }): Action {
  return { kind, base: s.name, arkletUrl: s.obs.arkletUrl, versions: [], ...fields };
}

/** Fills `plan.actions`/`plan.cleanup` (and `plan.blocked` on a shortage) for the current batch. */
function computeActions(
  plan: RolloutPlan,
  md: ModuleDeployment,
  kind: ReleaseKind,
  slots: Slot[],
  batch: BatchPlan,
  updated: number,
  policy: SchedulingPolicy,
  ident: string,
): void {
  const name = md.module.name;
  const version = md.module.version;
  const upgradePolicy = md.operationStrategy.upgradePolicy;
  const acted = new Map<string, Action>();
  const add = (a: Action, list: Action[] = plan.actions): void => {
    acted.set(a.base, a);
    list.push(a);
  };
  let need = batch.target - updated;

  if (kind === 'delete') {
    if (need < 0) {
      for (const s of rankForRemoval(slots.filter((x) => x.desired), policy).slice(0, -need)) {
        const all = [s.desired!, ...s.old];
        add(action('remove', s, { versions: versionsOf(all), summary: `uninstall ${name} ${versionsOf(all).join(', ')}` }));
      }
    }
    return;
  }

  // 1. Upgrades interrupted after the switch: remove the old versions left behind.
  for (const s of slots.filter((x) => x.desired?.bizState === 'activated' && x.old.length > 0)) {
    add(action('remove', s, { versions: versionsOf(s.old), summary: `uninstall old ${name} ${versionsOf(s.old).join(', ')}` }));
  }
  // 2. The desired version installed but not activated: finish it while replicas are needed, else remove it.
  for (const s of slots.filter((x) => x.desired !== undefined && x.desired.bizState !== 'activated')) {
    const d = s.desired!;
    if (need > 0) {
      need--;
      add(
        action('finish', s, {
          version,
          state: d.bizState,
          versions: versionsOf(s.old),
          summary: `${d.bizState === 'broken' ? 'reinstall' : 'activate'} ${ident}${s.old.length > 0 ? `, then uninstall ${versionsOf(s.old).join(', ')}` : ''}`,
        }),
      );
    } else {
      add(action('remove', s, { versions: [version], summary: `uninstall ${ident} (${d.bizState}, not needed)` }));
    }
  }
  let shortage = 0;
  if (need > 0) {
    if (upgradePolicy !== 'scaleup_then_scaledown') {
      const olds = rankForRemoval(
        slots.filter((x) => !x.desired && x.old.length > 0 && !x.cordoned && !acted.has(x.name)),
        policy,
      );
      for (const s of olds.slice(0, need)) {
        const from = versionsOf(s.old).join(', ');
        // Still an `upgrade` action (the same operations); the summary says when it goes to a lower version.
        const verb = versionChange(versionsOf(s.old), version) === 'rollback' ? 'roll back' : 'upgrade';
        add(action('upgrade', s, { version, policy: upgradePolicy, versions: versionsOf(s.old), summary: `${verb} ${name} ${from} → ${version}` }));
        need--;
      }
    }
    const empty = slots.filter((x) => !x.desired && x.old.length === 0 && !x.cordoned);
    const room = empty.filter((x) => x.obs.maxModuleCount === undefined || x.count < x.obs.maxModuleCount);
    for (const s of rankForPlacement(room, policy).slice(0, need)) {
      add(action('install', s, { version, summary: `install ${ident}` }));
      need--;
    }
    if (need > 0) {
      shortage = need;
      const holding = slots.filter((x) => !x.cordoned && (x.desired || x.old.length > 0)).map((x) => x.name);
      const full = empty.filter((x) => !room.includes(x)).map((x) => `${x.name} (${x.count}/${x.obs.maxModuleCount} modules)`);
      const cordoned = slots.filter((x) => x.cordoned).map((x) => x.name);
      const parts = [`batch ${batch.index} needs ${shortage} more ${shortage === 1 ? 'base' : 'bases'} for ${ident} and no eligible base has room`];
      if (holding.length > 0) parts.push(`already holding ${name} (one replica per base): ${describeList(holding)}`);
      if (full.length > 0) parts.push(`full: ${describeList(full)}`);
      if (cordoned.length > 0) parts.push(`cordoned: ${describeList(cordoned)}`);
      if (upgradePolicy === 'scaleup_then_scaledown' && slots.some((x) => !x.desired && x.old.length > 0)) {
        parts.push('scaleup_then_scaledown only places the new version on bases without the module; use install_then_uninstall to upgrade in place');
      }
      parts.push('add a base to the fleet, raise max-module-count, or lower replicas');
      plan.blocked = { reason: 'InsufficientCapacity', message: parts.join('; '), bases: [] };
    }
  } else if (need < 0) {
    const holders = rankForRemoval(slots.filter((x) => x.desired?.bizState === 'activated'), policy);
    for (const s of holders.slice(0, -need)) {
      const all = [s.desired!, ...s.old];
      const a = action('remove', s, { versions: versionsOf(all), summary: `uninstall ${name} ${versionsOf(all).join(', ')}` });
      const prior = acted.get(s.name);
      if (prior) plan.actions.splice(plan.actions.indexOf(prior), 1);
      add(a);
    }
  }

  // 3. Old versions beyond what this batch allows: removed once the batch's installs are done.
  if (shortage === 0) {
    const stillOld = slots.filter((x) => {
      const a = acted.get(x.name);
      if (!a) return x.old.length > 0;
      if (a.kind === 'remove') return x.old.some((o) => !a.versions.includes(o.bizVersion));
      return false; // upgrade and finish remove the old versions
    });
    const excess = stillOld.length - batch.oldTarget;
    if (excess > 0) {
      // Cordoned bases are emptied first.
      const removable = rankForRemoval(
        stillOld.filter((x) => !acted.has(x.name)),
        policy,
      ).sort((a, b) => Number(b.cordoned) - Number(a.cordoned));
      for (const s of removable.slice(0, excess)) {
        add(action('remove', s, { versions: versionsOf(s.old), summary: `uninstall old ${name} ${versionsOf(s.old).join(', ')}` }), plan.cleanup);
      }
    }
  }
}

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
