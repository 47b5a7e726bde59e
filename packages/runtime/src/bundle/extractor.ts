/**
 * The only code that writes unpacked entries to disk. Archive readers (tar, zip) hand it entries; it
 * applies the path rules of `safe-path.ts`, enforces the entry and byte limits on what is actually
 * written, and never follows a link while writing: parents must be directories it created itself, and
 * files are created with `O_EXCL` (which also refuses to open through a dangling symlink).
 *
 * Small files arrive as buffers and are written in the background (bounded); every decision (paths,
 * limits, conflicts) is still taken in order, on the caller's turn. Callers must `finish()` on success
 * and `settle()` on failure, so no write is still running when the staging directory is removed.
 */
import { link, mkdir, open, symlink, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ERR_BUNDLE_CORRUPT, ERR_BUNDLE_TOO_LARGE, ERR_BUNDLE_UNSAFE_ENTRY } from '../errors.js';
import type { BundleLimits } from './limits.js';
import { printable } from './redact-url.js';
import { entrySegments, unsafeLinkTarget } from './safe-path.js';
import { TaskPool } from './task-pool.js';

/** Buffered files written concurrently (see `TaskPool`). */
const WRITE_CONCURRENCY = 8;

type Kind = 'file' | 'directory' | 'symlink';

/**
 * Normalised permissions: like npm, only "executable or not" survives; setuid/setgid/sticky never do.
 * (The process umask then applies, as to any file the base creates.)
 */
function fileMode(mode: number): number {
  return mode & 0o111 ? 0o755 : 0o644;
}

/** Writes entries under `root` (an empty directory), refusing anything unsafe. */
export class Extractor {
  /** What has been created, by posix relative path. The directory is fresh and only we write to it. */
  private readonly created = new Map<string, Kind>([['', 'directory']]);
  /** Background writes by relative path: a hard link or a replacement must wait for its file. */
  private readonly pending = new Map<string, Promise<void>>();
  private readonly pool = new TaskPool(WRITE_CONCURRENCY);
  private archiveEntries = 0;
  private objects = 0;
  private bytes = 0;

  constructor(
    /** The extraction directory (exists, empty). */
    readonly root: string,
    private readonly limits: BundleLimits,
    /** Redacted bizUrl for messages. */
    private readonly label: string,
    private readonly signal?: AbortSignal,
  ) {}

  /** Total file bytes written so far. */
  get unpackedBytes(): number {
    return this.bytes;
  }

  /** Counts one archive entry (of any kind, skipped ones included) against `maxEntries`. */
  countArchiveEntry(): void {
    this.signal?.throwIfAborted();
    if (++this.archiveEntries > this.limits.maxEntries) {
      throw new ERR_BUNDLE_TOO_LARGE(this.label, `more than ${this.limits.maxEntries} entries`);
    }
  }

  /** Fails early when a declared size alone would pass `maxUnpackedBytes` (actual bytes are counted too). */
  checkDeclaredBytes(size: number): void {
    if (this.bytes + size > this.limits.maxUnpackedBytes) {
      throw new ERR_BUNDLE_TOO_LARGE(this.label, `more than ${this.limits.maxUnpackedBytes} bytes unpacked`);
    }
  }

  /** Builds the `ERR_BUNDLE_UNSAFE_ENTRY` error for `name` (the caller throws it). */
  unsafe(name: string, reason: string): Error {
    return new ERR_BUNDLE_UNSAFE_ENTRY(printable(name), this.label, reason);
  }

  /** Creates a directory entry (an existing directory at that path is fine). */
  async directory(name: string): Promise<void> {
    const segs = await this.prepare(name);
    if (segs === null) return;
    const rel = segs.join('/');
    const existing = this.created.get(rel);
    if (existing === 'directory') return;
    if (existing !== undefined) throw this.unsafe(name, `conflicts with an earlier ${existing} entry`);
    await this.mkdirOne(rel, name);
  }

  /** Waits for the background writes; throws the first write error. Call once all entries are given. */
  async finish(): Promise<void> {
    await this.pool.drain();
  }

  /** Waits for the background writes, ignoring their errors (before cleaning up after a failure). */
  async settle(): Promise<void> {
    await this.pool.settle();
  }

