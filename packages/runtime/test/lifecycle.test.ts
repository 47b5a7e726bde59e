import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { BizTransitionEvent } from '@nodeark/runtime';
import { fixtureUrl, startHarness, waitFor, type Harness } from './helpers/harness.js';

let h: Harness;
let events: BizTransitionEvent[];

beforeEach(async () => {
  h = await startHarness();
  events = [];
  h.runtime.on('transition', (e) => events.push(e));
});
afterEach(async () => {
  await h.close();
});

const states = (identity: string): string[] =>
  events.filter((e) => e.identity === identity).map((e) => `${e.to}/${e.reason}`);

describe('install', () => {
  it('installs a directory bundle: resolved/Created then activated/Started, files in the store', async () => {
    const r = await h.runtime.install({ bizUrl: fixtureUrl('fetch-app') });
    expect(r.code).toBe('SUCCESS');
    expect(r.message).toMatch(/^Install Biz: fetch-app:1\.0\.0 success, cost: \d+ ms, started at: \d\d:\d\d:\d\d,\d\d\d$/);
    const biz = h.runtime.get('fetch-app', '1.0.0')!;
    expect(biz.bizState).toBe('activated');
    expect(biz.bizStateRecords.map((x) => [x.state, x.reason, x.message])).toEqual([
      ['resolved', 'Created', ''],
      ['activated', 'Started', ''],
    ]);
    expect(Number.isInteger(biz.bizStateRecords[0]!.changeTime)).toBe(true);
    expect(biz.webContextPath).toBe('fetch-app');
    expect(biz.priority).toBe(100);
    expect(biz.serves).toBe('fetch');
    expect(biz.healthIndicators).toEqual(['self']);
    expect(biz.bizDir).toBe(join(h.runtime.options.storeDir, 'fetch-app', '1.0.0'));
    expect(existsSync(join(biz.bizDir, 'index.mjs'))).toBe(true);
    expect(states('fetch-app:1.0.0')).toEqual(['resolved/Created', 'activated/Started']);
    expect(events[0]!.from).toBeNull();
    expect(events[1]!.from).toBe('resolved');
  });

  it('is idempotent for an activated identity from the same bizUrl, REPEAT_BIZ otherwise', async () => {
    await h.runtime.install({ bizUrl: fixtureUrl('fetch-app') });
    const again = await h.runtime.install({ bizUrl: fixtureUrl('fetch-app'), bizName: 'fetch-app', bizVersion: '1.0.0' });
    expect(again.code).toBe('SUCCESS');
    expect(again.message).toContain('already installed');
    const other = await h.runtime.install({ bizUrl: `${fixtureUrl('fetch-app')}/`, bizName: 'fetch-app', bizVersion: '1.0.0' });
    expect(other.code).toBe('REPEAT_BIZ');
    expect(other.message).toBe('Biz: fetch-app:1.0.0 has been installed or registered.');
    expect(h.runtime.list()).toHaveLength(1);
  });

  it('rejects an identity mismatch between request and bundle with FAILED and installs nothing', async () => {
    const r = await h.runtime.install({ bizUrl: fixtureUrl('fetch-app'), bizName: 'fetch-app', bizVersion: '9.9.9' });
    expect(r.code).toBe('FAILED');
    expect(r.message).toContain('declares fetch-app:1.0.0 but the request asked for fetch-app:9.9.9');
    expect(h.runtime.list()).toEqual([]);
    expect(existsSync(join(h.runtime.options.storeDir, 'fetch-app'))).toBe(false);
  });

  it('refuses a second module on a context path owned by another name', async () => {
    await h.runtime.install({ bizUrl: fixtureUrl('fetch-app') });
    const { mkdtemp, writeFile, cp } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { pathToFileURL } = await import('node:url');
    const dir = await mkdtemp(join(tmpdir(), 'nodeark-clash-'));
    await cp(new URL(fixtureUrl('fetch-app')), dir, { recursive: true });
    await writeFile(
      join(dir, 'package.json'),
      JSON.stringify({ name: 'other', version: '1.0.0', type: 'module', main: 'index.mjs', nodeark: { webContextPath: 'fetch-app' } }),
    );
    const r = await h.runtime.install({ bizUrl: pathToFileURL(dir).href });
    expect(r.code).toBe('FAILED');
    expect(r.message).toContain('webContextPath "/fetch-app" is already used by module fetch-app:1.0.0');
    expect(h.runtime.list().map((b) => b.identity)).toEqual(['fetch-app:1.0.0']);
  });

  it('throws stable codes for bad requests and changes nothing', async () => {
    await expect(h.runtime.install({ bizUrl: '  ' })).rejects.toMatchObject({ code: 'NODEARK_ERR_BUNDLE_INVALID_URL' });
    await expect(h.runtime.install({ bizUrl: fixtureUrl('fetch-app'), bizName: '../evil' })).rejects.toMatchObject({
      code: 'NODEARK_ERR_BIZ_INVALID_IDENTITY',
    });
    await expect(
      h.runtime.install({ bizUrl: fixtureUrl('fetch-app'), args: [1] as unknown as string[] }),
    ).rejects.toMatchObject({ code: 'NODEARK_ERR_BIZ_INVALID_IDENTITY' });
    await expect(h.runtime.install({ bizUrl: 'file:///definitely/not/here' })).rejects.toMatchObject({
      code: 'NODEARK_ERR_BUNDLE_NOT_FOUND',
    });
    expect(h.runtime.list()).toEqual([]);
  });
});

