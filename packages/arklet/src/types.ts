/**
 * Wire types of the Arklet API (docs/reference/arklet-protocol.md § Wire types) and the public types of the
 * command core. The shapes a client reads too are `@nodeark/client`'s, imported as types only (nothing is
 * loaded at run time, and the client stays below the server); where the server writes more exactly than a
 * client may assume (the reason enum, every `BizModel` member), the type here narrows or spells out the
 * client's. Property order in these interfaces is the order they are written on the wire: alphabetical, as
 * fastjson writes Java beans.
 */
import type {
  BatchInstallResponse,
  BizHealthMeta,
  BizInfo,
  BizStateRecord,
  ClientResponse,
  CommandModel,
  ProcessRecord,
} from '@nodeark/client';
import type { BizState, BizStateReason, LevelLogger } from '@nodeark/runtime';

/**
 * The HTTP envelope and its `code` (docs/reference/arklet-protocol.md § Envelope): `baseIdentity` is present
 * only on responses built from a handler output (SUCCESS/FAILED); `message` never on SUCCESS;
 * `errorStackTrace` only on CMD_PROCESS_INTERNAL_ERROR.
 */
export type { ArkletResponse, ResponseCode, ProcessStatus } from '@nodeark/client';

/** What a command handler returns (Java `Output<T>`): `ofSuccess(data)`, `ofFailed(data?, msg)`. */
export interface CommandOutput<T = unknown> {
  code: 'SUCCESS' | 'FAILED';
  data?: T;
  /** Ignored on SUCCESS (the envelope has no message on success). */
  message?: string;
}

/** A `BizStateRecord` on the wire: epoch-ms integer time, lowercase state, display reason (one of the enum's). */
export interface BizStateRecordJson extends BizStateRecord {
  reason: BizStateReason;
}

/**
 * One `bizInfos[]` element: the full sofa-ark `BizModel` dump (docs/reference/arklet-protocol.md § Wire types),
 * with the Java-only members present and empty so that typed Go clients decode it. Spelled out rather than
 * taken from the client's `BizModel`, which is open (optional members, any other member) because a client
 * reads Java Arklets too; the server must write every member, and this type makes it.
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
export interface BizInfoJson extends BizInfo {
  bizStateRecords: BizStateRecordJson[];
}

/** sofa-ark `ClientResponse`, the `data` of installBiz / uninstallBiz / switchBiz, with the full `bizInfos[]` dump. */
export type ClientResponseJson = ClientResponse<BizModelJson>;

/** `batchInstallBiz` data. */
export type BatchInstallResponseJson = BatchInstallResponse<BizModelJson>;

/** An async operation record as returned by the async submit and by `queryBizOps`. */
export type ProcessRecordJson = ProcessRecord;

/** `masterBizInfo` / `bizInfo` / `bizListInfo[]` of health. */
export type BizHealthMetaJson = BizHealthMeta;

/** A `help` element. */
export type CommandModelJson = CommandModel;

/** The master biz: the base itself (docs/module-contract.md). Its webContextPath is `/`. */
export interface MasterBizInfo {
  bizName: string;
  bizVersion: string;
}

/** A custom health indicator: its map appears in `healthData` under its id. */
export type HealthIndicatorFn = () => Record<string, unknown> | Promise<Record<string, unknown>>;

/** A pino-compatible logger (the subset the Arklet uses): `@nodeark/runtime`'s `LevelLogger`. */
export type ArkletLogger = LevelLogger;
