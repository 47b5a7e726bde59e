/**
 * Finds the module root inside an unpacked bundle: `package.json` at the top (a zip/jar, a `tar czf -C`
 * tarball, a directory), or in the single top-level directory that has one (`npm pack`'s `package/`).
 */
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ERR_BUNDLE_MANIFEST } from '../errors.js';

async function isRegularFile(path: string): Promise<boolean> {
  try {
    return (await lstat(path)).isFile();
  } catch {
    return false;
  }
}

/** Returns the directory holding the module's `package.json`; throws `ERR_BUNDLE_MANIFEST` when there is none. */
export async function findBundleRoot(dir: string, label: string): Promise<string> {
  if (await isRegularFile(join(dir, 'package.json'))) return dir;
  const candidates: string[] = [];
  for (const d of await readdir(dir, { withFileTypes: true })) {
    // Only real directories: a top-level symlink must not redirect the root anywhere.
    if (d.isDirectory() && d.name !== '__MACOSX' && (await isRegularFile(join(dir, d.name, 'package.json')))) {
      candidates.push(join(dir, d.name));
    }
  }
  if (candidates.length === 1) return candidates[0] as string;
  throw new ERR_BUNDLE_MANIFEST(
    label,
    candidates.length === 0
      ? 'no package.json at the top of the bundle or in a top-level directory'
      : `package.json found in ${candidates.length} top-level directories; expected one`,
  );
}
