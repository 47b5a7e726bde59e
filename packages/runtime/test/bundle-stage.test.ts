/**
 * stageBundle from local bizUrls: every form (directory, our tgz/jar, system tar/zip/python), format
 * detection from content, integrity, URL errors, limits, and dispose.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFile, lstat, mkdir, readFile, readlink, rename, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_BUNDLE_LIMITS, packBundle, readBizManifest, stageBundle } from '../dist/bundle/index.js';
import { expectCode, expectNothingOutside, expectStagingEmpty, hasCommand, listTree, type Workspace, workspace } from './fixtures/bundles/craft.js';

let ws: Workspace;
let mod: string;
const FILES = {
  'package.json': JSON.stringify({ name: '@acme/hello', version: '1.2.3', type: 'module', main: 'index.mjs' }),
  'index.mjs': 'export default { fetch: () => new Response("hi") };\n',
  'lib/util.mjs': 'export const x = 1;\n',
  'node_modules/dep/package.json': '{"name":"dep","version":"1.0.0"}',
  'node_modules/dep/index.js': 'module.exports = 42;\n',
};
const RELS = Object.keys(FILES);

beforeAll(async () => {
  ws = await workspace();
  mod = await ws.module('hello', FILES);
});
afterAll(async () => {
  await ws.cleanup();
});

/** Asserts the staged root holds exactly the module's files, byte for byte. */
async function expectModule(root: string): Promise<void> {
  for (const [rel, content] of Object.entries(FILES)) expect(await readFile(join(root, rel), 'utf8')).toBe(content);
  const info = await readBizManifest(root);
  expect(info).toMatchObject({ bizName: 'hello', bizVersion: '1.2.3', main: 'index.mjs', packageName: '@acme/hello' });
}

function sri(alg: 'sha256' | 'sha512', data: Buffer): string {
  return `${alg}-${createHash(alg).update(data).digest('base64')}`;
}

