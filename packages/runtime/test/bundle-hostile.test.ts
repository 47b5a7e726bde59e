/**
 * Hostile and broken archives, crafted byte by byte. For each: the error code, nothing written outside
 * the staging area (the sentinel locations stay empty), and the staging subdirectory removed.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { stageBundle } from '../dist/bundle/index.js';
import {
  expectCode,
  expectNothingOutside,
  expectStagingEmpty,
  moduleTarEntries,
  moduleZipEntries,
  paxEntry,
  tar,
  tarEntry,
  tgz,
  type Workspace,
  workspace,
  zip,
} from './fixtures/bundles/craft.js';

const UNSAFE = 'NODEARK_ERR_BUNDLE_UNSAFE_ENTRY';
const CORRUPT = 'NODEARK_ERR_BUNDLE_CORRUPT';
const TOO_LARGE = 'NODEARK_ERR_BUNDLE_TOO_LARGE';

let ws: Workspace;
beforeEach(async () => {
  ws = await workspace();
});
afterEach(async () => {
  await ws.cleanup();
});

/** Stages `bytes` (written under a misleading name) and expects `code`, no leftovers, nothing outside. */
async function rejects(bytes: Buffer, code: string, opts: { limits?: Record<string, number>; name?: string } = {}) {
  const file = await ws.archive(opts.name ?? 'bundle.tgz', bytes);
  const err = await expectCode(stageBundle(file, { stagingDir: ws.staging, limits: opts.limits }), code);
  await expectStagingEmpty(ws);
  await expectNothingOutside(ws);
  return err;
}

describe('tar: paths that escape', () => {
  it('refuses zip-slip ../../evil after legitimate entries', async () => {
    const err = await rejects(tgz(...moduleTarEntries(), tarEntry({ name: '../../evil', data: 'pwned' })), UNSAFE);
    expect(err.message).toContain('".."');
  });

  it('refuses ".." hidden in the middle of a path', async () => {
    await rejects(tgz(tarEntry({ name: 'package/../../../evil', data: 'x' })), UNSAFE);
  });

  it('refuses ".." smuggled in the ustar prefix field', async () => {
    await rejects(tgz(tarEntry({ name: 'evil', prefix: '../..', data: 'x' })), UNSAFE);
  });

  it('refuses an absolute path', async () => {
    const err = await rejects(tgz(tarEntry({ name: join(ws.root, 'abs-evil'), data: 'x' })), UNSAFE);
    expect(err.message).toContain('absolute');
  });

  it('refuses a drive letter and backslash tricks', async () => {
    await rejects(tgz(tarEntry({ name: 'C:/evil', data: 'x' })), UNSAFE);
    await rejects(tgz(tarEntry({ name: '..\\..\\evil', data: 'x' })), UNSAFE);
  });

  it('refuses a NUL byte in a pax path', async () => {
    const err = await rejects(tgz(paxEntry({ path: 'package/ok\0/../../../evil' }), tarEntry({ name: 'x', data: 'x' })), UNSAFE);
    expect(err.message).toContain('NUL');
  });

  it('refuses a pax path that escapes even when the ustar name is harmless', async () => {
    await rejects(tgz(paxEntry({ path: '../../evil' }), tarEntry({ name: 'harmless', data: 'x' })), UNSAFE);
  });

  it('refuses a GNU long name that escapes', async () => {
    const long = `${'../'.repeat(40)}evil`;
    await rejects(tgz(tarEntry({ name: '././@LongLink', type: 'L', data: `${long}\0`, gnu: true }), tarEntry({ name: 'x', data: 'x', gnu: true })), UNSAFE);
  });
});

