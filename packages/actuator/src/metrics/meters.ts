/**
 * One model behind `/actuator/prometheus` and `/actuator/metrics` (docs/observability.md): meters named
 * the Micrometer way (a dotted name, a base unit, tags), from which the Prometheus names follow by
 * Micrometer's Prometheus naming convention (dots → `_`, the base unit appended, `_total` on counters), so
 * that Spring Boot dashboards and queries (`http_server_requests_seconds_bucket`) work unchanged.
 *
 * Two sources: the runtime's per-module snapshot (`runtime.metrics()`), and the base process's own
 * `process_*` / `nodejs_*` metrics from `prom-client`'s default collectors on a private registry.
 */
import type { RuntimeMetricsSnapshot } from '@nodeark/runtime';

/** Micrometer meter kinds used here (`timer`: a latency histogram with count, sum and max). */
export type MeterKind = 'counter' | 'gauge' | 'timer' | 'histogram' | 'summary';

/** What a meter is, whatever its tags. */
export interface MeterDescriptor {
  /** Micrometer-style dotted name (`http.server.requests`): the `/actuator/metrics/{name}` key. */
  name: string;
  /** The Prometheus family name (`http_server_requests_seconds`). */
  prometheusName: string;
  kind: MeterKind;
  /** `seconds`, `bytes`, or absent. */
  baseUnit?: string;
  description: string;
}

/** One time series of a meter: its tags and its values. */
export interface MeterSample {
  tags: Record<string, string>;
  /** Counter or gauge value. */
  value?: number;
  /** Timer / histogram / summary: observations. */
  count?: number;
  /** Timer / histogram / summary: sum of observations (in the base unit). */
  sum?: number;
  /** Timer: recent maximum. */
  max?: number;
  /** Timer / histogram: cumulative bucket counts (`le` ascending, the last `+Inf`). */
  buckets?: Array<{ le: number; count: number }>;
}

/** A meter and all its series. */
export interface MeterFamily {
  descriptor: MeterDescriptor;
  samples: MeterSample[];
}

/** Micrometer's PrometheusNamingConvention: `a.b.c` + unit → `a_b_c_<unit>`, counters `…_total`. */
export function prometheusNameOf(name: string, kind: MeterKind, baseUnit?: string): string {
  let n = name.replace(/[^a-zA-Z0-9_:]/g, '_');
  if (baseUnit && !n.endsWith(`_${baseUnit}`)) n += `_${baseUnit}`;
  if (kind === 'counter' && !n.endsWith('_total')) n += '_total';
  return n;
}

function meter(name: string, kind: MeterKind, description: string, baseUnit?: string): MeterDescriptor {
  const d: MeterDescriptor = { name, prometheusName: prometheusNameOf(name, kind, baseUnit), kind, description };
  if (baseUnit) d.baseUnit = baseUnit;
  return d;
}

/** The meters nodeark itself defines (every one tagged `biz_name`, `biz_version`, except where noted). */
export const NODEARK_METERS = {
  requests: meter(
    'http.server.requests',
    'timer',
    'Requests routed to a module version, by method, status (a registered HTTP code, else its class) and outcome',
    'seconds',
  ),
  requestsActive: meter('nodeark.biz.requests.active', 'gauge', 'Requests forwarded to the module and not yet answered'),
  websocketsActive: meter('nodeark.biz.websockets.active', 'gauge', 'Upgraded connections (WebSockets) open to the module'),
  responsesStreaming: meter('nodeark.biz.responses.streaming', 'gauge', 'Responses whose head went out and whose body is still open'),
  received: meter('nodeark.biz.received', 'counter', 'Request bytes received for the module (declared or read bodies; upgraded connections once closed)', 'bytes'),
  sent: meter('nodeark.biz.sent', 'counter', 'Response body bytes sent for the module (upgraded connections once closed)', 'bytes'),
  heapUsed: meter('nodeark.biz.heap.used', 'gauge', 'V8 heap used by the module worker (its latest report)', 'bytes'),
  heapTotal: meter('nodeark.biz.heap.total', 'gauge', 'V8 heap allocated by the module worker', 'bytes'),
  heapLimit: meter('nodeark.biz.heap.limit', 'gauge', 'V8 heap size limit of the module worker', 'bytes'),
  externalMemory: meter('nodeark.biz.external.memory', 'gauge', 'Memory held outside the V8 heap by the module worker (Buffers)', 'bytes'),
  eventLoopUtilization: meter('nodeark.biz.event.loop.utilization', 'gauge', 'Event-loop utilisation of the module worker (0..1) since the previous reading'),
  eventLoopActive: meter('nodeark.biz.event.loop.active', 'counter', 'Time the module worker event loop has been busy since the worker started', 'seconds'),
  cpu: meter('nodeark.biz.cpu', 'counter', 'CPU time (user + system) of the module worker thread since it started', 'seconds'),
  restarts: meter('nodeark.biz.restarts', 'counter', 'Watchdog restarts of the module worker'),
  crashes: meter('nodeark.biz.crashes', 'counter', 'Crashes of the module worker'),
  info: meter('nodeark.biz.info', 'gauge', 'Always 1: one series per registered module version, with its state'),
  edgeErrors: meter('nodeark.edge.errors', 'counter', 'Answers the base gave itself (route edge errors), by code; tagged by module when one is concerned'),
} as const satisfies Record<string, MeterDescriptor>;

