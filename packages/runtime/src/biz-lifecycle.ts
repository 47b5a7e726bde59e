/**
 * The lifecycle operations: install, uninstall, switch, shutdown, and what a crash or the watchdog does
 * to a running module. Semantics follow sofa-ark as docs/arklet-api.md summarises them (records, the
 * one-activated-version rule, switch, stop) with the choices of docs/module-contract.md (start timeout,
 * broken modules removed unless `keepBrokenBiz`, drain before stop). Results use sofa-ark's
 * `ClientResponse` codes and messages so the Arklet layer can put them on the wire unchanged.
 *
 * State changes go through the registry's transition table. Where an operation resumes after an await,
 * another one (a close, an uninstall, the watchdog) may have moved the same record meanwhile: those
 * places re-read the state and make only the moves still left to make.
 */
import { stageBundle, readBizManifest } from './bundle/index.js';
import { snapshot, type BizRecord } from './biz-record.js';
import type { BizRegistry } from './biz-registry.js';
import type { BizStore } from './biz-store.js';
import { ERR_BIZ_CONTEXT_PATH_TAKEN, ERR_BIZ_RUNTIME_CLOSED } from './errors.js';
import { checkBundlePolicy } from './bundle-policy.js';
import { assertBizName, assertBizVersion, bizIdentity } from './identity.js';
import { manifestRefusal, validateInstallRequest } from './install-request.js';
import type { MetricsRegistry } from './metrics/module-metrics.js';
import type { ModuleRouter } from './module-router.js';
import type { ResolvedRuntimeOptions, RuntimeLogger } from './runtime-options.js';
import { spawnHost } from './spawn-host.js';
import type { BizSnapshot, InstallCandidate, InstallRequest, OperationResult } from './types.js';
import type { SpareWorkers } from './worker/spare-workers.js';
import type { WorkerHost } from './worker/worker-host.js';

/** The parts of a runtime the lifecycle operations work on. */
export interface LifecycleParts {
  options: ResolvedRuntimeOptions;
  log: RuntimeLogger;
  registry: BizRegistry;
  router: ModuleRouter;
  store: BizStore;
  meters: MetricsRegistry;
  /** Pre-spawned workers for installs (worker/spare-workers.ts). */
  spares: SpareWorkers;
  /** Reports a module whose worker died at run time (the runtime's `'crash'` event). */
  crashed(identity: string, error: Error): void;
}

/** The lifecycle operations of one runtime. */
export class BizLifecycle {
  /** Awaited before a module is uninstalled, in the order added. */
  readonly beforeUninstallHooks: Array<(biz: BizSnapshot) => void | Promise<void>> = [];
  /** Run for every install once the manifest is read, in the order added. */
  readonly admissionChecks: Array<(candidate: InstallCandidate) => string | undefined> = [];
  private closedFlag = false;

  constructor(private readonly p: LifecycleParts) {}

  /** True once {@link shutdown} has begun. */
  get closed(): boolean {
    return this.closedFlag;
  }

