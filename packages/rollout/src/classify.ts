/**
 * The planner's first step: every observed base classified against the ModuleDeployment (ineligible,
 * unreachable, or holding the desired version, old versions, both or neither), sorted by name so that the
 * plan does not depend on the order of the fleet file.
 */
import { compareNames, matchesSelector, moduleCount } from './placement.js';
import type { BaseObservation, BaseView, FleetObservation, ModuleDeployment, ObservedBiz, ReleaseKind } from './types.js';

/** One eligible, reachable base as the planner sees it: the module's desired and old versions on it. */
export interface Slot {
  obs: BaseObservation;
  name: string;
  count: number;
  view: BaseView;
  desired?: ObservedBiz;
  old: ObservedBiz[];
  cordoned: boolean;
}

const isLive = (b: ObservedBiz): boolean => b.bizState !== 'stopped';

/** What {@link classify} sorts the fleet into. */
export interface Classified {
  /** The eligible, reachable bases, by name. */
  slots: Slot[];
  /** Every base (eligible or not), by name, as `status` shows it. */
  views: BaseView[];
  /** The eligible bases that could not be observed. */
  unreachable: BaseObservation[];
}

/** The view of every base (status of the module relative to the desired version). */
export function classify(
  md: ModuleDeployment,
  observation: FleetObservation,
  kind: ReleaseKind,
  ignoreUnreachable: boolean,
): Classified {
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

/** The versions of some module instances, in order. */
export function versionsOf(bizs: ObservedBiz[]): string[] {
  return bizs.map((b) => b.bizVersion);
}

/** Base names for a message; `(none)` for an empty list. */
export function describeList(names: string[]): string {
  return names.length === 0 ? '(none)' : names.join(', ');
}