/** The meters of a runtime snapshot, in a stable order; meters without any series are left out. */
export function metersFromSnapshot(snap: RuntimeMetricsSnapshot): MeterFamily[] {
  const M = NODEARK_METERS;
  const fam = new Map<MeterDescriptor, MeterSample[]>(Object.values(M).map((d) => [d, []]));
  const add = (d: MeterDescriptor, tags: Record<string, string>, value: number): void => {
    fam.get(d)!.push({ tags, value });
  };
  for (const m of snap.modules) {
    const biz = { biz_name: m.bizName, biz_version: m.bizVersion };
    for (const r of m.requests) {
      fam.get(M.requests)!.push({
        tags: { ...biz, method: r.method, outcome: r.outcome, status: r.status },
        count: r.count,
        sum: r.sumSeconds,
        max: r.maxSeconds,
        buckets: r.buckets.map((count, i) => ({ le: snap.latencyBuckets[i] ?? Infinity, count })),
      });
    }
    add(M.info, { ...biz, state: m.state }, 1);
    add(M.requestsActive, biz, m.requestsActive);
    add(M.websocketsActive, biz, m.websocketsActive);
    add(M.responsesStreaming, biz, m.responsesStreaming);
    add(M.received, biz, m.bytesReceived);
    add(M.sent, biz, m.bytesSent);
    add(M.restarts, biz, m.restarts);
    add(M.crashes, biz, m.crashes);
    for (const [code, n] of Object.entries(m.edgeErrors)) add(M.edgeErrors, { ...biz, code }, n);
    const w = m.worker;
    if (w) {
      add(M.eventLoopUtilization, biz, w.eventLoopUtilization);
      add(M.eventLoopActive, biz, w.eventLoopActiveSeconds);
      if (w.cpuSeconds !== undefined) add(M.cpu, biz, w.cpuSeconds);
      if (w.heap) {
        add(M.heapUsed, biz, w.heap.heapUsedBytes);
        add(M.heapTotal, biz, w.heap.heapTotalBytes);
        add(M.heapLimit, biz, w.heap.heapLimitBytes);
        add(M.externalMemory, biz, w.heap.externalBytes);
      }
    }
  }
  for (const [code, n] of Object.entries(snap.edgeErrors)) add(M.edgeErrors, { code }, n);
  return [...fam].filter(([, s]) => s.length > 0).map(([descriptor, samples]) => ({ descriptor, samples }));
}

/* ------------------------------------------------------------------------------- base process */

/** The shape of `prom-client`'s `Registry#getMetricsAsJSON()` entries that is read here. */
export interface PromClientMetricJson {
  name: string;
  help: string;
  type: string;
  values: Array<{ value: number; labels: Record<string, string | number | undefined>; metricName?: string }>;
}

const UNIT_SUFFIXES = ['seconds', 'bytes'] as const;

/**
 * A `prom-client` metric as a meter: its Prometheus name is kept, and the dotted name is what Micrometer
 * would have named it (`process_cpu_user_seconds_total` → `process.cpu.user`, seconds).
 */
export function meterFromPromClient(m: PromClientMetricJson): MeterFamily | undefined {
  const kind: MeterKind | undefined =
    m.type === 'counter' ? 'counter' : m.type === 'gauge' ? 'gauge' : m.type === 'histogram' ? 'histogram' : m.type === 'summary' ? 'summary' : undefined;
  if (!kind) return undefined;
  let base = m.name;
  if (kind === 'counter' && base.endsWith('_total')) base = base.slice(0, -'_total'.length);
  let baseUnit: string | undefined;
  for (const u of UNIT_SUFFIXES) {
    if (base.endsWith(`_${u}`)) {
      baseUnit = u;
      base = base.slice(0, -(u.length + 1));
      break;
    }
  }
  const descriptor: MeterDescriptor = { name: base.replace(/_/g, '.'), prometheusName: m.name, kind, description: m.help };
  if (baseUnit) descriptor.baseUnit = baseUnit;
  const str = (labels: Record<string, string | number | undefined>, drop?: string): Record<string, string> => {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(labels)) if (k !== drop && v !== undefined) out[k] = String(v);
    return out;
  };
  if (kind === 'counter' || kind === 'gauge') {
    return { descriptor, samples: m.values.map((v) => ({ tags: str(v.labels), value: v.value })) };
  }
  // Histograms and summaries: one series per label set without `le` / `quantile`.
  const series = new Map<string, MeterSample>();
  for (const v of m.values) {
    const tags = str(v.labels, kind === 'histogram' ? 'le' : 'quantile');
    const key = JSON.stringify(tags);
    let s = series.get(key);
    if (!s) {
      s = { tags, count: 0, sum: 0 };
      if (kind === 'histogram') s.buckets = [];
      series.set(key, s);
    }
    const suffix = v.metricName?.slice(m.name.length);
    if (suffix === '_count') s.count = v.value;
    else if (suffix === '_sum') s.sum = v.value;
    else if (suffix === '_bucket' && s.buckets) {
      const le = v.labels['le'];
      s.buckets.push({ le: le === '+Inf' ? Infinity : Number(le), count: v.value });
    }
  }
  return { descriptor, samples: [...series.values()] };
}