  /** Installs one module version: see `BizRuntime.install`. */
  async install(request: InstallRequest): Promise<OperationResult> {
    const { options, registry, store } = this.p;
    const t0 = Date.now();
    this.assertOpen();
    const req = validateInstallRequest(request);
    const strategy = req.installStrategy ?? 'installOnly';

    if (req.bizName !== undefined && req.bizVersion !== undefined && strategy === 'installOnly') {
      const existing = registry.get(bizIdentity(req.bizName, req.bizVersion));
      if (existing) return repeated(existing, req.bizUrl, t0);
    }

    await checkBundlePolicy(req.bizUrl, req.integrity, options.bundlePolicy);
    await store.ensure();
    const staged = await stageBundle(req.bizUrl, {
      stagingDir: store.stagingDir,
      limits: options.bundleLimits,
      download: options.download,
      allowedSchemes: options.allowedSchemes,
      ...(req.integrity !== undefined ? { integrity: req.integrity } : {}),
    });
    try {
      const manifest = await readBizManifest(staged.root);
      const declared = bizIdentity(manifest.bizName, manifest.bizVersion);
      // Refused before any version is uninstalled or anything is registered.
      const refusal = manifestRefusal(req, manifest, {
        nodeark: options.hostVersions.nodeark,
        admissionChecks: this.admissionChecks,
        log: this.p.log,
      });
      if (refusal !== undefined) return { code: 'FAILED', message: refusal, costMs: Date.now() - t0 };
      this.assertOpen();
      if (strategy === 'uninstallThenInstall') {
        // Java: uninstall every registered version of the name first; their results are ignored.
        for (const r of [...registry.values()]) {
          if (r.bizName === manifest.bizName) await this.uninstall(r.bizName, r.bizVersion);
        }
      }
      const existing = registry.get(declared);
      if (existing) return repeated(existing, req.bizUrl, t0);
      for (const r of registry.values()) {
        if (r.webContextPath === manifest.webContextPath && r.bizName !== manifest.bizName) {
          const message = new ERR_BIZ_CONTEXT_PATH_TAKEN(manifest.webContextPath, r.identity).message;
          return { code: 'FAILED', message, costMs: Date.now() - t0 };
        }
      }

      // Register (resolved/Created): from here on the identity is reserved and visible to queries.
      const dir = store.dirOf(manifest.bizName, manifest.bizVersion);
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
      registry.register(rec);
      this.p.router.claim(rec);

      try {
        await store.moveIn(staged.root, dir);
      } catch (err) {
        this.unregister(rec);
        throw err;
      }
      return await this.startBiz(rec, t0);
    } finally {
      await staged.dispose();
    }
  }

