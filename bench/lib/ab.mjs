// A/B throughput comparison: alternates routed and direct runs (ABBA order across pairs, so slow drift
// on a shared machine hits both sides alike) and reports medians of the pairs.
import { runLoad } from './children.mjs';
import { median } from './stats.mjs';
import { cpuOf } from './proc.mjs';

/**
 * Runs `pairs` A/B pairs of autocannon against `a` and `b` (load options sans url).
 * Returns `{ a: { rps, p50, p99, runs }, b: {...}, ratio }` where `ratio` is the median of the per-pair
 * a/b throughput ratios.
 */
export async function abPairs({ base, pid, a, b, load, pairs, warmupSec, log }) {
  // `a` and `b` are paths on `base`, or absolute URLs.
  const at = (p) => (p.startsWith('http') ? p : base + p);
  if (warmupSec > 0) {
    await runLoad({ ...load, url: at(a), durationSec: warmupSec });
    await runLoad({ ...load, url: at(b), durationSec: warmupSec });
  }
  const ra = [];
  const rb = [];
  for (let i = 0; i < pairs; i++) {
    const order = i % 2 === 0 ? ['a', 'b'] : ['b', 'a'];
    for (const side of order) {
      const c0 = pid ? cpuOf(pid) : undefined;
      const r = await runLoad({ ...load, url: at(side === 'a' ? a : b) });
      if (c0) {
        // CPU of the base process per request, in µs: its main thread, and every other thread (module
        // workers, libuv pool, V8 GC helpers). Robust to other load on the machine, unlike req/s.
        const c1 = cpuOf(pid);
        const n = Math.max(1, r.totalRequests);
        r.cpuMainUs = ((c1.mainMs - c0.mainMs) * 1000) / n;
        r.cpuOtherUs = ((c1.processMs - c0.processMs - (c1.mainMs - c0.mainMs)) * 1000) / n;
      }
      (side === 'a' ? ra : rb).push(r);
      log?.(`    ${side === 'a' ? a : b}: ${Math.round(r.rps)} req/s p99 ${r.p99} ms${r.cpuMainUs !== undefined ? `, base CPU ${Math.round(r.cpuMainUs)} + ${Math.round(r.cpuOtherUs)} µs/req` : ''}${r.errors || r.non2xx || r.timeouts ? ` (errors ${r.errors}, non2xx ${r.non2xx}, timeouts ${r.timeouts})` : ''}`);
    }
  }
  const sum = (rs) => ({
    rps: median(rs.map((r) => r.rps)),
    bytesPerSec: median(rs.map((r) => r.bytesPerSec)),
    p50: median(rs.map((r) => r.p50)),
    p99: median(rs.map((r) => r.p99)),
    cpuMainUs: median(rs.map((r) => r.cpuMainUs ?? NaN)),
    cpuOtherUs: median(rs.map((r) => r.cpuOtherUs ?? NaN)),
    failures: rs.reduce((n, r) => n + r.errors + r.non2xx + r.timeouts, 0),
    runs: rs.map((r) => ({ rps: r.rps, cpuMainUs: r.cpuMainUs, cpuOtherUs: r.cpuOtherUs, p50: r.p50, p99: r.p99, bytesPerSec: r.bytesPerSec, errors: r.errors, non2xx: r.non2xx, timeouts: r.timeouts })),
  });
  return { a: sum(ra), b: sum(rb), ratio: median(ra.map((r, i) => r.rps / rb[i].rps)) };
}
