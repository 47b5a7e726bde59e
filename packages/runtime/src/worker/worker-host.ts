/**
 * Base side of one module worker: spawn with an explicit env and resource limits, start with a timeout,
 * health, stop with a timeout, terminate, and crash detection. `'error'` and `'exit'` are always handled:
 * an unhandled worker `'error'` would crash the base (docs/security.md).
 */
import { Worker, type ResourceLimits } from 'node:worker_threads';
import type { EventLoopUtilization } from 'node:perf_hooks';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { isSocketMessage } from '../channel/messages.js';
import { PortOutbox } from '../channel/port-outbox.js';
import { SocketLink } from '../channel/socket-link.js';
import { ERR_BIZ_START_FAILED } from '../errors.js';
import { ModuleProxy } from '../http/module-proxy.js';
import { WORKER_STATS_INTERVAL_MS, type ModuleMeter, type WorkerHeapStats } from '../metrics/module-metrics.js';
import { kernelThreadCpuSeconds } from '../metrics/thread-cpu.js';
import type { BizHealth, BizServeKind } from '../types.js';
import type { BizLogRecord, FromWorker, ToWorker, WorkerAssignment, WorkerBootData } from './protocol.js';
import { deserializeError } from './serialized-error.js';
import { WORKER_MAIN } from './spare-workers.js';


/** Options for spawning one module worker. */
export interface WorkerHostOptions {
  boot: WorkerBootData;
  /** The worker's whole `process.env` (default: `boot.env`). */
  processEnv?: Record<string, string>;
  identity: string;
  resourceLimits?: ResourceLimits;
  startTimeoutMs: number;
  /** No response head within it → 504 (0 disables). */
  requestTimeoutMs: number;
  /** A streamed response or upgraded connection quiet for this long is closed (0 disables). */
  idleTimeoutMs: number;
  /** Extend the client's `x-forwarded-*` instead of replacing them. */
  trustProxy: boolean;
  /** Rewrite `Location`/cookie paths into the mount point. */
  rewriteMount: boolean;
  /** Extra `execArgv` for the worker (non-V8 flags only). */
  execArgv?: string[];
  /** Receives the module's log lines (see biz-log-sink.ts); without it they are dropped. */
  onLog?: (record: BizLogRecord) => void;
  /** The module version's counters; without it (accounting off) nothing is counted and no heap is reported. */
  meter?: ModuleMeter | undefined;
  /**
   * A pre-spawned worker to run the module in (SpareWorkers.take()) instead of spawning one. It was spawned
   * with the same `resourceLimits` and `execArgv`; `processEnv` and `boot` reach it as its assignment.
   */
  spare?: Worker | undefined;
}

/** What a started module reported. */
export interface StartedInfo {
  serves: BizServeKind;
  /** The module accepts `Upgrade` requests. */
  upgrade: boolean;
  healthIndicators: string[];
}

/** Owns one module worker. */
export class WorkerHost {
  readonly worker: Worker;
  /** Requests and upgrades into the worker. */
  readonly proxy: ModuleProxy;
  private readonly link: SocketLink;
  private readonly outbox: PortOutbox<ToWorker>;
  private exited = false;
  private exitCode: number | undefined;
  private lastError: Error | undefined;
  private stopping = false;
  private readonly exitPromise: Promise<number>;
  private healthSeq = 0;
  private readonly healthWaiters = new Map<number, (h: BizHealth) => void>();
  private controlListener: ((msg: FromWorker) => void) | undefined;
  /** What the module reported when it started (undefined until then). */
  started: StartedInfo | undefined;
  /** Called once if the worker dies on its own after a successful start. */
  onCrash: ((err: Error) => void) | undefined;
  /** Child processes the module spawned that are still running (reported by the worker's guard). */
  readonly children = new Set<number>();
  private lastElu: EventLoopUtilization | undefined;
  /** The worker's latest V8 heap report (docs/observability.md). */
  heapStats: WorkerHeapStats | undefined;
  /** The CPU time the worker last reported, seconds (metrics/thread-cpu.ts). */
  private reportedCpuSeconds: number | undefined;
  /** The worker's kernel thread id (Linux), once reported. */
  private kernelTid: number | undefined;

