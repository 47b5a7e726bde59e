// Memory per idle module at 1, 10, 50, 100 installed modules (RSS growth of the base process divided by
// the module count, after one request to each module and a GC), vs a separate Node process serving the
// same module: its RSS, and its PSS/USS from /proc/<pid>/smaps_rollup (RSS double-counts the node binary
// and libraries that every Node process shares).
// Budget (docs/benchmarks.md): memory per idle small module ≤ 0.25× a separate Node process.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBase, startStandalone } from '../lib/children.mjs';
import { FETCH_HELLO, fileUrl, variant } from '../lib/fixtures.mjs';
import { median, mib, round } from '../lib/stats.mjs';
import { pssOf, rssOf, threadsOf } from '../lib/proc.mjs';

export const name = 'memory';
export const title = 'Memory per idle module vs a separate process';

const sleep = (t) => new Promise((r) => setTimeout(r, t));

export async function run({ quick, log }) {
  const counts = quick ? [1, 10] : [1, 10, 50, 100];
  const max = counts[counts.length - 1];
  const tmp = await mkdtemp(join(tmpdir(), 'nodeark-bench-mem-'));
  const data = { counts: [], separate: undefined };
  const rows = [];
  try {
    // The baseline: separate processes serving the same module (3 at once, each after one request).
    const procs = [];
    try {
      for (let i = 0; i < 3; i++) procs.push(await startStandalone(FETCH_HELLO, 'fetch'));
      for (const p of procs) await (await fetch(`${p.url}/hello`)).text();
      await sleep(1000);
      const m = procs.map((p) => ({ rss: rssOf(p.pid), ...pssOf(p.pid) }));
      data.separate = { rss: median(m.map((x) => x.rss)), pss: median(m.map((x) => x.pss)), uss: median(m.map((x) => x.uss)), samples: m };
    } finally {
      for (const p of procs) await p.stop();
    }
    const sep = data.separate;
    log(`  separate process: RSS ${mib(sep.rss)}, PSS ${mib(sep.pss)}, USS ${mib(sep.uss)}`);

    const dirs = [];
    for (let i = 1; i <= max; i++) {
      const id = `mem-${String(i).padStart(3, '0')}`;
      dirs.push({ id, dir: await variant(FETCH_HELLO, join(tmp, id), { bizName: id }) });
    }
    const base = await startBase();
    try {
      const settle = async () => {
        await sleep(1000);
        await base.call('gc');
        await sleep(300);
        return { rss: rssOf(base.pid), ...pssOf(base.pid), threads: threadsOf(base.pid) };
      };
      const zero = await settle();
      data.zero = zero;
      let installed = 0;
      for (const n of counts) {
        const t0 = Date.now();
        const installMs = [];
        for (; installed < n; installed++) {
          const r = await base.call('install', { bizUrl: fileUrl(dirs[installed].dir) });
          if (r.code !== 'SUCCESS') throw new Error(`install ${dirs[installed].id} failed: ${r.message}`);
          installMs.push(r.ms);
          const res = await fetch(`${base.url}/${dirs[installed].id}/hello`);
          if (res.status !== 200) throw new Error(`GET ${dirs[installed].id} → ${res.status}`);
          await res.text();
        }
        const m = await settle();
        const perRss = (m.rss - zero.rss) / n;
        const perPss = (m.pss - zero.pss) / n;
        data.counts.push({ n, rss: m.rss, pss: m.pss, threads: m.threads, perModuleRss: perRss, perModulePss: perPss, installSec: (Date.now() - t0) / 1000, installP50Ms: median(installMs) });
        log(`  ${n} modules: base RSS ${mib(m.rss)} (+${mib(perRss)} per module), threads ${m.threads}, install p50 ${median(installMs).toFixed(0)} ms for the last ${installMs.length}`);
        const vsPss = perRss / sep.pss;
        rows.push({
          scenario: 'memory',
          case: `idle module memory at N=${n} (base RSS growth / N)`,
          nodeark: mib(perRss),
          baseline: `RSS ${mib(sep.rss)}, PSS ${mib(sep.pss)}, USS ${mib(sep.uss)}`,
          ratio: `${round(vsPss)}× PSS (${round(perRss / sep.rss)}× RSS)`,
          budget: '≤ 0.25×',
          verdict: vsPss <= 0.25 ? 'met' : perRss / sep.rss <= 0.25 ? 'missed (met vs RSS)' : 'missed',
        });
      }
    } finally {
      await base.stop();
    }
    return { rows, data };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