describe('tar: links', () => {
  it('refuses an absolute symlink to outside (and the file written through it)', async () => {
    const err = await rejects(
      tgz(
        ...moduleTarEntries(),
        tarEntry({ name: 'package/escape', type: '2', linkname: ws.outside }),
        tarEntry({ name: 'package/escape/pwned', data: 'pwned' }),
      ),
      UNSAFE,
    );
    expect(err.message).toContain('symlink');
  });

  it('refuses a relative symlink climbing out', async () => {
    await rejects(tgz(tarEntry({ name: 'package/up', type: '2', linkname: '../../../outside' })), UNSAFE);
    await rejects(tgz(tarEntry({ name: 'up', type: '2', linkname: '..' })), UNSAFE);
  });

  it('refuses a file written through an earlier (inside) symlink', async () => {
    const err = await rejects(
      tgz(
        tarEntry({ name: 'package/real/', type: '5' }),
        tarEntry({ name: 'package/alias', type: '2', linkname: 'real' }),
        tarEntry({ name: 'package/alias/file', data: 'x' }),
      ),
      UNSAFE,
    );
    expect(err.message).toContain('is a symlink');
  });

  it('refuses replacing a symlink by a file of the same name', async () => {
    await rejects(
      tgz(tarEntry({ name: 'package/a', type: '2', linkname: 'b' }), tarEntry({ name: 'package/a', data: 'x' })),
      UNSAFE,
    );
  });

  it('refuses down-then-up symlink chains that are lexically inside', async () => {
    // `s -> .` is fine, but `e -> s/s/../..` escapes in reality (s/s is the root, its .. is outside).
    await rejects(
      tgz(tarEntry({ name: 's', type: '2', linkname: '.' }), tarEntry({ name: 'e', type: '2', linkname: 's/s/../..' })),
      UNSAFE,
    );
  });

  it('refuses hard links to outside, to absolute paths and to files not in the archive', async () => {
    await rejects(tgz(tarEntry({ name: 'package/hl', type: '1', linkname: '/etc/passwd' })), UNSAFE);
    await rejects(tgz(tarEntry({ name: 'package/hl', type: '1', linkname: '../../outside/x' })), UNSAFE);
    await rejects(tgz(tarEntry({ name: 'package/hl', type: '1', linkname: 'package/nope' })), UNSAFE);
  });

  it('accepts an inside hard link and inside relative symlinks', async () => {
    const file = await ws.archive(
      'ok.tgz',
      tgz(
        ...moduleTarEntries(),
        tarEntry({ name: 'package/lib/', type: '5' }),
        tarEntry({ name: 'package/lib/a.js', data: 'A' }),
        tarEntry({ name: 'package/hl.js', type: '1', linkname: 'package/lib/a.js' }),
        tarEntry({ name: 'package/lib/up.js', type: '2', linkname: '../index.js' }),
      ),
    );
    const staged = await stageBundle(file, { stagingDir: ws.staging });
    expect(await readFile(join(staged.root, 'hl.js'), 'utf8')).toBe('A');
    expect(await readFile(join(staged.root, 'lib/up.js'), 'utf8')).toBe('module.exports = {}');
    await staged.dispose();
    await expectStagingEmpty(ws);
  });

  it('refuses devices and fifos', async () => {
    await rejects(tgz(tarEntry({ name: 'package/null', type: '3' })), UNSAFE);
    await rejects(tgz(tarEntry({ name: 'package/disk', type: '4' })), UNSAFE);
    await rejects(tgz(tarEntry({ name: 'package/fifo', type: '6' })), UNSAFE);
  });
});

describe('tar: limits and corruption', () => {
  it('enforces maxEntries on an entry-count bomb', async () => {
    const many = Array.from({ length: 60 }, (_, i) => tarEntry({ name: `package/f${i}`, data: '' }));
    const err = await rejects(tgz(...many), TOO_LARGE, { limits: { maxEntries: 50 } });
    expect(err.message).toContain('50');
  });

  it('counts implicit directories: one very deep path cannot create unbounded directories', async () => {
    const deep = `${Array.from({ length: 60 }, (_, i) => `d${i}`).join('/')}/f`;
    await rejects(tgz(paxEntry({ path: deep }), tarEntry({ name: 'x', data: 'x' })), TOO_LARGE, { limits: { maxEntries: 50 } });
  });

  it('refuses a size bomb (tiny gzip, 16 MiB of zeros) before writing it', async () => {
    const size = 16 * 1024 * 1024;
    const bomb = gzipSync(Buffer.concat([tarHeader64(size), Buffer.alloc(size), Buffer.alloc(1024)]));
    expect(bomb.length).toBeLessThan(50_000);
    await rejects(bomb, TOO_LARGE, { limits: { maxUnpackedBytes: 1024 * 1024 } });
  });

  it('counts the sum of entries against maxUnpackedBytes', async () => {
    const files = Array.from({ length: 5 }, (_, i) => tarEntry({ name: `package/f${i}`, data: Buffer.alloc(300 * 1024, 1) }));
    await rejects(tgz(...files), TOO_LARGE, { limits: { maxUnpackedBytes: 1024 * 1024 } });
  });

  it('enforces maxArchiveBytes before unpacking', async () => {
    await rejects(tgz(...moduleTarEntries(), tarEntry({ name: 'package/r', data: randomish(64 * 1024) })), TOO_LARGE, {
      limits: { maxArchiveBytes: 1024 },
    });
  });

  it('reports a truncated tgz as corrupt', async () => {
    const full = tgz(...moduleTarEntries(), tarEntry({ name: 'package/r', data: randomish(32 * 1024) }));
    await rejects(full.subarray(0, Math.floor(full.length / 2)), CORRUPT);
  });

  it('reports garbage after a gzip magic as corrupt', async () => {
    await rejects(Buffer.concat([Buffer.from([0x1f, 0x8b]), randomish(4096)]), CORRUPT);
  });

  it('reports a gzip that is not a tar as corrupt', async () => {
    await rejects(gzipSync(Buffer.from('just some text, not a tarball\n'.repeat(40))), CORRUPT);
  });

  it('reports a bad header checksum as corrupt', async () => {
    await rejects(tgz(...moduleTarEntries(), tarEntry({ name: 'package/x', data: 'x', badChecksum: true })), CORRUPT);
  });

  it('reports an entry cut short (tar stream ends inside the data) as corrupt', async () => {
    const t = tar(...moduleTarEntries(), tarEntry({ name: 'package/big', data: Buffer.alloc(4096, 7) }));
    await rejects(gzipSync(t.subarray(0, t.length - 1024 - 2048)), CORRUPT);
  });

  it('refuses a directory entry that announces data instead of skipping it', async () => {
    await rejects(tgz(tarEntry({ name: 'package/d/', type: '5', size: 1 << 30 })), CORRUPT);
  });

  it('reports random bytes as an unknown format', async () => {
    await rejects(randomish(2048), 'NODEARK_ERR_BUNDLE_UNKNOWN_FORMAT');
  });
});