describe('multiple versions and switch', () => {
  it('brings a second version up deactivated, then switches atomically', async () => {
    await h.runtime.install({ bizUrl: fixtureUrl('versioned-1.0.0') });
    const r2 = await h.runtime.install({ bizUrl: fixtureUrl('versioned-2.0.0') });
    expect(r2.code).toBe('SUCCESS');
    expect(h.runtime.get('versioned', '2.0.0')!.bizStateRecords.map((x) => [x.state, x.reason, x.message])).toEqual([
      ['resolved', 'Created', ''],
      ['deactivated', 'Started', 'start but is deactivated'],
    ]);
    expect(await (await fetch(`${h.url}/versioned/`)).text()).toBe('1.0.0');

    const s = await h.runtime.switchBiz('versioned', '2.0.0');
    expect(s).toMatchObject({ code: 'SUCCESS', message: 'Switch biz: versioned:2.0.0 is activated.' });
    expect(await (await fetch(`${h.url}/versioned/`)).text()).toBe('2.0.0');
    const v1 = h.runtime.get('versioned', '1.0.0')!;
    expect(v1.bizState).toBe('deactivated');
    expect(v1.bizStateRecords.at(-1)).toMatchObject({ state: 'deactivated', reason: 'Switched', message: 'switch to new version versioned:2.0.0' });
    expect(h.runtime.get('versioned', '2.0.0')!.bizStateRecords.at(-1)).toMatchObject({
      state: 'activated',
      reason: 'Switched',
      message: 'switch from old version: versioned:1.0.0',
    });
    // Switching to the already-activated version changes nothing and still succeeds.
    const again = await h.runtime.switchBiz('versioned', '2.0.0');
    expect(again.code).toBe('SUCCESS');
    expect(h.runtime.get('versioned', '2.0.0')!.bizStateRecords).toHaveLength(3);
  });

  it('lets requests in flight finish on the old version during a switch', async () => {
    await h.runtime.install({ bizUrl: fixtureUrl('versioned-1.0.0') });
    await h.runtime.install({ bizUrl: fixtureUrl('versioned-2.0.0') });
    const inflight = fetch(`${h.url}/versioned/slow`).then((r) => r.text());
    await new Promise((r) => setTimeout(r, 50));
    await h.runtime.switchBiz('versioned', '2.0.0');
    expect(await (await fetch(`${h.url}/versioned/`)).text()).toBe('2.0.0');
    expect(await inflight).toBe('1.0.0');
  });

  it('answers NOT_FOUND_BIZ and ILLEGAL_STATE_BIZ like sofa-ark', async () => {
    expect(await h.runtime.switchBiz('nope', '1.0.0')).toMatchObject({ code: 'NOT_FOUND_BIZ', message: 'Switch biz: nope:1.0.0 not found.' });
    expect(await h.runtime.uninstall('nope', '1.0.0')).toMatchObject({
      code: 'NOT_FOUND_BIZ',
      message: 'Uninstall biz: nope:1.0.0 not found.',
    });
  });

  it('uninstallThenInstall removes every version of the name first', async () => {
    await h.runtime.install({ bizUrl: fixtureUrl('versioned-1.0.0') });
    const r = await h.runtime.install({ bizUrl: fixtureUrl('versioned-2.0.0'), installStrategy: 'uninstallThenInstall' });
    expect(r.code).toBe('SUCCESS');
    expect(h.runtime.list().map((b) => `${b.identity}=${b.bizState}`)).toEqual(['versioned:2.0.0=activated']);
    expect(states('versioned:1.0.0')).toEqual(['resolved/Created', 'activated/Started', 'deactivated/Killing', 'stopped/Stopped']);
  });
});

