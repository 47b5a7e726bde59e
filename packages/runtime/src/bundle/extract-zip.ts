/**
 * Unpacks a zip (or a zip named `.jar`) through the {@link Extractor}. Declared sizes are summed first so
 * an honest bomb fails before anything is inflated; a lying one fails while inflating (see `ZipReader`).
 */
import { ERR_BUNDLE_TOO_LARGE } from '../errors.js';
import type { Extractor } from './extractor.js';
import type { BundleLimits } from './limits.js';
import { ZipReader } from './zip-reader.js';

/** Files up to this size are inflated whole and written concurrently; larger ones stream. */
const SMALL_FILE = 256 * 1024;
/** Longest symlink target accepted (PATH_MAX). */
const MAX_LINK_BYTES = 4096;

/** Extracts the zip at `file` into `ex.root`. The caller calls `ex.finish()` (or `ex.settle()` on failure). */
export async function extractZip(file: string, ex: Extractor, limits: BundleLimits, label: string): Promise<void> {
  const zip = await ZipReader.open(file, label, limits.maxEntries);
  try {
    let declared = 0;
    for (const e of zip.entries) declared += e.uncompressedSize;
    if (declared > limits.maxUnpackedBytes) {
      throw new ERR_BUNDLE_TOO_LARGE(label, `${declared} bytes declared unpacked, limit ${limits.maxUnpackedBytes}`);
    }
    for (const entry of zip.entries) {
      ex.countArchiveEntry();
      switch (entry.kind) {
        case 'directory':
          await ex.directory(entry.name);
          break;
        case 'file': {
          ex.checkDeclaredBytes(entry.uncompressedSize);
          // Small entries: one read + one inflate, written in the background; large ones stream.
          const small = entry.uncompressedSize <= SMALL_FILE && entry.compressedSize <= SMALL_FILE;
          await ex.file(
            entry.name,
            entry.mode,
            small ? await zip.buffer(entry, SMALL_FILE) : zip.data(entry),
            entry.uncompressedSize,
          );
          break;
        }
        case 'symlink': {
          const target = await zip.buffer(entry, MAX_LINK_BYTES);
          await ex.symlink(entry.name, target.toString('utf8'));
          break;
        }
        default:
          throw ex.unsafe(entry.name, 'device, fifo and socket entries are not allowed');
      }
    }
  } finally {
    await zip.close();
  }
}
