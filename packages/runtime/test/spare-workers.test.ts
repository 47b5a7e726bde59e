/**
 * Pre-spawned module workers (docs/operations.md § Start-up and install speed): none before the first
 * install, then `spareWorkers` of them; an install runs in one and the module sees exactly its own
 * environment from its first line; an install whose environment sets a `NODE_*` variable that Node reads
 * when a thread starts gets a fresh worker; `close()` ends the spares.
 *
 * Whether a module runs in a spare is read from thread ids, which Node hands out in creation order: the test
 * starts a thread of its own just before the install request, so a module whose thread id is lower ran in
 * a thread that existed before the request (a spare), a higher one in a thread spawned for the install.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { BizRuntime, type RuntimeOptions } from '@nodeark/runtime';
import { startHarness, waitFor, type Harness } from './helpers/harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** A module that reports, as JSON on `GET /<name>/`, its environment at import and when its thread started. */
async function probeModule(harness: Harness, name: string): Promise<string> {
  const dir = join(harness.store, 'src', name);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name, version: '1.0.0', type: 'module', main: 'index.mjs' }));
  await writeFile(
    join(dir, 'index.mjs'),
    [
      "import { threadId } from 'node:worker_threads';",
      'const envAtImport = { ...process.env };',
      'export default (req, res) => {',
      "  res.writeHead(200, { 'content-type': 'application/json' });",
      '  res.end(JSON.stringify({ envAtImport, threadId }));',
      '};',
      '',
    ].join('\n'),
  );
  return pathToFileURL(dir).href;
}

interface Probe {
  envAtImport: Record<string, string>;
  threadId: number;
}

async function install(
  harness: Harness,
  name: string,
  envs: Record<string, string> = {},
): Promise<{ probe: Probe; spare: boolean }> {
  const bizUrl = await probeModule(harness, name);
  const marker = new Worker('', { eval: true });
  const markerId = marker.threadId;
  await marker.terminate();
  const r = await harness.runtime.install({ bizUrl, envs });
  expect(r.code, r.message).toBe('SUCCESS');
  const res = await fetch(`${harness.url}/${name}/`);
  expect(res.status).toBe(200);
  const probe = (await res.json()) as Probe;
  return { probe, spare: probe.threadId < markerId };
}

async function start(options: RuntimeOptions = {}): Promise<Harness> {
  h = await startHarness({ nodeEnv: 'production', ...options });
  return h;
}

describe('spare workers', () => {
  it('keeps none before the first install, then runs the next module in one with only its own environment', async () => {
    const harness = await start();
    expect(harness.runtime.spareWorkers).toBe(0);
    const first = await install(harness, 'first');
    expect(first.spare).toBe(false);
    await waitFor(() => harness.runtime.spareWorkers === 1);

    const second = await install(harness, 'second', { GREETING: 'hello' });
    expect(second.spare).toBe(true);
    expect(second.probe.envAtImport).toEqual({ NODE_ENV: 'production', GREETING: 'hello' });
    // The pool is filled again for the install after.
    await waitFor(() => harness.runtime.spareWorkers === 1);
    const third = await install(harness, 'third');
    expect(third.spare).toBe(true);
    expect(third.probe.envAtImport).toEqual({ NODE_ENV: 'production' });
    expect(new Set([first.probe.threadId, second.probe.threadId, third.probe.threadId]).size).toBe(3);
  });

  it('spawns a fresh worker when the environment sets a NODE_* variable read at thread start', async () => {
    const harness = await start();
    await install(harness, 'first');
    await waitFor(() => harness.runtime.spareWorkers === 1);
    const debug = await install(harness, 'debugging', { NODE_DEBUG: 'nodeark-test' });
    expect(debug.spare).toBe(false);
    expect(debug.probe.envAtImport).toEqual({ NODE_ENV: 'production', NODE_DEBUG: 'nodeark-test' });
    expect(harness.runtime.spareWorkers).toBe(1);
  });

  it('keeps none with spareWorkers: 0, and none after close()', async () => {
    const off = await start({ spareWorkers: 0 });
    await install(off, 'first');
    await new Promise((r) => setTimeout(r, 200));
    expect(off.runtime.spareWorkers).toBe(0);
    const second = await install(off, 'second');
    expect(second.spare).toBe(false);
    await off.close();
    h = undefined;

    const on = await start();
    await install(on, 'first');
    await waitFor(() => on.runtime.spareWorkers === 1);
    await on.runtime.close();
    expect(on.runtime.spareWorkers).toBe(0);
  });

  it('refuses a count that is not a whole number of workers, 0 or more', () => {
    for (const bad of [-1, 1.5, Number.NaN]) {
      expect(() => new BizRuntime({ spareWorkers: bad })).toThrow(
        expect.objectContaining({ code: 'NODEARK_ERR_RUNTIME_INVALID_OPTION', message: expect.stringContaining('spareWorkers') }),
      );
    }
  });
});
