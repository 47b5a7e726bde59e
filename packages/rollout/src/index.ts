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
  MAX_MODULE_COUNT_LABELS,
  checkFleetMatches,
  editModuleDeploymentFile,
  loadFleet,
  loadModuleDeployment,
  normaliseSchedulingPolicy,
  normaliseUpgradePolicy,
  parseFleet,
  parseModuleDeployment,
  parseText,
  resolveModuleUrl,
  type ModuleDeploymentEdits,
  type ParseOptions,
} from './documents.js';
export { computeBatches, realBatchCount, type BatchInput } from './batches.js';
export { compareModuleVersions, rollbackTarget, versionChange } from './versions.js';
export {
  applyAction,
  matchesSelector,
  moduleCount,
  planRollout,
  rankForPlacement,
  rankForRemoval,
  releaseKey,
  simulateRollout,
  type PlanInput,
  type PredictedBatch,
  type Simulation,
} from './planner.js';
export { FleetClients, observeBase, observeFleet, toObservedBiz, type ObserveOptions } from './observe.js';
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
export {
  confirmRollout,
  previewRollout,
  rolloutStatus,
  runRollout,
  type BaseProgress,
  type RolloutContextOptions,
  type RolloutEvent,
  type RolloutOptions,
  type RolloutResult,
} from './executor.js';
