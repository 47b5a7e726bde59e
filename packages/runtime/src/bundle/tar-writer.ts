/**
 * A minimal deterministic tar writer (ustar, with pax records for names that do not fit), used by
 * `packBundle`. Owner ids are 0 and every mtime is npm's fixed 1985-10-26T08:15:00Z, so packing the same
 * tree twice gives the same bytes.
 */
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';

/** npm pack's fixed mtime (seconds): reproducible archives. */
export const FIXED_MTIME = 499162500;

/** One entry to write. `source` is the file to stream for a `file`. */
export type TarWriteEntry =
  | { type: 'file'; path: string; mode: number; size: number; source: string }
  | { type: 'directory'; path: string; mode: number }
  | { type: 'symlink'; path: string; target: string };

const BLOCK = 512;
/** Files up to this size are read in one call instead of streamed. */
const SMALL_FILE = 1024 * 1024;

function octal(value: number, width: number): string {
  // width includes the terminating NUL
  return value.toString(8).padStart(width - 1, '0') + '\0';
}

function paxRecord(key: string, value: string): Buffer {
  const body = ` ${key}=${value}\n`;
  const bodyLen = Buffer.byteLength(body);
  let len = bodyLen + 1;
  while (String(len).length + bodyLen !== len) len = String(len).length + bodyLen;
  return Buffer.from(`${len}${body}`);
}

/** Splits a path into ustar `prefix` and `name` when it fits; `undefined` when it needs a pax record. */
function splitUstar(path: string): { name: string; prefix: string } | undefined {
  if (Buffer.byteLength(path) <= 100) return { name: path, prefix: '' };
  for (let i = path.indexOf('/'); i !== -1; i = path.indexOf('/', i + 1)) {
    const prefix = path.slice(0, i);
    const name = path.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(name) <= 100 && name !== '') return { name, prefix };
  }
  return undefined;
}

function header(fields: {
  name: string;
  prefix: string;
  mode: number;
  size: number;
  typeflag: string;
  linkname: string;
}): Buffer {
  const h = Buffer.alloc(BLOCK);
  h.write(fields.name, 0, 100, 'utf8');
  h.write(octal(fields.mode, 8), 100, 'latin1');
  h.write(octal(0, 8), 108, 'latin1');
  h.write(octal(0, 8), 116, 'latin1');
  h.write(octal(fields.size, 12), 124, 'latin1');
  h.write(octal(FIXED_MTIME, 12), 136, 'latin1');
  h.write('        ', 148, 'latin1');
  h.write(fields.typeflag, 156, 'latin1');
  h.write(fields.linkname, 157, 100, 'utf8');
  h.write('ustar\0', 257, 'latin1');
  h.write('00', 263, 'latin1');
  h.write(fields.prefix, 345, 155, 'utf8');
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += h[i] as number;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return h;
}

function pad(size: number): Buffer {
  return Buffer.alloc((BLOCK - (size % BLOCK)) % BLOCK);
}

/** The header block(s) for one entry: a pax `x` header first when the path or link target is too long. */
export function entryHeaders(entry: TarWriteEntry): Buffer[] {
  const typeflag = entry.type === 'file' ? '0' : entry.type === 'directory' ? '5' : '2';
  const mode = entry.type === 'symlink' ? 0o777 : entry.mode;
  const size = entry.type === 'file' ? entry.size : 0;
  const linkname = entry.type === 'symlink' ? entry.target : '';
  const out: Buffer[] = [];
  let split = splitUstar(entry.path);
  const longLink = Buffer.byteLength(linkname) > 100;
  if (!split || longLink) {
    const records = Buffer.concat([
      ...(split ? [] : [paxRecord('path', entry.path)]),
      ...(longLink ? [paxRecord('linkpath', linkname)] : []),
    ]);
    out.push(
      header({ name: 'PaxHeader', prefix: '', mode: 0o644, size: records.length, typeflag: 'x', linkname: '' }),
      records,
      pad(records.length),
    );
    split ??= { name: truncateUtf8(entry.path, 100), prefix: '' };
  }
  out.push(header({ ...split, mode, size, typeflag, linkname: longLink ? truncateUtf8(linkname, 100) : linkname }));
  return out;
}

function truncateUtf8(s: string, bytes: number): string {
  let out = s;
  while (Buffer.byteLength(out) > bytes) out = out.slice(0, -1);
  return out;
}

/**
 * The tar stream of `entries`, in order, ending with the two zero blocks. File contents are streamed;
 * a file whose size changed since it was listed is an error (the header already promised a size).
 */
export async function* tarStream(entries: Iterable<TarWriteEntry>): AsyncGenerator<Buffer> {
  for (const entry of entries) {
    for (const b of entryHeaders(entry)) yield b;
    if (entry.type !== 'file') continue;
    if (entry.size <= SMALL_FILE) {
      const data = await readFile(entry.source);
      if (data.length !== entry.size) throw new Error(`${entry.source} changed size while packing`);
      yield data;
      yield pad(entry.size);
      continue;
    }
    let seen = 0;
    for await (const chunk of createReadStream(entry.source)) {
      const buf = chunk as Buffer;
      seen += buf.length;
      if (seen > entry.size) break;
      yield buf;
    }
    if (seen !== entry.size) throw new Error(`${entry.source} changed size while packing`);
    yield pad(entry.size);
  }
  yield Buffer.alloc(BLOCK * 2);
}
