/**
 * Base and module lifecycle as the actuator sees it (docs/reference/health-semantics.md § masterBizStartUp
 * (STARTUP) and § withAllBizReadiness): the STARTUP component's state and the base's liveness / readiness
 * with the `withAllBizReadiness` coupling, both driven by the runtime's `transition` events, mapped onto the
 * SOFAArk events the Java code listens to:
 *
 * | runtime transition                                   | SOFAArk event                  |
 * |------------------------------------------------------|--------------------------------|
 * | → `resolved` (`Created`)                             | `BeforeBizStartupEvent`        |
 * | `resolved` → `activated`/`deactivated` (`Started`)   | `AfterBizStartupEvent`         |
 * | `resolved` → `broken` (`Install Failed`)             | `AfterBizStartupFailedEvent`   |
 * | `activated` → `deactivated` (`Killing`)              | `BeforeBizStopEvent`           |
 * | → `stopped`                                          | `AfterBizStopEvent` (*)        |
 * | `Switched`, crash (`Undefine`), `Uninstall Failed`   | ignored (as in Java)           |
 *
 * (*) and `BeforeBizStopEvent` when no `Killing` came first.
 */
import type { BizRuntime, BizTransitionEvent } from '@nodeark/runtime';
import type { ActuatorConfig } from './config.js';

export type StartupStatus = 'UNKNOWN' | 'UP' | 'DOWN';
export type LivenessState = 'CORRECT' | 'BROKEN';
export type ReadinessState = 'ACCEPTING_TRAFFIC' | 'REFUSING_TRAFFIC';

/** STARTUP (`masterBizStartUp` / `baseStartUp`) state: the base status and one status per module identity. */
export class StartupTracker {
  base: StartupStatus = 'UNKNOWN';
  readonly biz = new Map<string, StartupStatus>();
  /** Identities whose removal is delayed by the silence window. */
  private readonly removal = new Map<string, NodeJS.Timeout>();
  /** Identities whose silence was already served by `prepareUninstall`. */
  readonly silenced = new Set<string>();

  constructor(private readonly config: Pick<ActuatorConfig, 'withAllBizReadiness' | 'silenceSecondsBeforeUninstall'>) {}

  markBase(status: 'UP' | 'DOWN'): void {
    // Java: UNKNOWN → UP on ApplicationReadyEvent, → DOWN on ApplicationFailedEvent. A failed base stays failed.
    if (this.base === 'DOWN') return;
    this.base = status;
  }

  set(identity: string, status: StartupStatus): void {
    const t = this.removal.get(identity);
    if (t) {
      clearTimeout(t);
      this.removal.delete(identity);
    }
    // Re-insert so that a reinstalled identity keeps insertion order semantics of a fresh entry.
    if (status === 'UNKNOWN') this.biz.delete(identity);
    this.biz.set(identity, status);
  }

  /** AfterBizStopEvent: drop the entry, after the silence window unless it was already served. */
  remove(identity: string): void {
    const silenceMs = this.config.silenceSecondsBeforeUninstall * 1000;
    if (silenceMs <= 0 || this.silenced.delete(identity) || !this.biz.has(identity)) {
      this.biz.delete(identity);
      return;
    }
    this.biz.set(identity, 'DOWN');
    const prev = this.removal.get(identity);
    if (prev) clearTimeout(prev);
    const t = setTimeout(() => {
      this.removal.delete(identity);
      if (this.biz.get(identity) === 'DOWN') this.biz.delete(identity);
    }, silenceMs);
    t.unref();
    this.removal.set(identity, t);
  }

  /** The component status. */
  status(): StartupStatus {
    if (!this.config.withAllBizReadiness) return this.base;
    const values = [...this.biz.values()];
    if (this.base === 'UP' && values.every((s) => s === 'UP')) return 'UP';
    if (this.base === 'UNKNOWN' || values.includes('UNKNOWN')) return 'UNKNOWN';
    return 'DOWN';
  }

  close(): void {
    for (const t of this.removal.values()) clearTimeout(t);
    this.removal.clear();
  }
}

/**
 * Base availability (Spring's `ApplicationAvailability`) plus Koupleless's `BaseProbeAvailabilityStateHandler`
 * (docs/reference/health-semantics.md § withAllBizReadiness), active only when `withAllBizReadiness` is on.
 */
export class Availability {
  liveness: LivenessState = 'BROKEN';
  readiness: ReadinessState = 'REFUSING_TRAFFIC';
  private baseReady = false;
  private shuttingDown = false;
  /** The tracked module set S: added on start, removed on stop. */
  private readonly tracked = new Set<string>();

  constructor(
    private readonly config: Pick<ActuatorConfig, 'withAllBizReadiness' | 'readinessReevaluateOnStop'>,
    private readonly runtime: Pick<BizRuntime, 'get' | 'list'>,
  ) {}

