/**
 * A zip reader working from the central directory (the authoritative list, as Java's `ZipFile` does).
 * Every offset and size is bounds-checked against the file, entries may not overlap (the "overlapping
 * files" zip-bomb construction), the local header must agree with the central one, and inflated data is
 * checked against the declared size and CRC-32 while it streams.
 */
import type { FileHandle } from 'node:fs/promises';
import { open } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { crc32, createInflateRaw, inflateRaw } from 'node:zlib';
import { ERR_BUNDLE_CORRUPT, ERR_BUNDLE_TOO_LARGE } from '../errors.js';

const SIG_LOCAL = 0x04034b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_EOCD = 0x06054b50;
const SIG_EOCD64 = 0x06064b50;
const SIG_EOCD64_LOCATOR = 0x07064b50;
const EOCD_MIN = 22;
const MAX_COMMENT = 0xffff;

const inflateRawAsync = promisify(inflateRaw);

const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;
const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;

/** What a zip entry is, from its name and (for unix-made archives) its mode bits. */
export type ZipEntryKind = 'file' | 'directory' | 'symlink' | 'special';

/** One central-directory record. */
export interface ZipEntry {
  name: string;
  kind: ZipEntryKind;
  /** Unix permission bits, or 0o644 when the archive was not made on unix. */
  mode: number;
  method: number;
  flags: number;
  crc: number;
  compressedSize: number;
  uncompressedSize: number;
  localOffset: number;
  /** Where the compressed data starts (filled by {@link ZipReader.open}). */
  dataOffset: number;
}

/** An open zip archive. Call {@link ZipReader.close} when done. */
export class ZipReader {
  private constructor(
    private readonly fh: FileHandle,
    private readonly label: string,
    /** Entries in central-directory order. */
    readonly entries: ZipEntry[],
  ) {}

  /**
   * Opens `file`, reads and validates the central directory and every local header. Throws
   * `ERR_BUNDLE_TOO_LARGE` when the declared entry count is over `maxEntries` (before reading the
   * directory) and `ERR_BUNDLE_CORRUPT` for anything malformed.
   */
  static async open(file: string, label: string, maxEntries: number): Promise<ZipReader> {
    const fh = await open(file, 'r');
    try {
      const entries = await readCentralDirectory(fh, label, maxEntries);
      return new ZipReader(fh, label, entries);
    } catch (err) {
      await fh.close();
      throw err;
    }
  }

  /**
   * The entry's uncompressed bytes. Throws `ERR_BUNDLE_CORRUPT` when the data inflates past its declared
   * size (zip bombs lie in headers), ends short of it, or fails the CRC.
   */
  async *data(entry: ZipEntry): AsyncGenerator<Buffer> {
    const corrupt = (why: string, cause?: unknown): Error =>
      new ERR_BUNDLE_CORRUPT(this.label, `entry "${entry.name.slice(0, 200)}": ${why}`, ...(cause ? [{ cause }] : []));
    if (entry.flags & 0x1) throw corrupt('encrypted entries are not supported');
    if (entry.method !== 0 && entry.method !== 8) throw corrupt(`unsupported compression method ${entry.method}`);
    if (entry.method === 0 && entry.compressedSize !== entry.uncompressedSize) throw corrupt('stored entry sizes differ');
    let produced = 0;
    let crc = 0;
    if (entry.compressedSize > 0) {
      // Positional reads on the shared handle (a FileHandle read stream would close it when destroyed).
      const raw = Readable.from(readRange(this.fh, entry.dataOffset, entry.compressedSize, corrupt), {
        objectMode: false,
      });
      const inflate = entry.method === 8 ? createInflateRaw() : undefined;
      if (inflate) {
        raw.on('error', (e) => inflate.destroy(e));
        raw.pipe(inflate);
      }
      try {
        for await (const chunk of inflate ?? raw) {
          const buf = chunk as Buffer;
          produced += buf.length;
          if (produced > entry.uncompressedSize) throw corrupt(`inflates past its declared size ${entry.uncompressedSize}`);
          crc = crc32(buf, crc);
          yield buf;
        }
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (typeof code === 'string' && code.startsWith('Z_')) throw corrupt(`deflate: ${(err as Error).message}`, err);
        throw err;
      } finally {
        raw.destroy();
        inflate?.destroy();
      }
    } else if (entry.method === 8 && entry.uncompressedSize > 0) {
      throw corrupt('no compressed data');
    }
    if (produced !== entry.uncompressedSize) throw corrupt(`has ${produced} bytes, declared ${entry.uncompressedSize}`);
    if (crc !== entry.crc) throw corrupt('CRC-32 mismatch');
  }

