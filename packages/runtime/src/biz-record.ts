/**
 * The runtime's mutable record of one installed module version, and the immutable snapshot of it that
 * queries, events and operation results hand out.
 */
import type { BizServeKind, BizSnapshot, BizState, BizStateRecord, OperationResult } from './types.js';
import type { WorkerHost } from './worker/worker-host.js';

/** One registered module version. Only the registry changes `state` and `records`. */
export interface BizRecord {
  bizName: string;
  bizVersion: string;
  identity: string;
  state: BizState;
  records: BizStateRecord[];
  webContextPath: string;
  priority: number;
  bizUrl: string;
  mainClass: string;
  dir: string;
  args: string[];
  envs: Record<string, string>;
  integrity: string | undefined;
  serves: BizServeKind;
  /** Rewrite `Location`/cookie paths into the mount point (`nodeark.mountRewrite`). */
  mountRewrite: boolean;
  healthIndicators: string[];
  installTime: number;
  host: WorkerHost | undefined;
  /** Consecutive watchdog samples over the threshold. */
  busyChecks: number;
  /** Set while the watchdog considers the module stuck (health DOWN with this reason). */
  stuck: string | undefined;
  /** The uninstall in progress, shared by concurrent uninstall calls. */
  uninstalling: Promise<OperationResult> | undefined;
}

/** A copy of a record that later changes to the record do not reach. */
export function snapshot(r: BizRecord): BizSnapshot {
  return {
    bizName: r.bizName,
    bizVersion: r.bizVersion,
    identity: r.identity,
    bizState: r.state,
    bizStateRecords: r.records.map((x) => ({ ...x })),
    webContextPath: r.webContextPath,
    priority: r.priority,
    bizUrl: r.bizUrl,
    mainClass: r.mainClass,
    bizDir: r.dir,
    args: [...r.args],
    serves: r.serves,
    healthIndicators: [...r.healthIndicators],
    installTime: r.installTime,
  };
}
