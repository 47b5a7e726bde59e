/**
 * Copies a directory bundle into staging. The module then runs from its own copy (the source may be
 * edited or deleted while it runs), and the same rules as for archives apply: no link may lead outside
 * the source directory, and the limits hold.
 */
import { copyFile, lstat, mkdir, readdir, readlink, realpath, symlink } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { ERR_BUNDLE_TOO_LARGE, ERR_BUNDLE_UNSAFE_ENTRY } from '../errors.js';
import type { BundleLimits } from './limits.js';
import { printable } from './redact-url.js';
import { TaskPool } from './task-pool.js';

/** File copies in flight (directories and links are created in order, on the walk's turn). */
const COPY_CONCURRENCY = 8;

/** Options of {@link copyDirectory}. */
export interface CopyDirectoryOptions {
  limits: BundleLimits;
  /** Redacted bizUrl for messages. */
  label: string;
  /** Real paths never copied (the staging area, when it happens to live inside the source). */
  exclude?: readonly string[];
  signal?: AbortSignal;
}

/** True when `child` is `parent` or below it (both absolute, normalised). */
export function isInside(parent: string, child: string): boolean {
  const rel = relative(parent, child);
  return rel === '' || (!isUpSegment(rel) && !isAbsolute(rel));
}

function isUpSegment(rel: string): boolean {
  return rel === '..' || rel.startsWith(`..${sep}`);
}

/**
 * Copies `src` into the existing empty directory `dest`, skipping `.git`. Symlinks are recreated as
 * relative links when they resolve inside `src` and refused (`ERR_BUNDLE_UNSAFE_ENTRY`) otherwise;
 * sockets, fifos and devices are refused; `maxEntries`/`maxUnpackedBytes` apply to what is copied.
 */
export async function copyDirectory(src: string, dest: string, options: CopyDirectoryOptions): Promise<void> {
  const { limits, label, signal } = options;
  const realSrc = await realpath(src);
  const exclude = new Set(options.exclude ?? []);
  let objects = 0;
  let bytes = 0;
  const count = (): void => {
    signal?.throwIfAborted();
    if (++objects > limits.maxEntries) throw new ERR_BUNDLE_TOO_LARGE(label, `more than ${limits.maxEntries} files, directories and links`);
  };
  const unsafe = (rel: string, why: string): Error => new ERR_BUNDLE_UNSAFE_ENTRY(printable(rel), label, why);
  const pool = new TaskPool(COPY_CONCURRENCY);

  const walk = async (relDir: string): Promise<void> => {
    const names = (await readdir(join(realSrc, relDir))).sort();
    for (const name of names) {
      if (name === '.git') continue;
      const rel = relDir === '' ? name : `${relDir}/${name}`;
      const from = join(realSrc, rel);
      if (exclude.has(from)) continue;
      const to = join(dest, rel);
      const st = await lstat(from);
      if (st.isDirectory()) {
        count();
        await mkdir(to, { mode: 0o755 });
        await walk(rel);
      } else if (st.isFile()) {
        count();
        bytes += st.size;
        if (bytes > limits.maxUnpackedBytes) throw new ERR_BUNDLE_TOO_LARGE(label, `more than ${limits.maxUnpackedBytes} bytes`);
        await pool.run(() => copyFile(from, to));
      } else if (st.isSymbolicLink()) {
        count();
        await symlink(await insideLinkTarget(realSrc, rel, unsafe), to);
      } else {
        throw unsafe(rel, 'sockets, fifos and devices are not allowed in a bundle');
      }
    }
  };
  try {
    await walk('');
    await pool.drain();
  } catch (err) {
    // No copy may still be running when the caller removes `dest`.
    await pool.settle();
    throw err;
  }
}

/**
 * The relative target to recreate the symlink at `rel` with, when it resolves inside `root`: computed
 * from real paths, so absolute links into the bundle and `a/../b` forms become plain relative links.
 * A dangling link is judged lexically. Outside → `ERR_BUNDLE_UNSAFE_ENTRY`.
 */
export async function insideLinkTarget(
  root: string,
  rel: string,
  unsafe: (rel: string, why: string) => Error,
): Promise<string> {
  const at = join(root, rel);
  const raw = await readlink(at);
  let real: string;
  try {
    real = await realpath(at);
  } catch {
    real = resolve(dirname(at), raw); // dangling: lexical resolution is all there is
  }
  if (!isInside(root, real)) throw unsafe(rel, `symlink to "${printable(raw)}" resolves outside the bundle directory`);
  return relative(dirname(at), real) || '.';
}
