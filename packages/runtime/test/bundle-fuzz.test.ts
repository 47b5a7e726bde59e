/**
 * A bounded, deterministic fuzz test of the archive readers. Valid archives (written by the packer and,
 * when present, by the system `tar` and `zip`) are mutated by a seeded PRNG: byte flips, truncation at
 * every structural offset, length and count fields set to extreme values, duplicated, deleted and
 * reordered entries, hostile names (`..`, absolute, NUL, backslash, too long) and links leading out.
 * Every case goes through the extraction path staging uses (`detectFormat`, then `unpackArchive`) into a
 * fresh directory with small limits, and must either succeed or fail with a `NODEARK_ERR_*` code, within
 * a time bound, without touching anything outside that directory.
 *
 * `NODEARK_FUZZ_SEED` and `NODEARK_FUZZ_CASES` (random cases) explore further; a failure prints them with
 * `NODEARK_FUZZ_CASE=<n>`, which replays that one case (on a machine with the same system `tar` and `zip`,
 * since their archives are among the bases).
 */
import { execFileSync } from 'node:child_process';
import { accessSync, constants, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { chmod, link, lstat, lutimes, mkdir, mkdtemp, readdir, readFile, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detectFormat } from '../dist/bundle/detect-format.js';
import { packBundle } from '../dist/bundle/index.js';
import type { BundleLimits } from '../dist/bundle/limits.js';
import { unpackArchive } from '../dist/bundle/stage-bundle.js';
import { hasCommand, paxEntry, tarEntry, type Workspace, workspace, zipRecord } from './fixtures/bundles/craft.js';

const DEFAULT_SEED = 0x6e6f6465; // "node"
const SEED = envInt('NODEARK_FUZZ_SEED') ?? DEFAULT_SEED;
/** Random cases (the deterministic truncations come on top). Capped so that no setting runs unbounded. */
const RANDOM_CASES = Math.min(envInt('NODEARK_FUZZ_CASES') ?? 1800, 100_000);
const ONLY_CASE = envInt('NODEARK_FUZZ_CASE');
/** A case that takes longer than this is reported as a hang. */
const CASE_TIMEOUT_MS = 2000;
const LIMITS: BundleLimits = { maxArchiveBytes: 4 * 1024 * 1024, maxUnpackedBytes: 1024 * 1024, maxEntries: 64 };
const LABEL = 'fuzz';
const BIG_FILE_BYTES = 300 * 1024; // over the extractors' 256 KiB small-file threshold: the streaming paths

function envInt(name: string): number | undefined {
  const v = process.env[name];
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got ${v}`);
  return n;
}

/* ------------------------------------------------------------------------------------------ PRNG */

/** mulberry32: small, fast, and the same sequence on every platform for a given seed. */
class Rng {
  private a: number;
  constructor(seed: number) {
    this.a = seed >>> 0;
  }
  next(): number {
    this.a = (this.a + 0x6d2b79f5) >>> 0;
    let t = this.a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[this.int(items.length)] as T;
  }
  bytes(n: number): Buffer {
    const b = Buffer.alloc(n);
    for (let i = 0; i < n; i++) b[i] = this.int(256);
    return b;
  }
}

/** Each case has its own generator, so one case can be replayed without the ones before it. */
function caseSeed(seed: number, index: number): number {
  let h = (seed ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

/* ------------------------------------------------------------------------------------- tar model */

interface TarHeaderAt {
  offset: number;
  typeflag: string;
  size: number;
}

/** One archive entry: its metadata headers (pax, GNU long names), its own header and its data. */
interface TarSpan {
  start: number;
  end: number;
  /** Offset of the entry's own header (after any metadata headers). */
  main: number;
}

interface TarModel {
  headers: TarHeaderAt[];
  spans: TarSpan[];
  /** Where the end-of-archive zero blocks start. */
  endOfEntries: number;
}

function tarNumber(h: Buffer, off: number, len: number): number {
  if ((h[off] as number) & 0x80) {
    let v = 0;
    for (let i = off + 1; i < off + len; i++) v = v * 256 + (h[i] as number);
    return v;
  }
  const s = h.subarray(off, off + len).toString('latin1').replace(/\0.*$/s, '').trim();
  return s === '' ? 0 : parseInt(s, 8);
}

/** Parses a valid tar (a base archive, never a mutated one). */
function parseTar(b: Buffer): TarModel {
  const headers: TarHeaderAt[] = [];
  const spans: TarSpan[] = [];
  let o = 0;
  let spanStart = 0;
  while (o + 512 <= b.length) {
    const h = b.subarray(o, o + 512);
    if (h.every((x) => x === 0)) break;
    const flag = h[156] === 0 ? '0' : String.fromCharCode(h[156] as number);
    const size = ['1', '2', '3', '4', '6'].includes(flag) ? 0 : tarNumber(h, 124, 12);
    headers.push({ offset: o, typeflag: flag, size });
    const end = o + 512 + Math.ceil(size / 512) * 512;
    if (!['x', 'g', 'L', 'K'].includes(flag)) {
      spans.push({ start: spanStart, end, main: o });
      spanStart = end;
    }
    o = end;
  }
  return { headers, spans, endOfEntries: o };
}

/** Recomputes a header checksum, so that a mutated field is parsed instead of stopping at the checksum. */
function fixTarChecksum(b: Buffer, off: number): void {
  if (off + 512 > b.length) return;
  b.fill(0x20, off + 148, off + 156);
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += b[off + i] as number;
  b.write(`${sum.toString(8).padStart(6, '0')}\0 `, off + 148, 'latin1');
}

const TAR_FIELDS: readonly { name: string; off: number; len: number; numeric: boolean }[] = [
  { name: 'name', off: 0, len: 100, numeric: false },
  { name: 'mode', off: 100, len: 8, numeric: true },
  { name: 'uid', off: 108, len: 8, numeric: true },
  { name: 'size', off: 124, len: 12, numeric: true },
  { name: 'mtime', off: 136, len: 12, numeric: true },
  { name: 'chksum', off: 148, len: 8, numeric: true },
  { name: 'typeflag', off: 156, len: 1, numeric: false },
  { name: 'linkname', off: 157, len: 100, numeric: false },
  { name: 'magic', off: 257, len: 8, numeric: false },
  { name: 'prefix', off: 345, len: 155, numeric: false },
];

/** Values for numeric tar fields: octal extremes, base-256 (positive, huge, negative), garbage. */
function tarNumericValue(rng: Rng, len: number): Buffer {
  const b = Buffer.alloc(len);
  switch (rng.int(12)) {
    case 0:
      b.write('7'.repeat(len - 1), 'latin1');
      break;
    case 1:
      b.write('-1', 'latin1');
      break;
    case 2: // base-256, largest value the field can hold
      b.fill(0xff);
      b[0] = 0x80;
      break;
    case 3: // base-256 negative
      b.fill(0xff);
      break;
    case 4: // base-256 just past 2^53
      b[0] = 0x80;
      b.writeUIntBE(0x20, len - 7, 1);
      break;
    case 5:
      b.write('8'.repeat(len - 1), 'latin1');
      break;
    case 6:
      b.fill(0x20);
      break;
    case 7:
      b.write(`${'0'.repeat(len - 2)}1`, 'latin1');
      break;
    case 8:
      b.write(rng.int(2 ** 30).toString(8).padStart(len - 1, '0').slice(-(len - 1)), 'latin1');
      break;
    case 9:
      b.write('1e9', 'latin1');
      break;
    case 10: // a small base-256 value
      b[0] = 0x80;
      b[len - 1] = rng.int(256);
      break;
    default:
      rng.bytes(len).copy(b);
  }
  return b;
}

const TYPEFLAGS = ['0', '\0', '1', '2', '3', '4', '5', '6', '7', 'x', 'g', 'L', 'K', 'S', 'V', 'M', 'D', 'Z', 'A'];

/* ------------------------------------------------------------------------------------- zip model */

/** One zip entry: its local header with data (`null` when it shares another record's), and its central record. */
interface ZipRec {
  local: Buffer | null;
  /** With `local: null`, the record whose local header this one points at (an overlapping entry). */
  sharesLocalOf?: number;
  central: Buffer;
}

interface ZipModel {
  recs: ZipRec[];
  /** False for zip64 archives, which are only mutated in place (not rebuilt). */
  rebuildable: boolean;
  locals: { offset: number; nameLen: number; dataStart: number; end: number }[];
  centrals: { offset: number; end: number }[];
  eocd: number;
  eocd64?: number;
  locator?: number;
}

/** Parses a valid zip (a base archive, never a mutated one). */
function parseZip(b: Buffer): ZipModel {
  let eocd = -1;
  for (let i = b.length - 22; i >= 0; i--) {
    if (b.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error('base zip without an end record');
  let count = b.readUInt16LE(eocd + 10);
  let cdOffset = b.readUInt32LE(eocd + 16);
  let eocd64: number | undefined;
  let locator: number | undefined;
  if (cdOffset === 0xffffffff || count === 0xffff) {
    locator = eocd - 20;
    eocd64 = Number(b.readBigUInt64LE(locator + 8));
    count = Number(b.readBigUInt64LE(eocd64 + 32));
    cdOffset = Number(b.readBigUInt64LE(eocd64 + 48));
  }
  const centrals: ZipModel['centrals'] = [];
  const localOffsets: number[] = [];
  let p = cdOffset;
  for (let i = 0; i < count; i++) {
    const end = p + 46 + b.readUInt16LE(p + 28) + b.readUInt16LE(p + 30) + b.readUInt16LE(p + 32);
    centrals.push({ offset: p, end });
    localOffsets.push(b.readUInt32LE(p + 42));
    p = end;
  }
  const sorted = [...localOffsets].sort((x, y) => x - y);
  const locals = localOffsets.map((offset) => {
    const next = sorted.find((o) => o > offset) ?? cdOffset;
    const nameLen = b.readUInt16LE(offset + 26);
    return { offset, nameLen, dataStart: offset + 30 + nameLen + b.readUInt16LE(offset + 28), end: next };
  });
  const recs = locals.map((l, i) => ({
    local: Buffer.from(b.subarray(l.offset, l.end)),
    central: Buffer.from(b.subarray((centrals[i] as { offset: number }).offset, (centrals[i] as { end: number }).end)),
  }));
  return { recs, rebuildable: eocd64 === undefined, locals, centrals, eocd, ...(eocd64 === undefined ? {} : { eocd64, locator }) };
}

/** Lays out `recs` again: local offsets, central directory and end record recomputed. */
function buildZip(recs: readonly ZipRec[], opts: { declaredCount?: number } = {}): Buffer {
  const parts: Buffer[] = [];
  const offsets: number[] = [];
  let offset = 0;
  for (const r of recs) {
    offsets.push(offset);
    if (r.local) {
      parts.push(r.local);
      offset += r.local.length;
    }
  }
  const cdStart = offset;
  const centrals = recs.map((r, i) => {
    const c = Buffer.from(r.central);
    const at = r.local ? offsets[i] : offsets[r.sharesLocalOf ?? 0];
    c.writeUInt32LE(at ?? 0, 42);
    return c;
  });
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  const count = opts.declaredCount ?? recs.length;
  end.writeUInt16LE(count & 0xffff, 8);
  end.writeUInt16LE(count & 0xffff, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(cdStart, 16);
  return Buffer.concat([...parts, cd, end]);
}

/** A new zip entry (craft.ts's record; its offset is written when the archive is laid out). */
function zipRec(name: Buffer, data: Buffer, unixMode: number, method: 0 | 8): ZipRec {
  return zipRecord({ name, data, unixMode, method });
}

/** Renames a record in its central record and (unless `centralOnly`) its local header. */
function renameZipRec(r: ZipRec, name: Buffer, centralOnly: boolean): ZipRec {
  const c = r.central;
  const cNameLen = c.readUInt16LE(28);
  const ch = Buffer.from(c.subarray(0, 46));
  ch.writeUInt16LE(name.length, 28);
  const central = Buffer.concat([ch, name, c.subarray(46 + cNameLen)]);
  if (centralOnly || !r.local) return { ...r, central };
  const l = r.local;
  const lNameLen = l.readUInt16LE(26);
  const lh = Buffer.from(l.subarray(0, 30));
  lh.writeUInt16LE(name.length, 26);
  return { ...r, local: Buffer.concat([lh, name, l.subarray(30 + lNameLen)]), central };
}

const ZIP_CENTRAL_FIELDS: readonly [string, number, 2 | 4][] = [
  ['madeBy', 4, 2],
  ['flags', 8, 2],
  ['method', 10, 2],
  ['crc', 16, 4],
  ['compressedSize', 20, 4],
  ['size', 24, 4],
  ['nameLen', 28, 2],
  ['extraLen', 30, 2],
  ['commentLen', 32, 2],
  ['disk', 34, 2],
  ['external', 38, 4],
  ['localOffset', 42, 4],
];
const ZIP_LOCAL_FIELDS: readonly [string, number, 2 | 4][] = [
  ['signature', 0, 4],
  ['flags', 6, 2],
  ['method', 8, 2],
  ['crc', 14, 4],
  ['compressedSize', 18, 4],
  ['size', 22, 4],
  ['nameLen', 26, 2],
  ['extraLen', 28, 2],
];
const ZIP_EOCD_FIELDS: readonly [string, number, 2 | 4][] = [
  ['signature', 0, 4],
  ['disk', 4, 2],
  ['cdDisk', 6, 2],
  ['countOnDisk', 8, 2],
  ['count', 10, 2],
  ['cdSize', 12, 4],
  ['cdOffset', 16, 4],
  ['commentLen', 20, 2],
];
const ZIP64_EOCD_FIELDS: readonly [string, number, 4 | 8][] = [
  ['disk', 16, 4],
  ['cdDisk', 20, 4],
  ['countOnDisk', 24, 8],
  ['count', 32, 8],
  ['cdSize', 40, 8],
  ['cdOffset', 48, 8],
];
/** External attributes (high 16 bits: unix mode) that change an entry's kind. */
const EXTERNAL_VALUES = [0o120777, 0o040755, 0o010644, 0o020644, 0o060644, 0o140644, 0o104755, 0].map((m) => (m << 16) >>> 0);

function interestingUInt(rng: Rng, width: 2 | 4 | 8, original: number, fileSize: number): bigint {
  const max = width === 8 ? 0xffffffffffffffffn : BigInt(2 ** (width * 8) - 1);
  const candidates = [
    0n,
    1n,
    0x7fn,
    0x80n,
    0xffn,
    0x7fffn,
    0x8000n,
    0xfffen,
    0xffffn,
    0x7fffffffn,
    0x80000000n,
    0xfffffffen,
    0xffffffffn,
    BigInt(Number.MAX_SAFE_INTEGER),
    BigInt(Number.MAX_SAFE_INTEGER) + 1n,
    0x7fffffffffffffffn,
    max,
    BigInt(Math.max(0, original - 1)),
    BigInt(original + 1),
    BigInt(fileSize),
    BigInt(Math.max(0, fileSize - 1)),
    BigInt(rng.int(fileSize + 1)),
  ];
  return rng.pick(candidates) & max;
}

function writeUInt(b: Buffer, off: number, width: 2 | 4 | 8, v: bigint): void {
  if (off + width > b.length) return;
  if (width === 2) b.writeUInt16LE(Number(v), off);
  else if (width === 4) b.writeUInt32LE(Number(v), off);
  else b.writeBigUInt64LE(v, off);
}

function readUInt(b: Buffer, off: number, width: 2 | 4 | 8): number {
  if (off + width > b.length) return 0;
  if (width === 2) return b.readUInt16LE(off);
  if (width === 4) return b.readUInt32LE(off);
  return Number(b.readBigUInt64LE(off));
}

/* --------------------------------------------------------------------------------- hostile input */

/** Names and link targets that must never lead out of the extraction directory. `w` is the workspace. */
function hostileNames(w: string): string[] {
  return [
    '../canary/evil',
    '../../evil',
    'package/../../canary/evil',
    'a/b/../../../canary/evil',
    `${w}/canary/evil-abs`,
    `${w}/victim/secret`,
    'C:/evil',
    'c:evil',
    '..\\canary\\evil',
    'package\\..\\..\\evil',
    'evil\0.txt',
    'package/ok\0/../../../canary/evil',
    '',
    '.',
    './',
    '/',
    '..',
    '../',
    'package/..',
    `package/${'x'.repeat(256)}`,
    `package/${'y'.repeat(255)}`,
    `${'z'.repeat(300)}/inner`,
    `${'d/'.repeat(2100)}deep`,
    'package/new\nline',
    'package/\u00e9t\u00e9/\u{1f600}.js',
    'package/package.json',
    'package/lib',
    'package/lib/a.js/inside',
    'package/alias/through-link',
  ];
}

function hostileTargets(w: string): string[] {
  return [
    '../canary',
    '../../canary',
    '../victim/secret',
    '../../victim/secret',
    `${w}/victim/secret`,
    `${w}/canary`,
    '..',
    '.',
    '',
    'a/../..',
    'lib/../../..',
    'x\0y',
    'C:/evil',
    '..\\..\\canary',
    'package/lib/a.js',
    'lib/a.js',
    'package.json',
    'package/missing',
    'x'.repeat(5000),
  ];
}

/** Malformed and extreme pax bodies. */
function paxBodies(rng: Rng, w: string): Buffer[] {
  const name = rng.pick(hostileNames(w));
  return [
    Buffer.from('99999999999 path=x\n'),
    Buffer.from('0 path=x\n'),
    Buffer.from('12 path=x\n'),
    Buffer.from('11 path=x'),
    Buffer.from('13 =nothing\n'),
    paxBody({ size: '99999999999999999' }),
    Buffer.from('11 size=-1\n'),
    paxBody({ size: '999999999999999' }),
    paxBody({ size: '1e9' }),
    Buffer.from(`${'1'.repeat(11)} path=x\n`),
    Buffer.from('\0\0\0\0'),
    rng.bytes(rng.int(64) + 1),
    paxBody({ path: name }),
    paxBody({ linkpath: rng.pick(hostileTargets(w)) }),
    paxBody({ path: name, size: String(rng.int(2 ** 20)) }),
    paxBody({ size: '0' }),
  ];
}

function paxBody(fields: Record<string, string>): Buffer {
  return Buffer.concat(
    Object.entries(fields).map(([k, v]) => {
      const rest = ` ${k}=${v}\n`;
      let len = Buffer.byteLength(rest) + 1;
      while (String(len).length + Buffer.byteLength(rest) !== len) len = String(len).length + Buffer.byteLength(rest);
      return Buffer.from(`${len}${rest}`);
    }),
  );
}

/** An entry named `name`, the name carried (at random) by the ustar name field, a pax path or a GNU long name. */
function tarNamed(rng: Rng, name: string, entry: Omit<Parameters<typeof tarEntry>[0], 'name'>): Buffer {
  const how = rng.int(3);
  if (how === 0 && Buffer.byteLength(name) <= 100 && !name.includes('\0')) return tarEntry({ ...entry, name });
  if (how === 1) return Buffer.concat([paxEntry({ path: name }), tarEntry({ ...entry, name: 'placeholder' })]);
  return Buffer.concat([
    tarEntry({ name: '././@LongLink', type: 'L', data: `${name}\0`, gnu: true }),
    tarEntry({ ...entry, name: 'placeholder', gnu: true }),
  ]);
}

/** A few entries that try to leave the extraction directory, to be inserted into a valid archive. */
function hostileTarEntries(rng: Rng, w: string): Buffer[] {
  const name = rng.pick(hostileNames(w));
  const target = rng.pick(hostileTargets(w));
  switch (rng.int(9)) {
    case 0:
      return [tarNamed(rng, name, { data: 'pwned' })];
    case 1: // symlink out, then a file through it
      return [tarEntry({ name: 'package/evil-link', type: '2', linkname: target }), tarEntry({ name: 'package/evil-link/pwned', data: 'x' })];
    case 2: // hard link out, then overwrite through it
      return [tarEntry({ name: 'package/evil-hard', type: '1', linkname: target }), tarEntry({ name: 'package/evil-hard', data: 'overwrite' })];
    case 3: // a link whose target needs pax (long or with NUL)
      return [paxEntry({ linkpath: target }), tarEntry({ name: 'package/evil-link2', type: rng.pick(['1', '2']) })];
    case 4: // a directory named like the hostile name, then a file in it
      return [tarNamed(rng, name, { type: '5' }), tarEntry({ name: `${name.slice(0, 80)}/inner`, data: 'x' })];
    case 5: // special files and unknown types
      return [tarEntry({ name: 'package/special', type: rng.pick(['3', '4', '6', 'S', 'V', 'Z']), data: rng.chance(0.5) ? 'data' : '' })];
    case 6: // lexically package/canary, really ../canary once `s` (the directory itself) is followed
      return [
        tarEntry({ name: 'package/s', type: '2', linkname: '.' }),
        tarEntry({ name: 'package/e', type: '2', linkname: 's/s/../../canary' }),
        tarEntry({ name: 'package/e/pwned', data: 'x' }),
      ];
    default: {
      // The same entry twice: tar's append semantics replace the first one.
      const e = tarNamed(rng, name, { data: 'once', type: rng.pick(['0', '0', '5', '2']), linkname: 'package.json' });
      return [e, e];
    }
  }
}

function hostileZipRecs(rng: Rng, w: string): ZipRec[] {
  const name = Buffer.from(rng.pick(hostileNames(w)));
  const target = Buffer.from(rng.pick(hostileTargets(w)));
  const method = rng.pick([0, 8] as const);
  switch (rng.int(7)) {
    case 0:
      return [zipRec(name, Buffer.from('pwned'), 0o100644, method)];
    case 1:
      return [zipRec(Buffer.from('evil-link'), target, 0o120777, method), zipRec(Buffer.from('evil-link/pwned'), Buffer.from('x'), 0o100644, method)];
    case 2:
      return [zipRec(name, Buffer.alloc(0), 0o040755, 0), zipRec(Buffer.concat([name, Buffer.from('/inner')]), Buffer.from('x'), 0o100644, method)];
    case 3:
      return [zipRec(Buffer.from('special'), Buffer.from('x'), rng.pick([0o010644, 0o020644, 0o060644, 0o140644]), method)];
    case 4: // lexically ./canary, really ../canary once `s` (the directory itself) is followed
      return [
        zipRec(Buffer.from('s'), Buffer.from('.'), 0o120777, 0),
        zipRec(Buffer.from('e'), Buffer.from('s/s/../canary'), 0o120777, 0),
        zipRec(Buffer.from('e/pwned'), Buffer.from('x'), 0o100644, method),
      ];
    default: {
      const r = zipRec(name, Buffer.from('twice'), rng.pick([0o100644, 0o100644, 0o040755, 0o120777]), method);
      return [r, r];
    }
  }
}

/* ------------------------------------------------------------------------------------- mutations */

type Format = 'tar' | 'tgz' | 'zip';

interface Base {
  name: string;
  /** `tgz` bases are raw gzip streams: only flipped and truncated as bytes. */
  format: Format;
  bytes: Buffer;
  tar?: TarModel;
  zip?: ZipModel;
}

interface FuzzCase {
  base: string;
  what: string;
  format: Format;
  bytes: Buffer;
}

function flipBytes(rng: Rng, b: Buffer): string {
  const n = 1 + rng.int(8);
  const at: number[] = [];
  for (let i = 0; i < n && b.length > 0; i++) {
    const o = rng.int(b.length);
    if (rng.chance(0.5)) b[o] = (b[o] as number) ^ (1 << rng.int(8));
    else b[o] = rng.int(256);
    at.push(o);
  }
  return `flip@${at.join(',')}`;
}

/** One structural mutation of a tar; returns the new bytes and what was done. */
function mutateTar(rng: Rng, b: Buffer, m: TarModel, w: string): [Buffer, string] {
  const spanAt = (): TarSpan => rng.pick(m.spans);
  const boundary = (): number => (rng.chance(0.3) ? m.endOfEntries : spanAt().start);
  const insert = (at: number, part: Buffer): Buffer => Buffer.concat([b.subarray(0, at), part, b.subarray(at)]);
  const ops = [0, 1, 2, 3, 4, 5, 6, 6, 7, 7, 7, 8, 9, 10];
  switch (rng.pick(ops)) {
    case 0: {
      const out = Buffer.from(b);
      const what = flipBytes(rng, out);
      if (rng.chance(0.6)) for (const h of m.headers) fixTarChecksum(out, h.offset);
      return [out, what];
    }
    case 1:
    case 2: {
      const out = Buffer.from(b);
      const h = rng.pick(m.headers);
      const f = rng.pick(TAR_FIELDS);
      let value: Buffer;
      if (f.numeric) value = tarNumericValue(rng, f.len);
      else if (f.name === 'typeflag') value = Buffer.from(rng.pick(TYPEFLAGS), 'latin1');
      else if (f.name === 'magic') value = Buffer.from(rng.pick(['ustar\u000000', 'ustar  \0', 'USTAR\u000000', '\0\0\0\0\0\0\0\0']), 'latin1');
      else value = Buffer.from(rng.pick([...hostileNames(w), ...hostileTargets(w)]));
      out.fill(0, h.offset + f.off, h.offset + f.off + f.len);
      value.copy(out, h.offset + f.off, 0, f.len);
      if (f.name !== 'chksum' && rng.chance(0.9)) fixTarChecksum(out, h.offset);
      return [out, `field ${f.name}@${h.offset}=${JSON.stringify(value.toString('latin1').slice(0, 40))}`];
    }
    case 3: {
      const s = spanAt();
      const at = boundary();
      return [insert(at, b.subarray(s.start, s.end)), `duplicate span@${s.start} at ${at}`];
    }
    case 4: {
      const s = spanAt();
      return [Buffer.concat([b.subarray(0, s.start), b.subarray(s.end)]), `delete span@${s.start}`];
    }
    case 5: {
      if (m.spans.length < 2) return [Buffer.from(b), 'none'];
      const i = rng.int(m.spans.length - 1);
      const x = m.spans[i] as TarSpan;
      const y = m.spans[i + 1] as TarSpan;
      return [Buffer.concat([b.subarray(0, x.start), b.subarray(y.start, y.end), b.subarray(x.start, x.end), b.subarray(y.end)]), `swap spans@${x.start}`];
    }
    case 6: {
      const s = spanAt();
      const name = rng.pick(hostileNames(w));
      const main = b.subarray(s.main, s.main + 512);
      const renamed = tarNamed(rng, name, {
        type: main[156] === 0 ? '0' : String.fromCharCode(main[156] as number),
        linkname: main.subarray(157, 257).toString('utf8').replace(/\0.*$/s, ''),
        data: b.subarray(s.main + 512, s.end),
        mode: 0o644,
      });
      return [Buffer.concat([b.subarray(0, s.start), renamed, b.subarray(s.end)]), `rename span@${s.start} to ${JSON.stringify(name.slice(0, 60))}`];
    }
    case 7: {
      const at = boundary();
      const parts = hostileTarEntries(rng, w);
      return [insert(at, Buffer.concat(parts)), `insert hostile entries at ${at}`];
    }
    case 8: {
      const at = boundary();
      const body = rng.pick(paxBodies(rng, w));
      const type = rng.pick(['x', 'x', 'L', 'K', 'g']);
      const size = rng.chance(0.2) ? rng.pick([0, 1, 2 * 1024 * 1024, 8 ** 11 - 1]) : undefined;
      const header = tarEntry({ name: 'PaxHeader', type, data: body, ...(size === undefined ? {} : { size }) });
      return [insert(at, header), `insert "${type}" header (${body.length} bytes${size === undefined ? '' : `, size ${size}`}) at ${at}`];
    }
    case 9: {
      const at = rng.int(b.length);
      const len = rng.pick([512, 1024, 1 + rng.int(1024)]);
      const out = Buffer.from(b);
      out.fill(rng.chance(0.5) ? 0 : rng.int(256), at, Math.min(out.length, at + len));
      return [out, `fill ${len}@${at}`];
    }
    default: {
      // many metadata headers in a row, or many entries (limits)
      const n = rng.pick([17, 40, 70]);
      const pax = rng.chance(0.5);
      const parts = Array.from({ length: n }, (_, i) => (pax ? paxEntry({ comment: 'x' }) : tarEntry({ name: `package/many/${i}`, data: 'x' })));
      return [insert(boundary(), Buffer.concat(parts)), `insert ${n} ${pax ? 'pax headers' : 'entries'}`];
    }
  }
}

/** One mutation of a zip: in place for any zip, rebuilt from records when the model allows it. */
function mutateZip(rng: Rng, b: Buffer, m: ZipModel, w: string): [Buffer, string] {
  const op = m.rebuildable ? rng.pick([0, 1, 2, 3, 4, 5, 6, 6, 7, 7, 7, 8, 9]) : rng.int(4);
  switch (op) {
    case 0:
    case 1: {
      const out = Buffer.from(b);
      const where = rng.int(m.eocd64 === undefined ? 3 : 4);
      let base: number;
      let field: [string, number, 2 | 4 | 8];
      if (where === 0) {
        base = rng.pick(m.centrals).offset;
        field = rng.pick(ZIP_CENTRAL_FIELDS);
      } else if (where === 1) {
        base = rng.pick(m.locals).offset;
        field = rng.pick(ZIP_LOCAL_FIELDS);
      } else if (where === 2) {
        base = m.eocd;
        field = rng.pick(ZIP_EOCD_FIELDS);
      } else {
        base = m.eocd64 as number;
        field = rng.pick(ZIP64_EOCD_FIELDS);
        if (rng.chance(0.2)) {
          base = m.locator as number;
          field = ['locator.offset', 8, 8];
        }
      }
      const [name, off, width] = field;
      const v =
        name === 'external' && rng.chance(0.5)
          ? BigInt(rng.pick(EXTERNAL_VALUES))
          : interestingUInt(rng, width, readUInt(out, base + off, width), b.length);
      writeUInt(out, base + off, width, v);
      return [out, `${['central', 'local', 'eocd', 'zip64'][where]}.${name}@${base}=0x${v.toString(16)}`];
    }
    case 2: {
      const out = Buffer.from(b);
      return [out, flipBytes(rng, out)];
    }
    case 3: {
      const at = rng.chance(0.5) ? 0 : b.length;
      const junk = rng.chance(0.5) ? rng.bytes(1 + rng.int(300)) : Buffer.from('PK\x05\x06');
      return [Buffer.concat([b.subarray(0, at), junk, b.subarray(at)]), `insert ${junk.length} junk bytes at ${at}`];
    }
    case 4: {
      const i = rng.int(m.recs.length);
      const recs = [...m.recs, m.recs[i] as ZipRec];
      return [buildZip(recs), `duplicate entry #${i}`];
    }
    case 5: {
      const i = rng.int(m.recs.length);
      const recs: ZipRec[] = [...m.recs, { local: null, sharesLocalOf: i, central: (m.recs[i] as ZipRec).central }];
      return [buildZip(recs), `central record #${i} twice (overlap)`];
    }
    case 6: {
      const i = rng.int(m.recs.length);
      const name = rng.pick(hostileNames(w));
      const centralOnly = rng.chance(0.1);
      const recs = m.recs.map((r, j) => (j === i ? renameZipRec(r, Buffer.from(name), centralOnly) : r));
      return [buildZip(recs), `rename #${i}${centralOnly ? ' (central only)' : ''} to ${JSON.stringify(name.slice(0, 60))}`];
    }
    case 7: {
      const at = rng.int(m.recs.length + 1);
      const recs = [...m.recs.slice(0, at), ...hostileZipRecs(rng, w), ...m.recs.slice(at)];
      return [buildZip(recs), `insert hostile entries at #${at}`];
    }
    case 8: {
      const recs = [...m.recs];
      const i = rng.int(recs.length);
      if (rng.chance(0.5)) recs.splice(i, 1);
      else recs.reverse();
      const declaredCount = rng.chance(0.3) ? rng.pick([0, recs.length + 1, 0xffff]) : undefined;
      return [buildZip(recs, declaredCount === undefined ? {} : { declaredCount }), `delete/reverse, declared count ${declaredCount ?? 'right'}`];
    }
    default: {
      const n = rng.pick([65, 200]);
      const recs = [...m.recs, ...Array.from({ length: n }, (_, k) => zipRec(Buffer.from(`many/${k}`), Buffer.from('x'), 0o100644, 0))];
      return [buildZip(recs), `${n} more entries`];
    }
  }
}

