// Latency probe process: `concurrency` loops, each sending one request at a time (keep-alive) to the
// targets in turn, timing each with performance.now() until the parent says stop or `maxMs` passes.
// Reports per-target percentiles in ms, failures, and (with countBodies) how often each body was seen.
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { sortedPercentile } from './stats.mjs';

const o = JSON.parse(process.argv[2]);
for (const t of o.targets) {
  if (!/^http:\/\/127\.0\.0\.1:\d+\//.test(t.url)) throw new Error(`refusing a non-loopback URL: ${t.url}`);
}
const agent = new Agent({ keepAlive: true, maxSockets: o.concurrency ?? 1 });
const stats = o.targets.map((t) => ({ name: t.name ?? t.url, lat: [], errors: 0, non2xx: 0, statuses: {}, bodies: {}, firstError: undefined }));
let running = true;
const deadline = Date.now() + (o.maxMs ?? 60_000);

function once(t) {
  return new Promise((resolve) => {
    const body = t.body === undefined ? undefined : typeof t.body === 'string' ? t.body : JSON.stringify(t.body);
    const headers = body === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) };
    const req = request(t.url, { method: t.method ?? 'GET', agent, headers, timeout: o.timeoutMs ?? 10_000 }, (res) => {
      const parts = [];
      res.on('data', (c) => parts.push(c));
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(parts).toString('utf8') }));
      res.on('error', (e) => resolve({ error: e }));
    });
    req.on('timeout', () => req.destroy(new Error('probe timeout')));
    req.on('error', (e) => resolve({ error: e }));
    req.end(body);
  });
}

async function loop(offset) {
  let i = offset;
  while (running && Date.now() < deadline) {
    const k = i++ % o.targets.length;
    const t = o.targets[k];
    const s = stats[k];
    const t0 = performance.now();
    const r = await once(t);
    const dt = performance.now() - t0;
    if (r.error) {
      s.errors++;
      s.firstError ??= String(r.error.message ?? r.error);
      await new Promise((res) => setTimeout(res, 5));
      continue;
    }
    s.lat.push(dt);
    s.statuses[r.status] = (s.statuses[r.status] ?? 0) + 1;
    if (r.status < 200 || r.status >= 300) {
      s.non2xx++;
      s.firstError ??= `${r.status} ${r.body.slice(0, 200)}`;
    }
    if (o.countBodies) {
      const key = r.body.slice(0, 40);
      s.bodies[key] = (s.bodies[key] ?? 0) + 1;
    }
    if (o.pauseMs) await new Promise((res) => setTimeout(res, o.pauseMs));
  }
}

const loops = Array.from({ length: o.concurrency ?? 1 }, (_, i) => loop(i));
process.send({ t: 'started' });
const done = Promise.all(loops);
process.on('message', async (m) => {
  if (m.t !== 'stop') return;
  running = false;
  await done;
  agent.destroy();
  process.send({
    t: 'result',
    targets: stats.map((s) => {
      const sorted = Float64Array.from(s.lat).sort();
      return {
        name: s.name,
        count: sorted.length,
        p50: sortedPercentile(sorted, 50),
        p90: sortedPercentile(sorted, 90),
        p99: sortedPercentile(sorted, 99),
        max: sorted.length ? sorted[sorted.length - 1] : NaN,
        errors: s.errors,
        non2xx: s.non2xx,
        statuses: s.statuses,
        bodies: s.bodies,
        firstError: s.firstError,
        ...(o.raw ? { raw: s.lat } : {}),
      };
    }),
  });
  process.disconnect();
});
