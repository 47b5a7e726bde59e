/**
 * Public types of the runtime: states, records, snapshots, requests, results and events.
 * Vocabulary from docs/module-contract.md § Lifecycle and docs/reference/arklet-protocol.md § Wire types.
 */
import type { HealthResult } from '@nodeark/biz';

/** sofa-ark biz states, lowercase as on the Arklet HTTP wire (docs/reference/arklet-protocol.md § Wire types). */
export type BizState = 'unresolved' | 'resolved' | 'activated' | 'deactivated' | 'broken' | 'stopped';

/** Display reasons of `BizStateRecord` over HTTP (docs/reference/arklet-protocol.md § Wire types). */
export type BizStateReason =
  | 'Created'
  | 'Started'
  | 'Install Failed'
  | 'Uninstall Failed'
  | 'Switched'
  | 'Killing'
  | 'Stopped'
  | 'Undefine';

/** One state change of a module, appended on every transition (`bizStateRecords`). */
export interface BizStateRecord {
  /** Epoch milliseconds (integer). */
  changeTime: number;
  state: BizState;
  reason: BizStateReason;
  /** `""` when there is nothing to say. */
  message: string;
}

/** How the module serves HTTP, detected from its default export. */
export type BizServeKind = 'server' | 'fetch' | 'handler' | 'none';

/** An immutable view of one installed module version. */
export interface BizSnapshot {
  bizName: string;
  bizVersion: string;
  /** `bizName:bizVersion`. */
  identity: string;
  bizState: BizState;
  bizStateRecords: BizStateRecord[];
  /** Context path without slashes (`biz1`). */
  webContextPath: string;
  priority: number;
  /** The bizUrl it was installed from. */
  bizUrl: string;
  /** The entry file, relative to the module directory (the counterpart of Java's `mainClass`). */
  mainClass: string;
  /** Where the module's files live (`<store>/<bizName>/<bizVersion>`). */
  bizDir: string;
  /** `args` from the install request. */
  args: string[];
  /** How the module serves HTTP (`none` until started). */
  serves: BizServeKind;
  /** Names of the module's health indicators (empty until started). */
  healthIndicators: string[];
  /** Epoch ms when the install began. */
  installTime: number;
}

/** Arklet `installStrategy` values (docs/reference/arklet-protocol.md § installBiz). */
export type InstallStrategy = 'installOnly' | 'uninstallThenInstall';

/** What an admission check sees of a module about to be installed (its manifest's identity and path). */
export interface InstallCandidate {
  bizName: string;
  bizVersion: string;
  /** The first path segment the module asks to be served under. */
  webContextPath: string;
}

/** A request to install one module version. */
export interface InstallRequest {
  /** `file:` (directory, .tgz, .zip/.jar), `http:` or `https:`. */
  bizUrl: string;
  /** When given, must match the bundle's declared name. */
  bizName?: string;
  /** When given, must match the bundle's declared version. */
  bizVersion?: string;
  /** Passed to the module as `ctx.args`. */
  args?: string[];
  /** The module's whole `process.env` and `ctx.env`. */
  envs?: Record<string, string>;
  /** Defaults to `installOnly`. */
  installStrategy?: InstallStrategy;
  /** Optional SRI value (`sha256-…`, `sha512-…`) checked before anything is unpacked. */
  integrity?: string;
}

/** sofa-ark `ClientResponse.code` (docs/reference/arklet-protocol.md § ArkClientResponse codes). */
export type OperationCode = 'SUCCESS' | 'FAILED' | 'REPEAT_BIZ' | 'NOT_FOUND_BIZ' | 'ILLEGAL_STATE_BIZ';

/** The result of install / uninstall / switch, in sofa-ark terms. Unexpected failures are thrown instead. */
export interface OperationResult {
  code: OperationCode;
  message: string;
  /** The module after the operation (install, switch). */
  biz?: BizSnapshot;
  /** Wall time of the operation in ms. */
  costMs: number;
}

/** A module state transition, emitted as `'transition'` by the runtime. */
export interface BizTransitionEvent {
  identity: string;
  bizName: string;
  bizVersion: string;
  /** `null` for the first record (registration). */
  from: BizState | null;
  to: BizState;
  reason: BizStateReason;
  message: string;
  /** Epoch ms, equal to the record's `changeTime`. */
  time: number;
  /** Snapshot after the transition. */
  biz: BizSnapshot;
}

/** The aggregated health of one module, evaluated inside its worker. */
export interface BizHealth {
  /** Aggregated status of the indicators (`UP` when there are none). */
  status: string;
  /** Each indicator's result; a failed or timed-out one is `DOWN`/`UNKNOWN` with an `error` detail. */
  components: Record<string, HealthResult>;
}

/** Event map of the runtime's typed event stream. */
export interface RuntimeEvents {
  /** Every lifecycle transition of every module. */
  transition: [BizTransitionEvent];
  /** A module's worker died or misbehaved at run time (the module is now `broken`). */
  crash: [{ identity: string; error: Error }];
  /** The watchdog found a module's event loop stuck and applied its action. */
  stuck: [{ identity: string; utilization: number; action: 'mark-down' | 'restart' | 'remove' }];
}