/**
 * Truncation at every structural offset of a base, one case per distinct code path: a tar is cut at each
 * header, inside it, before and inside its data, and around the end blocks. A zip loses its end record
 * when cut anywhere before it, so besides cuts in the end records, its data is also cut at each local
 * header and inside each entry while the central directory is kept (and re-pointed), which leaves the
 * directory describing entries that are no longer there.
 */
function truncationCases(base: Base): FuzzCase[] {
  const b = base.bytes;
  const cut = (at: number): FuzzCase => ({ base: base.name, what: `truncate@${at}`, format: base.format, bytes: b.subarray(0, at) });
  const pts = new Set<number>([0, 1, b.length - 1]);
  const out: FuzzCase[] = [];
  if (base.tar) {
    for (const h of base.tar.headers) {
      pts.add(h.offset).add(h.offset + 1).add(h.offset + 512);
      if (h.size > 1) pts.add(h.offset + 512 + h.size - 1);
    }
    const e = base.tar.endOfEntries;
    pts.add(e).add(e + 1).add(e + 512);
  } else if (base.zip) {
    const z = base.zip;
    const cdStart = Math.min(...z.centrals.map((c) => c.offset));
    pts.add(21).add(22).add(cdStart).add(cdStart + 46).add(z.eocd - 1);
    for (let k = 4; k < 22; k += 2) pts.add(z.eocd + k);
    if (z.eocd64 !== undefined) pts.add(z.eocd64).add(z.eocd64 + 24).add(z.eocd64 + 48);
    if (z.locator !== undefined) pts.add(z.locator).add(z.locator + 8).add(z.locator + 19);
    if (z.rebuildable) {
      const directory = Buffer.from(b.subarray(cdStart));
      for (const l of z.locals) {
        for (const at of new Set([l.offset, l.offset + 30, l.dataStart + 1, l.end - 1])) {
          if (at <= 0 || at >= cdStart) continue;
          const dir = Buffer.from(directory);
          dir.writeUInt32LE(at, dir.length - 6); // the end record's central directory offset
          out.push({ base: base.name, what: `data cut@${at}, directory kept`, format: 'zip', bytes: Buffer.concat([b.subarray(0, at), dir]) });
        }
      }
    }
  } else {
    const n = b.length;
    for (const at of [2, 3, 10, 11, n >> 1, n - 8, n - 5, n - 4]) pts.add(at);
  }
  for (const at of [...pts].sort((x, y) => x - y)) if (at >= 0 && at < b.length) out.push(cut(at));
  return out;
}

