// Zero failed requests during a version switch under load: v1 serves while autocannon (c=16) and a
// body-counting probe (c=4) run; meanwhile v2 is installed (comes up deactivated), switched to, and v1
// is uninstalled. Every request must succeed, and both versions must have answered.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runLoad, startBase, startProbe } from '../lib/children.mjs';
import { VERSIONED, fileUrl, variant } from '../lib/fixtures.mjs';
import { int, ms } from '../lib/stats.mjs';

export const name = 'switch';
export const title = 'Version switch under load';

const sleep = (t) => new Promise((r) => setTimeout(r, t));

export async function run({ quick, log }) {
  const tmp = await mkdtemp(join(tmpdir(), 'nodeark-bench-switch-'));
  const base = await startBase();
  try {
    const v1 = await variant(VERSIONED, join(tmp, 'v1'), { bizName: 'bench-versioned', bizVersion: '1.0.0', webContextPath: 'versioned' });
    const v2 = await variant(VERSIONED, join(tmp, 'v2'), { bizName: 'bench-versioned', bizVersion: '2.0.0', webContextPath: 'versioned' });
    const r1 = await base.call('install', { bizUrl: fileUrl(v1) });
    if (r1.code !== 'SUCCESS') throw new Error(`install v1 failed: ${r1.message}`);
    const target = `${base.url}/versioned/`;
    const durationSec = quick ? 4 : 6;
    const probe = await startProbe({ targets: [{ url: target }], concurrency: 4, countBodies: true, maxMs: (durationSec + 10) * 1000 });
    const load = runLoad({ url: target, connections: 16, durationSec });
    const ops = {};
    await sleep(1000);
    const t2 = await base.call('install', { bizUrl: fileUrl(v2) });
    ops.installV2 = t2;
    if (t2.code !== 'SUCCESS' || t2.state !== 'deactivated') throw new Error(`install v2: ${t2.code} ${t2.state} ${t2.message}`);
    await sleep(500);
    ops.switch = await base.call('switch', { bizName: 'bench-versioned', bizVersion: '2.0.0' });
    await sleep(500);
    ops.uninstallV1 = await base.call('uninstall', { bizName: 'bench-versioned', bizVersion: '1.0.0' });
    const l = await load;
    const p = (await probe.stop()).targets[0];
    const failures = l.errors + l.timeouts + l.non2xx + p.errors + p.non2xx;
    const served = p.bodies;
    log(`  autocannon ${int(l.totalRequests)} requests (errors ${l.errors}, timeouts ${l.timeouts}, non2xx ${l.non2xx}); probe ${int(p.count)} (v1 ${served['1.0.0'] ?? 0}, v2 ${served['2.0.0'] ?? 0}, failures ${p.errors + p.non2xx})`);
    const bothServed = (served['1.0.0'] ?? 0) > 0 && (served['2.0.0'] ?? 0) > 0;
    return {
      rows: [
        {
          scenario: 'switch',
          case: `install v2 + switch + uninstall v1 under load (${durationSec} s), failed requests`,
          nodeark: `${failures} of ${int(l.totalRequests + p.count + p.errors)}`,
          baseline: `v1 ${int(served['1.0.0'] ?? 0)} / v2 ${int(served['2.0.0'] ?? 0)} probe answers; switch ${ms(ops.switch.ms)}, uninstall ${ms(ops.uninstallV1.ms)}`,
          ratio: `${int(l.rps)} req/s`,
          budget: '0 failed',
          verdict: failures === 0 && bothServed ? 'met' : 'missed',
        },
      ],
      data: { autocannon: l, probe: p, ops },
    };
  } finally {
    await base.stop();
    await rm(tmp, { recursive: true, force: true });
  }
}
