/**
 * `nodeark.worker.spares` reaches the runtime (docs/operations.md § Start-up and install speed): one spare
 * by default once a module is installed, none with `0`, and a value that is not a count is refused before
 * the base is created.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createBase, type NodearkBase } from 'nodeark';
import { loopbackConfig } from './helpers/loopback-config.js';

let tmp: string | undefined;
let base: NodearkBase | undefined;
afterEach(async () => {
  await base?.close();
  base = undefined;
  if (tmp) await rm(tmp, { recursive: true, force: true });
  tmp = undefined;
});

async function helloModule(dir: string): Promise<string> {
  const src = join(dir, 'src', 'hello');
  await mkdir(src, { recursive: true });
  await writeFile(join(src, 'package.json'), JSON.stringify({ name: 'hello', version: '1.0.0', type: 'module' }));
  await writeFile(join(src, 'index.mjs'), "export default (req, res) => res.end('hello');\n");
  return pathToFileURL(src).href;
}

/** Spares waiting once one appears, or after `waitMs` (a spare is spawned on the turn after the install). */
async function spareCountAfterOneInstall(extra: Record<string, unknown>, waitMs: number): Promise<number> {
  tmp = await mkdtemp(join(tmpdir(), 'nodeark-spares-'));
  base = await createBase({ env: {}, config: loopbackConfig(tmp, extra) });
  await base.listen();
  expect(base.runtime.spareWorkers).toBe(0);
  const r = await base.runtime.install({ bizUrl: await helloModule(tmp) });
  expect(r.code).toBe('SUCCESS');
  const until = Date.now() + waitMs;
  while (base.runtime.spareWorkers === 0 && Date.now() < until) await new Promise((res) => setTimeout(res, 20));
  return base.runtime.spareWorkers;
}

describe('nodeark.worker.spares', () => {
  it('keeps one spare by default once a module is installed', async () => {
    expect(await spareCountAfterOneInstall({}, 5_000)).toBe(1);
  });

  it('keeps none with 0', async () => {
    expect(await spareCountAfterOneInstall({ 'nodeark.worker.spares': 0 }, 500)).toBe(0);
  });

  it('refuses a negative count with the configuration error', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'nodeark-spares-'));
    try {
      await expect(createBase({ env: {}, config: loopbackConfig(dir, { 'nodeark.worker.spares': -1 }) })).rejects.toMatchObject({
        code: 'NODEARK_ERR_CONFIG_INVALID_VALUE',
        message: expect.stringContaining('nodeark.worker.spares'),
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