/** Random case `index`: one to three mutations of one base; a mutated tar is sometimes gzipped. */
function randomCase(bases: readonly Base[], index: number, w: string): FuzzCase {
  const rng = new Rng(caseSeed(SEED, index));
  const base = rng.pick(bases);
  let bytes = base.bytes;
  const what: string[] = [];
  const rounds = rng.chance(0.75) ? 1 : 2 + rng.int(2);
  for (let r = 0; r < rounds; r++) {
    // Later rounds work on bytes that no longer match the model: they are byte-level only.
    if (r === 0 && base.tar) {
      const [b, d] = mutateTar(rng, bytes, base.tar, w);
      bytes = b;
      what.push(d);
    } else if (r === 0 && base.zip) {
      const [b, d] = mutateZip(rng, bytes, base.zip, w);
      bytes = b;
      what.push(d);
    } else if (rng.chance(0.7) || bytes.length < 2) {
      bytes = Buffer.from(bytes);
      what.push(flipBytes(rng, bytes));
    } else {
      const at = rng.int(bytes.length);
      bytes = bytes.subarray(0, at);
      what.push(`truncate@${at}`);
    }
  }
  let format = base.format;
  if (format === 'tar' && rng.chance(0.25)) {
    bytes = gzipSync(bytes, { level: 1 });
    format = 'tgz';
    what.push('gzip');
  }
  return { base: base.name, what: what.join(' + '), format, bytes };
}

