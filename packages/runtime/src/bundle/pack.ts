/**
 * `nodeark pack`: turns a module directory into a bundle that `stageBundle` accepts — an npm-pack style
 * tarball (`package/` prefix, gzip) or a zip named `.jar` (what ModuleController v2 expects in URLs).
 * The identity comes from `readBizManifest`, so a bundle that would not install is never written.
 */
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { lstat, mkdir, readdir, realpath, rename, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { ERR_BUNDLE_NOT_FOUND, ERR_BUNDLE_UNSAFE_ENTRY } from '../errors.js';
import { insideLinkTarget, isInside } from './copy-dir.js';
import { readBizManifest } from './manifest.js';
import { printable } from './redact-url.js';
import { type TarWriteEntry, tarStream } from './tar-writer.js';
import { ZipWriter } from './zip-writer.js';

/** Options of {@link packBundle}. */
export interface PackOptions {
  /** `tgz` (default): npm pack layout. `jar`: a zip named `<bizName>-<bizVersion>-ark-biz.jar`. */
  format?: 'tgz' | 'jar';
  /** Where to write the bundle (created if missing); default `process.cwd()`. */
  outDir?: string;
  /** Include `node_modules` directories (default true: the module carries its own dependencies). */
  includeNodeModules?: boolean;
}

/** What {@link packBundle} wrote. */
export interface PackResult {
  /** Absolute path of the bundle. */
  file: string;
  bizName: string;
  bizVersion: string;
  format: 'tgz' | 'jar';
  /** Size of the bundle in bytes. */
  bytes: number;
  /** Archive entries written (files, directories, links). */
  entries: number;
}

/** Files skipped at the top of the module: bundles written by an earlier `pack`. */
const PACKED_RE = /-ark-biz\.(tgz|jar)$/;

type Listed =
  | { type: 'file'; rel: string; mode: number; size: number; source: string }
  | { type: 'directory'; rel: string; mode: number }
  | { type: 'symlink'; rel: string; target: string };

/**
 * Packs the module at `dir` into `<outDir>/<bizName>-<bizVersion>-ark-biz.tgz` (or `.jar`). Contents:
 * everything but `.git`, earlier `*-ark-biz.tgz/jar` at the top, and `node_modules` when
 * `includeNodeModules` is false; sorted, with fixed timestamps and normalised modes (reproducible).
 * Symlinks that stay inside `dir` are kept as links in a tgz and replaced by their content in a jar
 * (dangling ones are left out of a jar); a symlink leading outside `dir` is refused with
 * `ERR_BUNDLE_UNSAFE_ENTRY`. The file is written under a
 * temporary name and renamed, so a failed pack leaves no half bundle.
 */
export async function packBundle(dir: string, options: PackOptions = {}): Promise<PackResult> {
  const format = options.format ?? 'tgz';
  if (format !== 'tgz' && format !== 'jar') throw new RangeError(`pack format must be "tgz" or "jar", got ${String(format)}`);
  const src = resolve(dir);
  try {
    if (!(await stat(src)).isDirectory()) throw new Error('not a directory');
  } catch (err) {
    throw new ERR_BUNDLE_NOT_FOUND(`${src} (not a directory)`, { cause: err });
  }
  const info = await readBizManifest(src);
  const outDir = resolve(options.outDir ?? process.cwd());
  await mkdir(outDir, { recursive: true });
  const file = join(outDir, `${info.bizName}-${info.bizVersion}-ark-biz.${format}`);

  const listed = await listModule(await realpath(src), format, options.includeNodeModules ?? true);
  const tmp = `${file}.tmp-${process.pid}-${Date.now().toString(36)}`;
  try {
    const bytes = format === 'tgz' ? await writeTgz(tmp, listed) : await writeJar(tmp, listed);
    await rename(tmp, file);
    return { file, bizName: info.bizName, bizVersion: info.bizVersion, format, bytes, entries: listed.length };
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/** Walks the module, sorted, parents before children. In `jar` mode symlinks are followed (cycle-safe). */
async function listModule(root: string, format: 'tgz' | 'jar', includeNodeModules: boolean): Promise<Listed[]> {
  const out: Listed[] = [];
  const unsafe = (rel: string, why: string): Error => new ERR_BUNDLE_UNSAFE_ENTRY(printable(rel), root, why);

  // `physical` is where the walk really is (differs from root/rel below a followed directory link);
  // `chain` holds the real paths of the directories being walked, to stop link cycles.
  const walk = async (physical: string, relDir: string, chain: Set<string>): Promise<void> => {
    const names = (await readdir(physical)).sort(byCodeUnit);
    for (const name of names) {
      if (name === '.git') continue;
      if (!includeNodeModules && name === 'node_modules') continue;
      if (relDir === '' && PACKED_RE.test(name)) continue;
      const rel = relDir === '' ? name : `${relDir}/${name}`;
      const at = join(physical, name);
      const st = await lstat(at);
      if (st.isDirectory()) {
        out.push({ type: 'directory', rel, mode: 0o755 });
        await walk(at, rel, chain);
      } else if (st.isFile()) {
        out.push({ type: 'file', rel, mode: st.mode & 0o111 ? 0o755 : 0o644, size: st.size, source: at });
      } else if (st.isSymbolicLink()) {
        let real: string | undefined;
        try {
          real = await realpath(at);
        } catch {
          real = undefined;
        }
        if (format === 'tgz') {
          // tgz never follows directory links, so `physical` is `root/relDir` and links can be kept.
          out.push({ type: 'symlink', rel, target: await insideLinkTarget(root, rel, unsafe) });
          continue;
        }
        // jar: zip has no portable symlinks, so store what the link points to.
        // A dangling link has no content to store; like `zip` without -y, it is left out.
        if (real === undefined) continue;
        if (!isInside(root, real)) throw unsafe(rel, 'symlink resolves outside the module directory');
        const target = await stat(real);
        if (target.isFile()) {
          out.push({ type: 'file', rel, mode: target.mode & 0o111 ? 0o755 : 0o644, size: target.size, source: real });
        } else if (target.isDirectory()) {
          if (chain.has(real)) throw unsafe(rel, 'symlink cycle');
          out.push({ type: 'directory', rel, mode: 0o755 });
          await walk(real, rel, new Set([...chain, real]));
        } else {
          throw unsafe(rel, 'symlink to a socket, fifo or device');
        }
      } else {
        throw unsafe(rel, 'sockets, fifos and devices cannot be packed');
      }
    }
  };
  await walk(root, '', new Set([root]));
  return out;
}

function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

async function writeTgz(file: string, listed: Listed[]): Promise<number> {
  const entries: TarWriteEntry[] = listed.map((l) => {
    const path = `package/${l.rel}`;
    if (l.type === 'file') return { type: 'file', path, mode: l.mode, size: l.size, source: l.source };
    if (l.type === 'directory') return { type: 'directory', path: `${path}/`, mode: l.mode };
    return { type: 'symlink', path, target: l.target };
  });
  const out = createWriteStream(file, { mode: 0o644 });
  await pipeline(tarStream(entries), createGzip(), out);
  if (!out.closed) await once(out, 'close');
  return (await stat(file)).size;
}

async function writeJar(file: string, listed: Listed[]): Promise<number> {
  const zip = await ZipWriter.create(file);
  try {
    for (const l of listed) {
      if (l.type === 'directory') await zip.addDirectory(l.rel, l.mode);
      else if (l.type === 'file') await zip.addFile(l.rel, l.mode, l.source, l.size);
      else throw new Error(`internal: symlink ${l.rel} listed for a jar`);
    }
    return await zip.finish();
  } catch (err) {
    await zip.abort();
    throw err;
  }
}