describe('zip: hostile entries', () => {
  it('refuses zip-slip ../../evil (in a file named .jar)', async () => {
    await rejects(zip([...moduleZipEntries(), { name: '../../evil', data: 'pwned' }]), UNSAFE, { name: 'x-ark-biz.jar' });
  });

  it('refuses an absolute path and backslashes', async () => {
    await rejects(zip([{ name: join(ws.root, 'abs-evil'), data: 'x' }]), UNSAFE, { name: 'a.zip' });
    await rejects(zip([{ name: '..\\..\\evil', data: 'x' }]), UNSAFE, { name: 'a.zip' });
  });

  it('refuses a symlink entry to outside, then a file through it', async () => {
    await rejects(
      zip([...moduleZipEntries(), { name: 'escape', data: ws.outside, unixMode: 0o120777 }, { name: 'escape/pwned', data: 'x' }]),
      UNSAFE,
      { name: 'a.zip' },
    );
  });

  it('refuses device and fifo entries', async () => {
    await rejects(zip([{ name: 'fifo', data: '', unixMode: 0o010644 }]), UNSAFE, { name: 'a.zip' });
  });

  it('refuses a local header whose name differs from the central directory', async () => {
    await rejects(zip([{ name: 'safe.txt', localName: '../../evil', data: 'x' }]), CORRUPT, { name: 'a.zip' });
  });

  it('refuses overlapping entries (the overlapping-files bomb construction)', async () => {
    const err = await rejects(zip([{ name: 'a', data: 'x'.repeat(100) }, { name: 'b', data: 'y' }], { overlapSecond: true }), CORRUPT, {
      name: 'a.zip',
    });
    expect(err.message).toContain('overlaps');
  });
});