/* ------------------------------------------------------------------------------------- the bases */

/** Small on purpose (every entry costs file system calls in thousands of cases), yet every kind of entry. */
const MODULE_FILES: Record<string, string> = {
  'package.json': JSON.stringify({ name: 'fuzz-mod', version: '1.0.0', main: 'lib/a.js' }),
  'lib/a.js': 'module.exports = 42;\n',
  'lib/\u00e9t\u00e9.js': '// a UTF-8 name\n',
  'bin/run': '#!/bin/sh\necho run\n',
  'empty.txt': '',
  [`deep/${'d'.repeat(100)}/file.txt`]: 'needs the ustar prefix\n',
  [`n${'x'.repeat(120)}.txt`]: 'needs a pax path or a GNU long name\n',
};

/** Fixed times, so that the system tools write the same bytes on every run. */
const FIXED_TIME = new Date('1985-10-26T08:15:00Z');

async function makeModule(dir: string, big: boolean): Promise<void> {
  if (big) {
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'fuzz-big', version: '1.0.0', main: 'big.txt' }));
    const rng = new Rng(1);
    const words = ['alpha ', 'beta ', 'gamma ', 'delta\n', 'epsilon ', 'zeta '];
    let text = '';
    while (text.length < BIG_FILE_BYTES) text += rng.pick(words);
    await writeFile(join(dir, 'big.txt'), text.slice(0, BIG_FILE_BYTES));
  } else {
    for (const [rel, content] of Object.entries(MODULE_FILES)) {
      await mkdir(dirname(join(dir, rel)), { recursive: true });
      await writeFile(join(dir, rel), content);
    }
    await chmod(join(dir, 'bin/run'), 0o755);
    await symlink('a.js', join(dir, 'lib/link.js'));
    await symlink('lib', join(dir, 'alias'));
  }
  await fixTimes(dir);
}

