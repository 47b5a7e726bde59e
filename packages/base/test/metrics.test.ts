/**
 * Per-module metrics end to end (docs/observability.md): a real base (`createBase`), two real modules under
 * different load over real HTTP, then `/actuator/prometheus` read with a Prometheus text parser from npm and
 * `/actuator/metrics` in Spring's JSON shape.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
// @ts-expect-error the package ships no types
import parsePrometheus from 'parse-prometheus-text-format';
import { WebSocket } from 'ws';
import { createBase, type NodearkBase } from 'nodeark';
import { loopbackConfig } from './helpers/loopback-config.js';

const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));
const A = pathToFileURL(join(fixtures, 'metrics-a')).href;
const B = pathToFileURL(join(fixtures, 'metrics-b')).href;

interface Family {
  name: string;
  type: string;
  metrics: Array<{ value?: string; labels?: Record<string, string> }>;
}
type Sample = { name: string; value: number; labels: Record<string, string> };

const parse = parsePrometheus as (text: string) => Family[];

/**
 * The exposition parsed by `parse-prometheus-text-format`: once as served (it validates every line and
 * reports each family's declared type), and once with histogram families declared `untyped`, because that
 * parser folds the buckets of labelled histogram series into one object; as untyped families, each
 * `_bucket`, `_count` and `_sum` line is returned with its own labels.
 */
function scrapeParse(text: string): { types: Map<string, string>; samples: Sample[] } {
  const types = new Map(parse(text).map((f) => [f.name, f.type]));
  const flat = parse(text.replace(/^# TYPE (\S+) histogram$/gm, '# TYPE $1 untyped'));
  const samples: Sample[] = [];
  for (const f of flat) for (const m of f.metrics) if (m.value !== undefined) samples.push({ name: f.name, value: Number(m.value), labels: m.labels ?? {} });
  return { types, samples };
}

let base: NodearkBase;
let url: string;
let tmp: string;

async function scrape(): Promise<{ types: Map<string, string>; samples: Sample[]; contentType: string | null }> {
  const res = await fetch(`${url}/actuator/prometheus`);
  expect(res.status).toBe(200);
  return { ...scrapeParse(await res.text()), contentType: res.headers.get('content-type') };
}

function pick(samples: Sample[], name: string, labels: Record<string, string> = {}): Sample[] {
  return samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
}

function total(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  return pick(samples, name, labels).reduce((n, s) => n + s.value, 0);
}

async function waitFor(pred: () => Promise<boolean>, what: string, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await pred())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'nodeark-metrics-'));
  base = await createBase({
    env: {},
    config: loopbackConfig(tmp, {
      'management.endpoints.web.exposure.include': 'health,prometheus,metrics',
      'nodeark.biz.request-timeout': 1500,
    }),
  });
  ({ url } = await base.listen());
  for (const bizUrl of [A, B]) expect((await base.runtime.install({ bizUrl })).code).toBe('SUCCESS');

  // metrics-a: 30 requests (20 × 200, 5 × 404, 3 × 500, 2 POST 200 with a 5-byte body); metrics-b: 5.
  const plan: Array<[string, RequestInit?]> = [
    ...Array.from({ length: 20 }, () => ['/ma/ok'] as [string]),
    ...Array.from({ length: 5 }, () => ['/ma/missing'] as [string]),
    ...Array.from({ length: 3 }, () => ['/ma/fail'] as [string]),
    ...Array.from({ length: 2 }, () => ['/ma/echo', { method: 'POST', body: 'hello' }] as [string, RequestInit]),
    ...Array.from({ length: 5 }, (_, i) => [`/mb/item/${i}`] as [string]),
  ];
  await Promise.all(plan.map(async ([path, init]) => (await fetch(`${url}${path}`, init)).text()));
  expect((await fetch(`${url}/no-such-module/x`)).status).toBe(404);
});

