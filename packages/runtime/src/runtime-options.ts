/**
 * The runtime's options, their defaults and their resolution. {@link RUNTIME_DEFAULTS} is the one place a
 * default of the runtime is written: the base's configuration declarations read it rather than repeating
 * the numbers, so `docs/configuration.md` and a runtime used on its own cannot disagree.
 */
import { join, resolve as resolvePath } from 'node:path';
import type { ResourceLimits } from 'node:worker_threads';
import {
  DEFAULT_BUNDLE_LIMITS,
  DEFAULT_DOWNLOAD_OPTIONS,
  type BundleLimits,
  type DownloadOptions,
} from './bundle/index.js';
import type { BundlePolicy } from './bundle-policy.js';
import { ERR_RUNTIME_INVALID_OPTION } from './errors.js';
import type { LevelLogger } from './logger.js';

/**
 * A pino-compatible logger (the subset the runtime uses). With `child`, the runtime's own lines carry
 * `component: 'runtime'` and module lines `component: 'module'` and `biz` (docs/operations.md § Logs);
 * without it, module lines carry those two fields in their own object.
 */
export interface RuntimeLogger extends LevelLogger {
  /** Module `trace` lines (else logged at debug). */
  trace?(obj: object, msg?: string): void;
  /** Module `fatal` lines (else logged at error). */
  fatal?(obj: object, msg?: string): void;
  /** A logger adding `bindings` to every line; `options.level` is the child's own level. */
  child?(bindings: Record<string, unknown>, options?: { level?: string }): RuntimeLogger;
}

/** What the watchdog does to a module whose event loop stays busy. */
export type WatchdogAction = 'mark-down' | 'restart' | 'remove';

/** The event-loop watchdog: a module whose worker stays busy is marked DOWN, then acted on. */
export interface WatchdogOptions {
  /** Sampling period. Default 1000 ms; 0 disables the watchdog. */
  intervalMs: number;
  /** Event-loop utilisation (0..1) above which a sample counts as unhealthy. Default 0.98. */
  maxEventLoopUtilization: number;
  /** Consecutive unhealthy samples before the module is marked DOWN and `action` runs. Default 10. */
  maxUnhealthyChecks: number;
  /**
   * `mark-down` (health DOWN until it recovers), `restart` (a fresh worker of the same version), `remove` (uninstall).
   */
  action: WatchdogAction;
}

/** Options of a `BizRuntime`. Every field has a default ({@link RUNTIME_DEFAULTS}). */
export interface RuntimeOptions {
  /** Where bundles are unpacked: `<storeDir>/<bizName>/<bizVersion>/`. Default `<cwd>/.nodeark/store`. */
  storeDir?: string;
  /**
   * The base's `node_modules`, linked as `<storeDir>/node_modules` so that a bare import a module does not
   * carry resolves from the base (module slimming). Default: the nearest `node_modules` above the cwd;
   * `null` disables it.
   */
  baseNodeModules?: string | null;
  /** Log sink for the runtime's own lines. */
  logger?: RuntimeLogger;
  /** Level of module loggers (`ctx.logger`). Default `info`. */
  moduleLogLevel?: string;
  /** Bound on import + `start(ctx)`. Default 60 000 ms. */
  startTimeoutMs?: number;
  /** Bound on `stop(ctx)`. Default 10 000 ms. */
  stopTimeoutMs?: number;
  /** Bound on waiting for in-flight requests before stopping a module. Default 10 000 ms. */
  drainTimeoutMs?: number;
  /** Per-request timeout (no response head within it → 504). Default 30 000 ms; 0 disables. */
  requestTimeoutMs?: number;
  /**
   * Once a response's head is out (or a connection is upgraded): close it after this long without a byte
   * either way. Default 0 (no idle limit: live streams and WebSockets may stay quiet for long).
   */
  idleTimeoutMs?: number;
  /**
   * Extend the client's `x-forwarded-*` headers (a trusted proxy in front of the base) instead of replacing them.
   * Default false.
   */
  trustProxy?: boolean;
  /**
   * `NODE_ENV` of module workers unless the install's `envs` set it. Default: the base's own
   * `process.env.NODE_ENV` (nothing else of the base's environment reaches a module).
   */
  nodeEnv?: string;
  /** Per-indicator timeout inside the worker, and (+1 s) the whole module health call. Default 3 000 ms. */
  healthTimeoutMs?: number;
  /** V8 heap limits of each module worker. */
  resourceLimits?: ResourceLimits;
  /** Keep a module that failed to start as `broken` instead of removing it. Default false. */
  keepBrokenBiz?: boolean;
  /** Archive limits. */
  bundleLimits?: Partial<BundleLimits>;
  /** http(s) download options. */
  download?: Partial<DownloadOptions>;
  /** Allowed bizUrl schemes. Default `file:`, `http:`, `https:`. */
  allowedSchemes?: string[];
  /** Extra non-V8 `execArgv` for module workers. */
  workerExecArgv?: string[];
  /**
   * Module workers kept spawned and waiting after the first install, so that an install does not wait for a
   * thread to start (docs/operations.md § Start-up and install speed). Each costs an idle worker's memory.
   * Default 1; 0 disables. A negative or fractional number is refused at construction.
   */
  spareWorkers?: number;
  /** Allow-lists for bizUrl hosts and local roots, and the integrity-required mode. */
  bundlePolicy?: BundlePolicy;
  /** Child processes spawned by modules: `track` (ended when the module stops; default) or `deny`. */
  childProcesses?: 'track' | 'deny';
  /** Event-loop watchdog. */
  watchdog?: Partial<WatchdogOptions>;
  /**
   * Versions of what the base provides, checked against the ranges a module declares before it is
   * installed (docs/module-contract.md). The Node.js version is always `process.versions.node`.
   * `nodeark` is the running nodeark package's version (the `nodeark` base fills it in); when it is not
   * set, as for a runtime used on its own, a module's `peerDependencies.nodeark` / `nodeark.requires`
   * range cannot be checked and is skipped (logged at debug level), while `engines.node` still is.
   */
  hostVersions?: { nodeark?: string };
  /**
   * Per-module request accounting for `BizRuntime.metrics` (docs/observability.md). Default true.
   * @internal Turned off only by the benchmark that measures what accounting costs (docs/benchmarks.md).
   */
  accounting?: boolean;
}

