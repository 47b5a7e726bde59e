/**
 * A pull-based reader over an async stream of chunks (a gunzip stream, a file stream). The tar parser
 * needs "exactly 512 bytes", "up to N bytes of this entry" and "discard N bytes"; pulling keeps backpressure
 * natural (nothing is decompressed faster than the extractor writes it).
 */

const EMPTY = Buffer.alloc(0);

/** Pull reader with exact-length reads. Errors from the underlying stream are passed through `mapError`. */
export class ByteSource {
  private readonly it: AsyncIterator<unknown>;
  private buf: Buffer = EMPTY;
  private ended = false;
  /** Bytes handed out so far (the offset of the next byte). */
  position = 0;

  /**
   * @param iterable the chunks (Buffers or Uint8Arrays)
   * @param truncated builds the error thrown when the stream ends inside a read
   * @param mapError maps an error thrown by the stream itself (e.g. a zlib error)
   */
  constructor(
    iterable: AsyncIterable<unknown>,
    private readonly truncated: () => Error,
    private readonly mapError: (err: unknown) => Error = (e) => e as Error,
  ) {
    this.it = iterable[Symbol.asyncIterator]();
  }

  private async fill(): Promise<boolean> {
    if (this.ended) return false;
    let r: IteratorResult<unknown>;
    try {
      r = await this.it.next();
    } catch (err) {
      this.ended = true;
      throw this.mapError(err);
    }
    if (r.done) {
      this.ended = true;
      return false;
    }
    const chunk = Buffer.isBuffer(r.value) ? r.value : Buffer.from(r.value as Uint8Array);
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    return true;
  }

  /** Exactly `n` bytes; `null` when the stream ended before the first byte; throws when it ends inside. */
  async readExact(n: number): Promise<Buffer | null> {
    while (this.buf.length < n && (await this.fill()));
    if (this.buf.length === 0 && n > 0) return null;
    if (this.buf.length < n) throw this.truncated();
    const out = this.buf.subarray(0, n);
    this.buf = this.buf.subarray(n);
    this.position += n;
    return out;
  }

  /** Between 1 and `max` bytes (whatever is buffered first); throws when the stream has ended. */
  async readSome(max: number): Promise<Buffer> {
    if (this.buf.length === 0 && !(await this.fill())) throw this.truncated();
    const take = Math.min(max, this.buf.length);
    const out = this.buf.subarray(0, take);
    this.buf = this.buf.subarray(take);
    this.position += take;
    return out;
  }

  /** Discards exactly `n` bytes; throws when the stream ends first. */
  async discard(n: number): Promise<void> {
    let left = n;
    while (left > 0) left -= (await this.readSome(left)).length;
  }

  /** Stops the underlying stream (destroying it) without reading the rest. */
  async close(): Promise<void> {
    this.ended = true;
    this.buf = EMPTY;
    try {
      await this.it.return?.();
    } catch {
      // Closing after an error: the stream is already torn down.
    }
  }
}