  constructor(private readonly options: WorkerHostOptions) {
    const boot: WorkerBootData = { ...options.boot, statsIntervalMs: options.meter ? WORKER_STATS_INTERVAL_MS : 0 };
    // The module's process.env is exactly the install request's envs, never the base's environment.
    const processEnv = { ...(options.processEnv ?? options.boot.env) };
    if (options.spare) {
      // A pre-spawned worker with the same runtime-wide settings (spare-workers.ts): its first message is
      // its assignment, before anything the link or the control messages send.
      this.worker = options.spare;
      this.worker.postMessage({ t: 'assign', boot, processEnv } satisfies WorkerAssignment);
    } else {
      this.worker = new Worker(WORKER_MAIN, {
        workerData: boot,
        env: processEnv,
        name: options.identity,
        ...(options.resourceLimits ? { resourceLimits: options.resourceLimits } : {}),
        execArgv: options.execArgv ?? [],
        stdout: false,
        stderr: false,
      });
    }
    // The worker may already be gone when a batch is flushed; its 'exit' fails the open connections.
    this.outbox = new PortOutbox<ToWorker>(this.worker);
    this.link = new SocketLink((msg, transfer) => this.outbox.post(msg, transfer));
    this.proxy = new ModuleProxy(this.link, {
      identity: options.identity,
      requestTimeoutMs: options.requestTimeoutMs,
      idleTimeoutMs: options.idleTimeoutMs,
      trustProxy: options.trustProxy,
      rewriteMount: options.rewriteMount,
      meter: options.meter,
    });
    this.worker.on('message', (msg: FromWorker | FromWorker[]) => {
      if (Array.isArray(msg)) {
        for (const m of msg) this.onMessage(m);
      } else {
        this.onMessage(msg);
      }
    });
    this.worker.on('error', (err) => {
      this.lastError = err;
    });
    this.exitPromise = new Promise((resolve) => {
      this.worker.once('exit', (code) => {
        this.exited = true;
        this.exitCode = code;
        this.killChildren();
        this.outbox.clear();
        this.proxy.failAll('stopped while handling the request');
        for (const [, w] of this.healthWaiters) {
          w({ status: 'DOWN', components: { worker: { status: 'DOWN', details: { error: 'worker exited' } } } });
        }
        this.healthWaiters.clear();
        if (!this.stopping) {
          this.onCrash?.(this.lastError ?? new Error(`module worker exited with code ${code}`));
        }
        resolve(code);
      });
    });
  }

  private onMessage(msg: FromWorker): void {
    if (isSocketMessage(msg)) {
      this.link.handle(msg);
      return;
    }
    if (msg.t === 'child') {
      if (msg.alive) this.children.add(msg.pid);
      else this.children.delete(msg.pid);
      return;
    }
    if (msg.t === 'log') {
      this.options.onLog?.(msg);
      return;
    }
    if (msg.t === 'stats') {
      this.heapStats = {
        heapUsedBytes: msg.heapUsed,
        heapTotalBytes: msg.heapTotal,
        heapLimitBytes: msg.heapLimit,
        externalBytes: msg.external,
        sampledAt: msg.at,
      };
      if (msg.cpu !== undefined) this.reportedCpuSeconds = msg.cpu;
      if (msg.tid !== undefined) this.kernelTid = msg.tid;
      return;
    }
    if (msg.t === 'health') {
      const w = this.healthWaiters.get(msg.id);
      if (w) {
        this.healthWaiters.delete(msg.id);
        w(msg.result);
      }
      return;
    }
    this.controlListener?.(msg);
  }

  /**
   * The worker thread's CPU time (user + system), seconds: read now from `/proc` when the worker reported
   * its kernel thread id (Linux), so that a worker stuck in a loop is seen too; otherwise what it last
   * reported; undefined before its first report or where no source exists (metrics/thread-cpu.ts).
   */
  cpuSeconds(): number | undefined {
    if (this.kernelTid !== undefined && !this.exited) {
      const now = kernelThreadCpuSeconds(this.kernelTid);
      if (now !== undefined) return now;
    }
    return this.reportedCpuSeconds;
  }

  /** True once the worker thread has exited. */
  get dead(): boolean {
    return this.exited;
  }

