/**
 * Detects a bundle's format from what it is (a directory) or from its first bytes, never from its name:
 * ModuleController only manages URLs containing `.jar`, so a zip named `…-ark-biz.jar` and a tarball
 * named anything must both work.
 */
import { open, stat } from 'node:fs/promises';
import { ERR_BUNDLE_NOT_FOUND, ERR_BUNDLE_UNKNOWN_FORMAT } from '../errors.js';

/** What a bundle path holds. `tar` is an uncompressed tarball. */
export type DetectedFormat = 'directory' | 'tgz' | 'tar' | 'zip';

/** The detected format and, for files, the size in bytes. */
export interface Detection {
  format: DetectedFormat;
  size: number;
}

/**
 * Stats `path` (following symlinks) and sniffs magic bytes: gzip `1f 8b`, zip `PK\3\4` (or `PK\5\6` for an
 * empty zip), ustar `ustar` at offset 257. Throws `ERR_BUNDLE_NOT_FOUND` when the path cannot be read and
 * `ERR_BUNDLE_UNKNOWN_FORMAT` for anything else.
 */
export async function detectFormat(path: string, label: string): Promise<Detection> {
  let st;
  try {
    st = await stat(path);
  } catch (err) {
    throw new ERR_BUNDLE_NOT_FOUND(`${label} (${(err as NodeJS.ErrnoException).code ?? 'unreadable'})`, { cause: err });
  }
  if (st.isDirectory()) return { format: 'directory', size: 0 };
  if (!st.isFile()) throw new ERR_BUNDLE_UNKNOWN_FORMAT(label);

  const head = Buffer.alloc(512);
  let n = 0;
  try {
    const fh = await open(path, 'r');
    try {
      ({ bytesRead: n } = await fh.read(head, 0, head.length, 0));
    } finally {
      await fh.close();
    }
  } catch (err) {
    throw new ERR_BUNDLE_NOT_FOUND(`${label} (${(err as NodeJS.ErrnoException).code ?? 'unreadable'})`, { cause: err });
  }
  const format = sniff(head.subarray(0, n));
  if (format === undefined) throw new ERR_BUNDLE_UNKNOWN_FORMAT(label);
  return { format, size: st.size };
}

/** The archive format of the leading bytes of a file, if recognised. */
export function sniff(head: Uint8Array): Exclude<DetectedFormat, 'directory'> | undefined {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'tgz';
  if (head.length >= 4 && head[0] === 0x50 && head[1] === 0x4b) {
    if ((head[2] === 3 && head[3] === 4) || (head[2] === 5 && head[3] === 6)) return 'zip';
  }
  if (head.length >= 262 && Buffer.from(head.subarray(257, 262)).toString('latin1') === 'ustar') return 'tar';
  return undefined;
}
