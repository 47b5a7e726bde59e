// Hot install latency of a small module from a local directory and from a local .tgz (packed with
// packBundle), vs a bare `new Worker` spawn (spawn → first message), with the default spare worker
// (`nodeark.worker.spares=1`) and, in a second base in the same run, without (`=0`). Each iteration runs
// the four in a rotating order; every install is followed by an (untimed) uninstall, and every operation by
// a 150 ms pause (a hot install arrives at a base that is otherwise idle, so its spare has been refilled).
// Budget (docs/benchmarks.md): hot install from a local file p50 ≤ 1.2× a bare worker spawn.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBase } from '../lib/children.mjs';
import { FETCH_HELLO, fileUrl, packTgz, variant } from '../lib/fixtures.mjs';
import { median, percentile, round, ms } from '../lib/stats.mjs';

export const name = 'install';
export const title = 'Hot install latency vs bare worker spawn';

export async function run({ quick, log }) {
  const tmp = await mkdtemp(join(tmpdir(), 'nodeark-bench-install-'));
  const base = await startBase();
  const noSpare = await startBase({ config: { 'nodeark.worker.spares': 0 } });
  try {
    const dir = await variant(FETCH_HELLO, join(tmp, 'bench-install'), { bizName: 'bench-install' });
    const tgz = await packTgz(dir, join(tmp, 'packed'));
    const pause = () => new Promise((r) => setTimeout(r, 150));
    const kinds = {
      bare: async () => ({ ms: await base.call('bareSpawn') }),
      dir: () => installOnce(base, fileUrl(dir)),
      tgz: () => installOnce(base, fileUrl(tgz)),
      dirNoSpare: () => installOnce(noSpare, fileUrl(dir)),
    };
    const labels = {
      dir: 'local directory',
      tgz: 'local .tgz',
      dirNoSpare: 'local directory, no spare (spares=0)',
    };
    // Warm-up (module caches, first worker thread, the first spare): not recorded.
    for (const k of ['bare', 'dir', 'tgz', 'dirNoSpare', 'bare']) {
      await kinds[k]();
      await pause();
    }
    const n = quick ? 6 : 24;
    const order = Object.keys(kinds);
    const times = Object.fromEntries(order.map((k) => [k, []]));
    const stage = Object.fromEntries(order.map((k) => [k, []]));
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < order.length; j++) {
        const k = order[(i + j) % order.length];
        const r = await kinds[k]();
        times[k].push(r.ms);
        if (k !== 'bare') stage[k].push(r.stageMs);
        await pause();
      }
    }
    const sum = (xs) => ({ p50: median(xs), p90: percentile(xs, 90), min: Math.min(...xs), max: Math.max(...xs) });
    const data = { iterations: n, raw: times };
    for (const k of order) data[k] = { ...sum(times[k]), ...(k === 'bare' ? {} : { stageP50: median(stage[k]) }) };
    log(`  ${order.map((k) => `${k} p50 ${ms(data[k].p50)}`).join(', ')}`);
    const rows = ['dir', 'tgz', 'dirNoSpare'].map((k) => {
      const ratio = data[k].p50 / data.bare.p50;
      return {
        scenario: 'install',
        case: `hot install from ${labels[k]}, p50 / p90 (n=${n})`,
        nodeark: `${ms(data[k].p50)} / ${ms(data[k].p90)} (staging ${ms(data[k].stageP50)})`,
        baseline: `${ms(data.bare.p50)} / ${ms(data.bare.p90)} bare Worker`,
        ratio: round(ratio),
        budget: 'p50 ≤ 1.20×',
        verdict: ratio <= 1.2 ? 'met' : 'missed',
      };
    });
    return { rows, data };
  } finally {
    await noSpare.stop();
    await base.stop();
    await rm(tmp, { recursive: true, force: true });
  }
}

async function installOnce(base, bizUrl) {
  const r = await base.call('install', { bizUrl });
  if (r.code !== 'SUCCESS') throw new Error(`install failed: ${r.message}`);
  const [bizName, bizVersion] = r.identity.split(':');
  const u = await base.call('uninstall', { bizName, bizVersion });
  if (u.code !== 'SUCCESS') throw new Error(`uninstall failed: ${u.message}`);
  return r;
}