afterAll(async () => {
  await base?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe('/actuator/prometheus', () => {
  it('counts each module version by method, status and outcome, with consistent histograms', async () => {
    const { types, samples, contentType } = await scrape();
    expect(contentType).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(types.get('http_server_requests_seconds')).toBe('HISTOGRAM');
    expect(types.get('http_server_requests_seconds_max')).toBe('GAUGE');

    const count = 'http_server_requests_seconds_count';
    const a = { biz_name: 'metrics-a', biz_version: '1.0.0' };
    const b = { biz_name: 'metrics-b', biz_version: '2.0.0' };
    expect(total(samples, count, a)).toBe(30);
    expect(total(samples, count, { ...a, method: 'GET', status: '200', outcome: 'SUCCESS' })).toBe(20);
    expect(total(samples, count, { ...a, method: 'GET', status: '404', outcome: 'CLIENT_ERROR' })).toBe(5);
    expect(total(samples, count, { ...a, method: 'GET', status: '500', outcome: 'SERVER_ERROR' })).toBe(3);
    expect(total(samples, count, { ...a, method: 'POST', status: '200' })).toBe(2);
    expect(total(samples, count, b)).toBe(5);
    expect(pick(samples, count, b).map((s) => s.labels['status'])).toEqual(['200']);

    // Bounded labels: exactly these keys, and never a path.
    for (const s of pick(samples, count)) {
      expect(Object.keys(s.labels).sort()).toEqual(['biz_name', 'biz_version', 'method', 'outcome', 'status']);
      for (const v of Object.values(s.labels)) expect(v).not.toContain('/');
    }

    // Every series: buckets non-decreasing in `le`, the +Inf bucket equal to _count, a sum that fits.
    for (const s of pick(samples, count)) {
      const buckets = pick(samples, 'http_server_requests_seconds_bucket')
        .filter((x) => ['biz_name', 'biz_version', 'method', 'status', 'outcome'].every((k) => x.labels[k] === s.labels[k]))
        .map((x) => ({ le: x.labels['le'] === '+Inf' ? Infinity : Number(x.labels['le']), n: x.value }))
        .sort((x, y) => x.le - y.le);
      expect(buckets.length).toBeGreaterThan(5);
      for (let i = 1; i < buckets.length; i++) expect(buckets[i]!.n).toBeGreaterThanOrEqual(buckets[i - 1]!.n);
      expect(buckets[buckets.length - 1]).toEqual({ le: Infinity, n: s.value });
      const sum = total(samples, 'http_server_requests_seconds_sum', s.labels);
      const max = total(samples, 'http_server_requests_seconds_max', s.labels);
      expect(sum).toBeGreaterThan(0);
      expect(max).toBeGreaterThan(0);
      expect(max).toBeLessThanOrEqual(sum);
      expect(sum).toBeLessThan(s.value * 1.5 /* the request timeout */);
    }

    // Gauges and counters per module version.
    expect(total(samples, 'nodeark_biz_requests_active', a)).toBe(0);
    expect(total(samples, 'nodeark_biz_websockets_active', a)).toBe(0);
    expect(total(samples, 'nodeark_biz_received_bytes_total', a)).toBe(10);
    expect(total(samples, 'nodeark_biz_sent_bytes_total', b)).toBe(5);
    expect(total(samples, 'nodeark_biz_restarts_total', a)).toBe(0);
    expect(total(samples, 'nodeark_biz_crashes_total', b)).toBe(0);
    expect(total(samples, 'nodeark_biz_info', { ...a, state: 'activated' })).toBe(1);
    for (const m of [a, b]) {
      expect(total(samples, 'nodeark_biz_heap_used_bytes', m)).toBeGreaterThan(1_000_000);
      expect(total(samples, 'nodeark_biz_heap_limit_bytes', m)).toBeGreaterThan(total(samples, 'nodeark_biz_heap_used_bytes', m));
      const elu = total(samples, 'nodeark_biz_event_loop_utilization', m);
      expect(elu).toBeGreaterThanOrEqual(0);
      expect(elu).toBeLessThanOrEqual(1);
      expect(pick(samples, 'nodeark_biz_event_loop_active_seconds_total', m)).toHaveLength(1);
    }
    expect(types.get('nodeark_biz_restarts_total')).toBe('COUNTER');

    // The base's own 404 (no module at that path) has a code and no module.
    expect(pick(samples, 'nodeark_edge_errors_total', { code: 'NODEARK_ERR_ROUTE_NOT_FOUND' })).toEqual([
      { name: 'nodeark_edge_errors_total', value: 1, labels: { code: 'NODEARK_ERR_ROUTE_NOT_FOUND' } },
    ]);

    // The base process, from prom-client's default collectors.
    for (const name of ['process_cpu_user_seconds_total', 'process_start_time_seconds', 'nodejs_heap_size_used_bytes', 'nodejs_eventloop_lag_p99_seconds']) {
      expect(pick(samples, name).length, name).toBeGreaterThan(0);
    }
    expect(types.get('nodejs_gc_duration_seconds')).toBe('HISTOGRAM');
  });

  it('counts a timed-out request under its edge code while it is in flight, then as a 504', async () => {
    const a = { biz_name: 'metrics-a', biz_version: '1.0.0' };
    const hung = fetch(`${url}/ma/hang`);
    await waitFor(async () => total((await scrape()).samples, 'nodeark_biz_requests_active', a) === 1, 'the hanging request in flight');
    expect((await hung).status).toBe(504);
    const { samples } = await scrape();
    expect(total(samples, 'nodeark_biz_requests_active', a)).toBe(0);
    expect(total(samples, 'nodeark_edge_errors_total', { ...a, code: 'NODEARK_ERR_ROUTE_TIMEOUT' })).toBe(1);
    const timedOut = pick(samples, 'http_server_requests_seconds_count', { ...a, status: '504' });
    expect(timedOut.map((s) => [s.labels['outcome'], s.value])).toEqual([['SERVER_ERROR', 1]]);
    // Its latency is at least the request timeout (1.5 s): above the 1 s bucket.
    const le = (bound: string): number => total(samples, 'http_server_requests_seconds_bucket', { ...a, status: '504', le: bound });
    expect(le('1')).toBe(0);
    expect(le('+Inf')).toBe(1);
    expect(total(samples, 'http_server_requests_seconds_sum', { ...a, status: '504' })).toBeGreaterThanOrEqual(1.49);
  });

  it('counts a request to a module that is still starting as a 503 edge answer', async () => {
    expect((await base.runtime.uninstall('metrics-b', '2.0.0')).code).toBe('SUCCESS');
    const installing = base.runtime.install({ bizUrl: B, envs: { START_DELAY_MS: '3000' } });
    await waitFor(async () => base.runtime.get('metrics-b', '2.0.0')?.bizState === 'resolved', 'metrics-b to be starting');
    const res = await fetch(`${url}/mb/x`);
    expect(res.status).toBe(503);
    expect(((await res.json()) as { code: string }).code).toBe('NODEARK_ERR_ROUTE_STARTING');
    expect((await installing).code).toBe('SUCCESS');
    const b = { biz_name: 'metrics-b', biz_version: '2.0.0' };
    const { samples } = await scrape();
    // The reinstalled version starts from zero: only the 503 is there.
    expect(total(samples, 'nodeark_edge_errors_total', { ...b, code: 'NODEARK_ERR_ROUTE_STARTING' })).toBe(1);
    expect(pick(samples, 'http_server_requests_seconds_count', b).map((s) => [s.labels['status'], s.value])).toEqual([['503', 1]]);
  });

  it('counts a crash, then the edge answers of the broken module', async () => {
    const b = { biz_name: 'metrics-b', biz_version: '2.0.0' };
    expect((await fetch(`${url}/mb/crash`)).status).toBe(200);
    await waitFor(async () => base.runtime.get('metrics-b', '2.0.0')?.bizState === 'broken', 'metrics-b to crash');
    const res = await fetch(`${url}/mb/after`);
    expect(res.status).toBe(502);
    const { samples } = await scrape();
    expect(total(samples, 'nodeark_biz_crashes_total', b)).toBe(1);
    expect(total(samples, 'nodeark_biz_info', { ...b, state: 'broken' })).toBe(1);
    expect(total(samples, 'nodeark_edge_errors_total', { ...b, code: 'NODEARK_ERR_ROUTE_WORKER_GONE' })).toBe(1);
    expect(total(samples, 'http_server_requests_seconds_count', { ...b, status: '502', outcome: 'SERVER_ERROR' })).toBe(1);
    // No worker, so no worker gauges.
    expect(pick(samples, 'nodeark_biz_heap_used_bytes', b)).toEqual([]);
    expect(pick(samples, 'nodeark_biz_event_loop_utilization', b)).toEqual([]);
  });

  it('shows open WebSockets and streamed responses while they are open', async () => {
    const a = { biz_name: 'metrics-a', biz_version: '1.0.0' };
    const ws = new WebSocket(`${url.replace('http', 'ws')}/ma/ws`);
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    const controller = new AbortController();
    const sse = await fetch(`${url}/ma/sse`, { signal: controller.signal });
    const reader = sse.body!.getReader();
    await reader.read();
    let { samples } = await scrape();
    expect(total(samples, 'nodeark_biz_websockets_active', a)).toBe(1);
    expect(total(samples, 'nodeark_biz_responses_streaming', a)).toBe(1);
    expect(total(samples, 'nodeark_biz_requests_active', a)).toBe(1);
    expect(total(samples, 'http_server_requests_seconds_count', { ...a, method: 'GET', status: '101', outcome: 'INFORMATIONAL' })).toBe(1);
    ws.close();
    controller.abort();
    await reader.cancel().catch(() => {});
    await waitFor(async () => {
      ({ samples } = await scrape());
      return total(samples, 'nodeark_biz_websockets_active', a) === 0 && total(samples, 'nodeark_biz_responses_streaming', a) === 0;
    }, 'the WebSocket and the stream to close');
    expect(total(samples, 'nodeark_biz_requests_active', a)).toBe(0);
  });
});

interface MetricBody {
  name: string;
  baseUnit?: string;
  measurements: Array<{ statistic: string; value: number }>;
  availableTags: Array<{ tag: string; values: string[] }>;
}

async function metric(path: string): Promise<MetricBody> {
  const res = await fetch(`${url}/actuator/metrics/${path}`);
  expect(res.status).toBe(200);
  return (await res.json()) as MetricBody;
}

describe('/actuator/metrics', () => {
  it('lists the meter names, one meter with tag filters, and 404 / 400 like Spring', async () => {
    const index = await fetch(`${url}/actuator/metrics`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toBe('application/vnd.spring-boot.actuator.v3+json');
    const { names } = (await index.json()) as { names: string[] };
    for (const n of ['http.server.requests', 'nodeark.biz.requests.active', 'nodeark.biz.heap.used', 'nodeark.edge.errors', 'process.cpu.user', 'nodejs.heap.size.used']) {
      expect(names).toContain(n);
    }
    expect(names).toEqual([...names].sort());

    const a = await metric('http.server.requests?tag=biz_name:metrics-a');
    expect(a).toMatchObject({ name: 'http.server.requests', baseUnit: 'seconds' });
    const stat = (body: MetricBody, s: string): number | undefined => body.measurements.find((m) => m.statistic === s)?.value;
    expect(a.measurements.map((m) => m.statistic)).toEqual(['COUNT', 'TOTAL_TIME', 'MAX']);
    expect(stat(a, 'COUNT')).toBeGreaterThanOrEqual(30);
    const tags = Object.fromEntries(a.availableTags.map((t) => [t.tag, t.values]));
    expect(tags['biz_name']).toBeUndefined();
    expect(tags['biz_version']).toEqual(['1.0.0']);
    expect(tags['method']).toEqual(expect.arrayContaining(['GET', 'POST']));
    expect(tags['status']).toEqual(expect.arrayContaining(['200', '404', '500']));
    expect(tags['outcome']).toEqual(expect.arrayContaining(['SUCCESS', 'CLIENT_ERROR', 'SERVER_ERROR']));

    const notFound = await metric('http.server.requests?tag=biz_name:metrics-a&tag=status:404');
    expect(stat(notFound, 'COUNT')).toBe(5);

    const active = await metric('nodeark.biz.requests.active?tag=biz_name:metrics-a');
    expect(active.measurements).toEqual([{ statistic: 'VALUE', value: 0 }]);

    expect((await fetch(`${url}/actuator/metrics/no.such.metric`)).status).toBe(404);
    expect((await fetch(`${url}/actuator/metrics/http.server.requests?tag=biz_name:nobody`)).status).toBe(404);
    expect((await fetch(`${url}/actuator/metrics/http.server.requests?tag=biz_name`)).status).toBe(400);
    expect((await fetch(`${url}/actuator/metrics`, { method: 'POST' })).status).toBe(405);
  });

  it('links both endpoints from /actuator when exposed', async () => {
    const { _links } = (await (await fetch(`${url}/actuator`)).json()) as { _links: Record<string, { href: string; templated: boolean }> };
    expect(_links['prometheus']).toEqual({ href: `${url}/actuator/prometheus`, templated: false });
    expect(_links['metrics']).toEqual({ href: `${url}/actuator/metrics`, templated: false });
    expect(_links['metrics-requiredMetricName']).toEqual({ href: `${url}/actuator/metrics/{requiredMetricName}`, templated: true });
  });

  it('matches runtime.metrics(), the snapshot both endpoints are built from', () => {
    const snap = base.runtime.metrics();
    expect(snap.accounting).toBe(true);
    const a = snap.modules.find((m) => m.bizName === 'metrics-a')!;
    expect(a.requests.reduce((n, r) => n + r.count, 0)).toBeGreaterThanOrEqual(30);
    expect(a.worker?.heap?.heapUsedBytes).toBeGreaterThan(0);
    expect(snap.edgeErrors).toEqual({ NODEARK_ERR_ROUTE_NOT_FOUND: 1 });
    expect(JSON.parse(JSON.stringify(snap))).toEqual(snap);
  });
});

describe('watchdog restarts', () => {
  it('counts a watchdog restart of a stuck worker', async () => {
    const other = await createBase({
      env: {},
      config: loopbackConfig(join(tmp, 'restarts'), {
        'management.endpoints.web.exposure.include': 'prometheus',
        'nodeark.watchdog.interval': 100,
        'nodeark.watchdog.max-unhealthy-checks': 3,
        'nodeark.watchdog.action': 'restart',
      }),
    });
    try {
      const { url: u } = await other.listen();
      expect((await other.runtime.install({ bizUrl: B })).code).toBe('SUCCESS');
      const restarted = new Promise((resolve) => other.runtime.once('stuck', resolve));
      const spin = fetch(`${u}/mb/spin?ms=5000`).catch(() => undefined);
      await restarted;
      const b = { biz_name: 'metrics-b', biz_version: '2.0.0' };
      const read = async (): Promise<Sample[]> => scrapeParse(await (await fetch(`${u}/actuator/prometheus`)).text()).samples;
      await waitFor(async () => other.runtime.get('metrics-b', '2.0.0')?.bizState === 'activated', 'the restarted worker', 10_000);
      await spin;
      const samples = await read();
      expect(total(samples, 'nodeark_biz_restarts_total', b)).toBe(1);
      expect(total(samples, 'nodeark_biz_crashes_total', b)).toBe(0);
      // The request in flight when the worker was replaced ended as a 502 from the base.
      expect(total(samples, 'nodeark_edge_errors_total', { ...b, code: 'NODEARK_ERR_ROUTE_WORKER_GONE' })).toBe(1);
      expect(total(samples, 'nodeark_biz_requests_active', b)).toBe(0);
    } finally {
      await other.close();
    }
  });
});

describe('exposure', () => {
  it('keeps both endpoints off unless management.endpoints.web.exposure.include lists them (default: health only)', async () => {
    const other = await createBase({ env: {}, config: loopbackConfig(join(tmp, 'exposure')) });
    try {
      const { url: u } = await other.listen();
      expect((await fetch(`${u}/actuator/health`)).status).toBe(200);
      expect((await fetch(`${u}/actuator/prometheus`)).status).toBe(404);
      expect((await fetch(`${u}/actuator/metrics`)).status).toBe(404);
      expect((await fetch(`${u}/actuator/metrics/http.server.requests`)).status).toBe(404);
      const { _links } = (await (await fetch(`${u}/actuator`)).json()) as { _links: Record<string, unknown> };
      expect(Object.keys(_links).sort()).toEqual(['health', 'health-path', 'self']);
    } finally {
      await other.close();
    }
  });
});
