/**
 * readBizManifest: defaults from the npm fields, explicit nodeark fields, entry resolution, and every
 * invalid manifest as ERR_BUNDLE_MANIFEST naming the field.
 */
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readBizManifest } from '../dist/bundle/index.js';
import { expectCode, type Workspace, workspace } from './fixtures/bundles/craft.js';

let ws: Workspace;
let n = 0;
beforeAll(async () => {
  ws = await workspace('nodeark-manifest-');
});
afterAll(async () => {
  await ws.cleanup();
});

/** A module dir with this package.json (object or raw text) and files. */
async function mod(pkg: unknown, files: Record<string, string> = { 'index.mjs': '' }): Promise<string> {
  return ws.module(`m${n++}`, { 'package.json': typeof pkg === 'string' ? pkg : JSON.stringify(pkg), ...files });
}

async function bad(pkg: unknown, mention: string | RegExp, files?: Record<string, string>): Promise<Error> {
  const err = await expectCode(readBizManifest(await mod(pkg, files)), 'NODEARK_ERR_BUNDLE_MANIFEST');
  if (typeof mention === 'string') expect(err.message).toContain(mention);
  else expect(err.message).toMatch(mention);
  return err;
}

describe('defaults', () => {
  it('derives everything from name/version and finds index.mjs', async () => {
    expect(await readBizManifest(await mod({ name: '@acme/biz1', version: '0.0.1' }))).toEqual({
      bizName: 'biz1',
      bizVersion: '0.0.1',
      webContextPath: 'biz1',
      priority: 100,
      main: 'index.mjs',
      packageName: '@acme/biz1',
      mountRewrite: true,
    });
  });

  it('reads nodeark.mountRewrite and refuses a non-boolean', async () => {
    const off = await readBizManifest(await mod({ name: 'b', version: '1.0.0', nodeark: { mountRewrite: false } }));
    expect(off.mountRewrite).toBe(false);
    await expect(readBizManifest(await mod({ name: 'b', version: '1.0.0', nodeark: { mountRewrite: 'no' } }))).rejects.toMatchObject({
      code: 'NODEARK_ERR_BUNDLE_MANIFEST',
      message: expect.stringContaining('"nodeark.mountRewrite" must be true or false') as unknown as string,
    });
  });

  it('falls back to index.js when there is no index.mjs', async () => {
    expect((await readBizManifest(await mod({ name: 'b', version: '1.0.0' }, { 'index.js': '' }))).main).toBe('index.js');
  });

  it('uses main, resolving a missing extension or a directory like Node', async () => {
    const files = { 'lib/start.js': '', 'dist/index.mjs': '' };
    expect((await readBizManifest(await mod({ name: 'b', version: '1.0.0', main: './lib/start' }, files))).main).toBe('lib/start.js');
    expect((await readBizManifest(await mod({ name: 'b', version: '1.0.0', main: 'dist' }, files))).main).toBe('dist/index.mjs');
  });
});

describe('explicit nodeark fields', () => {
  it('win over the npm fields, webContextPath is normalised', async () => {
    const info = await readBizManifest(
      await mod(
        {
          name: 'pkg',
          version: '9.9.9',
          main: 'index.mjs',
          nodeark: { bizName: 'biz1', bizVersion: '0.0.1-SNAPSHOT', webContextPath: '/ctx/', priority: -5, main: 'server/entry.mjs' },
        },
        { 'index.mjs': '', 'server/entry.mjs': '' },
      ),
    );
    expect(info).toEqual({ bizName: 'biz1', bizVersion: '0.0.1-SNAPSHOT', webContextPath: 'ctx', priority: -5, main: 'server/entry.mjs', packageName: 'pkg', mountRewrite: true });
  });

  it('name and version are only required when nodeark does not give them', async () => {
    const info = await readBizManifest(await mod({ nodeark: { bizName: 'only', bizVersion: '1' } }));
    expect(info).toMatchObject({ bizName: 'only', bizVersion: '1', packageName: 'only' });
  });
});

describe('invalid manifests', () => {
  it('unparseable JSON, non-object', async () => {
    await bad('{ "name": ', 'not valid JSON');
    await bad('[1,2]', 'JSON object');
  });

  it('missing package.json', async () => {
    const dir = join(ws.root, 'modules', 'empty');
    await mkdir(dir, { recursive: true });
    await expectCode(readBizManifest(dir), 'NODEARK_ERR_BUNDLE_MANIFEST');
  });

  it('missing or mistyped name/version', async () => {
    await bad({ version: '1.0.0' }, '"name"');
    await bad({ name: 'x' }, '"version"');
    await bad({ name: 5, version: '1.0.0' }, '"name" must be a string');
    await bad({ name: 'x', version: '1.0.0', nodeark: [] }, '"nodeark" must be an object');
    await bad({ name: 'x', version: '1.0.0', nodeark: { bizVersion: 2 } }, '"nodeark.bizVersion" must be a string');
  });

  it('identity values that are not path-safe (cause kept)', async () => {
    const err = await bad({ name: 'x', version: '1.0.0', nodeark: { bizName: '../evil' } }, '"nodeark.bizName"');
    expect((err.cause as { code?: string }).code).toBe('NODEARK_ERR_BIZ_INVALID_IDENTITY');
    await bad({ name: 'a b', version: '1.0.0' }, '"name"');
    await bad({ name: 'x', version: '1.0.0/..' }, '"version"');
    await bad({ name: 'x', version: '1.0.0', nodeark: { webContextPath: 'actuator' } }, 'nodeark.webContextPath');
    await bad({ name: 'x', version: '1.0.0', nodeark: { webContextPath: 'a/b' } }, 'nodeark.webContextPath');
  });

  it('priority must be an integer', async () => {
    await bad({ name: 'x', version: '1.0.0', nodeark: { priority: 1.5 } }, 'nodeark.priority');
    await bad({ name: 'x', version: '1.0.0', nodeark: { priority: '5' } }, 'nodeark.priority');
  });

  it('the entry must exist and stay inside the module', async () => {
    await bad({ name: 'x', version: '1.0.0' }, 'no entry file', { 'README.md': '' });
    await bad({ name: 'x', version: '1.0.0', main: 'nope.js' }, '"main"');
    await bad({ name: 'x', version: '1.0.0', nodeark: { main: '../outside.js' } }, '"nodeark.main"');
    await bad({ name: 'x', version: '1.0.0', main: '/etc/passwd' }, '"main"');
    await bad({ name: 'x', version: '1.0.0', main: 'lib\\x.js' }, '"main"');
    await writeFile(join(ws.outside, 'real.js'), '');
    const dir = await mod({ name: 'x', version: '1.0.0', main: 'link.js' });
    await symlink(join(ws.outside, 'real.js'), join(dir, 'link.js'));
    const err = await expectCode(readBizManifest(dir), 'NODEARK_ERR_BUNDLE_MANIFEST');
    expect(err.message).toContain('outside');
  });
});
