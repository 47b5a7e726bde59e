/**
 * packBundle: npm pack layout, jar layout, exclusions, determinism, symlinks, long names, failure
 * before writing, and round trips through stageBundle (checked with the system tar/unzip too).
 */
import { execFileSync } from 'node:child_process';
import { mkdir, readdir, readFile, readlink, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { packBundle, stageBundle } from '../dist/bundle/index.js';
import { expectCode, hasCommand, listTree, type Workspace, workspace } from './fixtures/bundles/craft.js';

let ws: Workspace;
let mod: string;
const LONG = `${'deeply-nested-folder/'.repeat(6)}${'f'.repeat(90)}.js`;
const BIG = Buffer.alloc(3 * 1024 * 1024);
for (let i = 0; i < BIG.length; i++) BIG[i] = (i * 7919) % 251;

beforeAll(async () => {
  ws = await workspace('nodeark-pack-');
  mod = await ws.module('biz', {
    'package.json': JSON.stringify({ name: '@acme/biz1', version: '0.0.1', main: 'index.mjs', nodeark: { bizName: 'biz1' } }),
    'index.mjs': 'export default {};\n',
    'assets/readme.txt': 'assets',
    'bin/run.sh': '#!/bin/sh\necho hi\n',
    'node_modules/dep/index.js': 'module.exports = 1;\n',
    '.git/HEAD': 'ref: x',
    'old-1.0.0-ark-biz.tgz': 'previous bundle',
    'old-1.0.0-ark-biz.jar': 'previous bundle',
    [LONG]: '// long\n',
  });
  execFileSync('chmod', ['+x', join(mod, 'bin/run.sh')]);
  // Over every small-file threshold: exercises the streaming paths of the writers and extractors.
  await writeFile(join(mod, 'assets/big.bin'), BIG);
  await symlink('../index.mjs', join(mod, 'bin/entry.mjs'));
});
afterAll(async () => {
  await ws.cleanup();
});

function out(name: string): string {
  return join(ws.root, 'modules', 'out', name);
}

describe('tgz', () => {
  it('writes <bizName>-<bizVersion>-ark-biz.tgz in npm pack layout', async () => {
    const r = await packBundle(mod, { outDir: out('tgz') });
    expect(r).toMatchObject({ bizName: 'biz1', bizVersion: '0.0.1', format: 'tgz', file: join(out('tgz'), 'biz1-0.0.1-ark-biz.tgz') });
    expect(r.bytes).toBe((await readFile(r.file)).length);
    if (hasCommand('tar')) {
      const names = execFileSync('tar', ['tzf', r.file]).toString().trim().split('\n');
      expect(names.every((n) => n.startsWith('package/'))).toBe(true);
      expect(names).toContain('package/package.json');
      expect(names).toContain(`package/${LONG}`);
      expect(names).toContain('package/node_modules/dep/index.js');
      expect(names.some((n) => n.includes('.git/') || n.includes('ark-biz'))).toBe(false);
      expect(names.length).toBe(r.entries);
      expect(execFileSync('tar', ['tvzf', r.file]).toString()).toMatch(/package\/bin\/entry\.mjs -> \.\.\/index\.mjs/);
      // sorted, parents first
      expect([...names].sort()).toEqual(names);
    }
  });

  it('is deterministic', async () => {
    const a = await readFile((await packBundle(mod, { outDir: out('det-a') })).file);
    const b = await readFile((await packBundle(mod, { outDir: out('det-b') })).file);
    expect(a.equals(b)).toBe(true);
  });

  it('round-trips through stageBundle with modes and links', async () => {
    const r = await packBundle(mod, { outDir: out('rt') });
    const staged = await stageBundle(r.file, { stagingDir: ws.staging });
    expect(staged.root).toBe(join(staged.dir, 'package'));
    expect(await readFile(join(staged.root, LONG), 'utf8')).toBe('// long\n');
    expect((await readFile(join(staged.root, 'assets/big.bin'))).equals(BIG)).toBe(true);
    expect(await readlink(join(staged.root, 'bin/entry.mjs'))).toBe('../index.mjs');
    expect((await stat(join(staged.root, 'bin/run.sh'))).mode & 0o777).toBe(0o755);
    expect((await stat(join(staged.root, 'index.mjs'))).mode & 0o777).toBe(0o644);
    expect(await listTree(join(staged.root, '.git'))).toEqual([]);
    await staged.dispose();
  });

  it('can leave node_modules out', async () => {
    const r = await packBundle(mod, { outDir: out('slim'), includeNodeModules: false });
    const staged = await stageBundle(r.file, { stagingDir: ws.staging });
    expect((await readdir(staged.root)).includes('node_modules')).toBe(false);
    expect((await readdir(staged.root)).includes('index.mjs')).toBe(true);
    await staged.dispose();
  });

  it('writes to the current directory by default', async () => {
    const cwd = out('cwd');
    await mkdir(cwd, { recursive: true });
    const spy = vi.spyOn(process, 'cwd').mockReturnValue(cwd);
    try {
      const r = await packBundle(mod);
      expect(r.file).toBe(join(cwd, 'biz1-0.0.1-ark-biz.tgz'));
    } finally {
      spy.mockRestore();
    }
  });

  it('skips its own previous output when written inside the module', async () => {
    const dir = await ws.module('selfout', { 'package.json': JSON.stringify({ name: 'self', version: '1.0.0' }), 'index.js': '' });
    await packBundle(dir, { outDir: dir });
    const second = await packBundle(dir, { outDir: dir });
    expect(second.entries).toBe(2);
  });
});

describe('jar', () => {
  it('writes a deflated zip named -ark-biz.jar, no prefix, symlinks dereferenced', async () => {
    const r = await packBundle(mod, { outDir: out('jar'), format: 'jar' });
    expect(r.file).toBe(join(out('jar'), 'biz1-0.0.1-ark-biz.jar'));
    if (hasCommand('unzip')) {
      const listing = execFileSync('unzip', ['-Z1', r.file]).toString().trim().split('\n');
      expect(listing).toContain('package.json');
      expect(listing).toContain(LONG);
      expect(listing.length).toBe(r.entries);
      execFileSync('unzip', ['-tq', r.file]); // integrity check by a third party: throws on failure
      expect(execFileSync('unzip', ['-v', r.file]).toString()).toMatch(/Defl/);
    }
    const staged = await stageBundle(r.file, { stagingDir: ws.staging });
    expect(staged.root).toBe(staged.dir);
    expect(await readFile(join(staged.root, 'bin/entry.mjs'), 'utf8')).toBe('export default {};\n');
    expect((await readFile(join(staged.root, 'assets/big.bin'))).equals(BIG)).toBe(true);
    await staged.dispose();
  });

  it('is deterministic', async () => {
    const a = await readFile((await packBundle(mod, { outDir: out('jdet-a'), format: 'jar' })).file);
    const b = await readFile((await packBundle(mod, { outDir: out('jdet-b'), format: 'jar' })).file);
    expect(a.equals(b)).toBe(true);
  });
});

describe('failures', () => {
  it('an invalid manifest fails before anything is written', async () => {
    const dir = await ws.module('broken', { 'package.json': '{"name": "x"}', 'index.js': '' });
    await expectCode(packBundle(dir, { outDir: out('broken') }), 'NODEARK_ERR_BUNDLE_MANIFEST');
    expect(await listTree(out('broken'))).toEqual([]);
  });

  it('a symlink leading outside the module is refused in both formats, leaving no file', async () => {
    const dir = await ws.module('leak', { 'package.json': JSON.stringify({ name: 'leak', version: '1.0.0' }), 'index.js': '' });
    await writeFile(join(ws.archives, 'secret'), 'secret');
    await symlink(join(ws.archives, 'secret'), join(dir, 'secret'));
    await expectCode(packBundle(dir, { outDir: out('leak') }), 'NODEARK_ERR_BUNDLE_UNSAFE_ENTRY');
    await expectCode(packBundle(dir, { outDir: out('leak'), format: 'jar' }), 'NODEARK_ERR_BUNDLE_UNSAFE_ENTRY');
    expect(await listTree(out('leak'))).toEqual([]);
  });

  it('a missing directory is NOT_FOUND; an unknown format is a RangeError', async () => {
    await expectCode(packBundle(join(ws.root, 'nope')), 'NODEARK_ERR_BUNDLE_NOT_FOUND');
    await expect(packBundle(mod, { format: 'rar' as 'jar' })).rejects.toThrow(RangeError);
  });
});
