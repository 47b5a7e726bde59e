/**
 * Versions with semver: a module's declared Node.js and nodeark ranges (`engines.node`,
 * `peerDependencies.nodeark`, `nodeark.requires`) are checked before anything changes, and `list()` orders
 * the versions of one module by semver precedence. Modules are tiny directories written per test.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  ERR_BIZ_INCOMPATIBLE,
  compareBizVersions,
  readBizManifest,
  type BizTransitionEvent,
  type RuntimeOptions,
} from '@nodeark/runtime';
import { startHarness, type Harness } from './helpers/harness.js';

const NODE = process.versions.node;
let h: Harness | undefined;
let src: string | undefined;

afterEach(async () => {
  await h?.close();
  h = undefined;
  if (src) await rm(src, { recursive: true, force: true });
  src = undefined;
});

async function harness(options: RuntimeOptions = {}): Promise<Harness> {
  h = await startHarness(options);
  return h;
}

/** Writes a module directory (`package.json` merged over name/version, a fetch entry) and returns its file: URL. */
async function mod(name: string, version: string, pkg: Record<string, unknown> = {}): Promise<string> {
  src ??= await mkdtemp(join(tmpdir(), 'nodeark-versions-'));
  const dir = join(src, `${name}-${version}-${Math.random().toString(36).slice(2)}`);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name, version, type: 'module', main: 'index.mjs', ...pkg }));
  await writeFile(join(dir, 'index.mjs'), 'export default { fetch: (req, ctx) => new Response(ctx.bizVersion) };\n');
  return pathToFileURL(dir).href;
}

function identities(x: Harness): string[] {
  return x.runtime.list().map((b) => b.identity);
}

describe('engines.node', () => {
  it('a range the running Node does not satisfy is FAILED with both versions; nothing is registered, stored or emitted', async () => {
    const x = await harness();
    const events: BizTransitionEvent[] = [];
    x.runtime.on('transition', (e) => events.push(e));
    const r = await x.runtime.install({ bizUrl: await mod('orders', '1.0.0', { engines: { node: '>=999' } }) });
    expect(r.code).toBe('FAILED');
    expect(r.message).toBe(`module orders:1.0.0 needs Node >=999 (engines.node), this base runs Node ${NODE}`);
    expect(r.biz).toBeUndefined();
    expect(x.runtime.list()).toEqual([]);
    expect(events).toEqual([]);
    expect(existsSync(join(x.runtime.options.storeDir, 'orders'))).toBe(false);
    expect(x.runtime.routedPaths()).toEqual([]);
  });

  it('a matching range installs', async () => {
    const x = await harness();
    const r = await x.runtime.install({ bizUrl: await mod('orders', '1.0.0', { engines: { node: `>=20 <=${NODE}`, npm: '>=999' } }) });
    expect(r.code).toBe('SUCCESS');
    expect(identities(x)).toEqual(['orders:1.0.0']);
    expect(await (await fetch(`${x.url}/orders/`)).text()).toBe('1.0.0');
  });

  it('is checked before uninstallThenInstall removes the installed version', async () => {
    const x = await harness();
    expect((await x.runtime.install({ bizUrl: await mod('orders', '1.0.0') })).code).toBe('SUCCESS');
    const r = await x.runtime.install({
      bizUrl: await mod('orders', '2.0.0', { engines: { node: '<1' } }),
      installStrategy: 'uninstallThenInstall',
    });
    expect(r.code).toBe('FAILED');
    expect(r.message).toContain('needs Node <1 (engines.node)');
    expect(x.runtime.list().map((b) => [b.identity, b.bizState])).toEqual([['orders:1.0.0', 'activated']]);
    expect(await (await fetch(`${x.url}/orders/`)).text()).toBe('1.0.0');
    expect(existsSync(join(x.runtime.options.storeDir, 'orders', '2.0.0'))).toBe(false);
  });
});

