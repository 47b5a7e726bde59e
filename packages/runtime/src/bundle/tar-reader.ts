/**
 * A streaming tar parser: ustar (with the `prefix` field), pax extended headers (`x`, `g` ignored) and GNU
 * long names (`L`, `K`). It only parses; what to do with each entry is the extractor's business. Headers
 * are checksummed and every numeric field is validated, so garbage is reported as corruption instead of
 * being interpreted as sizes.
 */
import { ERR_BUNDLE_CORRUPT } from '../errors.js';
import type { ByteSource } from './byte-source.js';

const BLOCK = 512;
/** Largest pax or GNU long-name record accepted: real ones are a few hundred bytes. */
const MAX_META_BYTES = 1024 * 1024;
/** Most metadata records in a row before a real entry. */
const MAX_META_RUN = 16;
/** Total metadata bytes accepted in one archive, so that metadata cannot be a decompression bomb. */
const MAX_META_TOTAL = 16 * 1024 * 1024;

/** What a tar entry is. Anything not listed is `other` (refused by the extractor). */
export type TarEntryType = 'file' | 'directory' | 'symlink' | 'hardlink' | 'device' | 'fifo' | 'other';

/** One tar entry. `body()` may be called once; the parser skips whatever the consumer does not read. */
export interface TarEntry {
  path: string;
  type: TarEntryType;
  /** The raw typeflag character (`'0'` for an old-style NUL flag). */
  typeflag: string;
  mode: number;
  /** Bytes of data that follow the header. */
  size: number;
  /** Symlink target or hard-link target (archive path). */
  linkPath: string;
  body(): AsyncIterable<Buffer>;
}

const TYPES: Record<string, TarEntryType> = {
  '0': 'file',
  '7': 'file',
  '1': 'hardlink',
  '2': 'symlink',
  '3': 'device',
  '4': 'device',
  '5': 'directory',
  '6': 'fifo',
};

/** Types whose size field does not announce data (POSIX: ignored for links and special files). */
const NO_DATA = new Set<TarEntryType>(['hardlink', 'symlink', 'device', 'fifo']);

/**
 * Yields the entries of the tar stream in `src`. Ends at the first zero block (or a clean end of stream
 * on a block boundary); throws `ERR_BUNDLE_CORRUPT` for bad checksums, bad numbers, malformed pax records
 * or a stream that ends inside a header or an entry.
 */
export async function* readTar(src: ByteSource, label: string): AsyncGenerator<TarEntry> {
  const corrupt = (why: string): Error => new ERR_BUNDLE_CORRUPT(label, why);
  let pax: Record<string, string> = {};
  let longName: string | undefined;
  let longLink: string | undefined;
  let metaRun = 0;
  let metaTotal = 0;
  let first = true;

  for (;;) {
    const offset = src.position;
    const header = await src.readExact(BLOCK);
    if (header === null) {
      if (first) throw corrupt('empty tar archive');
      return;
    }
    if (isZeroBlock(header)) return;
    if (!checksumOk(header)) {
      throw corrupt(first ? 'not a tar archive (bad header checksum)' : `bad tar header checksum at offset ${offset}`);
    }
    first = false;

    const flagByte = header[156] as number;
    const typeflag = flagByte === 0 ? '0' : String.fromCharCode(flagByte);
    let size = parseNumber(header, 124, 12, corrupt);

    if (typeflag === 'x' || typeflag === 'g' || typeflag === 'L' || typeflag === 'K') {
      if (++metaRun > MAX_META_RUN) throw corrupt(`more than ${MAX_META_RUN} metadata headers in a row at offset ${offset}`);
      if (size > MAX_META_BYTES) throw corrupt(`"${typeflag}" metadata header of ${size} bytes at offset ${offset}`);
      metaTotal += size;
      if (metaTotal > MAX_META_TOTAL) throw corrupt(`more than ${MAX_META_TOTAL} bytes of tar metadata`);
      const data = (await src.readExact(size)) ?? Buffer.alloc(0);
      if (data.length < size) throw corrupt('truncated tar metadata');
      await src.discard(padding(size));
      if (typeflag === 'x') pax = { ...pax, ...parsePax(data, corrupt) };
      else if (typeflag === 'L') longName = cString(data, 0, data.length);
      else if (typeflag === 'K') longLink = cString(data, 0, data.length);
      // 'g' (global pax, e.g. git archive's commit comment) carries nothing we use.
      continue;
    }
    metaRun = 0;

    const type = TYPES[typeflag] ?? 'other';
    let path = cString(header, 0, 100);
    const magic = header.subarray(257, 263).toString('latin1');
    if (magic === 'ustar\0') {
      // POSIX ustar: `prefix` holds the leading directories. (GNU's "ustar  " uses that area for times.)
      const prefix = cString(header, 345, 155);
      if (prefix !== '') path = `${prefix}/${path}`;
    }
    path = longName ?? pax['path'] ?? path;
    const linkPath = longLink ?? pax['linkpath'] ?? cString(header, 157, 100);
    if (pax['size'] !== undefined) {
      if (!/^\d{1,15}$/.test(pax['size'])) throw corrupt(`bad pax size "${pax['size'].slice(0, 20)}"`);
      size = Number(pax['size']);
    }
    const mode = parseNumber(header, 100, 8, corrupt);
    pax = {};
    longName = undefined;
    longLink = undefined;

    const dataSize = NO_DATA.has(type) ? 0 : size;
    // Data is only expected for files; any other entry announcing data is refused before it is skipped,
    // otherwise a header could make us decompress and discard gigabytes.
    if (dataSize > 0 && type !== 'file') throw corrupt(`"${typeflag}" entry "${path.slice(0, 100)}" carries ${dataSize} bytes of data`);
    let remaining = dataSize;
    let taken = false;
    const body = (): AsyncIterable<Buffer> => {
      if (taken) throw new Error('tar entry body already consumed');
      taken = true;
      return (async function* () {
        while (remaining > 0) {
          const piece = await src.readSome(Math.min(remaining, 64 * 1024));
          remaining -= piece.length;
          yield piece;
        }
      })();
    };
    yield { path, type, typeflag, mode, size: dataSize, linkPath, body };
    await src.discard(remaining + padding(dataSize));
  }
}