async function fixTimes(dir: string): Promise<void> {
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) await fixTimes(p);
    if (e.isSymbolicLink()) await lutimes(p, FIXED_TIME, FIXED_TIME);
    else await utimes(p, FIXED_TIME, FIXED_TIME);
  }
  await utimes(dir, FIXED_TIME, FIXED_TIME);
}

/** Every path under `dir`, parents first, sorted (the order the system zip is given them in). */
async function sortedPaths(dir: string, rel = ''): Promise<string[]> {
  const out: string[] = [];
  const names = (await readdir(join(dir, rel))).sort();
  for (const name of names) {
    const r = rel === '' ? name : `${rel}/${name}`;
    out.push(r);
    if ((await lstat(join(dir, r))).isDirectory()) out.push(...(await sortedPaths(dir, r)));
  }
  return out;
}

async function makeBases(root: string): Promise<Base[]> {
  const bases: Base[] = [];
  const add = (name: string, format: Format, bytes: Buffer): void => {
    bases.push({ name, format, bytes, ...(format === 'tar' ? { tar: parseTar(bytes) } : {}), ...(format === 'zip' ? { zip: parseZip(bytes) } : {}) });
  };
  for (const big of [false, true]) {
    const parent = join(root, big ? 'big' : 'small');
    const mod = join(parent, 'package');
    await makeModule(mod, big);
    const kind = big ? 'big' : 'small';
    const tgz = await readFile((await packBundle(mod, { outDir: join(root, 'packed', kind) })).file);
    add(`pack-${kind}.tar`, 'tar', gunzipSync(tgz));
    if (!big) add(`pack-${kind}.tgz`, 'tgz', tgz);
    add(`pack-${kind}.jar`, 'zip', await readFile((await packBundle(mod, { outDir: join(root, 'packed', kind), format: 'jar' })).file));
    if (big) continue;
    // A hard link, which only the system tar writes as one.
    await link(join(mod, 'lib/a.js'), join(mod, 'lib/hard.js'));
    await fixTimes(mod);
    if (hasCommand('tar')) {
      const common = ['--sort=name', `--mtime=@${FIXED_TIME.getTime() / 1000}`, '--owner=0', '--group=0', '--numeric-owner', '-C', parent, 'package'];
      const gnu = join(root, 'gnu.tar');
      const pax = join(root, 'pax.tar');
      execFileSync('tar', ['--format=gnu', '-cf', gnu, ...common]);
      execFileSync('tar', ['--format=pax', '--pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime', '-cf', pax, ...common]);
      add('system-gnu.tar', 'tar', await readFile(gnu));
      add('system-pax.tar', 'tar', await readFile(pax));
    }
    if (hasCommand('zip')) {
      const paths = (await sortedPaths(parent)).filter((p) => p === 'package' || p.startsWith('package/'));
      for (const [name, flags] of [
        ['system.zip', []],
        ['system-stored.zip', ['-0']],
        ['system-zip64.zip', ['-fz']],
      ] as const) {
        const file = join(root, name);
        execFileSync('zip', ['-q', '-y', '-X', ...flags, file, ...paths], { cwd: parent });
        add(name, 'zip', await readFile(file));
      }
    }
  }
  return bases;
}

