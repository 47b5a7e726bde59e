// Real apps through a base vs the same app in its own process (docs/benchmarks.md budgets for the real-apps
// path):
//   - an Express "hello" module routed ≥ 0.7× the same app on its own server in its own process;
//   - WebSocket echo round trip (ws) through the base vs the same ws server on its own port: p50 ≤ 1.5×;
//   - 1,000 concurrent idle SSE streams cost the base ≤ 30 MB (PSS growth, after GC);
//   - a streamed 100 MB response runs at ≥ 0.5× the direct rate.
// Load comes from autocannon (its own process) or from this process (ws, SSE, 100 MB), 127.0.0.1 only.
import { Agent, request } from 'node:http';
import { Worker } from 'node:worker_threads';
import WebSocket from 'ws';
import { abPairs } from '../lib/ab.mjs';
import { startBase, startStandalone } from '../lib/children.mjs';
import { EXPRESS_HELLO, LIVE, fileUrl } from '../lib/fixtures.mjs';
import { pssOf } from '../lib/proc.mjs';
import { int, median, mib, percentile, round } from '../lib/stats.mjs';

export const name = 'apps';
export const title = 'Real apps: Express, WebSocket echo, idle SSE streams, a 100 MB stream';

const sleep = (t) => new Promise((r) => setTimeout(r, t));

/** `count` sequential echo round trips on one WebSocket; returns per-trip µs. */
async function wsRoundTrips(url, count) {
  const ws = new WebSocket(url);
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  const payload = Buffer.alloc(32, 1);
  const times = [];
  try {
    for (let i = 0; i < count; i++) {
      const t0 = process.hrtime.bigint();
      await new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('ws echo timed out')), 5000);
        ws.once('message', () => {
          clearTimeout(timer);
          resolve();
        });
        ws.send(payload);
      });
      times.push(Number(process.hrtime.bigint() - t0) / 1000);
    }
  } finally {
    ws.terminate();
  }
  return times;
}

/**
 * The floor of any cross-thread hop on this machine: sequential round trips of a small message to a
 * worker thread that echoes it (postMessage both ways). A WebSocket echo through a base needs one.
 */
async function portRoundTrips(count) {
  const w = new Worker(
    `const { parentPort } = require('node:worker_threads'); parentPort.on('message', (m) => parentPort.postMessage(m));`,
    { eval: true },
  );
  await new Promise((r) => w.once('online', r));
  const times = [];
  try {
    for (let i = 0; i < count; i++) {
      const t0 = process.hrtime.bigint();
      await new Promise((r) => {
        w.once('message', r);
        w.postMessage({ t: 'data', cid: 1, data: new ArrayBuffer(40) });
      });
      times.push(Number(process.hrtime.bigint() - t0) / 1000);
    }
  } finally {
    await w.terminate();
  }
  return times;
}

/** Downloads `url` and discards it; returns MB/s. */
function download(url) {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const req = request(url, (res) => {
      let bytes = 0;
      res.on('data', (c) => (bytes += c.length));
      res.on('end', () => resolve(bytes / 1024 / 1024 / (Number(process.hrtime.bigint() - t0) / 1e9)));
      res.on('error', reject);
    });
    req.setTimeout(60_000, () => req.destroy(new Error('download timed out')));
    req.on('error', reject);
    req.end();
  });
}

/** Opens `n` SSE streams and waits for the first bytes of each; returns a closer. */
async function openStreams(url, n) {
  const agent = new Agent({ keepAlive: false, maxSockets: Infinity });
  const reqs = [];
  await Promise.all(
    Array.from({ length: n }, () =>
      new Promise((resolve, reject) => {
        const req = request(url, { agent }, (res) => res.once('data', resolve));
        req.setTimeout(30_000, () => req.destroy(new Error('stream open timed out')));
        req.on('error', reject);
        req.end();
        reqs.push(req);
      }),
    ),
  );
  return () => {
    for (const r of reqs) r.destroy();
    agent.destroy();
  };
}

