/**
 * AGG (`arkBizAggregate` / `compositeAllBiz`): every installed module's indicators, evaluated inside
 * its worker by the runtime, all modules concurrently, each module bounded by an outer timeout on top of the
 * runtime's per-indicator timeout. Membership does not depend on the biz state: `deactivated` modules are
 * included; modules being uninstalled are not (Java drops them at `BeforeBizStopEvent`).
 */
import type { BizRuntime, BizSnapshot } from '@nodeark/runtime';
import type { HealthResult } from '@nodeark/biz';
import type { ActuatorConfig } from './config.js';
import { isStopping } from './lifecycle.js';
import { kouplelessAggregate, uniformCode } from './status.js';

/** The Java detail of a module without a usable context. */
export const NOT_REFRESHED = { applicationContext: "haven't refreshed" } as const;

type AggConfig = Pick<ActuatorConfig, 'aggregateIndicatorFormat' | 'startingBiz' | 'aggregateIncludeBroken'>;

/** One module's AGG entry. */
interface BizEntry {
  status: string;
  details?: Record<string, unknown>;
}

export class BizAggregate {
  constructor(
    private readonly runtime: Pick<BizRuntime, 'list' | 'get' | 'health'>,
    private readonly config: AggConfig,
    private readonly bizTimeoutMs: number,
    /** True for identities being uninstalled (`prepareUninstall` ran): Java drops them at BeforeBizStopEvent. */
    private readonly uninstalling: (identity: string) => boolean = () => false,
    private readonly cacheTtlMs = 0,
  ) {}

  private readonly cache = new Map<string, { value: Promise<ModuleHealth>; settledAt: number | undefined }>();

  /** Evaluates the component. `details` is omitted when no module is listed (Spring `NON_EMPTY`). */
  async evaluate(): Promise<HealthResult> {
    const members = this.runtime.list().filter((b) => this.isMember(b));
    const entries = await Promise.all(members.map((b) => this.entry(b)));
    const details: Record<string, unknown> = {};
    const statuses: string[] = [];
    members.forEach((b, i) => {
      const e = entries[i];
      if (e === undefined) return; // uninstalled while being evaluated
      details[b.identity] = e;
      statuses.push(e.status);
    });
    const status = kouplelessAggregate(statuses);
    return statuses.length === 0 ? { status } : { status, details };
  }

  /**
   * One module's health from its worker, bounded. Concurrent requests share one in-flight evaluation
   * (single flight); with `cacheTtlMs` > 0 a result is reused for that long
   * (`management.endpoint.health.cache.time-to-live`).
   */
  private moduleHealth(b: BizSnapshot): Promise<ModuleHealth> {
    const key = `${b.identity}@${b.installTime}`;
    const cached = this.cache.get(key);
    if (cached && (cached.settledAt === undefined || Date.now() - cached.settledAt < this.cacheTtlMs)) {
      return cached.value;
    }
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<ModuleHealth>((resolve) => {
      timer = setTimeout(
        () => resolve({ status: 'DOWN', components: { worker: { status: 'DOWN', details: { error: `module health did not answer within ${this.bizTimeoutMs} ms` } } } }),
        this.bizTimeoutMs,
      );
    });
    const entry: { value: Promise<ModuleHealth>; settledAt: number | undefined } = {
      value: Promise.resolve() as never,
      settledAt: undefined,
    };
    entry.value = Promise.race([this.runtime.health(b.identity), timeout])
      .catch((err: unknown): ModuleHealth => ({ status: 'DOWN', components: { worker: { status: 'DOWN', details: { error: String(err) } } } }))
      .finally(() => {
        clearTimeout(timer);
        if (this.cacheTtlMs > 0) entry.settledAt = Date.now();
        else if (this.cache.get(key) === entry) this.cache.delete(key);
        this.prune();
      });
    this.cache.set(key, entry);
    return entry.value;
  }

  private prune(): void {
    if (this.cache.size <= 256) return;
    const now = Date.now();
    for (const [k, e] of this.cache) {
      if (e.settledAt !== undefined && now - e.settledAt >= this.cacheTtlMs) this.cache.delete(k);
    }
  }

  private isMember(b: BizSnapshot): boolean {
    if (b.bizState === 'stopped' || b.bizState === 'unresolved') return false;
    if (isStopping(b.bizStateRecords) || this.uninstalling(b.identity)) return false;
    if (b.bizState === 'broken' && lastReason(b) === 'Install Failed' && !this.config.aggregateIncludeBroken) return false;
    return true;
  }

  private async entry(b: BizSnapshot): Promise<BizEntry | undefined> {
    if (b.bizState === 'resolved') {
      // Starting: the runtime evaluates a module's indicators only once its start() has returned.
      return this.config.startingBiz === 'down' ? { status: 'DOWN', details: { ...NOT_REFRESHED } } : { status: 'UNKNOWN' };
    }
    if (b.bizState === 'broken' && lastReason(b) === 'Install Failed') {
      // Kept after a failed start (keepBrokenBiz): Java's closed context.
      return { status: 'DOWN', details: { ...NOT_REFRESHED } };
    }
    const h = await this.moduleHealth(b);
    const now = this.runtime.get(b.bizName, b.bizVersion);
    if (!now || now.bizState === 'stopped' || isStopping(now.bizStateRecords) || this.uninstalling(b.identity)) return undefined;
    const names = Object.keys(h.components);
    if (names.length === 0) {
      const s = uniformCode(h.status);
      return { status: s === 'down' ? 'DOWN' : s === 'unknown' ? 'UNKNOWN' : 'UP' };
    }
    const details: Record<string, unknown> = {};
    for (const n of names) {
      const r = h.components[n]!;
      details[n] =
        this.config.aggregateIndicatorFormat === 'nested'
          ? { details: r.details ?? {}, status: { status: r.status } }
          : { status: r.status, details: r.details ?? {} };
    }
    return { status: kouplelessAggregate(names.map((n) => h.components[n]!.status)), details };
  }
}

type ModuleHealth = { status: string; components: Record<string, HealthResult> };

function lastReason(b: BizSnapshot): string | undefined {
  return b.bizStateRecords[b.bizStateRecords.length - 1]?.reason;
}
