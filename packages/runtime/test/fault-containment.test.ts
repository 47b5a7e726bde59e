import { afterEach, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { BizTransitionEvent, RuntimeOptions } from '@nodeark/runtime';
import { fixtureUrl, startHarness, waitFor, type Harness } from './helpers/harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function harness(options: RuntimeOptions = {}): Promise<{ h: Harness; events: BizTransitionEvent[] }> {
  h = await startHarness(options);
  const events: BizTransitionEvent[] = [];
  h.runtime.on('transition', (e) => events.push(e));
  // A healthy neighbour proves the base keeps serving whatever the faulty module does.
  await h.runtime.install({ bizUrl: fixtureUrl('node-app') });
  return { h, events };
}

async function neighbourServes(url: string): Promise<void> {
  const res = await fetch(`${url}/node/`);
  expect(res.status).toBe(200);
}

describe('a module that fails to start becomes broken, is removed, and the base keeps serving', () => {
  const cases: Array<[string, Record<string, string>, RegExp]> = [
    ['throws at import', { MODE: 'throw-import' }, /thrown at import/],
    ['throws in start', { MODE: 'throw-start' }, /thrown in start/],
    ['rejects in start', { MODE: 'reject-start' }, /TypeError: rejected in start/],
    ['calls process.exit in start', { MODE: 'exit-start' }, /exited with code 7/],
  ];
  for (const [name, envs, message] of cases) {
    it(name, async () => {
      const { h, events } = await harness();
      const err = await h.runtime.install({ bizUrl: fixtureUrl('lifecycle'), envs }).then(
        () => undefined,
        (e: unknown) => e as { code: string; message: string },
      );
      expect(err?.code).toBe('NODEARK_ERR_BIZ_START_FAILED');
      expect(err?.message).toMatch(message);
      const mine = events.filter((e) => e.identity === 'lifecycle:1.0.0');
      expect(mine.map((e) => `${e.to}/${e.reason}`)).toEqual(['resolved/Created', 'broken/Install Failed', 'stopped/Stopped']);
      expect(mine[1]!.message).toMatch(message);
      expect(h.runtime.get('lifecycle', '1.0.0')).toBeUndefined();
      expect(existsSync(join(h.runtime.options.storeDir, 'lifecycle', '1.0.0'))).toBe(false);
      expect((await fetch(`${h.url}/lifecycle/`)).status).toBe(404);
      await neighbourServes(h.url);
    });
  }

  it('hangs in start: bounded by the start timeout', async () => {
    // The bound also applies to the healthy neighbour's start: generous enough for a loaded CI machine
    // (300 ms was not), far below the fixture's endless hang.
    const { h } = await harness({ startTimeoutMs: 1500 });
    const t0 = Date.now();
    await expect(h.runtime.install({ bizUrl: fixtureUrl('lifecycle'), envs: { MODE: 'hang-start' } })).rejects.toMatchObject({
      code: 'NODEARK_ERR_BIZ_START_FAILED',
      message: expect.stringContaining('start did not finish within 1500 ms'),
    });
    expect(Date.now() - t0).toBeLessThan(5000);
    await neighbourServes(h.url);
  });

  it('runs out of memory under resourceLimits', async () => {
    const { h } = await harness({ resourceLimits: { maxOldGenerationSizeMb: 32 } });
    await expect(h.runtime.install({ bizUrl: fixtureUrl('lifecycle'), envs: { MODE: 'oom-start' } })).rejects.toMatchObject({
      code: 'NODEARK_ERR_BIZ_START_FAILED',
      message: expect.stringMatching(/ERR_WORKER_OUT_OF_MEMORY|out of memory/i),
    });
    await neighbourServes(h.url);
  });

  it('keeps the broken module for inspection when keepBrokenBiz is set', async () => {
    const { h } = await harness({ keepBrokenBiz: true });
    await expect(h.runtime.install({ bizUrl: fixtureUrl('lifecycle'), envs: { MODE: 'throw-start' } })).rejects.toMatchObject({
      code: 'NODEARK_ERR_BIZ_START_FAILED',
    });
    const biz = h.runtime.get('lifecycle', '1.0.0')!;
    expect(biz.bizState).toBe('broken');
    expect(await h.runtime.switchBiz('lifecycle', '1.0.0')).toMatchObject({
      code: 'ILLEGAL_STATE_BIZ',
      message: "Switch Biz: lifecycle:1.0.0's state must not be broken.",
    });
    expect((await h.runtime.health('lifecycle:1.0.0')).status).toBe('DOWN');
    expect((await h.runtime.uninstall('lifecycle', '1.0.0')).code).toBe('SUCCESS');
    expect(h.runtime.list().map((b) => b.identity)).toEqual(['node-app:1.0.0']);
  });
});