export async function run({ quick, log }) {
  const rows = [];
  const data = {};
  const base = await startBase({});
  const expressAlone = await startStandalone(EXPRESS_HELLO, 'node');
  const liveAlone = await startStandalone(LIVE, 'node');
  try {
    for (const dir of [EXPRESS_HELLO, LIVE]) {
      const r = await base.call('install', { bizUrl: fileUrl(dir) });
      if (r.code !== 'SUCCESS') throw new Error(`install failed: ${r.message}`);
    }

    // 1. Express hello: routed vs its own process.
    const pairs = quick ? 1 : 3;
    const load = { connections: 20, durationSec: quick ? 2 : 5 };
    log(`  Express hello: ${pairs} A/B pair(s) of ${load.durationSec} s, c=${load.connections}`);
    const ex = await abPairs({
      base: '',
      pid: base.pid,
      a: `${base.url}/express/hello`,
      b: `${expressAlone.url}/hello`,
      load,
      pairs,
      warmupSec: quick ? 1 : 2,
      log,
    });
    data.express = ex;
    rows.push({
      scenario: 'apps',
      case: 'Express "hello" module vs the app in its own process, req/s (p99)',
      nodeark: `${int(ex.a.rps)} (${ex.a.p99} ms)`,
      baseline: `${int(ex.b.rps)} (${ex.b.p99} ms)`,
      ratio: round(ex.ratio),
      budget: '≥ 0.70×',
      verdict: ex.a.failures + ex.b.failures > 0 ? 'FAIL (errors)' : ex.ratio >= 0.7 ? 'met' : 'missed',
    });
    rows.push({
      scenario: 'apps',
      case: '  same, base-process CPU per request (main thread + module worker)',
      nodeark: `${Math.round(ex.a.cpuMainUs)} + ${Math.round(ex.a.cpuOtherUs)} µs`,
      baseline: '—',
      ratio: '—',
      budget: '—',
      verdict: 'info',
    });

    // 2. WebSocket echo round trip, A/B alternated.
    const trips = quick ? 500 : 2000;
    const wsBase = `${base.url.replace('http', 'ws')}/live/ws`;
    const wsAlone = `${liveAlone.url.replace('http', 'ws')}/ws`;
    await wsRoundTrips(wsBase, 200);
    await wsRoundTrips(wsAlone, 200);
    const p50s = { a: [], b: [] };
    const p99s = { a: [], b: [] };
    for (let i = 0; i < pairs; i++) {
      for (const side of i % 2 === 0 ? ['a', 'b'] : ['b', 'a']) {
        const t = await wsRoundTrips(side === 'a' ? wsBase : wsAlone, trips);
        p50s[side].push(percentile(t, 50));
        p99s[side].push(percentile(t, 99));
      }
    }
    const wsRatio = median(p50s.a) / median(p50s.b);
    data.ws = { p50s, p99s, trips };
    log(`  ws echo p50: base ${round(median(p50s.a), 0)} µs, own port ${round(median(p50s.b), 0)} µs`);
    rows.push({
      scenario: 'apps',
      case: `WebSocket echo round trip (ws, 32 B, ${trips} sequential), p50 (p99)`,
      nodeark: `${int(median(p50s.a))} µs (${int(median(p99s.a))})`,
      baseline: `${int(median(p50s.b))} µs (${int(median(p99s.b))})`,
      ratio: round(wsRatio),
      budget: '≤ 1.50×',
      verdict: wsRatio <= 1.5 ? 'met' : 'missed',
    });

    const port = await portRoundTrips(trips);
    data.portRtt = { p50: percentile(port, 50), p99: percentile(port, 99) };
    rows.push({
      scenario: 'apps',
      case: '  floor: a bare MessagePort round trip to a worker (echo), p50 (p99)',
      nodeark: `${int(data.portRtt.p50)} µs (${int(data.portRtt.p99)})`,
      baseline: '—',
      ratio: round((median(p50s.b) + data.portRtt.p50) / median(p50s.b)),
      budget: '— (own port + floor)',
      verdict: 'info',
    });

    // 3. Idle SSE streams: PSS growth of the base with 1,000 open.
    const n = quick ? 200 : 1000;
    await base.call('gc');
    await sleep(300);
    const before = pssOf(base.pid).pss;
    const close = await openStreams(`${base.url}/live/sse`, n);
    await base.call('gc');
    await sleep(500);
    const during = pssOf(base.pid).pss;
    close();
    const grow = during - before;
    data.sse = { n, before, during };
    log(`  ${n} idle SSE streams: base PSS ${mib(before)} → ${mib(during)}`);
    const perThousand = (grow / n) * 1000;
    rows.push({
      scenario: 'apps',
      case: `${n} concurrent idle SSE streams, base PSS growth${n !== 1000 ? ' (scaled to 1,000)' : ''}`,
      nodeark: mib(perThousand),
      baseline: '—',
      ratio: '—',
      budget: '≤ 30 MB',
      verdict: perThousand <= 30 * 1024 * 1024 ? 'met' : 'missed',
    });

    // 4. A streamed 100 MB response.
    const mb = quick ? 20 : 100;
    const rates = { a: [], b: [] };
    for (let i = 0; i < pairs; i++) {
      for (const side of i % 2 === 0 ? ['a', 'b'] : ['b', 'a']) {
        rates[side].push(await download(side === 'a' ? `${base.url}/live/big?mb=${mb}` : `${liveAlone.url}/big?mb=${mb}`));
      }
    }
    const rate = median(rates.a) / median(rates.b);
    data.big = { mb, rates };
    log(`  ${mb} MB stream: base ${int(median(rates.a))} MB/s, own port ${int(median(rates.b))} MB/s`);
    rows.push({
      scenario: 'apps',
      case: `a streamed ${mb} MB response, MB/s`,
      nodeark: int(median(rates.a)),
      baseline: int(median(rates.b)),
      ratio: round(rate),
      budget: '≥ 0.50×',
      verdict: rate >= 0.5 ? 'met' : 'missed',
    });
    return { rows, data };
  } finally {
    await expressAlone.stop();
    await liveAlone.stop();
    await base.stop();
  }
}
