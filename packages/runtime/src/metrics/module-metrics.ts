/**
 * Per-module accounting of the traffic the base routes into module workers, and the snapshot
 * `runtime.metrics()` returns (docs/observability.md). Kept free of any metrics library: the actuator turns
 * the snapshot into Prometheus text and Spring's `/actuator/metrics` JSON.
 *
 * The request path pays little: one {@link ModuleMeter} per module version, created once; per request two
 * `performance.now()` reads, a few additions to plain number fields and one `Map` lookup by an integer key
 * to find the histogram of the (method, status) pair, which is allocated the first time that pair is seen
 * and never again. Labels stay bounded whatever a module answers: 8 method values, and per status either a
 * registered HTTP code (Node's `STATUS_CODES`), its class (`4xx`) or `UNKNOWN`.
 *
 * One file past 400 lines on purpose: the meter, the registry and the snapshot types change together (a new
 * figure touches all three), and the label mapping is only theirs.
 */
import { STATUS_CODES } from 'node:http';
import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import type { BizState } from '../types.js';
import { LATENCY_BUCKETS_SECONDS, LatencyHistogram } from './histogram.js';

/**
 * The `method` label values: the standard methods, and `UNKNOWN` (Spring's value) for any other, so that a
 * client sending made-up methods cannot grow the label set.
 */
export const METRICS_HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'UNKNOWN'] as const;

/** A `method` label value. */
export type MetricsHttpMethod = (typeof METRICS_HTTP_METHODS)[number];

/** Micrometer's `outcome` tag: the status class, `UNKNOWN` when no status went out. */
export type HttpOutcome = 'INFORMATIONAL' | 'SUCCESS' | 'REDIRECTION' | 'CLIENT_ERROR' | 'SERVER_ERROR' | 'UNKNOWN';

const OUTCOMES: readonly HttpOutcome[] = ['UNKNOWN', 'INFORMATIONAL', 'SUCCESS', 'REDIRECTION', 'CLIENT_ERROR', 'SERVER_ERROR'];

/** How often a module worker reports its V8 heap figures to the base, ms. */
export const WORKER_STATS_INTERVAL_MS = 5_000;

/** The event-loop utilisation gauge is recomputed at most this often, ms (see {@link WorkerMetricsSnapshot}). */
const ELU_MIN_WINDOW_MS = 1_000;

/** 1 for the codes Node knows a reason phrase for (the IANA registry): these keep their own `status` value. */
const REGISTERED = new Uint8Array(600);
for (const code of Object.keys(STATUS_CODES)) {
  const n = Number(code);
  if (n >= 100 && n <= 599) REGISTERED[n] = 1;
}

function methodIndex(method: string | undefined): number {
  switch (method) {
    case 'GET':
      return 0;
    case 'HEAD':
      return 1;
    case 'POST':
      return 2;
    case 'PUT':
      return 3;
    case 'PATCH':
      return 4;
    case 'DELETE':
      return 5;
    case 'OPTIONS':
      return 6;
    default:
      return 7;
  }
}

/** 100–599 registered → the code; 100–599 otherwise → its class digit (1–5); anything else (none sent) → 0. */
function statusKey(status: number): number {
  if (status >= 100 && status <= 599) {
    const code = status | 0;
    return REGISTERED[code] === 1 ? code : (code / 100) | 0;
  }
  return 0;
}

function statusLabel(key: number): string {
  if (key === 0) return 'UNKNOWN';
  if (key < 10) return `${key}xx`;
  return String(key);
}

function outcomeOf(key: number): HttpOutcome {
  return OUTCOMES[key < 10 ? key : (key / 100) | 0] ?? 'UNKNOWN';
}

/** Series key: method index × 1000 + status key. */
const METHOD_STRIDE = 1000;

/**
 * The counters of one module version, updated by its worker's proxy and by the runtime's edge answers. One
 * object per module version for as long as the version is registered; a watchdog restart keeps it.
 */
