/**
 * The event-loop watchdog (docs/operations.md § The event-loop watchdog): samples each running module
 * worker's event-loop utilisation every interval; a module over the threshold for enough consecutive
 * samples is marked stuck (its health DOWN) and the configured action runs once, until it recovers.
 */
import type { BizRecord } from './biz-record.js';
import type { RuntimeLogger, WatchdogAction, WatchdogOptions } from './runtime-options.js';

/** What the watchdog needs from the runtime. */
export interface WatchdogHooks {
  /** The records to sample (every registered one; only running workers are sampled). */
  records(): Iterable<BizRecord>;
  /** Reports a module found stuck (the runtime's `'stuck'` event). */
  stuck(event: { identity: string; utilization: number; action: WatchdogAction }): void;
  /** Action `remove`: uninstall without waiting on the stuck worker. */
  remove(rec: BizRecord, reason: string): Promise<void>;
  /** Action `restart`: a fresh worker of the same version. */
  restart(rec: BizRecord, reason: string): Promise<void>;
}

/** One runtime's watchdog timer. */
export class BizWatchdog {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly options: WatchdogOptions,
    private readonly hooks: WatchdogHooks,
    private readonly log: RuntimeLogger,
  ) {}

  /** Starts sampling, unless the interval is 0. The timer does not keep the process alive. */
  start(): void {
    if (!(this.options.intervalMs > 0) || this.timer) return;
    this.timer = setInterval(() => this.tick(), this.options.intervalMs);
    this.timer.unref();
  }

  /** Stops sampling for good (shutdown). */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One sample of every running module. */
  tick(): void {
    const w = this.options;
    for (const rec of this.hooks.records()) {
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
      this.hooks.stuck({ identity: rec.identity, utilization: elu, action: w.action });
      if (w.action === 'remove') void this.hooks.remove(rec, rec.stuck);
      else if (w.action === 'restart') void this.hooks.restart(rec, rec.stuck);
    }
  }
}
