/**
 * The operations of the current batch on named bases: finish interrupted upgrades, then upgrade or install
 * until the batch's target is met (by the placement rankings), remove what exceeds it, and remove the old
 * versions the batch no longer allows once its installs are done. A shortage of room blocks the batch with a
 * message that says which bases hold the module, which are full and which are cordoned.
 */
import { describeList, versionsOf, type Slot } from './classify.js';
import { rankForPlacement, rankForRemoval } from './placement.js';
import { versionChange } from './versions.js';
import type { Action, BatchPlan, ModuleDeployment, ReleaseKind, RolloutPlan, SchedulingPolicy } from './types.js';

function action(kind: Action['kind'], s: Slot, fields: Partial<Action> & { summary: string }): Action {
  return { kind, base: s.name, arkletUrl: s.obs.arkletUrl, versions: [], ...fields };
}

/** Fills `plan.actions`/`plan.cleanup` (and `plan.blocked` on a shortage) for the current batch. */
export function computeActions(
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