describe('the nodeark range', () => {
  it('peerDependencies.nodeark: a mismatch with the configured nodeark version is FAILED, a match installs', async () => {
    const x = await harness({ hostVersions: { nodeark: '0.1.0' } });
    const bad = await x.runtime.install({ bizUrl: await mod('orders', '1.0.0', { peerDependencies: { nodeark: '^0.2.0' } }) });
    expect(bad.code).toBe('FAILED');
    expect(bad.message).toBe('module orders:1.0.0 needs nodeark ^0.2.0 (peerDependencies.nodeark), this base is nodeark 0.1.0');
    expect(x.runtime.list()).toEqual([]);
    const good = await x.runtime.install({ bizUrl: await mod('orders', '1.0.1', { peerDependencies: { nodeark: '^0.1.0', other: '^9' } }) });
    expect(good.code).toBe('SUCCESS');
    expect(identities(x)).toEqual(['orders:1.0.1']);
  });

  it('nodeark.requires: a mismatch is FAILED, a match installs', async () => {
    const x = await harness({ hostVersions: { nodeark: '0.1.0' } });
    const bad = await x.runtime.install({ bizUrl: await mod('orders', '1.0.0', { nodeark: { bizName: 'orders', requires: '>=0.3.0' } }) });
    expect(bad.code).toBe('FAILED');
    expect(bad.message).toBe('module orders:1.0.0 needs nodeark >=0.3.0 (nodeark.requires), this base is nodeark 0.1.0');
    expect(x.runtime.list()).toEqual([]);
    expect(existsSync(join(x.runtime.options.storeDir, 'orders'))).toBe(false);
    const good = await x.runtime.install({ bizUrl: await mod('orders', '1.0.1', { nodeark: { requires: '0.1.x' } }) });
    expect(good.code).toBe('SUCCESS');
  });

  it('both declared: each must hold, the refusal names the field that does not', async () => {
    const x = await harness({ hostVersions: { nodeark: '0.1.0' } });
    const r = await x.runtime.install({
      bizUrl: await mod('orders', '1.0.0', { peerDependencies: { nodeark: '^0.1.0' }, nodeark: { requires: '^1.0.0' } }),
    });
    expect(r.code).toBe('FAILED');
    expect(r.message).toBe('module orders:1.0.0 needs nodeark ^1.0.0 (nodeark.requires), this base is nodeark 0.1.0');
  });

  it('a prerelease base satisfies ranges below it (includePrerelease)', async () => {
    const x = await harness({ hostVersions: { nodeark: '0.2.0-rc.1' } });
    expect((await x.runtime.install({ bizUrl: await mod('orders', '1.0.0', { nodeark: { requires: '>=0.1.0' } }) })).code).toBe('SUCCESS');
    const r = await x.runtime.install({ bizUrl: await mod('billing', '1.0.0', { nodeark: { requires: '>=0.2.0' } }) });
    expect(r.code).toBe('FAILED');
    expect(r.message).toBe('module billing:1.0.0 needs nodeark >=0.2.0 (nodeark.requires), this base is nodeark 0.2.0-rc.1');
  });

  it('without a configured nodeark version the nodeark range is skipped, engines.node is still checked', async () => {
    const x = await harness();
    const ok = await x.runtime.install({
      bizUrl: await mod('orders', '1.0.0', { peerDependencies: { nodeark: '^99.0.0' }, nodeark: { requires: '^99.0.0' } }),
    });
    expect(ok.code).toBe('SUCCESS');
    const r = await x.runtime.install({ bizUrl: await mod('billing', '1.0.0', { engines: { node: '>=999' }, nodeark: { requires: '^99.0.0' } }) });
    expect(r.code).toBe('FAILED');
    expect(r.message).toContain('needs Node >=999 (engines.node)');
  });
});