export class ModuleMeter {
  /** Latency histograms by series key (method × status), created on first use. */
  readonly series = new Map<number, LatencyHistogram>();
  /** Requests forwarded and not yet answered (upgrade handshakes included until they are answered). */
  requestsActive = 0;
  /** Upgraded connections (WebSockets) open. */
  websocketsActive = 0;
  /** Responses whose head went out and whose body has not ended (live streams, SSE, long downloads). */
  responsesStreaming = 0;
  /**
   * Request body bytes: the declared `Content-Length`, the bytes read of chunked bodies, and upgraded connections'
   * bytes read.
   */
  bytesIn = 0;
  /** Response body bytes relayed, and upgraded connections' bytes written. */
  bytesOut = 0;
  /** Worker crashes (`'crash'` events). */
  crashes = 0;
  /** Watchdog restarts. */
  restarts = 0;
  /** Edge answers the base gave for this module, by error code. */
  readonly edgeErrors = new Map<string, number>();

  /** A request is forwarded: counts it in flight and returns its start time (`performance.now()`). */
  begin(): number {
    this.requestsActive++;
    return performance.now();
  }

  /** A request begun with {@link begin} ended; `status` 0 when no response head went out. */
  end(method: string | undefined, status: number, t0: number): void {
    this.requestsActive--;
    this.record(method, status, t0);
  }

  /** Records one answered request that started at `t0` (`performance.now()`). */
  record(method: string | undefined, status: number, t0: number): void {
    const now = performance.now();
    const key = methodIndex(method) * METHOD_STRIDE + statusKey(status);
    let h = this.series.get(key);
    if (h === undefined) {
      h = new LatencyHistogram();
      this.series.set(key, h);
    }
    h.observe((now - t0) / 1000, now);
  }

  /** Counts an edge answer (`NODEARK_ERR_ROUTE_*`) given for this module. */
  edge(code: string): void {
    this.edgeErrors.set(code, (this.edgeErrors.get(code) ?? 0) + 1);
  }

  /**
   * An edge answer given before anything reached the worker (starting, broken, serves no HTTP, worker
   * gone): counted as a request answered at once, and under its code.
   */
  answered(method: string | undefined, status: number, code: string): void {
    this.record(method, status, performance.now());
    this.edge(code);
  }
}

/** V8 heap figures a module worker reports about its own isolate (`v8.getHeapStatistics()`). */
export interface WorkerHeapStats {
  /** `used_heap_size`, bytes. */
  heapUsedBytes: number;
  /** `total_heap_size`, bytes. */
  heapTotalBytes: number;
  /** `heap_size_limit`, bytes (follows `nodeark.worker.max-old-generation-size-mb`). */
  heapLimitBytes: number;
  /** `external_memory`, bytes (Buffers and other memory held outside the heap by JS objects). */
  externalBytes: number;
  /** When the worker took these figures, epoch ms. */
  sampledAt: number;
}

/** What the registry reads from a live module worker. */
export interface MeteredWorker {
  /** True once the worker thread has exited. */
  readonly dead: boolean;
  readonly worker: {
    readonly threadId: number;
    readonly performance: {
      eventLoopUtilization(u1?: EventLoopUtilization, u2?: EventLoopUtilization): EventLoopUtilization;
    };
  };
  /** The latest heap figures the worker reported (undefined before the first report). */
  readonly heapStats: WorkerHeapStats | undefined;
  /** The worker thread's CPU time, seconds (undefined before the first report, or where it cannot be read). */
  cpuSeconds(): number | undefined;
}

/** One registered module version, as the runtime hands it to {@link MetricsRegistry.snapshot}. */
export interface MeteredModule {
  identity: string;
  bizName: string;
  bizVersion: string;
  state: BizState;
  webContextPath: string;
  host: MeteredWorker | undefined;
}

/** Requests of one (method, status) pair of one module version: a latency histogram. */
export interface RequestSeriesSnapshot {
  /** One of {@link METRICS_HTTP_METHODS}. */
  method: MetricsHttpMethod;
  /**
   * The status sent: a registered HTTP code (`"200"`, `"404"`), the class of an unregistered one (`"4xx"`
   * for 499), or `"UNKNOWN"` when no response head went out (the client went away first).
   */
  status: string;
  outcome: HttpOutcome;
  /** Requests. */
  count: number;
  /** Sum of their latencies, seconds. */
  sumSeconds: number;
  /** Largest latency of roughly the last one to two minutes, seconds (Micrometer's `MAX`); 0 when none. */
  maxSeconds: number;
  /**
   * Cumulative counts per bucket, aligned with {@link RuntimeMetricsSnapshot.latencyBuckets}, then one more
   * for `+Inf` (equal to {@link count}).
   */
  buckets: number[];
}