  /** Spring's ApplicationStartedEvent: liveness CORRECT. */
  markStarted(): void {
    if (this.liveness === 'BROKEN' && !this.failed) this.liveness = 'CORRECT';
  }

  private failed = false;

  /** Spring's ApplicationReadyEvent followed by ACCEPTING_TRAFFIC. */
  markReady(): void {
    if (this.failed) return;
    this.markStarted();
    this.baseReady = true;
    // Spring publishes ACCEPTING_TRAFFIC after the base is ready; with withAllBizReadiness nodeark also waits
    // for modules still installing at that moment (their AfterBizStartupEvent re-opens it).
    if (!this.shuttingDown && (!this.config.withAllBizReadiness || this.allTrackedAccepting())) {
      this.readiness = 'ACCEPTING_TRAFFIC';
    }
  }

  /** The base failed to start: it will not get traffic, and liveness asks for a restart. */
  markFailed(): void {
    this.failed = true;
    this.liveness = 'BROKEN';
    this.readiness = 'REFUSING_TRAFFIC';
  }

  /** Graceful shutdown began: refuse traffic first, never accept again. */
  markShuttingDown(): void {
    this.shuttingDown = true;
    this.readiness = 'REFUSING_TRAFFIC';
  }

  get isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  /** BeforeBizStopEvent for `prepareUninstall`. */
  refuseFor(identity: string): void {
    if (!this.config.withAllBizReadiness) return;
    this.tracked.add(identity);
    this.readiness = 'REFUSING_TRAFFIC';
  }

  onTransition(e: BizTransitionEvent): void {
    if (!this.config.withAllBizReadiness) return;
    const kind = classify(e);
    switch (kind) {
      case 'beforeStartup':
        this.tracked.add(e.identity);
        this.readiness = 'REFUSING_TRAFFIC';
        return;
      case 'startupFailed':
      case 'beforeStop':
        this.readiness = 'REFUSING_TRAFFIC';
        return;
      case 'afterStartup':
        if (this.liveness === 'CORRECT' && this.baseReady && !this.shuttingDown && this.allTrackedAccepting()) {
          this.readiness = 'ACCEPTING_TRAFFIC';
        }
        return;
      case 'afterStop':
        // BeforeBizStopEvent fires for every stop in Java, also for a module that never was activated.
        this.readiness = 'REFUSING_TRAFFIC';
        this.tracked.delete(e.identity);
        // Java (Q7, docs/reference/health-semantics.md § withAllBizReadiness): readiness is not
        // re-evaluated here; optionally nodeark re-opens it.
        if (this.config.readinessReevaluateOnStop && this.liveness === 'CORRECT' && this.baseReady && !this.shuttingDown && this.allTrackedAccepting()) {
          this.readiness = 'ACCEPTING_TRAFFIC';
        }
        return;
      default:
        return;
    }
  }

  /** A module "reports ACCEPTING_TRAFFIC" when it started successfully and is not being stopped. */
  private allTrackedAccepting(): boolean {
    for (const id of this.tracked) {
      const sep = id.lastIndexOf(':');
      const snap = this.runtime.get(id.slice(0, sep), id.slice(sep + 1));
      if (!snap) continue; // already gone; its stop event removes it from S
      if (snap.bizState !== 'activated' && snap.bizState !== 'deactivated') return false;
      if (isStopping(snap.bizStateRecords)) return false;
    }
    return true;
  }
}

/** The SOFAArk event a runtime transition stands for. */
export type LifecycleEventKind = 'beforeStartup' | 'afterStartup' | 'startupFailed' | 'beforeStop' | 'afterStop' | 'ignored';

export function classify(e: BizTransitionEvent): LifecycleEventKind {
  if (e.to === 'resolved' && e.reason === 'Created') return 'beforeStartup';
  if ((e.to === 'activated' || e.to === 'deactivated') && e.reason === 'Started') return 'afterStartup';
  if (e.to === 'broken' && e.reason === 'Install Failed') return 'startupFailed';
  if (e.to === 'deactivated' && e.reason === 'Killing') return 'beforeStop';
  // A second `stopped` for the same record (concurrent uninstalls of one identity) is not a new stop.
  if (e.to === 'stopped') return e.from === 'stopped' ? 'ignored' : 'afterStop';
  return 'ignored';
}

/** True while an uninstall is in progress (after `Killing`, or a failed `stop()`). */
export function isStopping(records: ReadonlyArray<{ reason: string; state: string }>): boolean {
  const last = records[records.length - 1];
  return last !== undefined && (last.reason === 'Killing' || last.reason === 'Uninstall Failed' || last.state === 'stopped');
}
