// What per-module accounting costs (docs/observability.md): the routed GET /hello of the `routed` scenario
// through two bases started alike except for the runtime's internal `accounting` option, on (the default)
// and off, runs alternated ABBA across pairs, medians reported: req/s and the base process's CPU per
// request (main thread + other threads). Bare BizRuntime behind http.createServer (the dispatch createBase
// does, as bench/compare.mjs), since `accounting` is a runtime option and no configuration key.
// Budget (docs/benchmarks.md): accounting costs ≤ 3 % of routed throughput.
import { runLoad, startBase } from '../lib/children.mjs';
import { FETCH_HELLO, NODE_HELLO, fileUrl } from '../lib/fixtures.mjs';
import { cpuOf } from '../lib/proc.mjs';
import { int, median, round } from '../lib/stats.mjs';

const pct = (x) => `${x >= 0 ? '+' : '−'}${Math.abs(round(x * 100, 1))} %`;

export const name = 'metrics';
export const title = 'Per-module accounting on vs off (routed GET)';

export async function run({ quick, log }) {
  const bases = {};
  try {
    for (const [side, accounting] of [['on', true], ['off', false]]) {
      bases[side] = await startBase({ kind: 'runtime', runtimeOptions: { accounting } });
      for (const dir of [NODE_HELLO, FETCH_HELLO]) {
        const r = await bases[side].call('install', { bizUrl: fileUrl(dir) });
        if (r.code !== 'SUCCESS') throw new Error(`install failed: ${r.message}`);
      }
    }
    const pairs = quick ? 1 : 5;
    const load = { connections: 20, durationSec: quick ? 2 : 5 };
    const rows = [];
    const data = { pairs, load };
    for (const path of ['/node/hello', '/fetch/hello']) {
      log(`  ${path}: ${pairs} on/off pair(s) of ${load.durationSec} s, c=${load.connections}`);
      for (const side of ['on', 'off']) await runLoad({ ...load, url: bases[side].url + path, durationSec: quick ? 1 : 2 });
      const runs = { on: [], off: [] };
      for (let i = 0; i < pairs; i++) {
        for (const side of i % 2 === 0 ? ['on', 'off'] : ['off', 'on']) {
          const pid = bases[side].pid;
          const c0 = cpuOf(pid);
          const r = await runLoad({ ...load, url: bases[side].url + path });
          const c1 = cpuOf(pid);
          const n = Math.max(1, r.totalRequests);
          const run = {
            rps: r.rps,
            p99: r.p99,
            cpuUs: ((c1.processMs - c0.processMs) * 1000) / n,
            cpuMainUs: ((c1.mainMs - c0.mainMs) * 1000) / n,
            failures: r.errors + r.non2xx + r.timeouts,
          };
          runs[side].push(run);
          log(`    accounting ${side}: ${Math.round(run.rps)} req/s p99 ${run.p99} ms, base CPU ${run.cpuUs.toFixed(0)} µs/req (main ${run.cpuMainUs.toFixed(0)})${run.failures ? `, FAILURES ${run.failures}` : ''}`);
        }
      }
      const med = (side, f) => median(runs[side].map((r) => r[f]));
      const ratio = median(runs.on.map((r, i) => r.rps / runs.off[i].rps));
      const cpuRatio = median(runs.on.map((r, i) => r.cpuUs / runs.off[i].cpuUs));
      data[path] = { runs, ratio, cpuRatio };
      const failures = [...runs.on, ...runs.off].reduce((x, r) => x + r.failures, 0);
      const kind = path.startsWith('/node') ? 'Node handler' : '`fetch`';
      rows.push({
        scenario: 'metrics',
        case: `GET /hello, ${kind} module, req/s (p99), accounting on vs off`,
        nodeark: `${int(med('on', 'rps'))} (${med('on', 'p99')} ms)`,
        baseline: `${int(med('off', 'rps'))} (${med('off', 'p99')} ms)`,
        ratio: `${round(ratio, 3)} (cost ${pct(1 - ratio)})`,
        budget: 'cost ≤ 3 %',
        verdict: failures > 0 ? 'FAIL (errors)' : 1 - ratio <= 0.03 ? 'met' : 'missed',
      });
      rows.push({
        scenario: 'metrics',
        case: '  same, base-process CPU per request',
        nodeark: `${med('on', 'cpuUs').toFixed(0)} µs`,
        baseline: `${med('off', 'cpuUs').toFixed(0)} µs`,
        ratio: `${round(cpuRatio, 3)} (${pct(cpuRatio - 1)})`,
        budget: '— (on/off CPU)',
        verdict: 'info',
      });
    }
    return { rows, data };
  } finally {
    for (const b of Object.values(bases)) await b.stop();
  }
}
