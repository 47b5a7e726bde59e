import { afterEach, describe, expect, it } from 'vitest';
import type { RuntimeOptions } from '@nodeark/runtime';
import { fixtureUrl, startHarness, waitFor, type Harness } from './helpers/harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

import { readFileSync } from 'node:fs';

/** Running (not ended, not a zombie: the terminated worker's loop can no longer reap it). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

async function start(options: RuntimeOptions = {}): Promise<Harness> {
  h = await startHarness(options);
  await h.runtime.install({ bizUrl: fixtureUrl('fetch-app') });
  return h;
}

describe('child processes spawned by a module', () => {
  it('are tracked and ended when the module is uninstalled (track policy, the default)', async () => {
    const h = await start();
    const { pid } = (await (await fetch(`${h.url}/fetch-app/spawn`)).json()) as { pid: number };
    expect(pid).toBeGreaterThan(0);
    expect(alive(pid)).toBe(true);
    await h.runtime.uninstall('fetch-app', '1.0.0');
    await waitFor(() => !alive(pid), 5000);
  });

  it('are ended when the module crashes', async () => {
    const h = await start();
    const { pid } = (await (await fetch(`${h.url}/fetch-app/spawn`)).json()) as { pid: number };
    const crashed = new Promise((r) => h.runtime.once('crash', r));
    await fetch(`${h.url}/fetch-app/exit`);
    await crashed;
    await waitFor(() => !alive(pid), 5000);
  });

  it('are refused with a stable code under the deny policy, async and sync alike', async () => {
    const h = await start({ childProcesses: 'deny' });
    const a = await fetch(`${h.url}/fetch-app/spawn`);
    expect(a.status).toBe(403);
    expect(await a.json()).toEqual({ error: 'NODEARK_ERR_BIZ_CHILD_PROCESS_DENIED' });
    const s = await fetch(`${h.url}/fetch-app/exec-sync`);
    expect(await s.json()).toEqual({ error: 'NODEARK_ERR_BIZ_CHILD_PROCESS_DENIED' });
  });
});

describe('the event-loop watchdog', () => {
  const fast = { intervalMs: 100, maxUnhealthyChecks: 5, maxEventLoopUtilization: 0.9 };

  it('marks a module whose event loop is stuck DOWN, and UP again when it recovers (mark-down)', async () => {
    const h = await start({ watchdog: { ...fast, action: 'mark-down' }, requestTimeoutMs: 10_000 });
    const stuck = new Promise((r) => h.runtime.once('stuck', r));
    const busy = fetch(`${h.url}/fetch-app/busy?ms=1500`);
    expect(await stuck).toMatchObject({ identity: 'fetch-app:1.0.0', action: 'mark-down' });
    const health = await h.runtime.health('fetch-app:1.0.0');
    expect(health.status).toBe('DOWN');
    expect(JSON.stringify(health)).toContain('event loop busy');
    expect(await (await busy).text()).toBe('done spinning');
    await waitFor(async () => (await h.runtime.health('fetch-app:1.0.0')).status === 'UP', 5000);
    expect(h.runtime.get('fetch-app', '1.0.0')!.bizState).toBe('activated');
  });

  it('replaces a stuck worker with a fresh one (restart)', async () => {
    const h = await start({ watchdog: { ...fast, action: 'restart' }, requestTimeoutMs: 10_000 });
    const stuck = new Promise((r) => h.runtime.once('stuck', r));
    const busy = fetch(`${h.url}/fetch-app/busy?ms=20000`);
    await stuck;
    const res = await busy;
    expect(res.status).toBe(502);
    await waitFor(() => h.runtime.get('fetch-app', '1.0.0')?.bizState === 'activated', 5000);
    const records = h.runtime.get('fetch-app', '1.0.0')!.bizStateRecords.map((r) => `${r.state}/${r.reason}`);
    expect(records.slice(-2)).toEqual(['broken/Undefine', 'activated/Started']);
    expect((await fetch(`${h.url}/fetch-app/`)).status).toBe(200);
  });

  it('removes a stuck module (remove) while the base keeps serving others', async () => {
    const h = await start({ watchdog: { ...fast, action: 'remove' }, requestTimeoutMs: 10_000 });
    await h.runtime.install({ bizUrl: fixtureUrl('node-app') });
    const busy = fetch(`${h.url}/fetch-app/busy?ms=20000`);
    await waitFor(() => h.runtime.get('fetch-app', '1.0.0') === undefined, 5000);
    expect((await busy).status).toBe(502);
    expect((await fetch(`${h.url}/fetch-app/`)).status).toBe(404);
    expect((await fetch(`${h.url}/node/`)).status).toBe(200);
  });
});
