/**
 * The biz host's public face: one object per base that installs, switches and uninstalls module
 * versions, routes HTTP requests into their workers, answers their health and emits a typed event for
 * every transition. The work is done by the parts it wires together, one job each: the registry and its
 * transition table (biz-registry.ts), the lifecycle operations (biz-lifecycle.ts), request routing
 * (module-router.ts), module health (module-health.ts), the watchdog (biz-watchdog.ts) and the store
 * (biz-store.ts); options and their defaults are in runtime-options.ts.
 */
import { EventEmitter } from 'node:events';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { preloadBundleStage, type StagedBundle } from './bundle/index.js';
import { BizLifecycle } from './biz-lifecycle.js';
import { SpareWorkers } from './worker/spare-workers.js';
import { snapshot } from './biz-record.js';
import { BizRegistry } from './biz-registry.js';
import { BizStore } from './biz-store.js';
import { BizWatchdog } from './biz-watchdog.js';
import { bizIdentity } from './identity.js';
import { MetricsRegistry, type RuntimeMetricsSnapshot } from './metrics/module-metrics.js';
import { moduleHealth } from './module-health.js';
import { ModuleRouter } from './module-router.js';
import { attachRelay, type AttachedRelay } from './relay/attach-relay.js';
import {
  resolveRuntimeOptions,
  type ResolvedRuntimeOptions,
  type RuntimeLogger,
  type RuntimeOptions,
} from './runtime-options.js';
import type {
  BizHealth,
  BizSnapshot,
  InstallCandidate,
  InstallRequest,
  OperationResult,
  RuntimeEvents,
} from './types.js';

/** The biz host. One per base. */
export class BizRuntime extends EventEmitter<RuntimeEvents> {
  /** Resolved options. */
  readonly options: ResolvedRuntimeOptions;
  private readonly log: RuntimeLogger;
  private readonly registry: BizRegistry;
  private readonly router: ModuleRouter;
  private readonly lifecycle: BizLifecycle;
  private readonly watchdog: BizWatchdog;
  private readonly meters: MetricsRegistry;
  private readonly spares: SpareWorkers;
  private closing: Promise<void> | undefined;

  constructor(options: RuntimeOptions = {}) {
    super();
    this.options = resolveRuntimeOptions(options);
    this.log = this.options.logger.child?.({ component: 'runtime' }) ?? this.options.logger;
    this.meters = new MetricsRegistry(this.options.accounting);
    this.spares = new SpareWorkers({
      count: this.options.spareWorkers,
      resourceLimits: this.options.resourceLimits,
      execArgv: this.options.workerExecArgv,
    });
    this.registry = new BizRegistry((event) => this.emit('transition', event));
    this.router = new ModuleRouter(this.meters, (identity) => this.health(identity));
    this.lifecycle = new BizLifecycle({
      options: this.options,
      log: this.log,
      registry: this.registry,
      router: this.router,
      store: new BizStore(this.options.storeDir, this.options.baseNodeModules, this.log),
      meters: this.meters,
      spares: this.spares,
      crashed: (identity, error) => this.emit('crash', { identity, error }),
    });
    this.watchdog = new BizWatchdog(
      this.options.watchdog,
      {
        records: () => this.registry.values(),
        stuck: (event) => this.emit('stuck', event),
        remove: (rec, reason) => this.lifecycle.removeStuck(rec, reason),
        restart: (rec, reason) => this.lifecycle.restartStuck(rec, reason),
      },
      this.log,
    );
    this.watchdog.start();
  }

  /* ------------------------------------------------------------------------------------------ queries */

  /**
   * Every registered module version, by priority ascending then install time (sofa-ark `getBizInOrder`),
   * except that the versions of one name (at one priority) that are valid semver are listed in semver
   * order (`1.9.0`, `1.10.0-rc.1`, `1.10.0`) within the places they hold: install order says nothing about
   * which version is newer. Versions that are not semver keep their install-time place.
   */
  list(): BizSnapshot[] {
    return this.registry.ordered().map(snapshot);
  }

  /** One module version, or undefined. */
  get(bizName: string, bizVersion: string): BizSnapshot | undefined {
    const rec = this.registry.get(bizIdentity(bizName, bizVersion));
    return rec ? snapshot(rec) : undefined;
  }

  /**
   * The request a module version was installed with (bizUrl, args, envs, integrity): what module replay
   * persists to reinstall it after a restart. Undefined for unknown identities.
   */
  installRequestOf(bizName: string, bizVersion: string): InstallRequest | undefined {
    const rec = this.registry.get(bizIdentity(bizName, bizVersion));
    if (!rec) return undefined;
    const req: InstallRequest = {
      bizUrl: rec.bizUrl,
      bizName: rec.bizName,
      bizVersion: rec.bizVersion,
      args: [...rec.args],
      envs: { ...rec.envs },
    };
    if (rec.integrity !== undefined) req.integrity = rec.integrity;
    return req;
  }

  /** The activated version of a name, if any. */
  activated(bizName: string): BizSnapshot | undefined {
    const rec = this.registry.activatedOf(bizName);
    return rec ? snapshot(rec) : undefined;
  }

  /**
   * Adds a hook awaited before a module is uninstalled (sofa-ark's `BeforeBizStopEvent`): the actuator uses
   * it to take the module out of readiness first. A hook that throws is logged and does not stop the uninstall.
   */
  beforeUninstall(hook: (biz: BizSnapshot) => void | Promise<void>): void {
    this.lifecycle.beforeUninstallHooks.push(hook);
  }

