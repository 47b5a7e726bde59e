/**
 * The read-only views of a rollout: its state now (`nodeark rollout status`) and the whole release predicted
 * (`nodeark rollout plan`), both planned from a fresh observation and the recorded release.
 */
import { checkFleetMatches } from './fleet.js';
import { FleetClients, observeFleet } from './observe.js';
import { planRollout, type PlanInput } from './planner.js';
import type { RolloutContextOptions } from './rollout-options.js';
import { simulateRollout, type Simulation } from './simulate.js';
import { MemoryStateStore, type RolloutState } from './state.js';
import type { Fleet, FleetObservation, ReleaseKind, ReleaseRecord, RolloutPlan } from './types.js';

/** The fleet of `options`, read now, checked to belong to the ModuleDeployment. */
async function fleetOf(options: RolloutContextOptions): Promise<Fleet> {
  const fleet = typeof options.fleet === 'function' ? await options.fleet() : options.fleet;
  checkFleetMatches(options.md, fleet);
  return fleet;
}

/** The kind of the last release recorded (a completed deletion keeps reporting as a deletion until the next apply). */
function recordedKind(state: RolloutState | undefined): ReleaseKind | undefined {
  return state?.release?.kind;
}

/** Observes the fleet of `options` with `clients` (the executor's and the read-only views' one observation). */
export async function observe(
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

/** The planner's input for `options` at `now`, continuing `release` when there is one. */
export function planInput(
  options: RolloutContextOptions,
  observation: FleetObservation,
  kind: ReleaseKind,
  now: number,
  release: ReleaseRecord | undefined,
): PlanInput {
  return {
    md: options.md,
    observation,
    kind,
    now,
    ...(release ? { release } : {}),
    ...(options.ignoreUnreachable ? { ignoreUnreachable: true } : {}),
  };
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
    const plan = planRollout(planInput(options, observation, kind, (options.now ?? Date.now)(), state?.release));
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
    const sim = simulateRollout(planInput(options, observation, options.kind ?? 'apply', (options.now ?? Date.now)(), state?.release));
    return { ...sim, observation };
  } finally {
    if (!options.clients) await clients.close();
  }
}
