// Routed throughput and p99: GET /hello on a `fetch` module and on a Node-handler module through the
// base (the socket link into the worker), vs the same handler served directly by the base process (A/B alternated, median of pairs).
// Budget (docs/benchmarks.md): routed request throughput to a fetch module ≥ 0.7× direct.
import { abPairs } from '../lib/ab.mjs';
import { startBase } from '../lib/children.mjs';
import { FETCH_HELLO, NODE_HELLO, fileUrl } from '../lib/fixtures.mjs';
import { int, round } from '../lib/stats.mjs';

export const name = 'routed';
export const title = 'Routed GET throughput vs direct';

export async function run({ quick, log }) {
  const base = await startBase({
    direct: [
      { prefix: 'direct-fetch', dir: FETCH_HELLO, kind: 'fetch' },
      { prefix: 'direct-node', dir: NODE_HELLO, kind: 'node' },
    ],
  });
  try {
    for (const dir of [FETCH_HELLO, NODE_HELLO]) {
      const r = await base.call('install', { bizUrl: fileUrl(dir) });
      if (r.code !== 'SUCCESS') throw new Error(`install failed: ${r.message}`);
    }
    const pairs = quick ? 1 : 3;
    const load = { connections: 20, durationSec: quick ? 2 : 5 };
    const rows = [];
    const data = { baseKind: base.baseKind, pairs, load };
    for (const kind of ['fetch', 'node']) {
      log(`  ${kind} module: ${pairs} A/B pair(s) of ${load.durationSec} s, c=${load.connections}`);
      const r = await abPairs({
        base: base.url,
        pid: base.pid,
        a: `/${kind}/hello`,
        b: `${base.directUrl}/direct-${kind}/hello`,
        load,
        pairs,
        warmupSec: quick ? 1 : 2,
        log,
      });
      data[kind] = r;
      const failures = r.a.failures + r.b.failures;
      rows.push({
        scenario: 'routed',
        case: `GET /hello, ${kind === 'fetch' ? '`fetch`' : 'Node handler'} module, req/s (p99)`,
        nodeark: `${int(r.a.rps)} (${r.a.p99} ms)`,
        baseline: `${int(r.b.rps)} (${r.b.p99} ms)`,
        ratio: round(r.ratio),
        budget: kind === 'fetch' ? '≥ 0.70×' : '≥ 0.70× (same rule)',
        verdict: failures > 0 ? 'FAIL (errors)' : r.ratio >= 0.7 ? 'met' : 'missed',
      });
      const cpu = (x) => `${Math.round(x.cpuMainUs)} + ${Math.round(x.cpuOtherUs)} µs`;
      rows.push({
        scenario: 'routed',
        case: `  same, base-process CPU per request (main thread + other threads)`,
        nodeark: cpu(r.a),
        baseline: cpu(r.b),
        ratio: round((r.b.cpuMainUs + r.b.cpuOtherUs) / (r.a.cpuMainUs + r.a.cpuOtherUs)),
        budget: '— (direct/routed CPU)',
        verdict: 'info',
      });
    }
    return { rows, data };
  } finally {
    await base.stop();
  }
}