/* ------------------------------------------------------------------------------------ the checks */

/** The workspace of one run: the archive, the target directories, and what must stay untouched. */
interface Arena {
  root: string;
  archive: string;
  canary: string;
  victim: string;
  victimContent: Buffer;
}

const SECRET = Buffer.from('do not touch\n');

function isInside(dir: string, p: string): boolean {
  const r = relative(dir, p);
  return r === '' || (r !== '..' && !r.startsWith(`..${sep}`) && !isAbsolute(r));
}

/**
 * What is wrong with the extraction directory and its surroundings after a case, or `undefined`.
 * Synchronous: the cases run one at a time, and thousands of thread-pool round trips would dominate.
 */
function inspect(arena: Arena, target: string): string | undefined {
  const canary = readdirSync(arena.canary);
  if (canary.length > 0) return `written into the canary directory: ${canary.join(', ')}`;
  const v = lstatSync(arena.victim);
  if (!v.isFile() || v.nlink !== 1) return `the victim file was linked to (nlink ${v.nlink})`;
  if (!readFileSync(arena.victim).equals(arena.victimContent)) return 'the victim file was modified';
  const top = readdirSync(arena.root).filter((n) => !['archives', 'canary', 'victim', basename(target)].includes(n));
  if (top.length > 0) return `written next to the target: ${top.join(', ')}`;
  const archives = readdirSync(dirname(arena.archive));
  if (archives.length !== 1) return `written next to the archive: ${archives.join(', ')}`;

  const realTarget = realpathSync(target);
  const inodes = new Map<number, { nlink: number; seen: number; size: number }>();
  let objects = 0;
  const stack = [target];
  while (stack.length > 0) {
    const dir = stack.pop() as string;
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      objects++;
      if (e.isSymbolicLink()) {
        const t = readlinkSync(p);
        if (!isInside(target, resolve(dirname(p), t))) return `symlink ${relative(target, p)} -> ${t} resolves outside`;
        let real: string | undefined;
        try {
          real = realpathSync(p);
        } catch {
          real = undefined; // dangling: checked lexically above
        }
        if (real !== undefined && !isInside(realTarget, real)) return `symlink ${relative(target, p)} -> ${t} leads to ${real}`;
      } else if (e.isDirectory()) {
        stack.push(p);
      } else if (e.isFile()) {
        const st = lstatSync(p);
        const seen = inodes.get(st.ino);
        if (seen) seen.seen++;
        else inodes.set(st.ino, { nlink: st.nlink, seen: 1, size: st.size });
      } else {
        return `special file written: ${relative(target, p)}`;
      }
    }
  }
  for (const i of inodes.values()) if (i.seen !== i.nlink) return `a file has ${i.nlink} links but ${i.seen} inside the target`;
  if (objects > LIMITS.maxEntries) return `${objects} objects written, limit ${LIMITS.maxEntries}`;
  let bytes = 0;
  for (const i of inodes.values()) bytes += i.size;
  if (bytes > LIMITS.maxUnpackedBytes) return `${bytes} bytes written, limit ${LIMITS.maxUnpackedBytes}`;
  return undefined;
}