/** A module version's live worker. */
export interface WorkerMetricsSnapshot {
  /** The worker's `threadId`. */
  threadId: number;
  /**
   * Event-loop utilisation (0..1) between this snapshot and the previous one at least a second older (since the worker
   * started for the first). Read from the base, so a stuck worker still reports 1.
   */
  eventLoopUtilization: number;
  /**
   * Time the worker's event loop has been busy since it started, seconds (a counter: `rate()` of it is the
   * utilisation).
   */
  eventLoopActiveSeconds: number;
  /**
   * The latest heap report (every {@link WORKER_STATS_INTERVAL_MS}); undefined until the first, or with accounting off.
   */
  heap: WorkerHeapStats | undefined;
  /**
   * CPU time (user + system) of the worker thread since it started, seconds (a counter): read from the kernel
   * at snapshot time on Linux, else the worker's latest report (`process.threadCpuUsage()` on Node lines that
   * have it); undefined where neither exists, or with accounting off (docs/observability.md).
   */
  cpuSeconds: number | undefined;
}

/** One module version's figures. */
export interface ModuleMetricsSnapshot {
  bizName: string;
  bizVersion: string;
  /** `bizName:bizVersion`. */
  identity: string;
  state: BizState;
  webContextPath: string;
  /** One entry per (method, status) pair seen, ordered by method then status. */
  requests: RequestSeriesSnapshot[];
  /** Requests forwarded and not yet answered. */
  requestsActive: number;
  /** Upgraded connections (WebSockets) open. */
  websocketsActive: number;
  /** Responses whose head went out and whose body is still open. */
  responsesStreaming: number;
  /** Request bytes received (declared or read request bodies; upgraded connections' bytes read once they close). */
  bytesReceived: number;
  /** Response body bytes sent (upgraded connections' bytes written once they close). */
  bytesSent: number;
  /** Edge answers the base gave for this module, by `NODEARK_ERR_ROUTE_*` code. */
  edgeErrors: Record<string, number>;
  /** Watchdog restarts of this version's worker. */
  restarts: number;
  /** Crashes of this version's worker. */
  crashes: number;
  /** The live worker, if any. */
  worker: WorkerMetricsSnapshot | undefined;
}

/** What `runtime.metrics()` returns: plain data, safe to serialise. */
export interface RuntimeMetricsSnapshot {
  /** When it was taken, epoch ms. */
  timestamp: number;
  /** False when the runtime was created with accounting off (benchmarks only): every count stays 0. */
  accounting: boolean;
  /** Upper bounds (`le`) of the latency histogram buckets, seconds, ascending; `+Inf` is implied. */
  latencyBuckets: readonly number[];
  /** Every registered module version, in the order of `runtime.list()`. */
  modules: ModuleMetricsSnapshot[];
  /** Edge answers not attributable to a module (no module at that path), by code. */
  edgeErrors: Record<string, number>;
}

interface EluWindow {
  base: EventLoopUtilization;
  at: number;
  value: number;
}

/** The meters of every module version of one runtime. */
export class MetricsRegistry {
  private readonly meters = new Map<string, ModuleMeter>();
  private readonly unattributed = new Map<string, number>();
  private readonly elu = new WeakMap<object, EluWindow>();

  /** @param enabled false: no meter is ever handed out and nothing is counted (benchmarks' A/B only). */
  constructor(readonly enabled: boolean) {}

  /** A version's worker crashed. */
  crashed(identity: string): void {
    const m = this.of(identity);
    if (m) m.crashes++;
  }

  /** The watchdog is restarting a version's worker. */
  restarted(identity: string): void {
    const m = this.of(identity);
    if (m) m.restarts++;
  }

