/**
 * The shapes `@nodeark/rollout` works with: the normalised ModuleDeployment and fleet documents, the
 * observation of a fleet (what `queryAllBiz` says on each base), the plan the pure planner computes from
 * them, and the release record that carries the confirmation gate between CLI invocations.
 */
import type { BizState } from '@nodeark/client';

/**
 * `install_then_uninstall` (default), `uninstall_then_install`, `scaleup_then_scaledown` (either spelling accepted on
 * input).
 */
export type UpgradePolicy = 'install_then_uninstall' | 'uninstall_then_install' | 'scaleup_then_scaledown';

/** `scatter` (default: the least-loaded bases first) or `stacking` (the most-loaded bases that still have room). */
export type SchedulingPolicy = 'scatter' | 'stacking';

/** The module of a ModuleDeployment (`spec.template.spec.module`). */
export interface ModuleRef {
  /** The bizName. */
  name: string;
  /** The bizVersion. */
  version: string;
  /** The bizUrl (`file:`, `http:`, `https:`). A relative path in a file is resolved against the file's folder. */
  url: string;
}

/** `spec.operationStrategy`, normalised. */
export interface OperationStrategy {
  needConfirm: boolean;
  useBeta: boolean;
  /** ≤ 0 means one batch. */
  batchCount: number;
  grayTimeBetweenBatchSeconds: number;
  upgradePolicy: UpgradePolicy;
  /** Optional: cap each batch so that at most this many replicas are unavailable at once. */
  maxUnavailable?: number;
  serviceStrategy?: ServiceStrategy;
}

/** `spec.operationStrategy.serviceStrategy`: reported as an endpoint set, no Service is created. */
export interface ServiceStrategy {
  enableModuleService: boolean;
  port?: number;
  targetPort?: number | string;
}

/** A ModuleDeployment, validated and normalised. */
export interface ModuleDeployment {
  /** `metadata.name` (default: the module name). */
  name: string;
  /** `spec.baseDeploymentName`, when given: checked against the fleet's name. */
  baseDeploymentName?: string;
  module: ModuleRef;
  /** ≥ 0, or -1 for peer mode (one replica on every eligible base). */
  replicas: number;
  operationStrategy: OperationStrategy;
  schedulingPolicy: SchedulingPolicy;
  /** `spec.selector.matchLabels` / `spec.template.spec.selector.matchLabels`: only bases with all these labels. */
  selector: Record<string, string>;
  /** Fields that were accepted but have no effect (named in `plan`). */
  warnings: string[];
}

/** One base of a fleet file. */
export interface FleetBase {
  /** Unique name; ties are broken by it (ascending). Default: `host:port` of the Arklet URL. */
  name: string;
  /** The Arklet URL (`http://10.0.0.5:1238`). */
  arkletUrl: string;
  labels: Record<string, string>;
  /** How many distinct modules the base may hold; undefined = unlimited. */
  maxModuleCount?: number;
  /** Cordoned: no new replicas, and the module's replica there is replaced on another base, then removed. */
  cordon?: boolean;
}

/** A fleet file, validated. */
export interface Fleet {
  /** `metadata.name` / `name` / `baseDeploymentName`, when given. */
  name?: string;
  bases: FleetBase[];
}

/** One module version on a base, as `queryAllBiz` reports it. */
export interface ObservedBiz {
  bizName: string;
  bizVersion: string;
  bizState: BizState;
  /** The time of the latest state record (epoch ms), when there is one. */
  changeTime?: number;
  /** The message of the latest state record. */
  message?: string;
}

/** One base as observed. */
export interface BaseObservation {
  name: string;
  arkletUrl: string;
  labels: Record<string, string>;
  maxModuleCount?: number;
  cordon?: boolean;
  /** False when `queryAllBiz` failed (transport error or non-SUCCESS); `bizs` is then empty and `error` says why. */
  reachable: boolean;
  error?: string;
  bizs: ObservedBiz[];
}

/** A fleet as observed at one moment. */
export interface FleetObservation {
  observedAt: number;
  bases: BaseObservation[];
}

/** What one base's module looks like, relative to the desired version. */
export type BaseModuleStatus =
  /** The desired version is activated and no other version is present. */
  | 'updated'
  /** The desired version is activated and an older one is still installed (an upgrade was interrupted). */
  | 'updated+old'
  /** The desired version is installed but not activated (deactivated, starting or broken). */
  | 'pending'
  /** Only other versions are installed. */
  | 'old'
  /** The module is not on the base. */
  | 'none'
  /** The base could not be observed. */
  | 'unreachable'
  /** The base does not match the selector (left alone). */
  | 'ineligible'
  /** The base is cordoned: its replica is replaced elsewhere, then removed. */
  | 'cordoned';

/** One base in a plan. */
export interface BaseView {
  name: string;
  arkletUrl: string;
  status: BaseModuleStatus;
  /** Versions of the module on the base, with their states. */
  versions: { version: string; state: BizState }[];
  /** Distinct modules on the base (the placement count). */
  count: number;
  maxModuleCount?: number;
  error?: string;
}