describe('invalid ranges', () => {
  it('are FAILED with a clear message, whether or not the version could be checked', async () => {
    const x = await harness();
    const node = await x.runtime.install({ bizUrl: await mod('orders', '1.0.0', { engines: { node: 'twenty or so' } }) });
    expect(node.code).toBe('FAILED');
    expect(node.message).toBe('module orders:1.0.0 needs Node "twenty or so" (engines.node), which is not a valid semver range');
    const ark = await x.runtime.install({ bizUrl: await mod('orders', '1.0.0', { nodeark: { requires: '^^1' } }) });
    expect(ark.code).toBe('FAILED');
    expect(ark.message).toBe('module orders:1.0.0 needs nodeark "^^1" (nodeark.requires), which is not a valid semver range');
    expect(x.runtime.list()).toEqual([]);
    expect(ERR_BIZ_INCOMPATIBLE.code).toBe('NODEARK_ERR_BIZ_INCOMPATIBLE');
    expect(ERR_BIZ_INCOMPATIBLE.statusCode).toBe(409);
  });

  it('a field of the wrong type is a manifest error', async () => {
    const x = await harness();
    await expect(x.runtime.install({ bizUrl: await mod('orders', '1.0.0', { engines: { node: 20 } }) })).rejects.toMatchObject({
      code: 'NODEARK_ERR_BUNDLE_MANIFEST',
      message: expect.stringContaining('"engines.node" must be a string'),
    });
    await expect(x.runtime.install({ bizUrl: await mod('orders', '1.0.0', { nodeark: { requires: ['^1'] } }) })).rejects.toMatchObject({
      code: 'NODEARK_ERR_BUNDLE_MANIFEST',
      message: expect.stringContaining('"nodeark.requires" must be a string'),
    });
    expect(x.runtime.list()).toEqual([]);
  });
});

describe('the manifest', () => {
  it('lists the declared ranges in order, and has no requirements key when none are declared', async () => {
    const dir = fileURLToPath(
      await mod('orders', '1.0.0', { engines: { node: '>=20' }, peerDependencies: { nodeark: '^0.1.0' }, nodeark: { requires: '~0.1.0' } }),
    );
    expect((await readBizManifest(dir)).requirements).toEqual([
      { target: 'node', range: '>=20', field: 'engines.node' },
      { target: 'nodeark', range: '^0.1.0', field: 'peerDependencies.nodeark' },
      { target: 'nodeark', range: '~0.1.0', field: 'nodeark.requires' },
    ]);
    expect('requirements' in (await readBizManifest(fileURLToPath(await mod('plain', '1.0.0'))))).toBe(false);
  });
});

describe('list() order', () => {
  it('orders the versions of one name by semver, not by install order or string order', async () => {
    const x = await harness();
    for (const v of ['1.2.0', '1.10.0', '1.10.0-rc.1', '1.9.0']) {
      expect((await x.runtime.install({ bizUrl: await mod('orders', v) })).code).toBe('SUCCESS');
    }
    expect(identities(x)).toEqual(['orders:1.2.0', 'orders:1.9.0', 'orders:1.10.0-rc.1', 'orders:1.10.0']);
    // The first installed stays the activated one: only the listing order changed.
    expect(x.runtime.activated('orders')?.bizVersion).toBe('1.2.0');
  });

  it('keeps priority first, other names in install order, and versions that are not semver in their place', async () => {
    const x = await harness();
    const install = async (name: string, version: string, priority?: number): Promise<void> => {
      const pkg = priority === undefined ? {} : { nodeark: { priority } };
      expect((await x.runtime.install({ bizUrl: await mod(name, version, pkg) })).code).toBe('SUCCESS');
    };
    await install('orders', '2.0.0');
    await install('billing', '1.0.0');
    await install('orders', 'build-7');
    await install('orders', '1.5.0');
    await install('orders', '0.9.0', 50);
    // 0.9.0 has the lower priority number and comes first. At priority 100, orders holds places 2, 4 and 5:
    // its semver versions 2.0.0 and 1.5.0 swap, build-7 keeps its install-time place.
    expect(identities(x)).toEqual(['orders:0.9.0', 'orders:1.5.0', 'billing:1.0.0', 'orders:build-7', 'orders:2.0.0']);
  });
});

describe('compareBizVersions', () => {
  it('is semver precedence when both are semver, undefined otherwise', () => {
    expect(compareBizVersions('1.10.0', '1.9.0')).toBe(1);
    expect(compareBizVersions('1.10.0-rc.1', '1.10.0')).toBe(-1);
    expect(compareBizVersions('1.0.0+a', '1.0.0+b')).toBe(0);
    expect(compareBizVersions('1.0', '1.0.0')).toBeUndefined();
    expect(compareBizVersions('build-7', '1.0.0')).toBeUndefined();
  });
});
