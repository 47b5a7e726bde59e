/**
 * A minimal deterministic zip writer (deflate, UTF-8 names, unix modes, fixed timestamps) used by
 * `packBundle --format jar`. Each entry's local header is patched in place once its data is written,
 * so no data descriptors are needed and any unzip, `jar` or Python reads the result.
 */
import { createReadStream } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { open, readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { crc32, createDeflateRaw, deflateRaw } from 'node:zlib';

/** 1985-10-26 08:15:00 in MS-DOS format (npm's fixed date), for reproducible archives. */
const DOS_TIME = (8 << 11) | (15 << 5);
const DOS_DATE = ((1985 - 1980) << 9) | (10 << 5) | 26;
const FLAG_UTF8 = 0x0800;
const MADE_BY_UNIX = (3 << 8) | 30;
/** Files up to this size are read and deflated in one go; larger ones stream. */
const SMALL_FILE = 1024 * 1024;
const deflateRawAsync = promisify(deflateRaw);

interface Written {
  name: Buffer;
  method: number;
  crc: number;
  compressedSize: number;
  size: number;
  external: number;
  offset: number;
}

/** Writes a zip file entry by entry. Not safe for concurrent calls: await each `add*`. */
export class ZipWriter {
  private offset = 0;
  private readonly written: Written[] = [];

  private constructor(private readonly fh: FileHandle) {}

  /** Creates (or truncates) `file`. */
  static async create(file: string): Promise<ZipWriter> {
    return new ZipWriter(await open(file, 'w', 0o644));
  }

  /** Number of entries written so far. */
  get count(): number {
    return this.written.length;
  }

  private async write(buf: Buffer, position = this.offset): Promise<void> {
    let done = 0;
    while (done < buf.length) {
      const { bytesWritten } = await this.fh.write(buf, done, buf.length - done, position + done);
      done += bytesWritten;
    }
    if (position === this.offset) this.offset += buf.length;
  }

  private localHeader(name: Buffer, method: number): Buffer {
    const h = Buffer.alloc(30);
    h.writeUInt32LE(0x04034b50, 0);
    h.writeUInt16LE(20, 4);
    h.writeUInt16LE(FLAG_UTF8, 6);
    h.writeUInt16LE(method, 8);
    h.writeUInt16LE(DOS_TIME, 10);
    h.writeUInt16LE(DOS_DATE, 12);
    // crc and sizes (14..25) are patched after the data is written
    h.writeUInt16LE(name.length, 26);
    h.writeUInt16LE(0, 28);
    return h;
  }

  /** Adds a directory entry (`name` gets a trailing `/`). */
  async addDirectory(name: string, mode: number): Promise<void> {
    const nameBuf = Buffer.from(name.endsWith('/') ? name : `${name}/`, 'utf8');
    const offset = this.offset;
    await this.write(this.localHeader(nameBuf, 0));
    await this.write(nameBuf);
    this.written.push({
      name: nameBuf,
      method: 0,
      crc: 0,
      compressedSize: 0,
      size: 0,
      external: (((0o040000 | (mode & 0o777)) << 16) | 0x10) >>> 0,
      offset,
    });
  }

  /** Adds a file, deflating the content of `source` (a path): read whole when small, else streamed. */
  async addFile(name: string, mode: number, source: string, expectedSize: number): Promise<void> {
    if (expectedSize <= SMALL_FILE) {
      const data = await readFile(source);
      if (data.length !== expectedSize) throw new Error(`${source} changed size while packing`);
      await this.addBuffer(name, mode, data);
      return;
    }
    const nameBuf = Buffer.from(name, 'utf8');
    const offset = this.offset;
    await this.write(this.localHeader(nameBuf, 8));
    await this.write(nameBuf);
    let crc = 0;
    let size = 0;
    let compressedSize = 0;
    const deflate = createDeflateRaw();
    const input = createReadStream(source);
    input.on('error', (e) => deflate.destroy(e));
    input.on('data', (c) => {
      crc = crc32(c as Buffer, crc);
      size += (c as Buffer).length;
    });
    input.pipe(deflate);
    for await (const chunk of deflate) {
      compressedSize += (chunk as Buffer).length;
      await this.write(chunk as Buffer);
    }
    if (size !== expectedSize) throw new Error(`${source} changed size while packing`);
    if (size > 0xfffffffe || this.offset > 0xfffffffe) throw new Error('zip64 archives are not supported by the packer');
    const patch = Buffer.alloc(12);
    patch.writeUInt32LE(crc, 0);
    patch.writeUInt32LE(compressedSize, 4);
    patch.writeUInt32LE(size, 8);
    await this.write(patch, offset + 14);
    this.written.push({
      name: nameBuf,
      method: 8,
      crc,
      compressedSize,
      size,
      external: ((0o100000 | (mode & 0o777)) << 16) >>> 0,
      offset,
    });
  }

  /** Adds a file from memory: header, name and deflated data in one write, no patching. */
  async addBuffer(name: string, mode: number, data: Buffer): Promise<void> {
    const nameBuf = Buffer.from(name, 'utf8');
    const offset = this.offset;
    const compressed = await deflateRawAsync(data);
    const crc = crc32(data);
    const header = this.localHeader(nameBuf, 8);
    header.writeUInt32LE(crc, 14);
    header.writeUInt32LE(compressed.length, 18);
    header.writeUInt32LE(data.length, 22);
    await this.write(Buffer.concat([header, nameBuf, compressed]));
    if (this.offset > 0xfffffffe) throw new Error('zip64 archives are not supported by the packer');
    this.written.push({
      name: nameBuf,
      method: 8,
      crc,
      compressedSize: compressed.length,
      size: data.length,
      external: ((0o100000 | (mode & 0o777)) << 16) >>> 0,
      offset,
    });
  }

  /** Writes the central directory and the end record, closes the file, returns its size. */
  async finish(): Promise<number> {
    if (this.written.length > 0xfffe) throw new Error('more than 65534 entries: zip64 is not supported by the packer');
    const cdStart = this.offset;
    for (const w of this.written) {
      const h = Buffer.alloc(46);
      h.writeUInt32LE(0x02014b50, 0);
      h.writeUInt16LE(MADE_BY_UNIX, 4);
      h.writeUInt16LE(20, 6);
      h.writeUInt16LE(FLAG_UTF8, 8);
      h.writeUInt16LE(w.method, 10);
      h.writeUInt16LE(DOS_TIME, 12);
      h.writeUInt16LE(DOS_DATE, 14);
      h.writeUInt32LE(w.crc, 16);
      h.writeUInt32LE(w.compressedSize, 20);
      h.writeUInt32LE(w.size, 24);
      h.writeUInt16LE(w.name.length, 28);
      // extra, comment, disk, internal attributes: 0
      h.writeUInt32LE(w.external, 38);
      h.writeUInt32LE(w.offset, 42);
      await this.write(h);
      await this.write(w.name);
    }
    const cdSize = this.offset - cdStart;
    const end = Buffer.alloc(22);
    end.writeUInt32LE(0x06054b50, 0);
    end.writeUInt16LE(this.written.length, 8);
    end.writeUInt16LE(this.written.length, 10);
    end.writeUInt32LE(cdSize, 12);
    end.writeUInt32LE(cdStart, 16);
    await this.write(end);
    await this.fh.close();
    return this.offset;
  }

  /** Closes the file without finishing it (after an error). */
  async abort(): Promise<void> {
    await this.fh.close().catch(() => undefined);
  }
}