/** One operation on one base. Each is idempotent and derivable from the observation. */
export type ActionKind =
  /** Install the desired version on a base without the module. */
  | 'install'
  /** Replace the old version(s) on the base with the desired one, with `policy`. */
  | 'upgrade'
  /**
   * The desired version is installed but not activated: activate it (switchBiz), reinstall it if broken, then remove
   * old versions.
   */
  | 'finish'
  /** Uninstall `versions` (scale-down, old-version removal, deletion). */
  | 'remove';

/** A planned operation. */
export interface Action {
  kind: ActionKind;
  base: string;
  arkletUrl: string;
  /** install/upgrade/finish: the version installed. */
  version?: string;
  /** upgrade: `install_then_uninstall` or `uninstall_then_install`. */
  policy?: UpgradePolicy;
  /** Versions uninstalled by the action (old versions for upgrade/finish, the removed ones for remove). */
  versions: string[];
  /** finish: the desired version's state now (`deactivated`, `resolved`, `broken`, …). */
  state?: BizState;
  /**
   * One line for humans (`install provider:2.0.0`, `upgrade provider 1.0.0 → 2.0.0`,
   * `roll back provider 2.0.0 → 1.0.0`).
   */
  summary: string;
}

/** One batch of the release: the cumulative number of bases with the desired version after it. */
export interface BatchPlan {
  /** 1-based. */
  index: number;
  /** Cumulative target of updated replicas after this batch. */
  target: number;
  /** Bases of other versions allowed to remain after this batch. */
  oldTarget: number;
  /** Signed size of the batch (target minus the previous batch's target). */
  size: number;
  beta: boolean;
  /** What stands between this batch and the next (none after the last). */
  pauseAfter: { confirm: boolean; graySeconds: number };
}

/** Why a rollout cannot go on. */
export type BlockedReason =
  | 'InsufficientCapacity'
  | 'BaseUnreachable'
  | 'InstallFailed'
  | 'UninstallFailed'
  | 'ActivationFailed'
  | 'NoProgress';

/** A blocked rollout: the reason and a message naming the bases. */
export interface Blocked {
  reason: BlockedReason;
  message: string;
  /** The bases involved. */
  bases: string[];
}

/** A v1-style condition (docs/kubernetes.md). */
export interface Condition {
  type: 'Available' | 'Progressing' | 'ReplicaFailure';
  status: 'True' | 'False';
  reason: string;
  message: string;
}

/** The phase of a plan. */
export type RolloutPhase =
  /** Every batch is complete. */
  | 'Completed'
  /** The current batch has actions to run. */
  | 'Executing'
  /** Waiting for `confirm(batch)`. */
  | 'WaitingForConfirmation'
  /** Waiting for the gray time after the previous batch. */
  | 'GrayPause'
  /** Cannot go on; see `blocked`. */
  | 'Blocked';

/** A release: kind `apply` (reach `replicas` of the desired version) or `delete` (remove every version). */
export type ReleaseKind = 'apply' | 'delete';

/** The record of the release in progress (kept in the state file next to the md file). */
export interface ReleaseRecord {
  /** Identifies the release: module name and version, spec replicas, batch settings and kind. */
  key: string;
  kind: ReleaseKind;
  module: ModuleRef;
  /** Replica count when the release started: bases with the desired version, bases with other versions. */
  origin: { updated: number; old: number };
  startedAt: number;
  /** Batches confirmed (`nodeark rollout confirm`). */
  confirmed: number[];
  /** When each batch was first seen complete (epoch ms), by batch index. */
  batchCompletedAt: Record<string, number>;
  /** Set when the whole release completed. */
  completedAt?: number;
}

/** The plan for the current moment. */
export interface RolloutPlan {
  kind: ReleaseKind;
  deployment: string;
  module: ModuleRef;
  upgradePolicy: UpgradePolicy;
  schedulingPolicy: SchedulingPolicy;
  /** Effective target (peer mode resolved; 0 for delete). */
  target: number;
  /** Key of the release this plan belongs to. */
  releaseKey: string;
  /** The release record to continue (or a new one when the key changed or the previous release completed). */
  release: ReleaseRecord;
  /** True when `release` is new (not the one passed in). */
  newRelease: boolean;
  batches: BatchPlan[];
  /** 1-based index of the batch to run next or running; `batches.length + 1` when all are complete. */
  currentBatch: number;
  phase: RolloutPhase;
  /** Actions of the current batch, in two phases: `actions` first, then (after they succeed) `cleanup`. */
  actions: Action[];
  cleanup: Action[];
  blocked?: Blocked;
  /** The pause between batches in force (`WaitingForConfirmation`/`GrayPause`). */
  pause?: { afterBatch: number; kind: 'confirm' | 'gray'; until?: number };
  /** Counts now: bases with the desired version activated, bases with other versions. */
  updated: number;
  old: number;
  bases: BaseView[];
  conditions: Condition[];
  /**
   * `serviceStrategy.enableModuleService`: the endpoint set a Service would select (host:targetPort of each base
   * holding the module).
   */
  service?: { name: string; port?: number; targetPort?: number | string; endpoints: string[] };
  warnings: string[];
}
