/**
 * `@nodeark/rollout`: ModuleDeployment rollouts (install, scale, upgrade, rollback, delete; batches, beta,
 * confirmation, gray time, scatter/stacking, max-module-count, peer mode) across a fleet of nodeark or
 * Java Koupleless bases over the plain Arklet HTTP API, without Kubernetes. See `docs/rollouts.md`.
 *
 * - documents: {@link parseModuleDeployment}, {@link parseFleet}, {@link loadModuleDeployment}, {@link loadFleet};
 * - the pure planner: {@link computeBatches}, {@link planRollout}, {@link simulateRollout};
 * - execution: {@link observeFleet}, {@link runRollout}, {@link confirmRollout}, {@link rolloutStatus},
 *   {@link previewRollout};
 * - the release record: {@link FileStateStore}, {@link MemoryStateStore};
 * - versions by semver: {@link compareModuleVersions}, {@link versionChange}, {@link rollbackTarget}.
 * @packageDocumentation
 */
export * from './errors.js';
export type * from './types.js';
export {
  ACCEPTED_API_VERSIONS,
  parseModuleDeployment,
  resolveModuleUrl,
  type ParseOptions,
} from './module-deployment.js';
export { MAX_MODULE_COUNT_LABELS, checkFleetMatches, parseFleet } from './fleet.js';
export { editModuleDeploymentFile, loadFleet, loadModuleDeployment, type ModuleDeploymentEdits } from './document-files.js';
export { computeBatches, type BatchInput } from './batches.js';
export { compareModuleVersions, rollbackTarget, versionChange } from './versions.js';
export { planRollout, releaseKey, type PlanInput } from './planner.js';
export { matchesSelector, moduleCount, rankForPlacement, rankForRemoval } from './placement.js';
export { applyAction, simulateRollout, type PredictedBatch, type Simulation } from './simulate.js';
export { FleetClients, observeBase, observeFleet, type ObserveOptions } from './observe.js';
export {
  defaultStatePath,
  emptyState,
  FileStateStore,
  HISTORY_LIMIT,
  MemoryStateStore,
  recordHistory,
  type HistoryEntry,
  type RolloutState,
  type StateStore,
} from './state.js';
export { runRollout } from './executor.js';
export { previewRollout, rolloutStatus } from './rollout-status.js';
export { confirmRollout } from './confirm-rollout.js';
export type {
  BaseProgress,
  RolloutContextOptions,
  RolloutEvent,
  RolloutOptions,
  RolloutResult,
} from './rollout-options.js';
// Internal, acting inside the exported functions: the YAML/JSON text parser (`parseText`, behind the parse and
// load functions), the policy-spelling normalisers (`normalise*`, behind parseModuleDeployment), v1's
// per-delta batch count (`realBatchCount`, behind computeBatches) and the queryAllBiz-to-observation mapping
// (`toObservedBiz`, behind observeFleet). Their rules are in docs/rollouts.md.