describe('uninstall', () => {
  it('unroutes, stops, records Killing/Stopped, removes files, then 404', async () => {
    await h.runtime.install({ bizUrl: fixtureUrl('fetch-app') });
    const dir = h.runtime.get('fetch-app', '1.0.0')!.bizDir;
    expect((await fetch(`${h.url}/fetch-app/`)).status).toBe(200);
    const r = await h.runtime.uninstall('fetch-app', '1.0.0');
    expect(r).toMatchObject({ code: 'SUCCESS', message: 'Uninstall biz: fetch-app:1.0.0 success.' });
    expect(states('fetch-app:1.0.0')).toEqual(['resolved/Created', 'activated/Started', 'deactivated/Killing', 'stopped/Stopped']);
    expect(h.runtime.list()).toEqual([]);
    expect(existsSync(dir)).toBe(false);
    expect((await fetch(`${h.url}/fetch-app/`)).status).toBe(404);
  });

  it('waits for in-flight requests before stopping (drain)', async () => {
    await h.runtime.install({ bizUrl: fixtureUrl('fetch-app') });
    const slow = fetch(`${h.url}/fetch-app/slow?ms=300`);
    await new Promise((r) => setTimeout(r, 50));
    const t0 = Date.now();
    await h.runtime.uninstall('fetch-app', '1.0.0');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(150);
    const res = await slow;
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('slept 1.0.0');
  });

  it('bounds a hanging stop() and still removes the module', async () => {
    await h.close();
    h = await startHarness({ stopTimeoutMs: 200 });
    events = [];
    h.runtime.on('transition', (e) => events.push(e));
    await h.runtime.install({ bizUrl: fixtureUrl('lifecycle'), envs: { MODE: 'hang-stop' } });
    const r = await h.runtime.uninstall('lifecycle', '1.0.0');
    expect(r.code).toBe('SUCCESS');
    expect(r.message).toContain('stop() did not finish within 200 ms');
    expect(states('lifecycle:1.0.0')).toEqual([
      'resolved/Created',
      'activated/Started',
      'deactivated/Killing',
      'broken/Uninstall Failed',
      'stopped/Stopped',
    ]);
    expect(h.runtime.list()).toEqual([]);
  });
});