describe('forms', () => {
  it('copies a directory from a file: URL, skipping .git and keeping inside symlinks', async () => {
    const dir = await ws.module('withgit', { ...FILES, '.git/HEAD': 'ref: refs/heads/main', 'lib/.git/x': 'nested' });
    await symlink('../index.mjs', join(dir, 'lib/entry.mjs'));
    const staged = await stageBundle(pathToFileURL(dir).href, { stagingDir: ws.staging });
    expect(staged.format).toBe('directory');
    expect(staged.archiveBytes).toBe(0);
    expect(staged.root).toBe(staged.dir);
    await expectModule(staged.root);
    const tree = await listTree(staged.root);
    expect(tree.some((p) => p.split('/').includes('.git'))).toBe(false);
    expect(await readlink(join(staged.root, 'lib/entry.mjs'))).toBe('../index.mjs');
    expect(await readFile(join(staged.root, 'lib/entry.mjs'), 'utf8')).toBe(FILES['index.mjs']);
    await staged.dispose();
    await expectStagingEmpty(ws);
  });

  it('accepts a plain absolute path and rewrites absolute inside links as relative ones', async () => {
    const dir = await ws.module('abslink', FILES);
    await symlink(join(dir, 'lib/util.mjs'), join(dir, 'util-abs.mjs'));
    const staged = await stageBundle(dir, { stagingDir: ws.staging });
    expect(await readlink(join(staged.root, 'util-abs.mjs'))).toBe('lib/util.mjs');
    await staged.dispose();
  });

  it('refuses a directory with a symlink resolving outside it', async () => {
    const dir = await ws.module('leaky', FILES);
    await writeFile(join(ws.archives, 'secret'), 's');
    await symlink(join(ws.archives, 'secret'), join(dir, 'secret'));
    await expectCode(stageBundle(dir, { stagingDir: ws.staging }), 'NODEARK_ERR_BUNDLE_UNSAFE_ENTRY');
    await expectStagingEmpty(ws);
  });

  it('does not copy the staging area into itself when it lives inside the module directory', async () => {
    const dir = await ws.module('selfstore', FILES);
    const staged = await stageBundle(dir, { stagingDir: join(dir, '.nodeark', 'staging') });
    expect((await listTree(join(staged.root, '.nodeark'))).filter((p) => p.includes('stage-'))).toEqual([]);
    await expectModule(staged.root);
    await staged.dispose();
  });

  it('applies maxEntries and maxUnpackedBytes to directory copies', async () => {
    await expectCode(stageBundle(mod, { stagingDir: ws.staging, limits: { maxEntries: 3 } }), 'NODEARK_ERR_BUNDLE_TOO_LARGE');
    await expectCode(stageBundle(mod, { stagingDir: ws.staging, limits: { maxUnpackedBytes: 50 } }), 'NODEARK_ERR_BUNDLE_TOO_LARGE');
    await expectStagingEmpty(ws);
  });

  it('stages the tgz written by packBundle (npm pack layout: root is package/)', async () => {
    const packed = await packBundle(mod, { outDir: join(ws.root, 'archives') });
    const staged = await stageBundle(pathToFileURL(packed.file).href, { stagingDir: ws.staging });
    expect(staged.format).toBe('tgz');
    expect(staged.root).toBe(join(staged.dir, 'package'));
    expect(staged.archiveBytes).toBe(packed.bytes);
    await expectModule(staged.root);
    await staged.dispose();
  });

  it('stages the jar (zip) written by packBundle', async () => {
    const packed = await packBundle(mod, { outDir: join(ws.root, 'archives'), format: 'jar' });
    expect(packed.file.endsWith('hello-1.2.3-ark-biz.jar')).toBe(true);
    const staged = await stageBundle(packed.file, { stagingDir: ws.staging });
    expect(staged.format).toBe('zip');
    expect(staged.root).toBe(staged.dir);
    await expectModule(staged.root);
    await staged.dispose();
  });

  it.runIf(hasCommand('tar'))('stages system `tar czf` archives with and without the package/ prefix', async () => {
    const withPrefix = join(ws.archives, 'sys-prefix.tgz');
    const parent = join(ws.root, 'modules', 'tarsrc');
    await mkdir(parent, { recursive: true });
    execFileSync('cp', ['-r', mod, join(parent, 'package')]);
    execFileSync('tar', ['czf', withPrefix, '-C', parent, 'package']);
    const noPrefix = join(ws.archives, 'sys-flat.tgz');
    execFileSync('tar', ['czf', noPrefix, '-C', mod, '.']);
    for (const [file, sub] of [
      [withPrefix, 'package'],
      [noPrefix, ''],
    ] as const) {
      const staged = await stageBundle(file, { stagingDir: ws.staging });
      expect(staged.root).toBe(sub ? join(staged.dir, sub) : staged.dir);
      await expectModule(staged.root);
      await staged.dispose();
    }
  });

  it.runIf(hasCommand('tar'))('stages GNU long names, symlinks and an uncompressed tar from system tar', async () => {
    const long = `${'very-long-directory-name-'.repeat(5)}/${'x'.repeat(120)}.txt`;
    const dir = await ws.module('longnames', { ...FILES, [long]: 'deep' });
    await symlink('index.mjs', join(dir, 'alias.mjs'));
    const gnu = join(ws.archives, 'gnu.tgz');
    execFileSync('tar', ['--format=gnu', '-czf', gnu, '-C', dir, '.']);
    const plain = join(ws.archives, 'plain.tar');
    execFileSync('tar', ['--format=posix', '-cf', plain, '-C', dir, '.']);
    for (const file of [gnu, plain]) {
      const staged = await stageBundle(file, { stagingDir: ws.staging });
      expect(staged.format).toBe('tgz');
      expect(await readFile(join(staged.root, long), 'utf8')).toBe('deep');
      expect((await lstat(join(staged.root, 'alias.mjs'))).isSymbolicLink()).toBe(true);
      await expectModule(staged.root);
      await staged.dispose();
    }
  });

  it.runIf(hasCommand('python3'))('stages a zip written by `python3 -m zipfile -c` and a pax tar from python', async () => {
    const z = join(ws.archives, 'py.zip');
    execFileSync('python3', ['-m', 'zipfile', '-c', z, ...RELS.map((r) => r.split('/')[0]).filter((v, i, a) => a.indexOf(v) === i)], { cwd: mod });
    const t = join(ws.archives, 'py-pax.tgz');
    execFileSync('python3', ['-c', `import tarfile; t = tarfile.open(${JSON.stringify(t)}, 'w:gz', format=tarfile.PAX_FORMAT); t.add('.', arcname='package'); t.close()`], {
      cwd: mod,
    });
    for (const file of [z, t]) {
      const staged = await stageBundle(file, { stagingDir: ws.staging });
      await expectModule(staged.root);
      await staged.dispose();
    }
  });

  it.runIf(hasCommand('zip'))('stages `zip -r -y` output, keeping stored symlinks inside', async () => {
    const dir = await ws.module('zipy', FILES);
    await symlink('lib/util.mjs', join(dir, 'util.mjs'));
    const z = join(ws.archives, 'info.zip');
    execFileSync('zip', ['-q', '-r', '-y', z, '.'], { cwd: dir });
    const staged = await stageBundle(z, { stagingDir: ws.staging });
    expect(await readlink(join(staged.root, 'util.mjs'))).toBe('lib/util.mjs');
    await expectModule(staged.root);
    await staged.dispose();
  });
});

