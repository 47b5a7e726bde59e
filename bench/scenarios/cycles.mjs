// 200 install → one request → uninstall cycles of the same module in one base: RSS (after GC) and open
// file descriptors (/proc/<pid>/fd) sampled over time. A terminated worker must leave nothing behind.
// Budget (docs/benchmarks.md): flat RSS and file-descriptor count. "Flat" here: fds at the end ≤ fds after the
// first cycle, and RSS growth over the second half of the run ≤ 5 MiB.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBase } from '../lib/children.mjs';
import { FETCH_HELLO, fileUrl, variant } from '../lib/fixtures.mjs';
import { mib } from '../lib/stats.mjs';
import { fdsOf, rssOf, threadsOf } from '../lib/proc.mjs';

export const name = 'cycles';
export const title = 'Install/uninstall cycles: RSS and fds over time';

const sleep = (t) => new Promise((r) => setTimeout(r, t));

export async function run({ quick, log }) {
  const n = quick ? 40 : 200;
  const tmp = await mkdtemp(join(tmpdir(), 'nodeark-bench-cycles-'));
  const base = await startBase();
  try {
    const dir = await variant(FETCH_HELLO, join(tmp, 'bench-cycle'), { bizName: 'bench-cycle' });
    const url = fileUrl(dir);
    const sampleAt = new Set([0, 1, n / 4, n / 2, (3 * n) / 4, n]);
    const samples = [];
    const sample = async (cycle) => {
      await base.call('gc');
      await sleep(200);
      const s = { cycle, rss: rssOf(base.pid), fds: fdsOf(base.pid), threads: threadsOf(base.pid) };
      samples.push(s);
      log(`  after ${cycle} cycles: RSS ${mib(s.rss)}, fds ${s.fds}, threads ${s.threads}`);
    };
    const t0 = Date.now();
    await sample(0);
    let failed = 0;
    for (let i = 1; i <= n; i++) {
      const r = await base.call('install', { bizUrl: url });
      if (r.code !== 'SUCCESS') throw new Error(`install failed at cycle ${i}: ${r.message}`);
      const res = await fetch(`${base.url}/bench-cycle/hello`);
      if (res.status !== 200) failed++;
      await res.text();
      const u = await base.call('uninstall', { bizName: 'bench-cycle', bizVersion: '1.0.0' });
      if (u.code !== 'SUCCESS') throw new Error(`uninstall failed at cycle ${i}: ${u.message}`);
      if (sampleAt.has(i)) await sample(i);
    }
    const seconds = (Date.now() - t0) / 1000;
    const at = (c) => samples.find((s) => s.cycle === c);
    const first = at(1);
    const mid = at(n / 2);
    const end = at(n);
    const rssFlat = end.rss - mid.rss <= 5 * 1048576;
    const fdsFlat = end.fds <= first.fds;
    const data = { cycles: n, seconds, samples, failedRequests: failed };
    const rows = [
      {
        scenario: 'cycles',
        case: `${n} install/uninstall cycles: RSS after 1 / ${n / 2} / ${n}`,
        nodeark: `${mib(first.rss)} / ${mib(mid.rss)} / ${mib(end.rss)}`,
        baseline: `${mib(at(0).rss)} before the first install`,
        ratio: `${end.rss - mid.rss >= 0 ? '+' : ''}${mib(end.rss - mid.rss)} 2nd half`,
        budget: 'flat (≤ 5 MiB over the 2nd half)',
        verdict: rssFlat ? 'met' : 'missed',
      },
      {
        scenario: 'cycles',
        case: `${n} cycles: open fds after 1 / ${n / 2} / ${n}`,
        nodeark: `${first.fds} / ${mid.fds} / ${end.fds}`,
        baseline: `${at(0).fds} before the first install`,
        ratio: `${end.fds - first.fds >= 0 ? '+' : ''}${end.fds - first.fds}`,
        budget: 'flat (end ≤ after cycle 1)',
        verdict: fdsFlat && failed === 0 ? 'met' : 'missed',
      },
    ];
    return { rows, data };
  } finally {
    await base.stop();
    await rm(tmp, { recursive: true, force: true });
  }
}
