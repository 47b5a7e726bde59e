/**
 * Wire types of the Arklet API (docs/reference/arklet-protocol.md § Wire types) and the public types of the
 * command core. Property order in these interfaces is the order they are written on the wire: alphabetical, as fastjson
 * writes Java beans.
 */
import type { BizState, BizStateReason, OperationCode } from '@nodeark/runtime';

/** Envelope `code` (docs/reference/arklet-protocol.md § Envelope): only the enum name is serialised. */
export type ResponseCode = 'SUCCESS' | 'FAILED' | 'CMD_NOT_FOUND' | 'CMD_PROCESS_INTERNAL_ERROR';

/**
 * The HTTP envelope. `baseIdentity` is present only on responses built from a handler output
 * (SUCCESS/FAILED); `message` never on SUCCESS; `errorStackTrace` only on CMD_PROCESS_INTERNAL_ERROR.
 */
export interface ArkletResponse<T = unknown> {
  baseIdentity?: string;
  code: ResponseCode;
  data?: T;
  errorStackTrace?: string;
  message?: string;
}

/** What a command handler returns (Java `Output<T>`): `ofSuccess(data)`, `ofFailed(data?, msg)`. */
export interface CommandOutput<T = unknown> {
  code: 'SUCCESS' | 'FAILED';
  data?: T;
  /** Ignored on SUCCESS (the envelope has no message on success). */
  message?: string;
}

/** A `BizStateRecord` on the wire: epoch-ms integer time, lowercase state, display reason. */
export interface BizStateRecordJson {
  changeTime: number;
  message: string;
  reason: BizStateReason;
  state: BizState;
}

/**
 * One `bizInfos[]` element: the full sofa-ark `BizModel` dump (docs/reference/arklet-protocol.md § Wire types),
 * with the Java-only members present and empty so that typed Go clients decode it.
 */
export interface BizModelJson {
  attributes: Record<string, string>;
  bizName: string;
  bizState: BizState;
  bizStateRecords: BizStateRecordJson[];
  /** The module directory (`<store>/<bizName>/<bizVersion>`). */
  bizTempWorkDir: string;
  bizUrl: string;
  bizVersion: string;
  classPath: string[];
  declaredMode: boolean;
  denyImportClasses: string[];
  denyImportPackageNodes: string[];
  denyImportPackageStems: string[];
  denyImportPackages: string[];
  denyImportResources: string[];
  denyPrefixImportResourceStems: string[];
  denySuffixImportResourceStems: string[];
  identity: string;
  injectExportPackages: string[];
  injectPluginDependencies: string[];
  /** The entry file relative to the module directory (Java: the main class). */
  mainClass: string;
  priority: number;
  webContextPath: string;
}

/** A `queryAllBiz` element. */
export interface BizInfoJson {
  bizName: string;
  bizState: BizState;
  bizStateRecords: BizStateRecordJson[];
  bizVersion: string;
  mainClass: string;
  webContextPath: string;
}

/** sofa-ark `ClientResponse`, the `data` of installBiz / uninstallBiz / switchBiz. */
export interface ClientResponseJson {
  bizInfos?: BizModelJson[];
  code: OperationCode;
  /** installBiz and batchInstallBiz only: heapUsed after minus before, in bytes (may be negative). */
  elapsedSpace?: number;
  message: string;
}

/** `batchInstallBiz` data. */
export interface BatchInstallResponseJson {
  bizUrlToResponse: Record<string, ClientResponseJson>;
  code: 'SUCCESS' | 'FAILED';
  elapsedSpace: number;
  message: string;
}

/** Status of an async operation record. */
export type ProcessStatus = 'INITIALIZED' | 'EXECUTING' | 'SUCCEEDED' | 'FAILED';

/** An async operation record as returned by the async submit and by `queryBizOps`. */
export interface ProcessRecordJson {
  /** The validated input of the operation (with defaults and the bundle-read identity filled in). */
  arkBizMeta: Record<string, unknown>;
  elapsedTime: number;
  endTime?: number;
  endTimestamp: number;
  errorCode?: string;
  message?: string;
  requestId: string;
  startTime: number;
  startTimestamp: number;
  status: ProcessStatus;
  threadName?: string;
  /** Present after the operation threw: the error's name, code, message and stack. */
  throwable?: { code?: string; message: string; name: string; stackTrace: string };
}

/** `masterBizInfo` / `bizInfo` / `bizListInfo[]` of health. */
export interface BizHealthMetaJson {
  bizName: string;
  bizState: BizState;
  bizVersion: string;
  webContextPath: string;
}

/** A `help` element. */
export interface CommandModelJson {
  desc: string;
  id: string;
}

/** The master biz: the base itself (docs/module-contract.md). Its webContextPath is `/`. */
export interface MasterBizInfo {
  bizName: string;
  bizVersion: string;
}

/** A custom health indicator: its map appears in `healthData` under its id. */
export type HealthIndicatorFn = () => Record<string, unknown> | Promise<Record<string, unknown>>;

/** A pino-compatible logger (the subset the Arklet uses). */
export interface ArkletLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}