describe('format detection is by content, not name', () => {
  it('a tgz named .jar is a tgz, a zip named .tgz is a zip', async () => {
    const tgz = await packBundle(mod, { outDir: join(ws.root, 'archives', 'det') });
    const jar = await packBundle(mod, { outDir: join(ws.root, 'archives', 'det'), format: 'jar' });
    const tgzAsJar = join(ws.archives, 'lies-ark-biz.jar');
    const zipAsTgz = join(ws.archives, 'lies.tgz');
    await copyFile(tgz.file, tgzAsJar);
    await copyFile(jar.file, zipAsTgz);
    const a = await stageBundle(tgzAsJar, { stagingDir: ws.staging });
    const b = await stageBundle(zipAsTgz, { stagingDir: ws.staging });
    expect([a.format, b.format]).toEqual(['tgz', 'zip']);
    await expectModule(a.root);
    await expectModule(b.root);
    await a.dispose();
    await b.dispose();
  });

  it('an empty zip (PK\\5\\6) is a zip without a manifest; a text file is an unknown format', async () => {
    const empty = Buffer.alloc(22);
    empty.writeUInt32LE(0x06054b50, 0);
    await expectCode(stageBundle(await ws.archive('empty.zip', empty), { stagingDir: ws.staging }), 'NODEARK_ERR_BUNDLE_MANIFEST');
    await expectCode(stageBundle(await ws.archive('readme.tgz', 'hello\n'), { stagingDir: ws.staging }), 'NODEARK_ERR_BUNDLE_UNKNOWN_FORMAT');
    await expectCode(stageBundle(await ws.archive('nothing.jar', ''), { stagingDir: ws.staging }), 'NODEARK_ERR_BUNDLE_UNKNOWN_FORMAT');
    await expectStagingEmpty(ws);
  });
});

describe('integrity', () => {
  let file: string;
  let bytes: Buffer;
  beforeAll(async () => {
    const packed = await packBundle(mod, { outDir: join(ws.root, 'archives', 'int') });
    file = packed.file;
    bytes = await readFile(file);
  });

  it('passes with a matching sha512, sha256, or any matching token of several', async () => {
    for (const integrity of [sri('sha512', bytes), sri('sha256', bytes), `sha256-${'A'.repeat(43)}= ${sri('sha512', bytes)}`]) {
      const staged = await stageBundle(file, { stagingDir: ws.staging, integrity });
      await expectModule(staged.root);
      await staged.dispose();
    }
    await expectStagingEmpty(ws);
  });

  it('fails on a mismatch before unpacking, naming the actual value', async () => {
    const other = sri('sha512', Buffer.from('something else'));
    const err = await expectCode(stageBundle(file, { stagingDir: ws.staging, integrity: other }), 'NODEARK_ERR_BUNDLE_INTEGRITY');
    expect(err.message).toContain(sri('sha512', bytes));
    await expectStagingEmpty(ws);
    await expectNothingOutside(ws);
  });

  it('verifies before unpacking: a hostile archive with a wrong integrity fails as INTEGRITY, not UNSAFE', async () => {
    const { tgz, tarEntry } = await import('./fixtures/bundles/craft.js');
    const evil = await ws.archive('evil.tgz', tgz(tarEntry({ name: '../../evil', data: 'x' })));
    await expectCode(stageBundle(evil, { stagingDir: ws.staging, integrity: sri('sha256', bytes) }), 'NODEARK_ERR_BUNDLE_INTEGRITY');
    await expectStagingEmpty(ws);
  });

  it('rejects malformed values, before touching the disk', async () => {
    for (const integrity of ['', 'md5-abc', 'sha512-', 'sha512-notbase64!!', `sha256-${Buffer.alloc(31).toString('base64')}`, 'sha512']) {
      const err = await expectCode(stageBundle(file, { stagingDir: join(ws.root, 'never'), integrity }), 'NODEARK_ERR_BUNDLE_INTEGRITY');
      expect(err.message).toContain('malformed');
    }
    expect(await listTree(join(ws.root, 'never'))).toEqual([]);
  });

  it('refuses integrity on a directory bundle', async () => {
    const err = await expectCode(stageBundle(mod, { stagingDir: ws.staging, integrity: sri('sha512', bytes) }), 'NODEARK_ERR_BUNDLE_INTEGRITY');
    expect(err.message).toContain('archives');
    await expectStagingEmpty(ws);
  });
});