  /**
   * Adds an admission check run for every install once the archive's manifest is read, before anything
   * changes (no version is uninstalled, nothing is registered): a returned reason refuses the install with
   * `FAILED` and `NODEARK_ERR_BIZ_CONTEXT_PATH_RESERVED`. The base uses it to keep modules off the paths
   * its host app and actuator serve (docs/embedding.md).
   */
  admit(check: (candidate: InstallCandidate) => string | undefined): void {
    this.lifecycle.admissionChecks.push(check);
  }

  /**
   * Per-module traffic and worker figures, as plain data (docs/observability.md): requests by method and
   * status with latency histograms, requests in flight, open WebSockets and streamed responses, bytes, edge
   * errors, restarts and crashes, and each live worker's heap and event-loop utilisation. Cheap enough to
   * call on every scrape; every registered module version is listed, in {@link list} order.
   */
  metrics(): RuntimeMetricsSnapshot {
    return this.meters.snapshot(
      this.registry.ordered().map((rec) => ({
        identity: rec.identity,
        bizName: rec.bizName,
        bizVersion: rec.bizVersion,
        state: rec.state,
        webContextPath: rec.webContextPath,
        host: rec.host,
      })),
    );
  }

  /**
   * Counts an edge answer the base gave outside any module (`NODEARK_ERR_ROUTE_NOT_FOUND`: nothing is
   * served at that path), so that {@link metrics} shows it.
   */
  countEdgeError(code: string): void {
    this.meters.unattributedEdge(code);
  }

  /**
   * Pre-spawned module workers waiting for an install now (`spareWorkers`; docs/operations.md § Start-up and
   * install speed). None before the first install and after {@link close}.
   */
  get spareWorkers(): number {
    return this.spares.size;
  }

  /**
   * Loads the code the first install needs (the bundle stage: archive readers, the extractor, the downloader)
   * ahead of that install, so that neither start-up nor the first install waits for it (docs/benchmarks.md
   * § 13). The base calls it once it is ready; calling it again is free. Never rejects.
   */
  warmUp(): Promise<void> {
    return preloadBundleStage();
  }

  /** True once {@link close} has begun. */
  get isClosed(): boolean {
    return this.lifecycle.closed;
  }

  /**
   * A module's health: its indicators evaluated inside its worker (`resolved` → UNKNOWN, `broken` → DOWN).
   * Never rejects and never waits longer than the health timeout plus one second.
   */
  async health(identity: string): Promise<BizHealth> {
    return moduleHealth(this.registry.get(identity), this.options.healthTimeoutMs);
  }

  /* -------------------------------------------------------------------------------------- operations */

  /**
   * Installs one module version (docs/arklet-api.md). Business outcomes are results
   * (`SUCCESS`, `REPEAT_BIZ`, `FAILED` for an identity mismatch, a taken context path or a module whose
   * declared Node.js/nodeark range this base does not satisfy, see {@link RuntimeOptions.hostVersions});
   * invalid input, download/archive errors and start failures throw errors with stable codes.
   */
  install(request: InstallRequest): Promise<OperationResult> {
    return this.lifecycle.install(request);
  }

  /** Uninstalls one module version: unroute → drain → `stop()` → terminate → `stopped` → remove files. */
  uninstall(bizName: string, bizVersion: string): Promise<OperationResult> {
    return this.lifecycle.uninstall(bizName, bizVersion);
  }

  /** Makes a version the activated one (docs/arklet-api.md Switch); routing flips atomically. */
  switchBiz(bizName: string, bizVersion: string): Promise<OperationResult> {
    return this.lifecycle.switchBiz(bizName, bizVersion);
  }

  /**
   * Stops every module in reverse priority order (graceful shutdown). Module files stay in the store.
   * Further operations fail with `NODEARK_ERR_BIZ_RUNTIME_CLOSED`.
   */
  close(): Promise<void> {
    // Every caller waits for the one shutdown (the base's close and its server's hooks may both ask).
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private shutdown(): Promise<void> {
    this.watchdog.stop();
    return this.lifecycle.shutdown();
  }

  /* ------------------------------------------------------------------------------------------- HTTP */

  /**
   * Routes a request whose first path segment is a module's webContextPath. Returns false (and touches
   * nothing) when no module owns the path, so the caller can answer it.
   */
  handle(req: IncomingMessage, res: ServerResponse): boolean {
    return this.router.handle(req, res);
  }

  /**
   * Routes an HTTP `Upgrade` request (node:http's `'upgrade'` event) whose path is a module's. Returns
   * false (and touches nothing) when no module owns the path. A module without `upgrade` or `server`
   * gets an immediate 400, so a WebSocket client never waits on it.
   */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    return this.router.handleUpgrade(req, socket, head);
  }

  /**
   * Puts the connection relay in front of `server` (call before it listens): requests for serving
   * modules go from the client connection straight to the module's own server, byte for byte; the rest
   * reach `server` as before. See docs/module-contract.md § How requests reach a module.
   */
  relayConnections(server: Server): AttachedRelay {
    return attachRelay(server, this.router);
  }

  /** True when a request URL lies under a module's context path (installed, starting or broken). */
  isModulePath(url: string | undefined): boolean {
    return this.router.isModulePath(url);
  }

  /** Every context path currently routed (for diagnostics). */
  routedPaths(): string[] {
    return this.router.paths();
  }
}

export type { StagedBundle };
