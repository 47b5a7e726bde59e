/**
 * The biz host: registry and state machine, install / uninstall / switch, the routing of HTTP requests
 * into module workers, module health, and a typed event stream of every transition.
 *
 * Semantics follow sofa-ark 2.2.16 as summarised in docs/arklet-api.md (records, the
 * one-activated-version rule, switch, stop) with the choices of docs/module-contract.md(start timeout,
 * broken modules removed unless `keepBrokenBiz`, drain before stop). Operation results use sofa-ark's
 * `ClientResponse` codes and messages so the Arklet layer can put them on the wire unchanged.
 */
import { EventEmitter } from 'node:events';
import { mkdir, rename, rm, stat, symlink, lstat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { dirname, join, resolve as resolvePath } from 'node:path';
import { pathToFileURL } from 'node:url';
import { stageBundle, readBizManifest, type StagedBundle } from './bundle/index.js';
import {
  ERR_BIZ_CONTEXT_PATH_RESERVED,
  ERR_BIZ_CONTEXT_PATH_TAKEN,
  ERR_BIZ_IDENTITY_MISMATCH,
  ERR_BIZ_INVALID_IDENTITY,
  ERR_BIZ_RUNTIME_CLOSED,
  ERR_BUNDLE_INVALID_URL,
  ERR_ROUTE_NO_HANDLER,
  ERR_ROUTE_STARTING,
  ERR_ROUTE_UPGRADE_UNSUPPORTED,
  ERR_ROUTE_WORKER_GONE,
} from './errors.js';
import { sendEdgeError } from './http/edge-errors.js';
import { sendRawEdgeError } from './http/raw-response.js';
import { redactUrl } from './bundle/redact-url.js';
import { checkBundlePolicy } from './bundle-policy.js';
import {
  resolveRuntimeOptions,
  SILENT_LOGGER,
  type ResolvedRuntimeOptions,
  type RuntimeLogger,
  type RuntimeOptions,
} from './runtime-options.js';
import { RoutingTable, type RouteEntry } from './http/routing-table.js';
import { assertBizName, assertBizVersion, bizIdentity } from './identity.js';
import { checkRequirements, orderVersionsWithinGroups } from './versions.js';
import type {
  BizHealth,
  BizServeKind,
  BizSnapshot,
  BizState,
  BizStateReason,
  BizStateRecord,
  InstallCandidate,
  InstallRequest,
  OperationResult,
  RuntimeEvents,
} from './types.js';
import { MetricsRegistry, type RuntimeMetricsSnapshot } from './metrics/module-metrics.js';
import { bizLogSink } from './worker/biz-log-sink.js';
import { WorkerHost } from './worker/worker-host.js';

export type { RuntimeLogger, RuntimeOptions, WatchdogOptions } from './runtime-options.js';

interface BizRecord {
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

const RESERVED_NAMES = new Set(['node_modules']);

/** The biz host. One per base. */
export class BizRuntime extends EventEmitter<RuntimeEvents> {
  /** Resolved options. */
  readonly options: ResolvedRuntimeOptions;
  private readonly bizs = new Map<string, BizRecord>();
  private readonly routes = new RoutingTable();
  private readonly log: RuntimeLogger;
  private closed = false;
  private closing: Promise<void> | undefined;
  private storeReady: Promise<void> | undefined;
  private watchdogTimer: NodeJS.Timeout | undefined;
  private readonly beforeUninstallHooks: Array<(biz: BizSnapshot) => void | Promise<void>> = [];
  private readonly admissionChecks: Array<(candidate: InstallCandidate) => string | undefined> = [];
  private readonly meters: MetricsRegistry;

  constructor(options: RuntimeOptions = {}) {
    super();
    this.options = resolveRuntimeOptions(options);
    this.log = this.options.logger.child?.({ component: 'runtime' }) ?? this.options.logger;
    this.meters = new MetricsRegistry(this.options.accounting);
    if (this.options.watchdog.intervalMs > 0) {
      this.watchdogTimer = setInterval(() => this.watchdogTick(), this.options.watchdog.intervalMs);
      this.watchdogTimer.unref();
    }
  }

  /* ------------------------------------------------------------------------------------------ queries */

  /**
   * Every registered module version, by priority ascending then install time (sofa-ark `getBizInOrder`),
   * except that the versions of one name (at one priority) that are valid semver are listed in semver
   * order (`1.9.0`, `1.10.0-rc.1`, `1.10.0`) within the places they hold: install order says nothing about
   * which version is newer. Versions that are not semver keep their install-time place.
   */
  list(): BizSnapshot[] {
    const byInstall = [...this.bizs.values()].sort((a, b) => a.priority - b.priority || a.installTime - b.installTime);
    return orderVersionsWithinGroups(byInstall, (r) => `${r.priority}\0${r.bizName}`, (r) => r.bizVersion).map(snapshot);
  }

  /** One module version, or undefined. */
  get(bizName: string, bizVersion: string): BizSnapshot | undefined {
    const rec = this.bizs.get(bizIdentity(bizName, bizVersion));
    return rec ? snapshot(rec) : undefined;
  }

  /**
   * The request a module version was installed with (bizUrl, args, envs, integrity): what module replay
   * persists to reinstall it after a restart. Undefined for unknown identities.
   */
  installRequestOf(bizName: string, bizVersion: string): InstallRequest | undefined {
    const rec = this.bizs.get(bizIdentity(bizName, bizVersion));
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
    for (const r of this.bizs.values()) if (r.bizName === bizName && r.state === 'activated') return snapshot(r);
    return undefined;
  }

  /**
   * Adds a hook awaited before a module is uninstalled (sofa-ark's `BeforeBizStopEvent`): the actuator uses
   * it to take the module out of readiness first. A hook that throws is logged and does not stop the uninstall.
   */
  beforeUninstall(hook: (biz: BizSnapshot) => void | Promise<void>): void {
    this.beforeUninstallHooks.push(hook);
  }

  /**
   * Adds an admission check run for every install once the archive's manifest is read, before anything
   * changes (no version is uninstalled, nothing is registered): a returned reason refuses the install with
   * `FAILED` and `NODEARK_ERR_BIZ_CONTEXT_PATH_RESERVED`. The base uses it to keep modules off the paths
   * its host app and actuator serve (docs/embedding.md).
   */
  admit(check: (candidate: InstallCandidate) => string | undefined): void {
    this.admissionChecks.push(check);
  }

  /**
   * Per-module traffic and worker figures, as plain data (docs/observability.md): requests by method and
   * status with latency histograms, requests in flight, open WebSockets and streamed responses, bytes, edge
   * errors, restarts and crashes, and each live worker's heap and event-loop utilisation. Cheap enough to
   * call on every scrape; every registered module version is listed, in {@link list} order.
   */
  metrics(): RuntimeMetricsSnapshot {
    return this.meters.snapshot(
      this.list().map((b) => {
        const rec = this.bizs.get(b.identity)!;
        return {
          identity: b.identity,
          bizName: b.bizName,
          bizVersion: b.bizVersion,
          state: b.bizState,
          webContextPath: b.webContextPath,
          host: rec.host,
        };
      }),
    );
  }

  /**
   * Counts an edge answer the base gave outside any module (`NODEARK_ERR_ROUTE_NOT_FOUND`: nothing is
   * served at that path), so that {@link metrics} shows it.
   */
  countEdgeError(code: string): void {
    this.meters.unattributedEdge(code);
  }

  /** True once {@link close} has begun. */
  get isClosed(): boolean {
    return this.closed;
  }

  /**
   * A module's health: its indicators evaluated inside its worker (`resolved` → UNKNOWN, `broken` → DOWN).
   * Never rejects and never waits longer than the health timeout plus one second.
   */
  async health(identity: string): Promise<BizHealth> {
    const rec = this.bizs.get(identity);
    if (!rec) return { status: 'UNKNOWN', components: {} };
    if (rec.state === 'resolved' || rec.state === 'unresolved') return { status: 'UNKNOWN', components: {} };
    if (rec.state === 'broken' || !rec.host) {
      const last = rec.records[rec.records.length - 1];
      return { status: 'DOWN', components: { lifecycle: { status: 'DOWN', details: { error: last?.message ?? 'broken' } } } };
    }
    if (rec.stuck) return { status: 'DOWN', components: { watchdog: { status: 'DOWN', details: { error: rec.stuck } } } };
    return rec.host.health(this.options.healthTimeoutMs + 1000);
  }

  /* -------------------------------------------------------------------------------------- operations */

  /**
   * Installs one module version (docs/arklet-api.md). Business outcomes are results
   * (`SUCCESS`, `REPEAT_BIZ`, `FAILED` for an identity mismatch, a taken context path or a module whose
   * declared Node.js/nodeark range this base does not satisfy, see {@link RuntimeOptions.hostVersions});
   * invalid input, download/archive errors and start failures throw errors with stable codes.
   */
  async install(request: InstallRequest): Promise<OperationResult> {
    const t0 = Date.now();
    this.assertOpen();
    const req = validateInstallRequest(request);
    const strategy = req.installStrategy ?? 'installOnly';

    if (req.bizName !== undefined && req.bizVersion !== undefined && strategy === 'installOnly') {
      const existing = this.bizs.get(bizIdentity(req.bizName, req.bizVersion));
      if (existing) return this.repeated(existing, req.bizUrl, t0);
    }

    await checkBundlePolicy(req.bizUrl, req.integrity, this.options.bundlePolicy);
    await this.ensureStore();
    const staged = await stageBundle(req.bizUrl, {
      stagingDir: join(this.options.storeDir, '.staging'),
      limits: this.options.bundleLimits,
      download: this.options.download,
      allowedSchemes: this.options.allowedSchemes,
      ...(req.integrity !== undefined ? { integrity: req.integrity } : {}),
    });
    try {
      const manifest = await readBizManifest(staged.root);
      const declared = bizIdentity(manifest.bizName, manifest.bizVersion);
      if (
        (req.bizName !== undefined && req.bizName !== manifest.bizName) ||
        (req.bizVersion !== undefined && req.bizVersion !== manifest.bizVersion)
      ) {
        const asked = `${req.bizName ?? manifest.bizName}:${req.bizVersion ?? manifest.bizVersion}`;
        return { code: 'FAILED', message: new ERR_BIZ_IDENTITY_MISMATCH(redactUrl(req.bizUrl), declared, asked).message, costMs: Date.now() - t0 };
      }
      if (RESERVED_NAMES.has(manifest.bizName)) {
        throw new ERR_BIZ_INVALID_IDENTITY('bizName', manifest.bizName, 'this name is reserved');
      }
      // Like the admission checks: refused before any version is uninstalled or anything is registered.
      const compat = checkRequirements(declared, manifest.requirements ?? [], {
        node: process.versions.node,
        nodeark: this.options.hostVersions.nodeark,
      });
      if (compat.unchecked.length > 0) {
        this.log.debug({ biz: declared, unchecked: compat.unchecked }, 'no nodeark version configured: range not checked');
      }
      if (compat.refusal !== undefined) return { code: 'FAILED', message: compat.refusal, costMs: Date.now() - t0 };
      for (const check of this.admissionChecks) {
        const reason = check({
          bizName: manifest.bizName,
          bizVersion: manifest.bizVersion,
          webContextPath: manifest.webContextPath,
        });
        if (reason !== undefined) {
          const message = new ERR_BIZ_CONTEXT_PATH_RESERVED(manifest.webContextPath, reason).message;
          return { code: 'FAILED', message, costMs: Date.now() - t0 };
        }
      }
      this.assertOpen();
      if (strategy === 'uninstallThenInstall') {
        // Java: uninstall every registered version of the name first; their results are ignored.
        for (const r of [...this.bizs.values()]) {
          if (r.bizName === manifest.bizName) await this.uninstall(r.bizName, r.bizVersion);
        }
      }
      const existing = this.bizs.get(declared);
      if (existing) return this.repeated(existing, req.bizUrl, t0);
      for (const r of this.bizs.values()) {
        if (r.webContextPath === manifest.webContextPath && r.bizName !== manifest.bizName) {
          return {
            code: 'FAILED',
            message: new ERR_BIZ_CONTEXT_PATH_TAKEN(manifest.webContextPath, r.identity).message,
            costMs: Date.now() - t0,
          };
        }
      }

      // Register (resolved/Created): from here on the identity is reserved and visible to queries.
      const dir = join(this.options.storeDir, manifest.bizName, manifest.bizVersion);
      const rec: BizRecord = {
        bizName: manifest.bizName,
        bizVersion: manifest.bizVersion,
        identity: declared,
        state: 'unresolved',
        records: [],
        webContextPath: manifest.webContextPath,
        priority: manifest.priority,
        bizUrl: req.bizUrl,
        mainClass: manifest.main,
        mountRewrite: manifest.mountRewrite,
        dir,
        args: req.args ?? [],
        envs: req.envs ?? {},
        integrity: req.integrity,
        serves: 'none',
        healthIndicators: [],
        installTime: t0,
        host: undefined,
        busyChecks: 0,
        stuck: undefined,
        uninstalling: undefined,
      };
      this.bizs.set(declared, rec);
      this.transition(rec, 'resolved', 'Created');
      if (!this.routes.get(rec.webContextPath)) {
        this.routes.set(rec.webContextPath, { identity: declared, bizName: rec.bizName, host: undefined, status: 'starting' });
      }

      try {
        await rm(dir, { recursive: true, force: true });
        await mkdir(dirname(dir), { recursive: true });
        await rename(staged.root, dir);
      } catch (err) {
        this.unregister(rec);
        throw err;
      }
      return await this.startBiz(rec, t0);
    } finally {
      await staged.dispose();
    }
  }

  /** Uninstalls one module version: unroute → drain → `stop()` → terminate → `stopped` → remove files. */
  async uninstall(bizName: string, bizVersion: string): Promise<OperationResult> {
    const t0 = Date.now();
    const { identity, rec } = this.lookup(bizName, bizVersion);
    if (!rec) return { code: 'NOT_FOUND_BIZ', message: `Uninstall biz: ${identity} not found.`, costMs: Date.now() - t0 };
    if (rec.state === 'resolved' || rec.state === 'unresolved') {
      return {
        code: 'ILLEGAL_STATE_BIZ',
        message: `Uninstall biz: ${identity} is still starting (state ${rec.state}); retry when it has started.`,
        costMs: Date.now() - t0,
      };
    }
    // Concurrent uninstalls of one version share the first one's outcome (it is stopped once).
    rec.uninstalling ??= (async (): Promise<OperationResult> => {
      for (const hook of this.beforeUninstallHooks) {
        try {
          await hook(snapshot(rec));
        } catch (err) {
          this.log.warn({ biz: identity, err: String(err) }, 'beforeUninstall hook failed');
        }
      }
      if (this.bizs.get(identity) !== rec) {
        return { code: 'NOT_FOUND_BIZ', message: `Uninstall biz: ${identity} not found.`, costMs: Date.now() - t0 };
      }
      const stopError = await this.stopBiz(rec, true);
      const message = stopError
        ? `Uninstall biz: ${identity} success. (stop() failed: ${stopError.message}; the worker was terminated)`
        : `Uninstall biz: ${identity} success.`;
      return { code: 'SUCCESS', message, costMs: Date.now() - t0 };
    })();
    return rec.uninstalling;
  }

  /** Makes a version the activated one (docs/arklet-api.md Switch); routing flips atomically. */
  async switchBiz(bizName: string, bizVersion: string): Promise<OperationResult> {
    const t0 = Date.now();
    const { identity, rec } = this.lookup(bizName, bizVersion);
    if (!rec) return { code: 'NOT_FOUND_BIZ', message: `Switch biz: ${identity} not found.`, costMs: Date.now() - t0 };
    if (rec.state !== 'activated' && rec.state !== 'deactivated') {
      return {
        code: 'ILLEGAL_STATE_BIZ',
        message: `Switch Biz: ${identity}'s state must not be ${rec.state}.`,
        costMs: Date.now() - t0,
      };
    }
    if (rec.state === 'deactivated') {
      const old = [...this.bizs.values()].find((r) => r.bizName === bizName && r.state === 'activated');
      // Route first: from this statement on, new requests go to the target; in-flight ones finish on the old.
      this.routes.set(rec.webContextPath, { identity, bizName, host: rec.host, status: 'serving' });
      if (old) this.transition(old, 'deactivated', 'Switched', `switch to new version ${identity}`);
      this.transition(rec, 'activated', 'Switched', old ? `switch from old version: ${old.identity}` : '');
    }
    return { code: 'SUCCESS', message: `Switch biz: ${identity} is activated.`, biz: snapshot(rec), costMs: Date.now() - t0 };
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

  private async shutdown(): Promise<void> {
    this.closed = true;
    if (this.watchdogTimer) clearInterval(this.watchdogTimer);
    const order = [...this.bizs.values()].sort((a, b) => b.priority - a.priority || b.installTime - a.installTime);
    for (const rec of order) {
      if (rec.state === 'resolved' || rec.state === 'unresolved') {
        await rec.host?.terminate();
        continue;
      }
      await this.stopBiz(rec, false);
    }
    for (const rec of this.bizs.values()) await rec.host?.terminate();
  }

  /* ------------------------------------------------------------------------------------------- HTTP */

  /**
   * Routes a request whose first path segment is a module's webContextPath. Returns false (and touches
   * nothing) when no module owns the path, so the caller can answer it.
   */
  handle(req: IncomingMessage, res: ServerResponse): boolean {
    const m = this.match(req.url);
    if (!m) return false;
    const { route, rest, prefix } = m;
    if ((req.method === 'GET' || req.method === 'HEAD') && isModuleHealthPath(rest)) {
      req.resume();
      void this.answerModuleHealth(route, res);
      return true;
    }
    const host = route.host;
    if (route.status === 'starting' || !host) {
      req.resume();
      if (route.status === 'broken') {
        sendEdgeError(res, 502, ERR_ROUTE_WORKER_GONE.code, `Module ${route.identity} is broken`);
        this.meters.answered(route.identity, req.method, 502, ERR_ROUTE_WORKER_GONE.code);
      } else {
        sendEdgeError(res, 503, ERR_ROUTE_STARTING.code, `Module ${route.identity} is starting`, { 'retry-after': '1' });
        this.meters.answered(route.identity, req.method, 503, ERR_ROUTE_STARTING.code);
      }
      return true;
    }
    if (host.started?.serves === 'none') {
      req.resume();
      sendEdgeError(res, 404, ERR_ROUTE_NO_HANDLER.code, `Module ${route.identity} serves no HTTP`);
      this.meters.answered(route.identity, req.method, 404, ERR_ROUTE_NO_HANDLER.code);
      return true;
    }
    host.forward(req, res, rest, prefix);
    return true;
  }

  /**
   * Routes an HTTP `Upgrade` request (node:http's `'upgrade'` event) whose path is a module's. Returns
   * false (and touches nothing) when no module owns the path. A module without `upgrade` or `server`
   * gets an immediate 400, so a WebSocket client never waits on it.
   */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const m = this.match(req.url);
    if (!m) return false;
    const { route, rest, prefix } = m;
    const host = route.host;
    if (route.status === 'starting' || !host) {
      if (route.status === 'broken') {
        sendRawEdgeError(socket, 502, ERR_ROUTE_WORKER_GONE.code, `Module ${route.identity} is broken`);
        this.meters.answered(route.identity, req.method, 502, ERR_ROUTE_WORKER_GONE.code);
      } else {
        sendRawEdgeError(socket, 503, ERR_ROUTE_STARTING.code, `Module ${route.identity} is starting`, ['retry-after', '1']);
        this.meters.answered(route.identity, req.method, 503, ERR_ROUTE_STARTING.code);
      }
      return true;
    }
    if (!host.started?.upgrade) {
      sendRawEdgeError(
        socket,
        400,
        ERR_ROUTE_UPGRADE_UNSUPPORTED.code,
        `Module ${route.identity} does not accept "${req.headers.upgrade ?? ''}" upgrades (it exports neither upgrade nor server)`,
      );
      this.meters.answered(route.identity, req.method, 400, ERR_ROUTE_UPGRADE_UNSUPPORTED.code);
      return true;
    }
    host.upgrade(req, socket, head, rest, prefix);
    return true;
  }

  /** True when a request URL lies under a module's context path (installed, starting or broken). */
  isModulePath(url: string | undefined): boolean {
    return this.match(url) !== undefined;
  }

  /** The route of a request URL: its entry, the URL without the prefix, and the prefix. */
  private match(url: string | undefined): { route: RouteEntry; rest: string; prefix: string } | undefined {
    if (url === undefined || url.charCodeAt(0) !== 47 /* / */) return undefined;
    let end = 1;
    while (end < url.length) {
      const c = url.charCodeAt(end);
      if (c === 47 || c === 63 /* ? */) break;
      end++;
    }
    const route = this.routes.get(url.slice(1, end));
    if (!route) return undefined;
    let rest = url.slice(end);
    if (rest.length === 0 || rest.charCodeAt(0) === 63) rest = `/${rest}`;
    return { route, rest, prefix: url.slice(0, end) };
  }

  /** The worker's whole `process.env`: the install's `envs`, plus the base's `NODE_ENV` unless they set it. */
  private workerEnv(envs: Record<string, string>): Record<string, string> {
    const nodeEnv = this.options.nodeEnv ?? process.env['NODE_ENV'];
    if (nodeEnv === undefined || Object.prototype.hasOwnProperty.call(envs, 'NODE_ENV')) return envs;
    return { NODE_ENV: nodeEnv, ...envs };
  }

  /** Every context path currently routed (for diagnostics). */
  routedPaths(): string[] {
    return this.routes.paths();
  }

  /* ---------------------------------------------------------------------------------------- internals */

  /** Validates a name/version pair (path-safe) and finds its record. */
  private lookup(bizName: string, bizVersion: string): { identity: string; rec: BizRecord | undefined } {
    assertBizName(bizName);
    assertBizVersion(bizVersion);
    const identity = bizIdentity(bizName, bizVersion);
    return { identity, rec: this.bizs.get(identity) };
  }

  private spawnHost(rec: BizRecord): WorkerHost {
    return new WorkerHost({
      identity: rec.identity,
      processEnv: this.workerEnv(rec.envs),
      boot: {
        entryUrl: pathToFileURL(join(rec.dir, rec.mainClass)).href,
        bizName: rec.bizName,
        bizVersion: rec.bizVersion,
        webContextPath: rec.webContextPath,
        args: rec.args,
        env: rec.envs,
        logLevel: this.options.moduleLogLevel,
        healthTimeoutMs: this.options.healthTimeoutMs,
        childProcesses: this.options.childProcesses,
      },
      startTimeoutMs: this.options.startTimeoutMs,
      requestTimeoutMs: this.options.requestTimeoutMs,
      idleTimeoutMs: this.options.idleTimeoutMs,
      trustProxy: this.options.trustProxy,
      rewriteMount: rec.mountRewrite,
      ...(this.options.resourceLimits ? { resourceLimits: this.options.resourceLimits } : {}),
      execArgv: this.options.workerExecArgv,
      onLog: bizLogSink(
        this.options.logger === SILENT_LOGGER ? undefined : this.options.logger,
        rec.identity,
        this.options.moduleLogLevel,
      ),
      meter: this.meters.of(rec.identity),
    });
  }

  private async startBiz(rec: BizRecord, t0: number): Promise<OperationResult> {
    const host = this.spawnHost(rec);
    rec.host = host;
    try {
      const info = await host.start();
      rec.serves = info.serves;
      rec.healthIndicators = info.healthIndicators;
    } catch (err) {
      const e = err as Error & { moduleStack?: string };
      this.transition(rec, 'broken', 'Install Failed', e.moduleStack ?? e.message);
      this.log.warn({ biz: rec.identity, err: { type: e.name, message: e.message, stack: e.moduleStack ?? e.stack } }, 'module failed to start');
      if (this.routes.get(rec.webContextPath)?.identity === rec.identity) {
        this.routes.delete(rec.webContextPath, rec.identity);
      }
      rec.host = undefined;
      if (!this.options.keepBrokenBiz) {
        this.transition(rec, 'stopped', 'Stopped');
        this.unregister(rec);
        await rm(rec.dir, { recursive: true, force: true }).catch(() => {});
      }
      throw err;
    }
    if (this.closed || this.bizs.get(rec.identity) !== rec) {
      await host.terminate();
      throw new ERR_BIZ_RUNTIME_CLOSED();
    }
    this.settleStarted(rec, host, true, '', 'start but is deactivated');
    const started = new Date();
    const cost = Date.now() - t0;
    this.log.info({ biz: rec.identity, state: rec.state, costMs: cost }, 'module installed');
    return {
      code: 'SUCCESS',
      message: `Install Biz: ${rec.identity} success, cost: ${cost} ms, started at: ${formatTime(started)}`,
      biz: snapshot(rec),
      costMs: cost,
    };
  }

  /** Shared by uninstall and close: unroute, drain, stop, terminate, record. Returns the stop error. */
  private async stopBiz(rec: BizRecord, removeFiles: boolean): Promise<Error | undefined> {
    const host = rec.host;
    if (rec.state === 'activated') this.transition(rec, 'deactivated', 'Killing');
    this.routes.delete(rec.webContextPath, rec.identity);
    let stopError: Error | undefined;
    if (host && !host.dead) {
      const left = await host.proxy.drain(this.options.drainTimeoutMs);
      if (left > 0) this.log.warn({ biz: rec.identity, inflight: left }, 'drain timed out; stopping anyway');
      stopError = await host.stop(this.options.stopTimeoutMs);
    } else if (host) {
      await host.terminate();
    }
    if (stopError) this.transition(rec, 'broken', 'Uninstall Failed', stopError.message);
    this.transition(rec, 'stopped', 'Stopped');
    this.unregister(rec);
    rec.host = undefined;
    if (removeFiles) await rm(rec.dir, { recursive: true, force: true }).catch(() => {});
    return stopError;
  }

  private onCrash(rec: BizRecord, error: Error): void {
    if (this.bizs.get(rec.identity) !== rec || rec.state === 'stopped' || rec.state === 'broken') return;
    const route = this.routes.get(rec.webContextPath);
    if (route?.identity === rec.identity) {
      this.routes.set(rec.webContextPath, { ...route, host: undefined, status: 'broken' });
    }
    this.transition(rec, 'broken', 'Undefine', `module worker crashed: ${error.name}: ${error.message}`);
    this.meters.crashed(rec.identity);
    this.log.error(
      { biz: rec.identity, err: { type: error.name, message: error.message, stack: error.stack } },
      'module crashed; marked broken',
    );
    this.emit('crash', { identity: rec.identity, error });
  }

  private watchdogTick(): void {
    const w = this.options.watchdog;
    for (const rec of this.bizs.values()) {
      const host = rec.host;
      if (!host || host.dead || (rec.state !== 'activated' && rec.state !== 'deactivated')) continue;
      const elu = host.sampleEventLoopUtilization();
      if (elu < w.maxEventLoopUtilization) {
        rec.busyChecks = 0;
        if (rec.stuck) {
          rec.stuck = undefined;
          this.log.info({ biz: rec.identity }, 'watchdog: module event loop recovered');
        }
        continue;
      }
      rec.busyChecks++;
      if (rec.busyChecks < w.maxUnhealthyChecks || rec.stuck) continue;
      const seconds = ((rec.busyChecks * w.intervalMs) / 1000).toFixed(1);
      rec.stuck = `event loop busy (utilisation ${(elu * 100).toFixed(0)}%) for ${seconds} s`;
      this.log.error({ biz: rec.identity, elu, action: w.action }, `watchdog: ${rec.stuck}`);
      this.emit('stuck', { identity: rec.identity, utilization: elu, action: w.action });
      if (w.action === 'remove') void this.forceRemove(rec, rec.stuck);
      else if (w.action === 'restart') void this.restart(rec, rec.stuck);
    }
  }

  /** Watchdog `remove`: terminate without waiting on the stuck worker, then record and clean up. */
  private async forceRemove(rec: BizRecord, reason: string): Promise<void> {
    this.routes.delete(rec.webContextPath, rec.identity);
    this.transition(rec, 'broken', 'Undefine', `removed by the watchdog: ${reason}`);
    await rec.host?.terminate();
    rec.host = undefined;
    this.transition(rec, 'stopped', 'Stopped', 'removed by the watchdog');
    this.unregister(rec);
    await rm(rec.dir, { recursive: true, force: true }).catch(() => {});
  }

  /** Watchdog `restart`: a fresh worker of the same version replaces the stuck one. */
  private async restart(rec: BizRecord, reason: string): Promise<void> {
    const wasActivated = rec.state === 'activated';
    const old = rec.host;
    if (old) old.onCrash = undefined;
    this.transition(rec, 'broken', 'Undefine', `restarting: ${reason}`);
    this.meters.restarted(rec.identity);
    if (wasActivated) this.routes.set(rec.webContextPath, { identity: rec.identity, bizName: rec.bizName, host: undefined, status: 'starting' });
    await old?.terminate();
    const host = this.spawnHost(rec);
    rec.host = host;
    try {
      const info = await host.start();
      rec.serves = info.serves;
      rec.healthIndicators = info.healthIndicators;
    } catch (err) {
      rec.host = undefined;
      this.routes.delete(rec.webContextPath, rec.identity);
      this.log.error({ biz: rec.identity, err: (err as Error).message }, 'watchdog restart failed; module stays broken');
      return;
    }
    if (this.bizs.get(rec.identity) !== rec) {
      await host.terminate();
      return;
    }
    rec.busyChecks = 0;
    rec.stuck = undefined;
    this.settleStarted(rec, host, wasActivated, 'restarted by the watchdog', 'restarted by the watchdog');
  }

  /**
   * After a successful start (install or watchdog restart): sofa-ark / case 3 — activated and
   * routed when `wantActive` and no other version of the name is activated, else deactivated (and any
   * placeholder route of this version removed).
   */
  private settleStarted(
    rec: BizRecord,
    host: WorkerHost,
    wantActive: boolean,
    activeMessage: string,
    inactiveMessage: string,
  ): void {
    host.onCrash = (error) => this.onCrash(rec, error);
    const other = [...this.bizs.values()].find((r) => r !== rec && r.bizName === rec.bizName && r.state === 'activated');
    if (wantActive && !other) {
      this.routes.set(rec.webContextPath, { identity: rec.identity, bizName: rec.bizName, host, status: 'serving' });
      this.transition(rec, 'activated', 'Started', activeMessage);
    } else {
      this.transition(rec, 'deactivated', 'Started', inactiveMessage);
      this.routes.delete(rec.webContextPath, rec.identity);
    }
  }

  private repeated(existing: BizRecord, bizUrl: string, t0: number): OperationResult {
    // a deviation listed in docs/arklet-api.md: re-installing an activated identity from the same bizUrl is idempotent.
    if (existing.state === 'activated' && existing.bizUrl === bizUrl) {
      return {
        code: 'SUCCESS',
        message: `Install Biz: ${existing.identity} is already installed and activated from the same bizUrl.`,
        biz: snapshot(existing),
        costMs: Date.now() - t0,
      };
    }
    return { code: 'REPEAT_BIZ', message: `Biz: ${existing.identity} has been installed or registered.`, costMs: Date.now() - t0 };
  }

  private transition(rec: BizRecord, to: BizState, reason: BizStateReason, message = ''): void {
    const from = rec.records.length === 0 ? null : rec.state;
    const time = Date.now();
    rec.state = to;
    rec.records.push({ changeTime: time, state: to, reason, message });
    this.emit('transition', {
      identity: rec.identity,
      bizName: rec.bizName,
      bizVersion: rec.bizVersion,
      from,
      to,
      reason,
      message,
      time,
      biz: snapshot(rec),
    });
  }

  private unregister(rec: BizRecord): void {
    if (this.bizs.get(rec.identity) === rec) {
      this.bizs.delete(rec.identity);
      this.meters.forget(rec.identity);
    }
    this.routes.delete(rec.webContextPath, rec.identity);
  }

  private assertOpen(): void {
    if (this.closed) throw new ERR_BIZ_RUNTIME_CLOSED();
  }

  private async answerModuleHealth(route: RouteEntry, res: ServerResponse): Promise<void> {
    const h = await this.health(route.identity);
    const body = JSON.stringify(h);
    const status = h.status === 'DOWN' || h.status === 'OUT_OF_SERVICE' ? 503 : 200;
    if (res.destroyed) return;
    res.writeHead(status, {
      'content-type': 'application/vnd.spring-boot.actuator.v3+json',
      'content-length': Buffer.byteLength(body),
    });
    res.end(body);
  }

  private ensureStore(): Promise<void> {
    this.storeReady ??= (async () => {
      // Leftovers of installs interrupted by a crash are never reused: start from an empty staging area.
      await rm(join(this.options.storeDir, '.staging'), { recursive: true, force: true });
      await mkdir(join(this.options.storeDir, '.staging'), { recursive: true });
      const target =
        this.options.baseNodeModules === null
          ? undefined
          : this.options.baseNodeModules ?? (await findNodeModules(process.cwd()));
      if (!target) return;
      const link = join(this.options.storeDir, 'node_modules');
      const existing = await lstat(link).catch(() => undefined);
      if (existing) return;
      await symlink(resolvePath(target), link, 'dir').catch((err: unknown) => {
        this.log.warn({ err: String(err) }, 'could not link the base node_modules into the store');
      });
    })();
    return this.storeReady;
  }
}

type ValidRequest = InstallRequest & { bizUrl: string };

function validateInstallRequest(r: InstallRequest): ValidRequest {
  if (typeof r !== 'object' || r === null) throw new ERR_BUNDLE_INVALID_URL('', 'the install request must be an object');
  if (typeof r.bizUrl !== 'string' || r.bizUrl.trim() === '') {
    throw new ERR_BUNDLE_INVALID_URL(String(r.bizUrl ?? ''), 'bizUrl should not be blank');
  }
  const out: ValidRequest = { bizUrl: r.bizUrl.trim() };
  if (r.bizName !== undefined) {
    assertBizName(r.bizName);
    out.bizName = r.bizName;
  }
  if (r.bizVersion !== undefined) {
    assertBizVersion(r.bizVersion);
    out.bizVersion = r.bizVersion;
  }
  if (r.args !== undefined) {
    if (!Array.isArray(r.args) || r.args.some((a) => typeof a !== 'string')) {
      throw new ERR_BIZ_INVALID_IDENTITY('args', JSON.stringify(r.args), 'args must be an array of strings');
    }
    out.args = [...r.args];
  }
  if (r.envs !== undefined) {
    if (typeof r.envs !== 'object' || r.envs === null || Array.isArray(r.envs) || Object.values(r.envs).some((v) => typeof v !== 'string')) {
      throw new ERR_BIZ_INVALID_IDENTITY('envs', JSON.stringify(r.envs), 'envs must be an object of string values');
    }
    out.envs = { ...r.envs };
  }
  if (r.installStrategy !== undefined) out.installStrategy = r.installStrategy === 'uninstallThenInstall' ? 'uninstallThenInstall' : 'installOnly';
  if (r.integrity !== undefined) out.integrity = r.integrity;
  return out;
}

function isModuleHealthPath(rest: string): boolean {
  return rest === '/actuator/health' || rest.startsWith('/actuator/health?');
}

function snapshot(r: BizRecord): BizSnapshot {
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

/** `HH:mm:ss,SSS` as in sofa-ark's install message. */
function formatTime(d: Date): string {
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())},${p(d.getMilliseconds(), 3)}`;
}

async function findNodeModules(from: string): Promise<string | undefined> {
  let dir = resolvePath(from);
  for (;;) {
    const candidate = join(dir, 'node_modules');
    const s = await stat(candidate).catch(() => undefined);
    if (s?.isDirectory()) return candidate;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

export type { StagedBundle };
