/**
 * The bundle stage's two heavy entry points, loaded on first call: `stageBundle` brings the tar and zip
 * readers, the extractor, the downloader and integrity checks, `packBundle` the tar and zip writers and
 * zlib; about twenty files that a base does not need until its first install (docs/benchmarks.md § 13).
 * {@link preloadBundleStage} loads the install path ahead of time once the base is ready.
 */
import type { PackOptions, PackResult } from './pack.js';
import type { StageOptions, StagedBundle } from './stage-bundle.js';

/**
 * Resolves `bizUrl` (`file:` URL or absolute path of a directory, tarball or zip; `http:`/`https:` URL),
 * and stages it under `options.stagingDir`. The format is detected from content; integrity, when given,
 * is verified on the archive bytes before unpacking; the safety rules and limits of `docs/bundles.md`
 * apply. On failure the staging subdirectory (and any downloaded archive) is removed before rejecting.
 */
export async function stageBundle(bizUrl: string, options: StageOptions): Promise<StagedBundle> {
  return (await import('./stage-bundle.js')).stageBundle(bizUrl, options);
}

/**
 * Packs the module at `dir` into `<outDir>/<bizName>-<bizVersion>-ark-biz.tgz` (or `.jar`), reproducibly
 * (sorted entries, fixed timestamps, normalised modes); see `docs/bundles.md` § Packing for what is included
 * and how symlinks are treated. Written under a temporary name and renamed: a failed pack leaves no half bundle.
 */
export async function packBundle(dir: string, options: PackOptions = {}): Promise<PackResult> {
  return (await import('./pack.js')).packBundle(dir, options);
}

/** Loads the install path (`stageBundle`'s modules) now; never rejects (a real install reports any failure). */
export async function preloadBundleStage(): Promise<void> {
  await import('./stage-bundle.js').catch(() => undefined);
}
