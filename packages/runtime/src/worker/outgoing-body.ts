/**
 * Worker side of a response: buffers small bodies so that a typical response is one `res` message, and
 * switches to streamed `chunk` messages with a credit window once the body outgrows {@link INLINE_BODY_MAX}.
 */
import { INLINE_BODY_MAX, STREAM_WINDOW, toTransferable, type FromWorker } from './protocol.js';

type Post = (msg: FromWorker, transfer?: ArrayBuffer[]) => void;

/** Collects one response's head and body and sends them to the base. */
export class OutgoingBody {
  private status = 200;
  private headers: string[] = [];
  private buffered: Uint8Array[] = [];
  private bufferedBytes = 0;
  private streaming = false;
  private unacked = 0;
  private drainWaiters: Array<() => void> = [];
  /** Set when the base aborted the request; writes become no-ops. */
  closed = false;
  /** Called when the window reopens after `write` returned false. */
  onDrain: (() => void) | undefined;

  constructor(
    private readonly id: number,
    private readonly post: Post,
  ) {}

  /** Records the status and raw header list; sent with the first flush. */
  head(status: number, headers: string[]): void {
    this.status = status;
    this.headers = headers;
  }

  /** Queues body bytes. Returns false when the caller should wait for {@link waitDrain}. */
  write(chunk: Uint8Array): boolean {
    if (this.closed || chunk.byteLength === 0) return !this.closed;
    if (!this.streaming) {
      if (this.bufferedBytes + chunk.byteLength <= INLINE_BODY_MAX) {
        // Copy now: the caller may reuse its buffer after write returns.
        this.buffered.push(Uint8Array.prototype.slice.call(chunk));
        this.bufferedBytes += chunk.byteLength;
        return true;
      }
      this.startStreaming();
    }
    this.sendChunk(chunk);
    return this.unacked < STREAM_WINDOW;
  }

  /** Finishes the response. */
  end(): void {
    if (this.closed) return;
    this.closed = true;
    if (!this.streaming) {
      const body = this.bufferedBytes === 0 ? null : concat(this.buffered, this.bufferedBytes);
      this.post(
        { t: 'res', id: this.id, status: this.status, headers: this.headers, body, streaming: false },
        body ? [body] : undefined,
      );
      return;
    }
    this.post({ t: 'end', id: this.id });
  }

  /** Reports a failure; before the head is sent the base answers 500, after it the base aborts the socket. */
  fail(error: { name: string; message: string; code?: string; stack?: string }): void {
    if (this.closed) return;
    this.closed = true;
    this.post({ t: 'error', id: this.id, error });
    this.release();
  }

  /** The base consumed `bytes` of streamed body. */
  ack(bytes: number): void {
    const wasBlocked = this.unacked >= STREAM_WINDOW;
    this.unacked -= bytes;
    if (wasBlocked && this.unacked < STREAM_WINDOW) this.release();
  }

  /** Marks the response aborted by the client: pending writers are released and further writes dropped. */
  abort(): void {
    this.closed = true;
    this.release();
  }

  /** Resolves when the window has room again (or the response was aborted). */
  waitDrain(): Promise<void> {
    if (this.closed || this.unacked < STREAM_WINDOW) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  private release(): void {
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const w of waiters) w();
    this.onDrain?.();
  }

  private startStreaming(): void {
    this.streaming = true;
    this.post({ t: 'res', id: this.id, status: this.status, headers: this.headers, body: null, streaming: true });
    for (const b of this.buffered) this.sendChunk(b, true);
    this.buffered = [];
    this.bufferedBytes = 0;
  }

  private sendChunk(chunk: Uint8Array, owned = false): void {
    const data = owned && chunk.byteOffset === 0 && chunk.byteLength === chunk.buffer.byteLength
      ? (chunk.buffer as ArrayBuffer)
      : toTransferable(chunk);
    this.unacked += data.byteLength;
    this.post({ t: 'chunk', id: this.id, data }, [data]);
  }
}

function concat(parts: Uint8Array[], total: number): ArrayBuffer {
  if (parts.length === 1 && parts[0]!.byteOffset === 0 && parts[0]!.byteLength === parts[0]!.buffer.byteLength) {
    return parts[0]!.buffer as ArrayBuffer;
  }
  const out = new Uint8Array(total);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.byteLength;
  }
  return out.buffer;
}