describe('a module that crashes at run time becomes broken; the base keeps serving', () => {
  const cases: Array<[string, string]> = [
    ['process.exit during a request', '/exit'],
    ['an uncaught exception in a timer', '/crash-later'],
    ['an unhandled rejection', '/reject-later'],
  ];
  for (const [name, path] of cases) {
    it(name, async () => {
      const { h, events } = await harness();
      await h.runtime.install({ bizUrl: fixtureUrl('fetch-app') });
      const crashed = new Promise((r) => h.runtime.once('crash', r));
      const res = await fetch(`${h.url}/fetch-app${path}`);
      if (path === '/exit') {
        // The request in flight when the worker died gets a 502 with a stable code.
        expect(res.status).toBe(502);
        expect(await res.json()).toMatchObject({ code: 'NODEARK_ERR_ROUTE_WORKER_GONE' });
      }
      await crashed;
      expect(h.runtime.get('fetch-app', '1.0.0')!.bizState).toBe('broken');
      expect(events.at(-1)).toMatchObject({ to: 'broken', reason: 'Undefine' });
      const after = await fetch(`${h.url}/fetch-app/`);
      expect(after.status).toBe(502);
      expect(((await after.json()) as { code: string }).code).toBe('NODEARK_ERR_ROUTE_WORKER_GONE');
      expect((await h.runtime.health('fetch-app:1.0.0')).status).toBe('DOWN');
      await neighbourServes(h.url);
      expect((await h.runtime.uninstall('fetch-app', '1.0.0')).code).toBe('SUCCESS');
      expect((await fetch(`${h.url}/fetch-app/`)).status).toBe(404);
    });
  }
});

describe('request-level failures', () => {
  it('a hanging handler gets 504 after the request timeout and the module keeps serving', async () => {
    const { h } = await harness({ requestTimeoutMs: 300 });
    await h.runtime.install({ bizUrl: fixtureUrl('fetch-app') });
    const res = await fetch(`${h.url}/fetch-app/hang`);
    expect(res.status).toBe(504);
    expect(await res.json()).toMatchObject({ code: 'NODEARK_ERR_ROUTE_TIMEOUT', statusCode: 504 });
    expect((await fetch(`${h.url}/fetch-app/`)).status).toBe(200);
  });

  it('a throwing fetch handler gets 500 with a code; the module stays activated', async () => {
    const { h } = await harness();
    await h.runtime.install({ bizUrl: fixtureUrl('fetch-app') });
    const res = await fetch(`${h.url}/fetch-app/throw`);
    expect(res.status).toBe(500);
    expect(await res.json()).toMatchObject({ code: 'NODEARK_ERR_ROUTE_HANDLER_FAILED', message: expect.stringContaining('handler blew up') });
    const bad = await fetch(`${h.url}/fetch-app/not-a-response`);
    expect(bad.status).toBe(500);
    expect(h.runtime.get('fetch-app', '1.0.0')!.bizState).toBe('activated');
  });

  it('a synchronously throwing Node handler gets 500; the module stays activated', async () => {
    const { h } = await harness();
    const res = await fetch(`${h.url}/node/throw`);
    expect(res.status).toBe(500);
    expect(await res.json()).toMatchObject({ code: 'NODEARK_ERR_ROUTE_HANDLER_FAILED' });
    await waitFor(() => h.runtime.get('node-app', '1.0.0')!.bizState === 'activated', 1000);
    await neighbourServes(h.url);
  });

  it('answers 503 with Retry-After while the first version is starting', async () => {
    const { h } = await harness();
    const installing = h.runtime.install({ bizUrl: fixtureUrl('lifecycle'), envs: { START_DELAY_MS: '400' } });
    await waitFor(() => h.runtime.get('lifecycle', '1.0.0')?.bizState === 'resolved', 3000);
    const res = await fetch(`${h.url}/lifecycle/`);
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('1');
    expect(await res.json()).toMatchObject({ code: 'NODEARK_ERR_ROUTE_STARTING' });
    expect((await h.runtime.health('lifecycle:1.0.0')).status).toBe('UNKNOWN');
    await installing;
    expect(await (await fetch(`${h.url}/lifecycle/`)).text()).toBe('mode=ok');
  });
});

describe('diagnostics', () => {
  it("logs a run-time crash with the module identity and the error's stack", async () => {
    const errors: Array<{ obj: Record<string, unknown>; msg?: string }> = [];
    const logger = { info() {}, warn() {}, debug() {}, error: (obj: object, msg?: string) => errors.push({ obj: obj as Record<string, unknown>, msg }) };
    const { h } = await harness({ logger });
    await h.runtime.install({ bizUrl: fixtureUrl('fetch-app') });
    const crashed = new Promise((r) => h.runtime.once('crash', r));
    await fetch(`${h.url}/fetch-app/crash-later`);
    await crashed;
    const line = errors.find((e) => e.msg === 'module crashed; marked broken');
    expect(line?.obj['biz']).toBe('fetch-app:1.0.0');
    const err = line?.obj['err'] as { message: string; stack: string };
    expect(err.stack).toMatch(/fetch-app\/1\.0\.0\/index\.mjs:\d+/);
  });

  it("tags a module's console output with its identity", async () => {
    const { h } = await harness();
    const lines: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    // The worker's stdout is forwarded to the base's process.stdout.
    process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      lines.push(String(chunk));
      return (write as (...a: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof process.stdout.write;
    try {
      await h.runtime.install({ bizUrl: fixtureUrl('console-app') });
      await waitFor(() => lines.some((l) => l.includes('hello from console.log')) && lines.some((l) => l.includes('hello from console.error')));
    } finally {
      process.stdout.write = write;
    }
    const parsed = lines.flatMap((l) => l.split('\n')).filter((l) => l.includes('hello from console')).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(parsed).toEqual([
      expect.objectContaining({ biz: 'console-app:1.0.0', level: 30, msg: 'hello from console.log 42' }),
      expect.objectContaining({ biz: 'console-app:1.0.0', level: 50, msg: 'hello from console.error {"a":1}' }),
    ]);
  });
});
