/**
 * `stageBundle`: from a bizUrl to a module root on disk, inside a fresh staging directory. The order of
 * operations is the security argument: parse the URL (no I/O), fetch the archive, check its size, verify
 * its integrity, and only then unpack it through the extractor; any failure removes everything staged.
 */
import { chmod, copyFile, mkdir, mkdtemp, realpath, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ERR_BUNDLE_INTEGRITY, ERR_BUNDLE_TOO_LARGE } from '../errors.js';
import { copyDirectory } from './copy-dir.js';
import { type DetectedFormat, detectFormat } from './detect-format.js';
import { DEFAULT_DOWNLOAD_OPTIONS, type DownloadOptions, downloadToFile } from './download.js';
import { extractTar } from './extract-tar.js';
import { extractZip } from './extract-zip.js';
import { Extractor } from './extractor.js';
import { findBundleRoot } from './find-root.js';
import { type IntegrityHash, parseIntegrity, verifyFileIntegrity } from './integrity.js';
import { type BundleLimits, resolveLimits } from './limits.js';
import { resolveBundleSource, SUPPORTED_SCHEMES } from './resolve-source.js';

/** Options of {@link stageBundle}. */
export interface StageOptions {
  /** A directory under the store (e.g. `<store>/.staging`); a unique subdirectory is created inside it. */
  stagingDir: string;
  limits?: Partial<BundleLimits>;
  download?: Partial<DownloadOptions>;
  /** SRI value(s), `sha256-<base64>` / `sha512-<base64>`, space-separated; any match passes. Archives only. */
  integrity?: string;
  /** Schemes accepted (default `['file:', 'http:', 'https:']`). */
  allowedSchemes?: string[];
  /** Aborts the staging; the promise rejects with the signal's reason and nothing is left behind. */
  signal?: AbortSignal;
}

/** A bundle unpacked (or copied) into staging, ready to be validated and moved into the store. */
export interface StagedBundle {
  /** Absolute directory containing the module's `package.json` (inside `dir`). */
  root: string;
  /** The unique staging subdirectory; `root` is `dir` or a single top-level directory of it. */
  dir: string;
  /** `tgz` covers uncompressed tarballs too. */
  format: 'directory' | 'tgz' | 'zip';
  /** Bytes of the archive (0 for a directory). */
  archiveBytes: number;
  /** Removes `dir` (safe to call twice; a no-op for whatever the caller already moved away). */
  dispose(): Promise<void>;
}

/**
 * Resolves `bizUrl` (`file:` URL or absolute path of a directory, tarball or zip; `http:`/`https:` URL),
 * and stages it under `options.stagingDir`. The format is detected from content; integrity, when given,
 * is verified on the archive bytes before unpacking; the safety rules and limits of `docs/bundles.md`
 * apply. On failure the staging subdirectory (and any downloaded archive) is removed before rejecting.
 */
export async function stageBundle(bizUrl: string, options: StageOptions): Promise<StagedBundle> {
  if (typeof options?.stagingDir !== 'string' || options.stagingDir === '') {
    throw new TypeError('stageBundle: options.stagingDir is required');
  }
  const source = resolveBundleSource(bizUrl, options.allowedSchemes ?? SUPPORTED_SCHEMES);
  const { label } = source;
  const limits = resolveLimits(options.limits);
  const download: DownloadOptions = { ...DEFAULT_DOWNLOAD_OPTIONS, ...definedOnly(options.download ?? {}) };
  const integrity: IntegrityHash[] | undefined =
    options.integrity === undefined ? undefined : parseIntegrity(options.integrity, label);
  const { signal } = options;
  signal?.throwIfAborted();

  const stagingDir = resolve(options.stagingDir);
  await mkdir(stagingDir, { recursive: true });
  const dir = await mkdtemp(join(stagingDir, 'stage-'));
  // Archives we fetch or copy live next to `dir`, never inside it: `dir` holds only the module.
  const temporaries: string[] = [];
  try {
    let archive: string;
    if (source.kind === 'http') {
      archive = `${dir}.download`;
      temporaries.push(archive);
      await downloadToFile(source.url, archive, download, limits.maxArchiveBytes, signal);
    } else {
      archive = source.path;
    }
    signal?.throwIfAborted();

    const detected = await detectFormat(archive, label);
    let archiveBytes = 0;
    if (detected.format === 'directory') {
      if (integrity) {
        throw new ERR_BUNDLE_INTEGRITY(label, 'integrity applies to archives (tgz, zip/jar), and this bundle is a directory');
      }
      await copyDirectory(archive, dir, { limits, label, exclude: [await realpath(stagingDir)], signal });
    } else {
      if (detected.size > limits.maxArchiveBytes) {
        throw new ERR_BUNDLE_TOO_LARGE(label, `archive is ${detected.size} bytes, limit ${limits.maxArchiveBytes}`);
      }
      if (integrity) {
        if (source.kind === 'file') {
          // Verify and unpack the same bytes: a private copy cannot change between the two.
          const copy = `${dir}.archive`;
          temporaries.push(copy);
          await copyFile(source.path, copy);
          archive = copy;
        }
        await verifyFileIntegrity(archive, integrity, label);
      }
      archiveBytes = (await stat(archive)).size;
      if (archiveBytes > limits.maxArchiveBytes) {
        throw new ERR_BUNDLE_TOO_LARGE(label, `archive is ${archiveBytes} bytes, limit ${limits.maxArchiveBytes}`);
      }
      signal?.throwIfAborted();
      await unpackArchive(archive, detected.format, dir, limits, label, signal);
    }
    signal?.throwIfAborted();
    const root = await findBundleRoot(dir, label);
    await removeAll(temporaries);
    // mkdtemp makes the directory private (0700) while it is being filled; once complete it is an
    // ordinary module directory like the ones it may be renamed next to.
    await chmod(dir, 0o755);
    return {
      root,
      dir,
      format: detected.format === 'directory' ? 'directory' : detected.format === 'zip' ? 'zip' : 'tgz',
      archiveBytes,
      dispose: () => rm(dir, { recursive: true, force: true }),
    };
  } catch (err) {
    await removeAll([dir, ...temporaries]);
    throw err;
  }
}

/**
 * Unpacks the archive at `archive`, whose format `detectFormat` found, into `dir` (an existing, empty
 * directory) through an {@link Extractor}: the one path by which archive entries reach the disk. When it
 * rejects, no background write is still running, so the caller may remove `dir` at once.
 */
export async function unpackArchive(
  archive: string,
  format: Exclude<DetectedFormat, 'directory'>,
  dir: string,
  limits: BundleLimits,
  label: string,
  signal?: AbortSignal,
): Promise<void> {
  const ex = new Extractor(dir, limits, label, signal);
  try {
    if (format === 'zip') await extractZip(archive, ex, limits, label);
    else await extractTar(archive, format === 'tgz', ex, label);
    await ex.finish();
  } catch (err) {
    // Background writes must be over before the caller removes the directory.
    await ex.settle();
    throw err;
  }
}

async function removeAll(paths: readonly string[]): Promise<void> {
  await Promise.all(paths.map((p) => rm(p, { recursive: true, force: true, maxRetries: 2 })));
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