describe('bizUrl errors', () => {
  it('unsupported schemes', async () => {
    await expectCode(stageBundle('ftp://example.com/biz.tgz', { stagingDir: ws.staging }), 'NODEARK_ERR_BUNDLE_UNSUPPORTED_SCHEME');
    await expectCode(stageBundle('data:text/plain,hi', { stagingDir: ws.staging }), 'NODEARK_ERR_BUNDLE_UNSUPPORTED_SCHEME');
    await expectCode(
      stageBundle('http://127.0.0.1:9/biz.tgz', { stagingDir: ws.staging, allowedSchemes: ['file:'] }),
      'NODEARK_ERR_BUNDLE_UNSUPPORTED_SCHEME',
    );
    await expectCode(stageBundle(mod, { stagingDir: ws.staging, allowedSchemes: ['https:'] }), 'NODEARK_ERR_BUNDLE_UNSUPPORTED_SCHEME');
  });

  it('invalid URLs, with credentials stripped from the message', async () => {
    for (const bad of ['', '   ', 'not a url', 'relative/path.tgz', 'file://remotehost/x.tgz']) {
      await expectCode(stageBundle(bad, { stagingDir: ws.staging }), 'NODEARK_ERR_BUNDLE_INVALID_URL');
    }
    const err = await expectCode(stageBundle('https://user:s3cret@/x.tgz', { stagingDir: ws.staging }), 'NODEARK_ERR_BUNDLE_INVALID_URL');
    expect(err.message).not.toContain('s3cret');
  });

  it('a missing file or directory is NOT_FOUND', async () => {
    await expectCode(stageBundle(join(ws.root, 'nope.tgz'), { stagingDir: ws.staging }), 'NODEARK_ERR_BUNDLE_NOT_FOUND');
    await expectCode(stageBundle(pathToFileURL(join(ws.root, 'nope', 'dir')).href, { stagingDir: ws.staging }), 'NODEARK_ERR_BUNDLE_NOT_FOUND');
    await expectStagingEmpty(ws);
  });

  it('an archive over maxArchiveBytes is TOO_LARGE', async () => {
    const packed = await packBundle(mod, { outDir: join(ws.root, 'archives', 'big') });
    await expectCode(stageBundle(packed.file, { stagingDir: ws.staging, limits: { maxArchiveBytes: 100 } }), 'NODEARK_ERR_BUNDLE_TOO_LARGE');
    await expectStagingEmpty(ws);
  });
});

describe('root detection', () => {
  it('no package.json anywhere, or two candidate folders, is a MANIFEST error', async () => {
    const none = await ws.module('none', { 'readme.md': 'x', 'sub/index.js': '' });
    await expectCode(stageBundle(none, { stagingDir: ws.staging }), 'NODEARK_ERR_BUNDLE_MANIFEST');
    const two = await ws.module('two', { 'a/package.json': '{}', 'b/package.json': '{}' });
    const err = await expectCode(stageBundle(two, { stagingDir: ws.staging }), 'NODEARK_ERR_BUNDLE_MANIFEST');
    expect(err.message).toContain('2 top-level');
    await expectStagingEmpty(ws);
  });

  it('a single top-level folder with package.json is the root even beside other entries', async () => {
    const nested = await ws.module('nested', { 'README.md': 'x', ...Object.fromEntries(Object.entries(FILES).map(([k, v]) => [`app/${k}`, v])) });
    const staged = await stageBundle(nested, { stagingDir: ws.staging });
    expect(staged.root).toBe(join(staged.dir, 'app'));
    await staged.dispose();
  });
});

describe('staging lifecycle', () => {
  it('creates a unique subdir per call; dispose is idempotent and tolerates a renamed root', async () => {
    const a = await stageBundle(mod, { stagingDir: ws.staging });
    const b = await stageBundle(mod, { stagingDir: ws.staging });
    expect(a.dir).not.toBe(b.dir);
    expect(a.dir.startsWith(ws.staging)).toBe(true);
    expect((await stat(a.dir)).mode & 0o777).toBe(0o755);
    await a.dispose();
    await a.dispose();
    const moved = join(ws.root, 'store', 'hello', '1.2.3');
    await mkdir(join(ws.root, 'store', 'hello'), { recursive: true });
    await rename(b.root, moved);
    await b.dispose();
    await expectModule(moved);
    await expectStagingEmpty(ws);
  });

  it('an aborted signal rejects with its reason and leaves nothing', async () => {
    const ac = new AbortController();
    ac.abort(new Error('stop now'));
    await expect(stageBundle(mod, { stagingDir: ws.staging, signal: ac.signal })).rejects.toThrow('stop now');
    await expectStagingEmpty(ws);
  });

  it('exports the documented default limits', () => {
    expect(DEFAULT_BUNDLE_LIMITS).toEqual({ maxArchiveBytes: 256 * 1024 * 1024, maxUnpackedBytes: 1024 * 1024 * 1024, maxEntries: 20000 });
  });
});
