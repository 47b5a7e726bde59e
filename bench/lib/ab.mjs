// A/B throughput comparison: alternates routed and direct runs (ABBA order across pairs, so slow drift
// on a shared machine hits both sides alike) and reports medians of the pairs.
import { runLoad } from './children.mjs';
import { median } from './stats.mjs';

/**
 * Runs `pairs` A/B pairs of autocannon against `a` and `b` (load options sans url).
 * Returns `{ a: { rps, p50, p99, runs }, b: {...}, ratio }` where `ratio` is the median of the per-pair
 * a/b throughput ratios.
 */
export async function abPairs({ base, a, b, load, pairs, warmupSec, log }) {
  if (warmupSec > 0) {
    await runLoad({ ...load, url: base + a, durationSec: warmupSec });
    await runLoad({ ...load, url: base + b, durationSec: warmupSec });
  }
  const ra = [];
  const rb = [];
  for (let i = 0; i < pairs; i++) {
    const order = i % 2 === 0 ? ['a', 'b'] : ['b', 'a'];
    for (const side of order) {
      const r = await runLoad({ ...load, url: base + (side === 'a' ? a : b) });
      (side === 'a' ? ra : rb).push(r);
      log?.(`    ${side === 'a' ? a : b}: ${Math.round(r.rps)} req/s p99 ${r.p99} ms${r.errors || r.non2xx || r.timeouts ? ` (errors ${r.errors}, non2xx ${r.non2xx}, timeouts ${r.timeouts})` : ''}`);
    }
  }
  const sum = (rs) => ({
    rps: median(rs.map((r) => r.rps)),
    bytesPerSec: median(rs.map((r) => r.bytesPerSec)),
    p50: median(rs.map((r) => r.p50)),
    p99: median(rs.map((r) => r.p99)),
    failures: rs.reduce((n, r) => n + r.errors + r.non2xx + r.timeouts, 0),
    runs: rs.map((r) => ({ rps: r.rps, p50: r.p50, p99: r.p99, bytesPerSec: r.bytesPerSec, errors: r.errors, non2xx: r.non2xx, timeouts: r.timeouts })),
  });
  return { a: sum(ra), b: sum(rb), ratio: median(ra.map((r, i) => r.rps / rb[i].rps)) };
}