type Outcome = { ok: true } | { ok: false; code: string };

const stray: unknown[] = [];
const onStray = (err: unknown): void => {
  stray.push(err);
};

/** Runs one case through the staging extraction path; throws a descriptive error when a rule is broken. */
async function runCase(arena: Arena, c: FuzzCase, index: number): Promise<Outcome> {
  writeFileSync(arena.archive, c.bytes);
  const target = join(arena.root, `target${index}`);
  mkdirSync(target);
  const fail = async (why: string): Promise<never> => {
    const saved = join(tmpdir(), `nodeark-fuzz-${SEED}-${index}.${c.format}`);
    await writeFile(saved, c.bytes).catch(() => undefined);
    const replay = `NODEARK_FUZZ_SEED=${SEED} NODEARK_FUZZ_CASES=${RANDOM_CASES} NODEARK_FUZZ_CASE=${index}`;
    throw new Error(`fuzz case failed (${replay}; base ${c.base}; ${c.what}; archive saved as ${saved}): ${why}`);
  };
  const work = (async (): Promise<void> => {
    const detected = await detectFormat(arena.archive, LABEL);
    if (detected.format === 'directory') throw new Error('detected a directory');
    await unpackArchive(arena.archive, detected.format, target, LIMITS, LABEL);
  })();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((res) => {
    timer = setTimeout(() => res('timeout'), CASE_TIMEOUT_MS);
  });
  let result: 'done' | 'timeout' | { error: unknown };
  try {
    result = await Promise.race([work.then(() => 'done' as const), timeout]);
  } catch (error) {
    result = { error };
  } finally {
    clearTimeout(timer);
  }
  if (result === 'timeout') {
    work.catch(() => undefined);
    return await fail(`no result after ${CASE_TIMEOUT_MS} ms (hang)`);
  }
  let outcome: Outcome = { ok: true };
  if (result !== 'done') {
    const err = result.error;
    const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
    if (typeof code !== 'string' || !code.startsWith('NODEARK_ERR_')) {
      const e = err instanceof Error ? err : new Error(String(err));
      return await fail(`threw ${e.name} (code ${String(code)}): ${e.message}\n${e.stack ?? ''}`);
    }
    outcome = { ok: false, code };
  }
  const wrong = inspect(arena, target);
  if (wrong !== undefined) await fail(wrong);
  if (stray.length > 0) await fail(`unhandled rejection or exception: ${String(stray[0])}`);
  rmSync(target, { recursive: true, force: true });
  return outcome;
}

