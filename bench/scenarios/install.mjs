// Hot install latency of a small module from a local directory and from a local .tgz (packed with
// packBundle), vs a bare `new Worker` spawn (spawn → first message). Each iteration runs the three in a
// rotating order inside one base process; every install is followed by an (untimed) uninstall.
// Budget (docs/benchmarks.md): hot install from a local file p50 ≤ 1.5× a bare worker spawn.
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
  try {
    const dir = await variant(FETCH_HELLO, join(tmp, 'bench-install'), { bizName: 'bench-install' });
    const tgz = await packTgz(dir, join(tmp, 'packed'));
    const kinds = {
      bare: async () => ({ ms: await base.call('bareSpawn') }),
      dir: () => installOnce(base, fileUrl(dir)),
      tgz: () => installOnce(base, fileUrl(tgz)),
    };
    // Warm-up (module caches, first worker thread): not recorded.
    for (const k of ['bare', 'dir', 'tgz', 'bare']) await kinds[k]();
    const n = quick ? 6 : 24;
    const times = { bare: [], dir: [], tgz: [] };
    const stage = { dir: [], tgz: [] };
    const order = ['bare', 'dir', 'tgz'];
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < 3; j++) {
        const k = order[(i + j) % 3];
        const r = await kinds[k]();
        times[k].push(r.ms);
        if (k !== 'bare') stage[k].push(r.stageMs);
      }
    }
    const sum = (xs) => ({ p50: median(xs), p90: percentile(xs, 90), min: Math.min(...xs), max: Math.max(...xs) });
    const data = { iterations: n, bare: sum(times.bare), dir: sum(times.dir), tgz: sum(times.tgz), stageDirP50: median(stage.dir), stageTgzP50: median(stage.tgz), raw: times };
    log(`  bare p50 ${ms(data.bare.p50)}, dir p50 ${ms(data.dir.p50)} (staging ${ms(data.stageDirP50)}), tgz p50 ${ms(data.tgz.p50)} (staging ${ms(data.stageTgzP50)})`);
    const rows = ['dir', 'tgz'].map((k) => {
      const ratio = data[k].p50 / data.bare.p50;
      return {
        scenario: 'install',
        case: `hot install from local ${k === 'dir' ? 'directory' : '.tgz'}, p50 / p90 (n=${n})`,
        nodeark: `${ms(data[k].p50)} / ${ms(data[k].p90)} (staging ${ms(k === 'dir' ? data.stageDirP50 : data.stageTgzP50)})`,
        baseline: `${ms(data.bare.p50)} / ${ms(data.bare.p90)} bare Worker`,
        ratio: round(ratio),
        budget: 'p50 ≤ 1.50×',
        verdict: ratio <= 1.5 ? 'met' : 'missed',
      };
    });
    return { rows, data };
  } finally {
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