  /**
   * A version was unregistered: its counters go with it (a reinstall starts from zero, which Prometheus
   * reads as a counter reset); requests still in flight finish on the detached meter.
   */
  forget(identity: string): void {
    this.meters.delete(identity);
  }

  /** The meter of a module version (created on first use); undefined with accounting off. */
  of(identity: string): ModuleMeter | undefined {
    if (!this.enabled) return undefined;
    let m = this.meters.get(identity);
    if (m === undefined) {
      m = new ModuleMeter();
      this.meters.set(identity, m);
    }
    return m;
  }

  /** Counts an edge answer given before the request reached a worker. */
  answered(identity: string, method: string | undefined, status: number, code: string): void {
    this.of(identity)?.answered(method, status, code);
  }

  /** Counts an edge answer that belongs to no module (no module at that path). */
  unattributedEdge(code: string): void {
    if (this.enabled) this.unattributed.set(code, (this.unattributed.get(code) ?? 0) + 1);
  }

  /** A snapshot of `modules` (the registered versions, in list order). */
  snapshot(modules: Iterable<MeteredModule>): RuntimeMetricsSnapshot {
    const nowMs = performance.now();
    const out: ModuleMetricsSnapshot[] = [];
    for (const mod of modules) {
      const m = this.meters.get(mod.identity);
      out.push({
        bizName: mod.bizName,
        bizVersion: mod.bizVersion,
        identity: mod.identity,
        state: mod.state,
        webContextPath: mod.webContextPath,
        requests: m ? seriesOf(m, nowMs) : [],
        requestsActive: m?.requestsActive ?? 0,
        websocketsActive: m?.websocketsActive ?? 0,
        responsesStreaming: m?.responsesStreaming ?? 0,
        bytesReceived: m?.bytesIn ?? 0,
        bytesSent: m?.bytesOut ?? 0,
        edgeErrors: m ? Object.fromEntries([...m.edgeErrors].sort(([a], [b]) => (a < b ? -1 : 1))) : {},
        restarts: m?.restarts ?? 0,
        crashes: m?.crashes ?? 0,
        worker: mod.host && !mod.host.dead ? this.workerOf(mod.host, nowMs) : undefined,
      });
    }
    return {
      timestamp: Date.now(),
      accounting: this.enabled,
      latencyBuckets: LATENCY_BUCKETS_SECONDS,
      modules: out,
      edgeErrors: Object.fromEntries(this.unattributed),
    };
  }

  private workerOf(host: MeteredWorker, nowMs: number): WorkerMetricsSnapshot {
    const perf = host.worker.performance;
    const now = perf.eventLoopUtilization();
    let w = this.elu.get(host);
    if (w === undefined) {
      w = { base: now, at: nowMs, value: now.utilization };
      this.elu.set(host, w);
    } else if (nowMs - w.at >= ELU_MIN_WINDOW_MS) {
      // The watchdog keeps its own baseline (WorkerHost.sampleEventLoopUtilization): reading the worker's
      // counters does not reset them, so the two never disturb each other.
      w.value = perf.eventLoopUtilization(now, w.base).utilization;
      w.base = now;
      w.at = nowMs;
    }
    return {
      threadId: host.worker.threadId,
      eventLoopUtilization: w.value,
      eventLoopActiveSeconds: now.active / 1000,
      heap: host.heapStats ? { ...host.heapStats } : undefined,
      cpuSeconds: host.cpuSeconds(),
    };
  }
}

function seriesOf(m: ModuleMeter, nowMs: number): RequestSeriesSnapshot[] {
  const keys = [...m.series.keys()].sort((a, b) => a - b);
  return keys.map((key) => {
    const h = m.series.get(key)!;
    const buckets = h.cumulative();
    const status = key % METHOD_STRIDE;
    return {
      method: METRICS_HTTP_METHODS[(key / METHOD_STRIDE) | 0] ?? 'UNKNOWN',
      status: statusLabel(status),
      outcome: outcomeOf(status),
      count: buckets[buckets.length - 1] ?? 0,
      sumSeconds: h.sum,
      maxSeconds: h.max(nowMs),
      buckets,
    };
  });
}