  /**
   * Writes a regular file from `data` (a buffer, written in the background, or a stream of chunks),
   * counting actual bytes against `maxUnpackedBytes`. When `declaredSize` is given (zip), any other
   * number of bytes is corruption. A duplicate file entry replaces the earlier file (tar append
   * semantics) by unlinking it first, never by writing through it.
   */
  async file(name: string, mode: number, data: Buffer | AsyncIterable<Buffer>, declaredSize?: number): Promise<void> {
    const segs = await this.prepare(name);
    if (segs === null || segs.length === 0) throw this.unsafe(name, 'a file entry names the bundle root');
    const rel = segs.join('/');
    const abs = join(this.root, ...segs);
    const existing = this.created.get(rel);
    if (existing === 'file') {
      await this.pending.get(rel);
      // When the earlier write failed (a name too long, say), its error is the one to report: unlinking
      // the file it never wrote would fail with a bare system error instead.
      this.pool.throwIfFailed();
      await unlink(abs);
    } else if (existing !== undefined) {
      throw this.unsafe(name, `conflicts with an earlier ${existing} entry`);
    } else {
      this.countObject();
    }
    if (Buffer.isBuffer(data)) {
      this.checkDeclaredBytes(data.length);
      if (declaredSize !== undefined && data.length !== declaredSize) {
        throw new ERR_BUNDLE_CORRUPT(this.label, `entry "${printable(name)}" has ${data.length} bytes, declared ${declaredSize}`);
      }
      this.bytes += data.length;
      this.created.set(rel, 'file');
      const { done } = await this.pool.run(async () => {
        try {
          await writeFile(abs, data, { flag: 'wx', mode: fileMode(mode) });
        } catch (err) {
          throw this.fsError(name, err);
        }
      });
      this.pending.set(rel, done);
      return;
    }
    let fh;
    try {
      fh = await open(abs, 'wx', fileMode(mode));
    } catch (err) {
      throw this.fsError(name, err);
    }
    this.created.set(rel, 'file');
    let written = 0;
    try {
      for await (const chunk of data) {
        if (this.bytes + chunk.length > this.limits.maxUnpackedBytes) {
          throw new ERR_BUNDLE_TOO_LARGE(this.label, `more than ${this.limits.maxUnpackedBytes} bytes unpacked`);
        }
        if (declaredSize !== undefined && written + chunk.length > declaredSize) {
          throw new ERR_BUNDLE_CORRUPT(this.label, `entry "${printable(name)}" is larger than its declared size ${declaredSize}`);
        }
        this.bytes += chunk.length;
        written += chunk.length;
        for (let off = 0; off < chunk.length; ) off += (await fh.write(chunk, off)).bytesWritten;
      }
    } finally {
      await fh.close();
    }
    if (declaredSize !== undefined && written !== declaredSize) {
      throw new ERR_BUNDLE_CORRUPT(this.label, `entry "${printable(name)}" has ${written} bytes, declared ${declaredSize}`);
    }
  }

  /** Creates a symlink after checking that its target stays inside the root (see `unsafeLinkTarget`). */
  async symlink(name: string, target: string): Promise<void> {
    const segs = await this.prepare(name);
    if (segs === null || segs.length === 0) throw this.unsafe(name, 'a link entry names the bundle root');
    const why = unsafeLinkTarget(segs, target);
    if (why !== undefined) throw this.unsafe(name, `symlink ${why}`);
    const rel = segs.join('/');
    const existing = this.created.get(rel);
    if (existing !== undefined) throw this.unsafe(name, `conflicts with an earlier ${existing} entry`);
    this.countObject();
    try {
      await symlink(target, join(this.root, ...segs));
    } catch (err) {
      throw this.fsError(name, err);
    }
    this.created.set(rel, 'symlink');
  }

  /** Creates a hard link to a regular file extracted earlier from the same archive; anything else is refused. */
  async hardlink(name: string, target: string): Promise<void> {
    const segs = await this.prepare(name);
    if (segs === null || segs.length === 0) throw this.unsafe(name, 'a link entry names the bundle root');
    const t = entrySegments(target);
    if (!t.ok) throw this.unsafe(name, `hard link target "${printable(target)}" ${t.reason}`);
    const targetRel = t.segments.join('/');
    if (this.created.get(targetRel) !== 'file') {
      throw this.unsafe(name, `hard link target "${printable(target)}" is not a file extracted earlier from this archive`);
    }
    const rel = segs.join('/');
    const existing = this.created.get(rel);
    if (existing !== undefined) throw this.unsafe(name, `conflicts with an earlier ${existing} entry`);
    this.countObject();
    await this.pending.get(targetRel);
    try {
      await link(join(this.root, ...t.segments), join(this.root, ...segs));
    } catch (err) {
      throw this.fsError(name, err);
    }
    this.created.set(rel, 'file');
  }

  /**
   * Validates `name` and creates its missing parent directories. Every parent must be a directory this
   * extractor created: a parent that is a symlink (or a file) is refused, which is what stops
   * "symlink `a` -> `/etc`, then file `a/passwd`". Returns `null` for the root itself.
   */
  private async prepare(name: string): Promise<string[] | null> {
    const r = entrySegments(name);
    if (!r.ok) throw this.unsafe(name, r.reason);
    const segs = r.segments;
    if (segs.length === 0) return null;
    for (let i = 1; i < segs.length; i++) {
      const rel = segs.slice(0, i).join('/');
      const kind = this.created.get(rel);
      if (kind === 'directory') continue;
      if (kind === 'symlink') throw this.unsafe(name, `its parent "${printable(rel)}" is a symlink`);
      if (kind === 'file') throw this.unsafe(name, `its parent "${printable(rel)}" is a file`);
      await this.mkdirOne(rel, name);
    }
    return segs;
  }

  private async mkdirOne(rel: string, name: string): Promise<void> {
    this.countObject();
    try {
      await mkdir(join(this.root, ...rel.split('/')), { mode: 0o755 });
    } catch (err) {
      throw this.fsError(name, err);
    }
    this.created.set(rel, 'directory');
  }

  /** Implicit parent directories count too: deep paths must not multiply the objects created. */
  private countObject(): void {
    if (++this.objects > this.limits.maxEntries) {
      throw new ERR_BUNDLE_TOO_LARGE(this.label, `more than ${this.limits.maxEntries} files, directories and links`);
    }
  }

  private fsError(name: string, err: unknown): Error {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENAMETOOLONG') return new ERR_BUNDLE_UNSAFE_ENTRY(printable(name), this.label, 'name too long', { cause: err });
    if (code === 'EEXIST') return new ERR_BUNDLE_UNSAFE_ENTRY(printable(name), this.label, 'already exists', { cause: err });
    return err as Error;
  }
}