  /** Waits for `ready`; rejects with `NODEARK_ERR_BIZ_START_FAILED` (and terminates) on any failure. */
  start(): Promise<StartedInfo> {
    const { identity, startTimeoutMs } = this.options;
    return new Promise<StartedInfo>((resolve, reject) => {
      let settled = false;
      const fail = (reason: string, cause?: Error): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.controlListener = undefined;
        this.stopping = true;
        void this.worker.terminate().catch(() => {});
        const err = cause
          ? new ERR_BIZ_START_FAILED(identity, reason, { cause })
          : new ERR_BIZ_START_FAILED(identity, reason);
        if (cause?.stack) (err as Error & { moduleStack?: string }).moduleStack = cause.stack;
        reject(err);
      };
      const timer = setTimeout(() => fail(`start did not finish within ${startTimeoutMs} ms`), startTimeoutMs);
      this.controlListener = (msg) => {
        if (msg.t === 'ready') {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          this.controlListener = undefined;
          this.started = { serves: msg.serves, upgrade: msg.upgrade, healthIndicators: msg.healthIndicators };
          resolve(this.started);
        } else if (msg.t === 'startFailed') {
          const e = deserializeError(msg.error);
          fail(`${e.name}: ${e.message}`, e);
        }
      };
      void this.exitPromise.then((code) => {
        const e = this.lastError;
        fail(e ? `${e.name}: ${e.message}` : `worker exited with code ${code} during start`, e);
      });
    });
  }

  /** Forwards one request into the worker. */
  forward(req: IncomingMessage, res: ServerResponse, url: string, prefix: string): void {
    this.proxy.forward(req, res, url, prefix);
  }

  /** Forwards one `Upgrade` request into the worker. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, url: string, prefix: string): void {
    this.proxy.upgrade(req, socket, head, url, prefix);
  }

  /** Evaluates the module's indicators; a worker that does not answer in `timeoutMs` reads as DOWN. */
  health(timeoutMs: number): Promise<BizHealth> {
    if (this.exited) {
      return Promise.resolve({
        status: 'DOWN',
        components: { worker: { status: 'DOWN', details: { error: `worker exited with code ${this.exitCode}` } } },
      });
    }
    const id = ++this.healthSeq;
    return new Promise<BizHealth>((resolve) => {
      const timer = setTimeout(() => {
        this.healthWaiters.delete(id);
        resolve({
          status: 'DOWN',
          components: { worker: { status: 'DOWN', details: { error: `worker did not answer within ${timeoutMs} ms` } } },
        });
      }, timeoutMs);
      this.healthWaiters.set(id, (h) => {
        clearTimeout(timer);
        resolve(h);
      });
      this.postNow({ t: 'health', id });
    });
  }

  /**
   * Calls the module's `stop(ctx)` (bounded by `timeoutMs`), then terminates the worker. Resolves with
   * the stop error, if any; never rejects.
   */
  async stop(timeoutMs: number): Promise<Error | undefined> {
    this.stopping = true;
    if (this.exited) return undefined;
    let stopError: Error | undefined;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        stopError = new Error(`stop() did not finish within ${timeoutMs} ms`);
        resolve();
      }, timeoutMs);
      this.controlListener = (msg) => {
        if (msg.t === 'stopped') {
          clearTimeout(timer);
          if (msg.error) stopError = deserializeError(msg.error);
          resolve();
        }
      };
      void this.exitPromise.then(() => {
        clearTimeout(timer);
        resolve();
      });
      this.postNow({ t: 'stop', timeoutMs });
    });
    await this.terminate();
    return stopError;
  }

  /** Sends a control message now, after the socket traffic queued before it. */
  private postNow(msg: ToWorker): void {
    this.outbox.flush();
    try {
      this.worker.postMessage(msg);
    } catch {
      // Gone: 'exit' settles every waiter.
    }
  }

  /** Terminates the worker now. */
  async terminate(): Promise<void> {
    this.stopping = true;
    if (!this.exited) await this.worker.terminate().catch(() => {});
    await this.exitPromise;
  }

  /**
   * Event-loop utilisation of the worker since the previous call (0..1), read from the base without the
   * worker's cooperation, so a stuck worker is still measured (Platformatic's approach).
   */
  sampleEventLoopUtilization(): number {
    if (this.exited) return 0;
    const now = this.worker.performance.eventLoopUtilization();
    const delta = this.lastElu ? this.worker.performance.eventLoopUtilization(now, this.lastElu) : now;
    this.lastElu = now;
    return delta.utilization;
  }

  /** Ends the child processes the module left behind: SIGTERM now, SIGKILL after a grace period. */
  private killChildren(): void {
    if (this.children.size === 0) return;
    const pids = [...this.children];
    this.children.clear();
    for (const pid of pids) signal(pid, 'SIGTERM');
    const timer = setTimeout(() => {
      for (const pid of pids) signal(pid, 'SIGKILL');
    }, 2000);
    timer.unref();
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // Already gone.
  }
}
