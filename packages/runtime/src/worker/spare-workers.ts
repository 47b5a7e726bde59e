/**
 * Pre-spawned module workers. Spawning a worker thread (a V8 isolate and a Node environment, then
 * `worker-main` and its imports) is most of a hot install's time (docs/benchmarks.md, hot install); a
 * spare has done all of that before the install arrives and waits for its assignment (the module's boot
 * data and environment), so an install pays only for staging, the module's own import and `start(ctx)`.
 *
 * A spare costs what an idle empty worker costs (about 8 MiB PSS on the reference machine), so the pool is
 * small (`nodeark.worker.spares`, default 1, 0 disables it) and is filled only after the base's first
 * install: a base without modules carries none. Spares are unref'd (they never keep a process alive), an
 * `'error'` or exit of a spare only drops it, and `close()` ends them (docs/operations.md § Start-up and
 * install speed).
 */
import { Worker, type ResourceLimits } from 'node:worker_threads';
import type { SpareWorkerData } from './protocol.js';

/** What every spare is spawned with: the runtime-wide settings a module worker gets at spawn. */
export interface SpareWorkerOptions {
  /** How many spares to keep ready. */
  count: number;
  /** V8 heap limits of module workers. */
  resourceLimits?: ResourceLimits | undefined;
  /** Extra `execArgv` of module workers. */
  execArgv?: string[] | undefined;
}

/** The module worker entry (`worker-main.js`), which a spare runs up to its assignment. */
export const WORKER_MAIN = new URL('./worker-main.js', import.meta.url);

/** A small pool of pre-spawned module workers. */
export class SpareWorkers {
  private readonly ready: Worker[] = [];
  private closed = false;

  constructor(private readonly options: SpareWorkerOptions) {}

  /** Spares waiting now. */
  get size(): number {
    return this.ready.length;
  }

  /**
   * A spare for a module, removed from the pool and ref'd again, or undefined when none is ready. The caller
   * must assign it at once (WorkerHost does) or terminate it.
   */
  take(): Worker | undefined {
    // A spare that exited was dropped from `ready` by its 'exit' listener, in the same step as it exited.
    const worker = this.ready.shift();
    if (worker === undefined) return undefined;
    worker.ref();
    return worker;
  }

  /** Spawns spares until `count` are waiting. */
  fill(): void {
    while (!this.closed && this.ready.length < this.options.count) this.ready.push(this.spawn());
  }

  /**
   * {@link fill} on the next turn of the event loop: called after an install, so that the install's answer
   * and the module's first requests go first and the new thread starts while the base waits for more.
   */
  fillSoon(): void {
    setImmediate(() => this.fill());
  }

  /** Ends every waiting spare; the pool stays empty from then on. */
  async close(): Promise<void> {
    this.closed = true;
    const all = this.ready.splice(0);
    await Promise.all(all.map((w) => w.terminate().catch(() => 0)));
  }

  private spawn(): Worker {
    const worker = new Worker(WORKER_MAIN, {
      workerData: { spare: true } satisfies SpareWorkerData,
      // Its own, empty environment until the assignment brings the module's (never the base's).
      env: {},
      name: 'nodeark-spare',
      ...(this.options.resourceLimits ? { resourceLimits: this.options.resourceLimits } : {}),
      execArgv: this.options.execArgv ?? [],
      stdout: false,
      stderr: false,
    });
    worker.unref();
    // A spare that fails or exits is simply not used. The listeners stay for the worker's life: once it is
    // taken, dropping it from the pool is a no-op, and the 'error' listener keeps a late error from being
    // unhandled before the WorkerHost adds its own.
    const drop = (): void => {
      const i = this.ready.indexOf(worker);
      if (i >= 0) this.ready.splice(i, 1);
    };
    worker.on('error', drop);
    worker.once('exit', drop);
    return worker;
  }
}