  /**
   * The entry's uncompressed bytes as one buffer, for small entries (at most `max` bytes declared):
   * one read and one inflate call, capped at the declared size, with the same checks as {@link data}.
   */
  async buffer(entry: ZipEntry, max: number): Promise<Buffer> {
    const corrupt = (why: string, cause?: unknown): Error =>
      new ERR_BUNDLE_CORRUPT(this.label, `entry "${entry.name.slice(0, 200)}": ${why}`, ...(cause ? [{ cause }] : []));
    if (entry.uncompressedSize > max || entry.compressedSize > max) throw corrupt(`larger than ${max} bytes`);
    if (entry.flags & 0x1) throw corrupt('encrypted entries are not supported');
    if (entry.method !== 0 && entry.method !== 8) throw corrupt(`unsupported compression method ${entry.method}`);
    const raw = await readAt(this.fh, entry.dataOffset, entry.compressedSize);
    if (raw.length < entry.compressedSize) throw corrupt('unexpected end of file');
    let out: Buffer;
    if (entry.method === 0) {
      out = raw;
    } else if (entry.compressedSize === 0) {
      out = Buffer.alloc(0);
    } else {
      try {
        // maxOutputLength makes zlib stop at the declared size instead of inflating a bomb.
        out = await inflateRawAsync(raw, { maxOutputLength: Math.max(1, entry.uncompressedSize) });
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ERR_BUFFER_TOO_LARGE') throw corrupt(`inflates past its declared size ${entry.uncompressedSize}`, err);
        throw corrupt(`deflate: ${(err as Error).message}`, err);
      }
    }
    if (out.length !== entry.uncompressedSize) throw corrupt(`has ${out.length} bytes, declared ${entry.uncompressedSize}`);
    if (crc32(out) !== entry.crc) throw corrupt('CRC-32 mismatch');
    return out;
  }

  /** Closes the file. */
  async close(): Promise<void> {
    await this.fh.close();
  }
}

/** Yields the `length` bytes at `start`, 64 KiB at a time. */
async function* readRange(
  fh: FileHandle,
  start: number,
  length: number,
  corrupt: (why: string) => Error,
): AsyncGenerator<Buffer> {
  let done = 0;
  while (done < length) {
    const n = Math.min(64 * 1024, length - done);
    const buf = Buffer.allocUnsafe(n);
    const { bytesRead } = await fh.read(buf, 0, n, start + done);
    if (bytesRead === 0) throw corrupt('unexpected end of file');
    done += bytesRead;
    yield buf.subarray(0, bytesRead);
  }
}

