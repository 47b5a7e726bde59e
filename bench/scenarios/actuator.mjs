// GET /actuator/health of a base with 50 installed modules (each with one `ping` indicator, evaluated in
// its worker), show-details=always so every module's components are in the answer: a probe process sends
// requests back to back (concurrency 1, keep-alive) for a fixed time. The base alone (0 modules) first,
// for reference.
// Budget (docs/benchmarks.md): /actuator/health with 50 modules p99 ≤ 10 ms.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBase, startProbe } from '../lib/children.mjs';
import { FETCH_HELLO, fileUrl, variant } from '../lib/fixtures.mjs';
import { ms } from '../lib/stats.mjs';

export const name = 'actuator';
export const title = '/actuator/health p99 with 50 modules';

const sleep = (t) => new Promise((r) => setTimeout(r, t));

export async function run({ quick, log }) {
  const n = 50;
  const tmp = await mkdtemp(join(tmpdir(), 'nodeark-bench-actuator-'));
  const base = await startBase({ config: { 'management.endpoint.health.show-details': 'always' } });
  try {
    const seconds = quick ? 3 : 8;
    const probeFor = async (label) => {
      await base.call('eldStart');
      const probe = await startProbe({ targets: [{ name: label, url: `${base.url}/actuator/health` }], concurrency: 1, maxMs: (seconds + 10) * 1000 });
      await sleep(seconds * 1000);
      const t = (await probe.stop()).targets[0];
      t.eventLoopDelay = await base.call('eldStop');
      return t;
    };
    const empty = await probeFor('0 modules');
    log(`  0 modules: p50 ${ms(empty.p50)}, p99 ${ms(empty.p99)} (n=${empty.count}, status ${JSON.stringify(empty.statuses)})`);
    for (let i = 1; i <= n; i++) {
      const id = `act-${String(i).padStart(2, '0')}`;
      const dir = await variant(FETCH_HELLO, join(tmp, id), { bizName: id });
      const r = await base.call('install', { bizUrl: fileUrl(dir) });
      if (r.code !== 'SUCCESS') throw new Error(`install ${id}: ${r.message}`);
    }
    const body = await (await fetch(`${base.url}/actuator/health`)).json();
    const moduleCount = Object.keys(body.components?.arkBizAggregate?.details ?? {}).length;
    if (moduleCount !== n) log(`  note: arkBizAggregate lists ${moduleCount} modules`);
    await sleep(500);
    const full = await probeFor(`${n} modules`);
    log(`  ${n} modules: p50 ${ms(full.p50)}, p99 ${ms(full.p99)} (n=${full.count}, status ${JSON.stringify(full.statuses)})`);
    const failures = full.errors + full.non2xx;
    return {
      rows: [
        {
          scenario: 'actuator',
          case: `GET /actuator/health, ${n} modules, show-details=always, c=1, p50 / p99 (n=${full.count})`,
          nodeark: `${ms(full.p50)} / ${ms(full.p99)}`,
          baseline: `0 modules ${ms(empty.p50)} / ${ms(empty.p99)}`,
          ratio: `max ${ms(full.max)}; base loop delay p99 ${ms(full.eventLoopDelay.p99)}`,
          budget: 'p99 ≤ 10 ms',
          verdict: failures > 0 ? `FAIL (${failures} errors/non-2xx)` : full.p99 <= 10 ? 'met' : 'missed',
        },
      ],
      data: { modules: n, moduleCountInAnswer: moduleCount, empty, full, seconds },
    };
  } finally {
    await base.stop();
    await rm(tmp, { recursive: true, force: true });
  }
}