describe('isolation', () => {
  it("gives the worker exactly the request's envs (plus the base's NODE_ENV), never the base environment", async () => {
    process.env.NODEARK_TEST_BASE_SECRET = 's3cret';
    const nodeEnv = process.env.NODE_ENV;
    process.env.NODE_ENV = 'production';
    try {
      await h.runtime.install({ bizUrl: fixtureUrl('fetch-app'), envs: { A: '1' }, args: ['--x', 'y'] });
      const body = (await (await fetch(`${h.url}/fetch-app/env`)).json()) as {
        env: Record<string, string>;
        ctxEnv: Record<string, string>;
        args: string[];
      };
      expect(body.env).toEqual({ A: '1', NODE_ENV: 'production' });
      expect(body.ctxEnv).toEqual({ A: '1' });
      expect(body.args).toEqual(['--x', 'y']);
    } finally {
      delete process.env.NODEARK_TEST_BASE_SECRET;
      process.env.NODE_ENV = nodeEnv;
    }
  });

  it("lets the install's envs set NODE_ENV", async () => {
    await h.runtime.install({ bizUrl: fixtureUrl('fetch-app'), envs: { NODE_ENV: 'staging' } });
    const body = (await (await fetch(`${h.url}/fetch-app/env`)).json()) as { env: Record<string, string> };
    expect(body.env).toEqual({ NODE_ENV: 'staging' });
  });

  it('resolves a bare import the module does not carry from the base node_modules (module slimming)', async () => {
    const r = await h.runtime.install({ bizUrl: fixtureUrl('slim') });
    expect(r.code).toBe('SUCCESS');
    expect(await (await fetch(`${h.url}/slim/`)).text()).toBe('function');
  });
});

describe('close', () => {
  it('stops modules in reverse priority order and refuses new work', async () => {
    await h.runtime.install({ bizUrl: fixtureUrl('fetch-app') });
    await h.runtime.install({ bizUrl: fixtureUrl('node-app') });
    await h.runtime.close();
    const stopped = events.filter((e) => e.to === 'stopped').map((e) => e.identity);
    expect(stopped.sort()).toEqual(['fetch-app:1.0.0', 'node-app:1.0.0']);
    await expect(h.runtime.install({ bizUrl: fixtureUrl('fetch-app') })).rejects.toMatchObject({
      code: 'NODEARK_ERR_BIZ_RUNTIME_CLOSED',
    });
  });
});

describe('concurrent uninstalls', () => {
  it('stop the module once and both report the same outcome', async () => {
    h.runtime.beforeUninstall(() => new Promise((r) => setTimeout(r, 100)));
    await h.runtime.install({ bizUrl: fixtureUrl('fetch-app') });
    const [a, b] = await Promise.all([h.runtime.uninstall('fetch-app', '1.0.0'), h.runtime.uninstall('fetch-app', '1.0.0')]);
    expect(a.code).toBe('SUCCESS');
    expect(b).toEqual(a);
    expect(states('fetch-app:1.0.0')).toEqual(['resolved/Created', 'activated/Started', 'deactivated/Killing', 'stopped/Stopped']);
  });

  it('a close during an uninstall records the stop once, through legal moves only', async () => {
    const x = await startHarness({ stopTimeoutMs: 300 });
    const seen: BizTransitionEvent[] = [];
    x.runtime.on('transition', (e) => seen.push(e));
    try {
      await x.runtime.install({ bizUrl: fixtureUrl('lifecycle'), envs: { MODE: 'hang-stop' } });
      const uninstalling = x.runtime.uninstall('lifecycle', '1.0.0');
      await waitFor(() => seen.some((e) => e.reason === 'Killing'));
      const [result] = await Promise.all([uninstalling, x.runtime.close()]);
      expect(result.code).toBe('SUCCESS');
      expect(result.message).toContain('stop() failed');
      // Which of the two stops finishes first is up to the worker's exit: the uninstall's (its stop() timed
      // out: recorded as Uninstall Failed) or the close's (no error of its own). Either way the other one
      // finds the stop recorded and adds nothing.
      const moves = seen.map((e) => `${e.from ?? '-'}>${e.to}/${e.reason}`);
      expect([
        ['->resolved/Created', 'resolved>activated/Started', 'activated>deactivated/Killing', 'deactivated>broken/Uninstall Failed', 'broken>stopped/Stopped'],
        ['->resolved/Created', 'resolved>activated/Started', 'activated>deactivated/Killing', 'deactivated>stopped/Stopped'],
      ]).toContainEqual(moves);
      expect(x.runtime.list()).toEqual([]);
    } finally {
      await x.close();
    }
  });
});