describe('zip: bombs and corruption', () => {
  it('refuses more entries than maxEntries from the declared count, before reading them', async () => {
    const many = Array.from({ length: 30 }, (_, i) => ({ name: `f${i}`, data: '' }));
    await rejects(zip(many), TOO_LARGE, { name: 'a.zip', limits: { maxEntries: 20 } });
  });

  it('refuses an honest size bomb from the declared sizes, before inflating', async () => {
    await rejects(zip([{ name: 'zeros', data: Buffer.alloc(8 * 1024 * 1024) }]), TOO_LARGE, {
      name: 'a.zip',
      limits: { maxUnpackedBytes: 1024 * 1024 },
    });
  });

  it('stops a lying size bomb while inflating (declares 10 bytes, inflates to 8 MiB)', async () => {
    const err = await rejects(zip([...moduleZipEntries(), { name: 'zeros', data: Buffer.alloc(8 * 1024 * 1024), declaredSize: 10 }]), CORRUPT, {
      name: 'a.zip',
      limits: { maxUnpackedBytes: 1024 * 1024 },
    });
    expect(err.message).toContain('declared size');
  });

  it('stops a lying bomb on the streaming path too (declares 300 KiB, inflates to 8 MiB)', async () => {
    const err = await rejects(zip([{ name: 'zeros', data: Buffer.alloc(8 * 1024 * 1024), declaredSize: 300 * 1024 }]), CORRUPT, {
      name: 'a.zip',
      limits: { maxUnpackedBytes: 1024 * 1024 },
    });
    expect(err.message).toContain('declared size');
  });

  it('reports a CRC mismatch on a large streamed entry', async () => {
    await rejects(zip([{ name: 'big', data: randomish(400 * 1024), crc: 42 }]), CORRUPT, { name: 'a.zip' });
  });

  it('reports a CRC mismatch', async () => {
    await rejects(zip([{ name: 'a', data: 'hello', crc: 1234 }]), CORRUPT, { name: 'a.zip' });
  });

  it('reports a truncated zip (no end of central directory)', async () => {
    const z = zip(moduleZipEntries());
    await rejects(z.subarray(0, z.length - 30), CORRUPT, { name: 'a.zip' });
  });

  it('reports a central directory pointing past the data', async () => {
    const z = Buffer.from(zip(moduleZipEntries()));
    z.writeUInt32LE(0x7fffffff, z.length - 6); // cd offset
    await rejects(z, CORRUPT, { name: 'a.zip' });
  });

  it('reports corrupt deflate data', async () => {
    const z = Buffer.from(zip([{ name: 'a', data: 'abcdefgh'.repeat(4096) }]));
    z.fill(0xff, 31, 60); // the start of the compressed stream (after the 30-byte header and 1-byte name)
    const err = await rejects(z, CORRUPT, { name: 'a.zip' });
    expect(err.message).toMatch(/deflate|CRC|declared/);
  });

  it('reports an unsupported compression method', async () => {
    const z = Buffer.from(zip([{ name: 'a', data: 'abc', method: 0 }]));
    // patch the method in both headers to 14 (LZMA)
    z.writeUInt16LE(14, 8);
    const cd = z.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
    z.writeUInt16LE(14, cd + 10);
    await rejects(z, CORRUPT, { name: 'a.zip' });
  });
});

describe('duplicated entries whose first write failed', () => {
  // The first copy's background write fails (its name is too long); the second copy must report that
  // failure, not the bare ENAMETOOLONG of unlinking a file that was never written. Found by the fuzz test
  // (bundle-fuzz.test.ts).
  const long = `package/${'x'.repeat(300)}`;

  it('tar: a name repeated (append semantics) is refused as unsafe', async () => {
    const once = Buffer.concat([paxEntry({ path: long }), tarEntry({ name: 'placeholder', data: 'once' })]);
    const err = await rejects(tgz(...moduleTarEntries(), once, once), UNSAFE);
    expect(err.message).toContain('name too long');
  });

  it('zip: a name repeated is refused as unsafe', async () => {
    const err = await rejects(zip([...moduleZipEntries(), { name: long, data: 'once' }, { name: long, data: 'twice' }]), UNSAFE, { name: 'a.zip' });
    expect(err.message).toContain('name too long');
  });
});

it('never writes a byte outside even when the bad entry comes last after many good ones', async () => {
  const good = Array.from({ length: 20 }, (_, i) => tarEntry({ name: `package/ok${i}.js`, data: `//${i}` }));
  const file = await ws.archive('x.tgz', tgz(...moduleTarEntries(), ...good, tarEntry({ name: '../../../outside/late', data: 'late' })));
  await writeFile(join(ws.root, 'sentinel'), 'untouched');
  await expectCode(stageBundle(file, { stagingDir: ws.staging }), UNSAFE);
  expect(await readFile(join(ws.root, 'sentinel'), 'utf8')).toBe('untouched');
  await expectStagingEmpty(ws);
});

/** A ustar header for a file of `size` bytes (built by hand to allow a big size). */
function tarHeader64(size: number): Buffer {
  const e = tarEntry({ name: 'package/zeros', data: '' });
  const h = Buffer.from(e.subarray(0, 512));
  h.write(`${size.toString(8).padStart(11, '0')}\0`, 124, 'latin1');
  h.write('        ', 148, 'latin1');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return h;
}

/** Incompressible bytes, deterministic. */
function randomish(n: number): Buffer {
  const b = Buffer.alloc(n);
  let x = 2463534242;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b[i] = x & 0xff;
  }
  return b;
}
