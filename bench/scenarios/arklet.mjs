// Arklet `health` and `queryAllBiz` latency while 8 module installs run: a probe process sends the two
// commands back to back (2 loops, keep-alive) to the base's real Arklet server (createArklet, wired by
// createBase) while 8 `installBiz` commands run concurrently over the same Arklet API. Several rounds
// (install 8, measure; uninstall 8, not measured) after one unmeasured warm-up round; p99 over all
// measured samples. An idle period first, for reference.
// Budget (docs/benchmarks.md): Arklet health/queryAllBiz p99 ≤ 20 ms while 8 installs run.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBase, startProbe } from '../lib/children.mjs';
import { FETCH_HELLO, fileUrl, packTgz, variant } from '../lib/fixtures.mjs';
import { ms, percentile } from '../lib/stats.mjs';

export const name = 'arklet';
export const title = 'Arklet health/queryAllBiz p99 during 8 installs';

const sleep = (t) => new Promise((r) => setTimeout(r, t));

async function arklet(url, cmd, body) {
  const res = await fetch(`${url}/${cmd}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body ?? {}) });
  const json = await res.json();
  if (json.code !== 'SUCCESS') throw new Error(`${cmd} ${JSON.stringify(body)}: ${json.code} ${json.message ?? ''}`);
  return json;
}

export async function run({ quick, log }) {
  const tmp = await mkdtemp(join(tmpdir(), 'nodeark-bench-arklet-'));
  const base = await startBase();
  try {
    if (!base.arkletUrl) throw new Error(`the base (${base.baseKind}) has no Arklet server`);
    const mods = [];
    for (let i = 1; i <= 8; i++) {
      const id = `ark-${i}`;
      const dir = await variant(FETCH_HELLO, join(tmp, id), { bizName: id });
      mods.push({ id, bizUrl: fileUrl(await packTgz(dir, join(tmp, 'packed'))) });
    }
    const targets = [
      { name: 'health', url: `${base.arkletUrl}/health`, method: 'POST', body: {} },
      { name: 'queryAllBiz', url: `${base.arkletUrl}/queryAllBiz`, method: 'POST', body: {} },
    ];
    const measure = async (during) => {
      const probe = await startProbe({ targets, concurrency: 2, raw: true, maxMs: 120_000 });
      const t0 = Date.now();
      await during();
      const seconds = (Date.now() - t0) / 1000;
      const r = await probe.stop();
      return { seconds, targets: r.targets };
    };
    const installAll = () => Promise.all(mods.map((x) => arklet(base.arkletUrl, 'installBiz', { bizName: x.id, bizVersion: '1.0.0', bizUrl: x.bizUrl })));
    const uninstallAll = () => Promise.all(mods.map((x) => arklet(base.arkletUrl, 'uninstallBiz', { bizName: x.id, bizVersion: '1.0.0' })));
    // Warm-up round, not measured: first-use module loading and JIT in the base.
    await installAll();
    await uninstallAll();
    const idle = await measure(() => sleep(quick ? 1000 : 2000));
    const rounds = quick ? 1 : 4;
    const lat = { health: [], queryAllBiz: [] };
    const failures = { health: 0, queryAllBiz: 0 };
    const roundData = [];
    const eld = [];
    for (let round = 0; round < rounds; round++) {
      await base.call('eldStart');
      const m = await measure(installAll);
      for (const t of m.targets) {
        lat[t.name].push(...t.raw);
        failures[t.name] += t.errors + t.non2xx;
      }
      const loop = await base.call('eldStop');
      eld.push(loop);
      roundData.push({ eventLoopDelay: loop, seconds: m.seconds, counts: m.targets.map((t) => t.count), p99: m.targets.map((t) => t.p99) });
      log(`  round ${round + 1}: 8 installs in ${m.seconds.toFixed(2)} s; p99 health ${ms(m.targets[0].p99)}, queryAllBiz ${ms(m.targets[1].p99)} (n=${m.targets[0].count}/${m.targets[1].count}); base event-loop delay p99 ${ms(loop.p99)}, max ${ms(loop.max)}`);
      await uninstallAll();
    }
    const rows = [];
    const data = { rounds: roundData, idle: idle.targets.map(({ raw, ...t }) => t), p99: {}, p50: {}, samples: {} };
    for (const t of targets) {
      const xs = lat[t.name];
      const p99 = percentile(xs, 99);
      const idleT = idle.targets.find((x) => x.name === t.name);
      data.p99[t.name] = p99;
      data.p50[t.name] = percentile(xs, 50);
      data.samples[t.name] = xs.length;
      rows.push({
        scenario: 'arklet',
        case: `Arklet ${t.name} during 8 concurrent installBiz, p50 / p99 (n=${xs.length})`,
        nodeark: `${ms(percentile(xs, 50))} / ${ms(p99)}`,
        baseline: `idle ${ms(idleT.p50)} / ${ms(idleT.p99)}`,
        ratio: `max ${ms(Math.max(...xs))}; base loop delay p99 ${ms(Math.max(...eld.map((e) => e.p99)))}`,
        budget: 'p99 ≤ 20 ms',
        verdict: failures[t.name] > 0 ? `FAIL (${failures[t.name]} errors)` : p99 <= 20 ? 'met' : 'missed',
      });
    }
    return { rows, data };
  } finally {
    await base.stop();
    await rm(tmp, { recursive: true, force: true });
  }
}