/**
 * Every default of {@link RuntimeOptions}, frozen (nested objects and arrays too). Defaults that are not
 * constants are described instead: `storeDir` is resolved against the cwd, `baseNodeModules` is the nearest
 * `node_modules` above the cwd, `nodeEnv` is the base's own `process.env.NODE_ENV`, and the logger is
 * silent. `bundleLimits` and `download` are the bundle stage's own defaults, re-exported here so that
 * every runtime default can be read from one object.
 */
export const RUNTIME_DEFAULTS = Object.freeze({
  /** Relative to the process's cwd. */
  storeDir: join('.nodeark', 'store'),
  moduleLogLevel: 'info',
  startTimeoutMs: 60_000,
  stopTimeoutMs: 10_000,
  drainTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  idleTimeoutMs: 0,
  trustProxy: false,
  healthTimeoutMs: 3_000,
  keepBrokenBiz: false,
  allowedSchemes: Object.freeze(['file:', 'http:', 'https:'] as const),
  workerExecArgv: Object.freeze([] as string[]),
  spareWorkers: 1,
  childProcesses: 'track',
  accounting: true,
  bundleLimits: DEFAULT_BUNDLE_LIMITS,
  download: DEFAULT_DOWNLOAD_OPTIONS,
  watchdog: Object.freeze({
    intervalMs: 1000,
    maxEventLoopUtilization: 0.98,
    maxUnhealthyChecks: 10,
    action: 'mark-down',
  } as const satisfies WatchdogOptions),
} as const);

/** {@link RuntimeOptions} with every default filled in: what `BizRuntime.options` holds. */
export type ResolvedRuntimeOptions = Required<
  Omit<RuntimeOptions, 'resourceLimits' | 'baseNodeModules' | 'watchdog' | 'nodeEnv'>
> & {
  nodeEnv: string | undefined;
  watchdog: WatchdogOptions;
  resourceLimits: ResourceLimits | undefined;
  baseNodeModules: string | null | undefined;
};

/**
 * The default logger: drops the runtime's own lines. It also marks "no logger passed" (compared by identity
 * where a module's log sink is built): module lines then go to stdout as JSON (worker/biz-log-sink.ts).
 */
export const SILENT_LOGGER: RuntimeLogger = Object.freeze({ info() {}, warn() {}, error() {}, debug() {} });

/** `spareWorkers`, checked: a count of workers. */
function spareCount(n: number): number {
  if (!Number.isInteger(n) || n < 0) {
    throw new ERR_RUNTIME_INVALID_OPTION('spareWorkers', `must be a whole number of workers, 0 or more; got ${String(n)}`);
  }
  return n;
}

/**
 * Fills in every default. `bundleLimits` and `download` stay partial (the bundle stage fills them from
 * the same defaults), so what a caller passed can still be told apart from what it did not.
 */
export function resolveRuntimeOptions(options: RuntimeOptions): ResolvedRuntimeOptions {
  const d = RUNTIME_DEFAULTS;
  return {
    storeDir: resolvePath(options.storeDir ?? d.storeDir),
    baseNodeModules: options.baseNodeModules,
    logger: options.logger ?? SILENT_LOGGER,
    moduleLogLevel: options.moduleLogLevel ?? d.moduleLogLevel,
    startTimeoutMs: options.startTimeoutMs ?? d.startTimeoutMs,
    stopTimeoutMs: options.stopTimeoutMs ?? d.stopTimeoutMs,
    drainTimeoutMs: options.drainTimeoutMs ?? d.drainTimeoutMs,
    requestTimeoutMs: options.requestTimeoutMs ?? d.requestTimeoutMs,
    idleTimeoutMs: options.idleTimeoutMs ?? d.idleTimeoutMs,
    trustProxy: options.trustProxy ?? d.trustProxy,
    nodeEnv: options.nodeEnv,
    healthTimeoutMs: options.healthTimeoutMs ?? d.healthTimeoutMs,
    resourceLimits: options.resourceLimits,
    keepBrokenBiz: options.keepBrokenBiz ?? d.keepBrokenBiz,
    bundleLimits: options.bundleLimits ?? {},
    download: options.download ?? {},
    allowedSchemes: options.allowedSchemes ?? [...d.allowedSchemes],
    workerExecArgv: options.workerExecArgv ?? [...d.workerExecArgv],
    spareWorkers: spareCount(options.spareWorkers ?? d.spareWorkers),
    childProcesses: options.childProcesses ?? d.childProcesses,
    bundlePolicy: options.bundlePolicy ?? {},
    hostVersions: { ...options.hostVersions },
    accounting: options.accounting ?? d.accounting,
    watchdog: {
      intervalMs: options.watchdog?.intervalMs ?? d.watchdog.intervalMs,
      maxEventLoopUtilization: options.watchdog?.maxEventLoopUtilization ?? d.watchdog.maxEventLoopUtilization,
      maxUnhealthyChecks: options.watchdog?.maxUnhealthyChecks ?? d.watchdog.maxUnhealthyChecks,
      action: options.watchdog?.action ?? d.watchdog.action,
    },
  };
}