function padding(size: number): number {
  return (BLOCK - (size % BLOCK)) % BLOCK;
}

function isZeroBlock(b: Buffer): boolean {
  for (let i = 0; i < b.length; i++) if (b[i] !== 0) return false;
  return true;
}

/** Header checksum: the byte sum with the checksum field read as spaces; old tars summed signed bytes. */
function checksumOk(h: Buffer): boolean {
  const field = h.subarray(148, 156).toString('latin1').replace(/[\0 ]+$/, '').replace(/^[ ]+/, '');
  if (!/^[0-7]{1,8}$/.test(field)) return false;
  const stored = parseInt(field, 8);
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const b = i >= 148 && i < 156 ? 0x20 : (h[i] as number);
    unsigned += b;
    signed += b > 127 ? b - 256 : b;
  }
  return stored === unsigned || stored === signed;
}

/** An octal field (NUL/space padded) or a GNU base-256 field (high bit set); negative values are corrupt. */
function parseNumber(h: Buffer, off: number, len: number, corrupt: (why: string) => Error): number {
  const first = h[off] as number;
  if (first & 0x80) {
    if (first !== 0x80) throw corrupt('negative or oversized base-256 number in tar header');
    let v = 0;
    for (let i = off + 1; i < off + len; i++) {
      v = v * 256 + (h[i] as number);
      if (v > Number.MAX_SAFE_INTEGER) throw corrupt('oversized number in tar header');
    }
    return v;
  }
  const s = h.subarray(off, off + len).toString('latin1').replace(/\0.*$/s, '').trim();
  if (s === '') return 0;
  if (!/^[0-7]+$/.test(s)) throw corrupt(`bad number "${s.slice(0, 12)}" in tar header`);
  return parseInt(s, 8);
}

function cString(b: Buffer, off: number, len: number): string {
  const slice = b.subarray(off, off + len);
  const nul = slice.indexOf(0);
  return slice.subarray(0, nul === -1 ? slice.length : nul).toString('utf8');
}

/** Parses pax records `"<len> <key>=<value>\n"`, strictly: a wrong length is corruption. */
function parsePax(data: Buffer, corrupt: (why: string) => Error): Record<string, string> {
  const out: Record<string, string> = {};
  let pos = 0;
  while (pos < data.length) {
    if (data[pos] === 0) break; // some writers pad the record block with NULs
    const space = data.indexOf(0x20, pos);
    if (space === -1 || space - pos > 10) throw corrupt('malformed pax record');
    const lenText = data.subarray(pos, space).toString('latin1');
    if (!/^\d+$/.test(lenText)) throw corrupt('malformed pax record length');
    const len = Number(lenText);
    if (len <= space - pos + 1 || pos + len > data.length || data[pos + len - 1] !== 0x0a) {
      throw corrupt('malformed pax record');
    }
    const record = data.subarray(space + 1, pos + len - 1).toString('utf8');
    const eq = record.indexOf('=');
    if (eq <= 0) throw corrupt('malformed pax record');
    out[record.slice(0, eq)] = record.slice(eq + 1);
    pos += len;
  }
  return out;
}