/* ------------------------------------------------------------------------------------------ test */

let ws: Workspace;
let bases: Base[];
let arena: Arena;

/**
 * Where the cases run: a RAM-backed directory when the system has one, because thousands of cases create
 * and remove tens of thousands of small files, and on a disk that is most of the test's time.
 */
function arenaParent(): string {
  try {
    accessSync('/dev/shm', constants.W_OK);
    return statSync('/dev/shm').isDirectory() ? '/dev/shm' : tmpdir();
  } catch {
    return tmpdir();
  }
}

beforeAll(async () => {
  ws = await workspace('nodeark-fuzz-');
  bases = await makeBases(join(ws.root, 'bases'));
  const root = await mkdtemp(join(arenaParent(), 'nodeark-fuzz-arena-'));
  arena = {
    root,
    archive: join(root, 'archives', 'case.bin'),
    canary: join(root, 'canary'),
    victim: join(root, 'victim', 'secret'),
    victimContent: SECRET,
  };
  for (const d of ['archives', 'canary', 'victim']) await mkdir(join(root, d), { recursive: true });
  await writeFile(arena.victim, SECRET);
  process.on('unhandledRejection', onStray);
  process.on('uncaughtException', onStray);
}, 30_000);

afterAll(async () => {
  process.off('unhandledRejection', onStray);
  process.off('uncaughtException', onStray);
  await ws?.cleanup();
  if (arena) rmSync(arena.root, { recursive: true, force: true });
});

describe('archive reader fuzzing', () => {
  it('every base archive extracts cleanly (the mutations start from valid input)', async () => {
    expect(bases.length).toBeGreaterThanOrEqual(5);
    for (const [i, base] of bases.entries()) {
      const outcome = await runCase(arena, { base: base.name, what: 'unmutated', format: base.format, bytes: base.bytes }, -1 - i);
      expect(outcome, base.name).toEqual({ ok: true });
    }
  });

  it(`mutated archives fail with NODEARK_ERR_* codes, in bounded time, inside the target (seed ${SEED})`, async () => {
    const w = arena.root;
    const started = Date.now();
    const codes = new Map<string, number>();
    const count = (o: Outcome): void => {
      const k = o.ok ? 'ok' : o.code;
      codes.set(k, (codes.get(k) ?? 0) + 1);
    };
    // Random cases are numbered from 0, the truncations after them.
    const truncations = bases.flatMap(truncationCases);
    const caseAt = (i: number): FuzzCase => (i < RANDOM_CASES ? randomCase(bases, i, w) : (truncations[i - RANDOM_CASES] as FuzzCase));
    const total = RANDOM_CASES + truncations.length;
    if (ONLY_CASE !== undefined) {
      expect(ONLY_CASE, 'NODEARK_FUZZ_CASE out of range').toBeLessThan(total);
      count(await runCase(arena, caseAt(ONLY_CASE), ONLY_CASE));
      return;
    }
    for (let i = 0; i < total; i++) count(await runCase(arena, caseAt(i), i));
    // A rejection nobody handled is reported on a later turn of the event loop.
    await new Promise((r) => setImmediate(r));
    expect(stray).toEqual([]);
    const summary = [...codes.entries()].sort().map(([k, n]) => `${k}=${n}`).join(' ');
    console.log(`fuzz: seed ${SEED}, ${bases.length} bases, ${total} cases (${truncations.length} truncations) in ${Date.now() - started} ms: ${summary}`);
    // The mutations must exercise more than one outcome (a broken generator would fail everything alike).
    expect(codes.get('ok') ?? 0).toBeGreaterThan(0);
    expect(codes.get('NODEARK_ERR_BUNDLE_CORRUPT') ?? 0).toBeGreaterThan(0);
    expect(codes.get('NODEARK_ERR_BUNDLE_UNSAFE_ENTRY') ?? 0).toBeGreaterThan(0);
  }, 120_000);
});
