/**
 * The Arklet wire contract as the client sees it (docs/reference/arklet-protocol.md § Wire types). These are
 * plain JSON shapes; the client does not depend on the server packages. The Arklet types its own answers
 * from these (type-only), so the two sides of the wire cannot drift apart.
 */

/** sofa-ark biz states, lowercase on the HTTP wire. */
export type BizState = 'unresolved' | 'resolved' | 'activated' | 'deactivated' | 'broken' | 'stopped';

/** Envelope codes. */
export type ResponseCode = 'SUCCESS' | 'FAILED' | 'CMD_NOT_FOUND' | 'CMD_PROCESS_INTERNAL_ERROR';

/** sofa-ark `ClientResponse.code`. */
export type OperationCode = 'SUCCESS' | 'FAILED' | 'REPEAT_BIZ' | 'NOT_FOUND_BIZ' | 'ILLEGAL_STATE_BIZ';

/** The response envelope. */
export interface ArkletResponse<T = unknown> {
  /** Present on SUCCESS/FAILED (handler outputs), absent on CMD_NOT_FOUND and internal errors. */
  baseIdentity?: string;
  code: ResponseCode;
  data?: T;
  /** Only on CMD_PROCESS_INTERNAL_ERROR. */
  errorStackTrace?: string;
  /** Absent on SUCCESS. */
  message?: string;
}

/** A state change of a module. */
export interface BizStateRecord {
  changeTime: number;
  message: string;
  reason: string;
  state: BizState;
}

/** A `queryAllBiz` element. */
export interface BizInfo {
  bizName: string;
  bizState: BizState;
  bizStateRecords: BizStateRecord[];
  bizVersion: string;
  mainClass: string;
  webContextPath: string;
}

/** A `bizInfos[]` element: `BizInfo` plus the BizModel members. */
export interface BizModel extends BizInfo {
  attributes: Record<string, string>;
  bizTempWorkDir?: string;
  bizUrl?: string;
  classPath?: string[];
  declaredMode?: boolean;
  identity: string;
  priority: number;
  [member: string]: unknown;
}

/**
 * sofa-ark `ClientResponse`: the `data` of installBiz / uninstallBiz / switchBiz. `M` is the `bizInfos[]`
 * element: the open {@link BizModel} a client reads, or the Arklet's exact dump when the server writes it.
 */
export interface ClientResponse<M = BizModel> {
  bizInfos?: M[];
  code: OperationCode;
  /** installBiz and batchInstallBiz only: heapUsed after minus before, in bytes (may be negative). */
  elapsedSpace?: number;
  message: string;
}

/** `batchInstallBiz` data (`M` as in {@link ClientResponse}). */
export interface BatchInstallResponse<M = BizModel> {
  bizUrlToResponse: Record<string, ClientResponse<M>>;
  code: 'SUCCESS' | 'FAILED';
  elapsedSpace: number;
  message: string;
}

/** Async operation status. */
export type ProcessStatus = 'INITIALIZED' | 'EXECUTING' | 'SUCCEEDED' | 'FAILED';

/** An async operation record, as returned by the async submit and by `queryBizOps`. */
export interface ProcessRecord {
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

/** A `help` element. */
export interface CommandModel {
  desc: string;
  id: string;
}

/** `BizHealthMeta`. */
export interface BizHealthMeta {
  bizName: string;
  bizState: BizState;
  bizVersion: string;
  webContextPath: string;
}

/** The `health` data. Indicator maps (`cpu`, `jvm`, custom) are keyed by indicator id. */
export interface HealthData {
  healthData: {
    masterBizInfo?: BizHealthMeta;
    bizInfo?: BizHealthMeta;
    bizListInfo?: BizHealthMeta[];
    pluginListInfo?: unknown[];
    cpu?: Record<string, number | string>;
    jvm?: Record<string, number | string>;
    [indicator: string]: unknown;
  };
}

/** Members shared by the biz-ops commands (Java `ArkBizMeta`). */
export interface BizOpsOptions {
  /** Run in the background; the answer is the operation record. Requires `requestId`. */
  async?: boolean;
  /** Identifies the async operation (`queryBizOps`). */
  requestId?: string;
}

/** `installBiz` input. */
export interface InstallBizRequest extends BizOpsOptions {
  bizUrl: string;
  /** Both or neither; when neither, the Arklet reads them from the bundle. */
  bizName?: string;
  bizVersion?: string;
  args?: string[];
  envs?: Record<string, string>;
  installStrategy?: 'installOnly' | 'uninstallThenInstall' | (string & {});
  /** nodeark extension: SRI value the archive must match. */
  integrity?: string;
}

/** `uninstallBiz` / `switchBiz` input. */
export interface BizIdentityRequest extends BizOpsOptions {
  bizName: string;
  bizVersion: string;
}

/** `batchInstallBiz` input. */
export interface BatchInstallBizRequest extends BizOpsOptions {
  bizList: Omit<InstallBizRequest, 'async' | 'requestId'>[];
}

/** `health` input. */
export interface HealthRequest {
  type?: 'system' | 'biz' | 'plugin';
  bizName?: string;
  bizVersion?: string;
  metrics?: string[];
}

/** `queryBizOps` input. */
export interface QueryBizOpsRequest {
  requestId: string;
}