  /** Uninstalls one module version: see `BizRuntime.uninstall`. */
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
          this.p.log.warn({ biz: identity, err: String(err) }, 'beforeUninstall hook failed');
        }
      }
      if (!this.p.registry.holds(rec)) {
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

  /** Makes a version the activated one: see `BizRuntime.switchBiz`. */
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
      const old = this.p.registry.activatedOf(bizName);
      // Route first: from this statement on, new requests go to the target; in-flight ones finish on the old.
      this.p.router.serve(rec, rec.host);
      if (old) this.p.registry.move(old, 'deactivated', 'Switched', `switch to new version ${identity}`);
      this.p.registry.move(rec, 'activated', 'Switched', old ? `switch from old version: ${old.identity}` : '');
    }
    return { code: 'SUCCESS', message: `Switch biz: ${identity} is activated.`, biz: snapshot(rec), costMs: Date.now() - t0 };
  }

  /** Marks the runtime closed, then stops every module in reverse priority order; files stay in the store. */
  async shutdown(): Promise<void> {
    this.closedFlag = true;
    await this.p.spares.close();
    const order = [...this.p.registry.values()].sort(
      (a, b) => b.priority - a.priority || b.installTime - a.installTime,
    );
    for (const rec of order) {
      if (rec.state === 'resolved' || rec.state === 'unresolved') {
        await rec.host?.terminate();
        continue;
      }
      await this.stopBiz(rec, false);
    }
    for (const rec of this.p.registry.values()) await rec.host?.terminate();
  }

  /** Watchdog `remove`: terminate without waiting on the stuck worker, then record and clean up. */
  async removeStuck(rec: BizRecord, reason: string): Promise<void> {
    this.p.router.unroute(rec);
    this.p.registry.move(rec, 'broken', 'Undefine', `removed by the watchdog: ${reason}`);
    await rec.host?.terminate();
    rec.host = undefined;
    // An uninstall or close that was already stopping it may have recorded the stop meanwhile.
    if (rec.state !== 'stopped') this.p.registry.move(rec, 'stopped', 'Stopped', 'removed by the watchdog');
    this.unregister(rec);
    await this.p.store.remove(rec.dir);
  }

  /** Watchdog `restart`: a fresh worker of the same version replaces the stuck one. */
  async restartStuck(rec: BizRecord, reason: string): Promise<void> {
    const wasActivated = rec.state === 'activated';
    const old = rec.host;
    if (old) old.onCrash = undefined;
    this.p.registry.move(rec, 'broken', 'Undefine', `restarting: ${reason}`);
    this.p.meters.restarted(rec.identity);
    if (wasActivated) this.p.router.starting(rec);
    await old?.terminate();
    let host: WorkerHost;
    try {
      host = await this.launch(rec, undefined);
    } catch (err) {
      rec.host = undefined;
      this.p.router.unroute(rec);
      this.p.log.error({ biz: rec.identity, err: (err as Error).message }, 'watchdog restart failed; module stays broken');
      return;
    }
    // Unregistered meanwhile (an uninstall or close stopped it first): the fresh worker is not wanted. The
    // state test keeps settleStarted to the move it is meant for (from broken).
    if (!this.p.registry.holds(rec) || rec.state !== 'broken') {
      await host.terminate();
      return;
    }
    rec.busyChecks = 0;
    rec.stuck = undefined;
    this.settleStarted(rec, host, wasActivated, 'restarted by the watchdog', 'restarted by the watchdog');
  }

  /** Spawns (or takes a spare for) and starts the record's worker; a start error is thrown as is. */
  private async launch(rec: BizRecord, spares: SpareWorkers | undefined): Promise<WorkerHost> {
    const host = spawnHost(rec, this.p.options, this.p.meters, spares);
    rec.host = host;
    const info = await host.start();
    rec.serves = info.serves;
    rec.healthIndicators = info.healthIndicators;
    return host;
  }

  private async startBiz(rec: BizRecord, t0: number): Promise<OperationResult> {
    let host: WorkerHost;
    try {
      host = await this.launch(rec, this.p.spares);
    } catch (err) {
      this.p.spares.fillSoon();
      const e = err as Error & { moduleStack?: string };
      this.p.registry.move(rec, 'broken', 'Install Failed', e.moduleStack ?? e.message);
      const logged = { type: e.name, message: e.message, stack: e.moduleStack ?? e.stack };
      this.p.log.warn({ biz: rec.identity, err: logged }, 'module failed to start');
      this.p.router.unroute(rec);
      rec.host = undefined;
      if (!this.p.options.keepBrokenBiz) {
        this.p.registry.move(rec, 'stopped', 'Stopped');
        this.unregister(rec);
        await this.p.store.remove(rec.dir);
      }
      throw err;
    }
    if (this.closedFlag || !this.p.registry.holds(rec)) {
      await host.terminate();
      throw new ERR_BIZ_RUNTIME_CLOSED();
    }
    this.settleStarted(rec, host, true, '', 'start but is deactivated');
    const started = new Date();
    const cost = Date.now() - t0;
    this.p.spares.fillSoon();
    this.p.log.info({ biz: rec.identity, state: rec.state, costMs: cost }, 'module installed');
    return {
      code: 'SUCCESS',
      message: `Install Biz: ${rec.identity} success, cost: ${cost} ms, started at: ${formatTime(started)}`,
      biz: snapshot(rec),
      costMs: cost,
    };
  }

  /** Shared by uninstall and shutdown: unroute, drain, stop, terminate, record. Returns the stop error. */
  private async stopBiz(rec: BizRecord, removeFiles: boolean): Promise<Error | undefined> {
    const { registry, options } = this.p;
    const host = rec.host;
    if (rec.state === 'activated') registry.move(rec, 'deactivated', 'Killing');
    this.p.router.unroute(rec);
    let stopError: Error | undefined;
    if (host && !host.dead) {
      const left = await host.proxy.drain(options.drainTimeoutMs);
      if (left > 0) this.p.log.warn({ biz: rec.identity, inflight: left }, 'drain timed out; stopping anyway');
      stopError = await host.stop(options.stopTimeoutMs);
    } else if (host) {
      await host.terminate();
    }
    // Another stop (a close during an uninstall, the watchdog's remove) may have recorded it first; a
    // watchdog restart may have activated it again while this one drained.
    if (rec.state !== 'stopped') {
      if (rec.state === 'activated') registry.move(rec, 'deactivated', 'Killing');
      if (stopError && rec.state !== 'broken') registry.move(rec, 'broken', 'Uninstall Failed', stopError.message);
      registry.move(rec, 'stopped', 'Stopped');
    }
    this.unregister(rec);
    rec.host = undefined;
    if (removeFiles) await this.p.store.remove(rec.dir);
    return stopError;
  }

  private onCrash(rec: BizRecord, error: Error): void {
    if (!this.p.registry.holds(rec) || rec.state === 'stopped' || rec.state === 'broken') return;
    this.p.router.markBroken(rec);
    this.p.registry.move(rec, 'broken', 'Undefine', `module worker crashed: ${error.name}: ${error.message}`);
    this.p.meters.crashed(rec.identity);
    this.p.log.error(
      { biz: rec.identity, err: { type: error.name, message: error.message, stack: error.stack } },
      'module crashed; marked broken',
    );
    this.p.crashed(rec.identity, error);
  }

  /**
   * After a successful start (install or watchdog restart), sofa-ark's rule: activated and routed when
   * `wantActive` and no other version of the name is activated, else deactivated (and any placeholder
   * route of this version removed).
   */
  private settleStarted(
    rec: BizRecord,
    host: WorkerHost,
    wantActive: boolean,
    activeMessage: string,
    inactiveMessage: string,
  ): void {
    host.onCrash = (error) => this.onCrash(rec, error);
    if (wantActive && !this.p.registry.activatedOf(rec.bizName, rec)) {
      this.p.router.serve(rec, host);
      this.p.registry.move(rec, 'activated', 'Started', activeMessage);
    } else {
      this.p.registry.move(rec, 'deactivated', 'Started', inactiveMessage);
      this.p.router.unroute(rec);
    }
  }

  /** Removes a record from the registry (forgetting its counters) and its route. */
  private unregister(rec: BizRecord): void {
    if (this.p.registry.remove(rec)) this.p.meters.forget(rec.identity);
    this.p.router.unroute(rec);
  }

  /** Validates a name/version pair (path-safe) and finds its record. */
  private lookup(bizName: string, bizVersion: string): { identity: string; rec: BizRecord | undefined } {
    assertBizName(bizName);
    assertBizVersion(bizVersion);
    const identity = bizIdentity(bizName, bizVersion);
    return { identity, rec: this.p.registry.get(identity) };
  }

  private assertOpen(): void {
    if (this.closedFlag) throw new ERR_BIZ_RUNTIME_CLOSED();
  }
}

/** The answer to installing an identity that is already registered. */
function repeated(existing: BizRecord, bizUrl: string, t0: number): OperationResult {
  // a deviation listed in docs/arklet-api.md: re-installing an activated identity from the same bizUrl is idempotent.
  if (existing.state === 'activated' && existing.bizUrl === bizUrl) {
    return {
      code: 'SUCCESS',
      message: `Install Biz: ${existing.identity} is already installed and activated from the same bizUrl.`,
      biz: snapshot(existing),
      costMs: Date.now() - t0,
    };
  }
  const message = `Biz: ${existing.identity} has been installed or registered.`;
  return { code: 'REPEAT_BIZ', message, costMs: Date.now() - t0 };
}

/** `HH:mm:ss,SSS` as in sofa-ark's install message. */
function formatTime(d: Date): string {
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())},${p(d.getMilliseconds(), 3)}`;
}
