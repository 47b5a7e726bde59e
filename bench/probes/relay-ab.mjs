#!/usr/bin/env node
// The connection relay against the parse-and-proxy path, side by side in one run: two real bases
// (createBase, one with nodeark.server.relay=false), the same Node-handler module in each, autocannon
// (20 connections) alternating between them, ABBA; req/s, p99 and the base process's CPU per request
// (main thread and all of it). Medians of the pairs.
//   node bench/probes/relay-ab.mjs [pairs=3] [seconds=5] [path=/node/hello]
import { runLoad, startBase, killAll } from '../lib/children.mjs';
import { NODE_HELLO, FETCH_HELLO, fileUrl } from '../lib/fixtures.mjs';
import { cpuOf } from '../lib/proc.mjs';
import { median } from '../lib/stats.mjs';

const pairs = Number(process.argv[2] ?? 3);
const seconds = Number(process.argv[3] ?? 5);
const path = process.argv[4] ?? '/node/hello';
const sides = {
  relay: await startBase({ config: { 'nodeark.server.relay': true } }),
  proxy: await startBase({ config: { 'nodeark.server.relay': false } }),
};
try {
  for (const b of Object.values(sides)) {
    for (const dir of [NODE_HELLO, FETCH_HELLO]) {
      const r = await b.call('install', { bizUrl: fileUrl(dir) });
      if (r.code !== 'SUCCESS') throw new Error(`install failed: ${r.message}`);
    }
    await runLoad({ url: b.url + path, connections: 20, durationSec: 2 });
  }
  const results = { relay: [], proxy: [] };
  for (let i = 0; i < pairs; i++) {
    for (const name of i % 2 === 0 ? ['relay', 'proxy'] : ['proxy', 'relay']) {
      const b = sides[name];
      const c0 = cpuOf(b.pid);
      const r = await runLoad({ url: b.url + path, connections: 20, durationSec: seconds });
      const c1 = cpuOf(b.pid);
      const n = Math.max(1, r.totalRequests);
      const row = {
        rps: r.rps,
        p99: r.p99,
        errors: r.errors + r.non2xx + r.timeouts,
        mainUs: ((c1.mainMs - c0.mainMs) * 1000) / n,
        totalUs: ((c1.processMs - c0.processMs) * 1000) / n,
      };
      results[name].push(row);
      console.log(`  ${name}: ${Math.round(row.rps)} req/s, p99 ${row.p99} ms, CPU ${Math.round(row.mainUs)} µs main / ${Math.round(row.totalUs)} µs all threads per request${row.errors ? `, ${row.errors} errors` : ''}`);
    }
  }
  const m = (name, k) => median(results[name].map((r) => r[k]));
  console.log(`\n${path}, ${pairs} pairs of ${seconds} s, medians:`);
  for (const name of ['relay', 'proxy']) {
    console.log(`  ${name}: ${Math.round(m(name, 'rps'))} req/s (p99 ${m(name, 'p99')} ms), ${Math.round(m(name, 'mainUs'))} µs main + ${Math.round(m(name, 'totalUs') - m(name, 'mainUs'))} µs other threads per request`);
  }
  console.log(`  relay ÷ proxy: throughput ${(m('relay', 'rps') / m('proxy', 'rps')).toFixed(2)}×, CPU per request ${(m('relay', 'totalUs') / m('proxy', 'totalUs')).toFixed(2)}×`);
} finally {
  await Promise.all(Object.values(sides).map((b) => b.stop()));
  killAll();
}
