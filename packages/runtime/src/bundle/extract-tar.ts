/**
 * Unpacks a (gzipped) tarball through the {@link Extractor}. Decompression is pulled by the writer, so a
 * gzip bomb is never inflated faster than it is written, and the byte limits stop it early.
 */
import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { ERR_BUNDLE_CORRUPT } from '../errors.js';
import { ByteSource } from './byte-source.js';
import type { Extractor } from './extractor.js';
import { readTar } from './tar-reader.js';

/** Files up to this size are read whole and written concurrently; larger ones stream. */
const SMALL_FILE = 256 * 1024;

async function collect(chunks: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of chunks) parts.push(c);
  return parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts);
}

/**
 * Extracts the tar (gzip-compressed when `gzip`) at `file` into `ex.root`. The caller calls
 * `ex.finish()` after it (or `ex.settle()` after a failure).
 */
export async function extractTar(file: string, gzip: boolean, ex: Extractor, label: string): Promise<void> {
  const input = createReadStream(file, { highWaterMark: 64 * 1024 });
  let stream: AsyncIterable<unknown> = input;
  const gunzip = gzip ? createGunzip() : undefined;
  if (gunzip) {
    input.on('error', (err) => gunzip.destroy(err));
    input.pipe(gunzip);
    stream = gunzip;
  }
  const src = new ByteSource(
    stream,
    () => new ERR_BUNDLE_CORRUPT(label, 'unexpected end of archive (truncated)'),
    (err) => {
      const e = err as NodeJS.ErrnoException;
      // zlib errors carry Z_* codes; file read errors are system errors and stay what they are.
      if (gzip && typeof e.code === 'string' && e.code.startsWith('Z_')) {
        return new ERR_BUNDLE_CORRUPT(label, `gzip: ${e.message}`, { cause: err });
      }
      return e;
    },
  );
  try {
    for await (const entry of readTar(src, label)) {
      ex.countArchiveEntry();
      switch (entry.type) {
        case 'file':
          ex.checkDeclaredBytes(entry.size);
          // Small files are buffered so the extractor can write them in the background.
          await ex.file(entry.path, entry.mode, entry.size <= SMALL_FILE ? await collect(entry.body()) : entry.body());
          break;
        case 'directory':
          await ex.directory(entry.path);
          break;
        case 'symlink':
          await ex.symlink(entry.path, entry.linkPath);
          break;
        case 'hardlink':
          await ex.hardlink(entry.path, entry.linkPath);
          break;
        case 'device':
        case 'fifo':
          throw ex.unsafe(entry.path, `${entry.type} entries are not allowed`);
        default:
          throw ex.unsafe(entry.path, `unsupported tar entry type "${entry.typeflag}"`);
      }
    }
  } finally {
    await src.close();
    input.destroy();
    gunzip?.destroy();
  }
}