async function readAt(fh: FileHandle, position: number, length: number): Promise<Buffer> {
  const buf = Buffer.alloc(length);
  let got = 0;
  while (got < length) {
    const { bytesRead } = await fh.read(buf, got, length - got, position + got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  return buf.subarray(0, got);
}

async function readCentralDirectory(fh: FileHandle, label: string, maxEntries: number): Promise<ZipEntry[]> {
  const corrupt = (why: string): Error => new ERR_BUNDLE_CORRUPT(label, why);
  const size = (await fh.stat()).size;
  if (size < EOCD_MIN) throw corrupt('too short for a zip archive');

  // The end-of-central-directory record is in the last 22 + 65535 bytes; search backwards.
  const tailLen = Math.min(size, EOCD_MIN + MAX_COMMENT);
  const tailStart = size - tailLen;
  const tail = await readAt(fh, tailStart, tailLen);
  let eocd = -1;
  for (let i = tail.length - EOCD_MIN; i >= 0; i--) {
    if (tail.readUInt32LE(i) === SIG_EOCD && i + EOCD_MIN + tail.readUInt16LE(i + 20) <= tail.length) {
      eocd = i;
      break;
    }
  }
  if (eocd === -1) throw corrupt('no end of central directory record (truncated zip?)');
  const eocdOffset = tailStart + eocd;
  let diskNo = tail.readUInt16LE(eocd + 4);
  let cdDisk = tail.readUInt16LE(eocd + 6);
  let countOnDisk = tail.readUInt16LE(eocd + 8);
  let count = tail.readUInt16LE(eocd + 10);
  let cdSize = tail.readUInt32LE(eocd + 12);
  let cdOffset = tail.readUInt32LE(eocd + 16);
  let cdEnd = eocdOffset;

  if (count === 0xffff || countOnDisk === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
    // Zip64: the locator sits just before the EOCD and points at the zip64 EOCD record.
    if (eocdOffset < 20) throw corrupt('zip64 locator missing');
    const loc = await readAt(fh, eocdOffset - 20, 20);
    if (loc.length < 20 || loc.readUInt32LE(0) !== SIG_EOCD64_LOCATOR) throw corrupt('zip64 locator missing');
    const e64Offset = safeU64(loc, 8, corrupt);
    if (e64Offset + 56 > eocdOffset - 20) throw corrupt('zip64 end record out of bounds');
    const e64 = await readAt(fh, e64Offset, 56);
    if (e64.length < 56 || e64.readUInt32LE(0) !== SIG_EOCD64) throw corrupt('bad zip64 end record');
    diskNo = e64.readUInt32LE(16);
    cdDisk = e64.readUInt32LE(20);
    countOnDisk = safeU64(e64, 24, corrupt);
    count = safeU64(e64, 32, corrupt);
    cdSize = safeU64(e64, 40, corrupt);
    cdOffset = safeU64(e64, 48, corrupt);
    cdEnd = e64Offset;
  }
  if (diskNo !== 0 || cdDisk !== 0 || countOnDisk !== count) throw corrupt('multi-disk zip archives are not supported');
  if (count > maxEntries) throw new ERR_BUNDLE_TOO_LARGE(label, `${count} entries declared, limit ${maxEntries}`);
  if (cdOffset + cdSize > cdEnd) throw corrupt('central directory out of bounds');

  const cd = await readAt(fh, cdOffset, cdSize);
  if (cd.length < cdSize) throw corrupt('central directory truncated');
  const entries: ZipEntry[] = [];
  let p = 0;
  for (let i = 0; i < count; i++) {
    if (p + 46 > cd.length || cd.readUInt32LE(p) !== SIG_CENTRAL) throw corrupt(`bad central directory record #${i}`);
    const madeBy = cd.readUInt16LE(p + 4);
    const flags = cd.readUInt16LE(p + 8);
    const method = cd.readUInt16LE(p + 10);
    const crc = cd.readUInt32LE(p + 16);
    let compressedSize = cd.readUInt32LE(p + 20);
    let uncompressedSize = cd.readUInt32LE(p + 24);
    const nameLen = cd.readUInt16LE(p + 28);
    const extraLen = cd.readUInt16LE(p + 30);
    const commentLen = cd.readUInt16LE(p + 32);
    const external = cd.readUInt32LE(p + 38);
    let localOffset = cd.readUInt32LE(p + 42);
    const next = p + 46 + nameLen + extraLen + commentLen;
    if (next > cd.length) throw corrupt(`central directory record #${i} out of bounds`);
    const nameBytes = cd.subarray(p + 46, p + 46 + nameLen);
    const extra = cd.subarray(p + 46 + nameLen, p + 46 + nameLen + extraLen);

    // Zip64 extended information: 64-bit values for exactly the fields saturated at 0xffffffff, in order.
    if (uncompressedSize === 0xffffffff || compressedSize === 0xffffffff || localOffset === 0xffffffff) {
      const z = findExtra(extra, 0x0001);
      if (!z) throw corrupt(`entry #${i}: zip64 field missing`);
      let q = 0;
      const take = (): number => {
        if (q + 8 > z.length) throw corrupt(`entry #${i}: zip64 field too short`);
        const v = safeU64(z, q, corrupt);
        q += 8;
        return v;
      };
      if (uncompressedSize === 0xffffffff) uncompressedSize = take();
      if (compressedSize === 0xffffffff) compressedSize = take();
      if (localOffset === 0xffffffff) localOffset = take();
    }

    const name = nameBytes.toString('utf8');
    const unixMode = madeBy >> 8 === 3 ? external >>> 16 : 0;
    const fmt = unixMode & S_IFMT;
    let kind: ZipEntryKind;
    if (name.endsWith('/') || fmt === S_IFDIR || (unixMode === 0 && external & 0x10)) kind = 'directory';
    else if (fmt === S_IFLNK) kind = 'symlink';
    else if (fmt === 0 || fmt === S_IFREG) kind = 'file';
    else kind = 'special';
    entries.push({
      name,
      kind,
      mode: unixMode ? unixMode & 0o7777 : 0o644,
      method,
      flags,
      crc,
      compressedSize,
      uncompressedSize,
      localOffset,
      dataOffset: -1,
    });
    p = next;
  }

  // Local headers: same name as the central record, data inside the file, no two entries sharing bytes.
  const byOffset = [...entries].sort((a, b) => a.localOffset - b.localOffset);
  let previousEnd = 0;
  for (const e of byOffset) {
    if (e.localOffset < previousEnd) throw corrupt(`entry "${e.name.slice(0, 200)}" overlaps another entry`);
    // One read for the fixed header and the name (a local name of another length differs anyway).
    const expectedName = Buffer.from(e.name, 'utf8');
    const lh = await readAt(fh, e.localOffset, 30 + expectedName.length);
    if (lh.length < 30 || lh.readUInt32LE(0) !== SIG_LOCAL) throw corrupt(`bad local header for "${e.name.slice(0, 200)}"`);
    const n = lh.readUInt16LE(26);
    const x = lh.readUInt16LE(28);
    if (n !== expectedName.length || !lh.subarray(30).equals(expectedName)) {
      throw corrupt(`local and central names differ for "${e.name.slice(0, 200)}"`);
    }
    e.dataOffset = e.localOffset + 30 + n + x;
    const end = e.dataOffset + e.compressedSize;
    if (end > cdOffset) throw corrupt(`entry "${e.name.slice(0, 200)}" data out of bounds`);
    previousEnd = end;
  }
  return entries;
}

function findExtra(extra: Buffer, id: number): Buffer | undefined {
  let p = 0;
  while (p + 4 <= extra.length) {
    const tag = extra.readUInt16LE(p);
    const len = extra.readUInt16LE(p + 2);
    if (p + 4 + len > extra.length) return undefined;
    if (tag === id) return extra.subarray(p + 4, p + 4 + len);
    p += 4 + len;
  }
  return undefined;
}

function safeU64(b: Buffer, off: number, corrupt: (why: string) => Error): number {
  const v = b.readBigUInt64LE(off);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw corrupt('64-bit value out of range');
  return Number(v);
}
