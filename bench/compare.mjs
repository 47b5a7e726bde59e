#!/usr/bin/env node
// A/B of two builds of @nodeark/runtime on the routed path (used for the before/after figures of the
// proxy changes in docs/benchmarks.md). Each build runs in its own base process (BizRuntime behind
// http.createServer); runs alternate ABBA; reported per build: req/s, p99, and CPU µs per request of the
// base's main thread, of its busiest other thread (the module worker) and of the remaining threads
// (V8 GC helpers, libuv pool).
//
//   node bench/compare.mjs --a bench/.runtimes/before/dist/index.js --b packages/runtime/dist/index.js \
//        [--paths /fetch/hello,/node/hello] [--pairs 3] [--seconds 5] [--connections 20] [--rate req/s]
//
// With --rate the load is fixed (autocannon overallRate), so CPU µs/request compares like with like;
// without it, both builds run flat out.
import { resolve } from 'node:path';
import { killAll, runLoad, startBase } from './lib/children.mjs';
import { FETCH_HELLO, NODE_HELLO, fileUrl } from './lib/fixtures.mjs';
import { median } from './lib/stats.mjs';
import { threadCpuOf } from './lib/proc.mjs';

const args = {};
for (let i = 2; i < process.argv.length; i += 2) args[process.argv[i].replace(/^--/, '')] = process.argv[i + 1];
const builds = { A: resolve(args.a), B: resolve(args.b ?? 'packages/runtime/dist/index.js') };
const paths = (args.paths ?? '/fetch/hello,/node/hello').split(',');
const pairs = Number(args.pairs ?? 3);
const seconds = Number(args.seconds ?? 5);
const connections = Number(args.connections ?? 20);
const post = args.post ? Number(args.post) : 0;

const bases = {};
try {
  for (const [k, mod] of Object.entries(builds)) {
    bases[k] = await startBase({ kind: 'runtime', runtimeModule: mod });
    for (const d of [FETCH_HELLO, NODE_HELLO]) {
      const r = await bases[k].call('install', { bizUrl: fileUrl(d) });
      if (r.code !== 'SUCCESS') throw new Error(r.message);
    }
  }
  const load = (k, path, durationSec) =>
    runLoad({
      url: bases[k].url + path,
      connections,
      durationSec,
      ...(args.rate ? { rate: Number(args.rate) } : {}),
      ...(post ? { method: 'POST', bodyBytes: post, headers: { 'content-type': 'application/octet-stream' } } : {}),
    });
  for (const path of paths) {
    for (const k of ['A', 'B']) await load(k, path, 1); // warm-up
    const runs = { A: [], B: [] };
    for (let i = 0; i < pairs; i++) {
      for (const k of i % 2 === 0 ? ['A', 'B'] : ['B', 'A']) {
        const pid = bases[k].pid;
        const c0 = threadCpuOf(pid);
        const r = await load(k, path, seconds);
        const c1 = threadCpuOf(pid);
        const n = Math.max(1, r.totalRequests);
        const per = Object.keys(c1).filter((t) => t !== String(pid)).map((t) => ((c1[t] - (c0[t] ?? 0)) * 1000) / n).sort((x, y) => y - x);
        const run = { rps: r.rps, p99: r.p99, main: ((c1[pid] - c0[pid]) * 1000) / n, worker: per[0] ?? 0, rest: per.slice(1).reduce((a, b) => a + b, 0), failures: r.errors + r.non2xx + r.timeouts };
        runs[k].push(run);
        console.error(`  ${k} ${path}: ${Math.round(run.rps)} req/s p99 ${run.p99} ms; CPU µs/req main ${run.main.toFixed(0)}, worker ${run.worker.toFixed(0)}, rest ${run.rest.toFixed(0)}${run.failures ? `, FAILURES ${run.failures}` : ''}`);
      }
    }
    const med = (k, f) => median(runs[k].map((r) => r[f]));
    console.log(`${path}${post ? ` POST ${post} B` : ''} (median of ${pairs}, ${seconds} s, c=${connections})`);
    for (const k of ['A', 'B']) {
      const total = med(k, 'main') + med(k, 'worker') + med(k, 'rest');
      console.log(`  ${k}: ${Math.round(med(k, 'rps'))} req/s, p99 ${med(k, 'p99')} ms, CPU µs/req main ${med(k, 'main').toFixed(0)} + worker ${med(k, 'worker').toFixed(0)} + rest ${med(k, 'rest').toFixed(0)} = ${total.toFixed(0)}   (${builds[k]})`);
    }
    console.log(`  B/A req/s: ${(median(runs.B.map((r, i) => r.rps / runs.A[i].rps))).toFixed(2)}`);
  }
} finally {
  for (const b of Object.values(bases)) await b.stop();
  killAll();
}
