/**
 * Worker side of a streamed request body: receives `chunk`/`end` messages and hands the bytes to the
 * module as a web ReadableStream or a Node IncomingMessage, acknowledging bytes only once the module has
 * taken them, so the base pauses the client socket when the module reads slowly (backpressure).
 */
import type { ToWorker } from './protocol.js';

type Post = (msg: { t: 'ack'; id: number; bytes: number }) => void;

/** A sink that accepts pushed bytes and reports whether it wants more (Readable.push semantics). */
export interface BodyTarget {
  push(chunk: Uint8Array | null): boolean;
  error(err: Error): void;
}

/** Routes streamed request-body messages for one request into a {@link BodyTarget}. */
export class IncomingBody {
  private pendingAck = 0;
  private target: BodyTarget | undefined;
  private early: Array<Uint8Array | null> = [];
  private failed: Error | undefined;

  constructor(
    private readonly id: number,
    private readonly post: Post,
  ) {}

  /** Attaches the consumer; chunks that arrived earlier are replayed. */
  attach(target: BodyTarget): void {
    this.target = target;
    const early = this.early;
    this.early = [];
    for (const c of early) this.deliver(c);
    if (this.failed) target.error(this.failed);
  }

  /** Handles a `chunk`/`end`/`abort` message for this request. */
  onMessage(msg: ToWorker): void {
    if (msg.t === 'chunk') this.deliver(new Uint8Array(msg.data));
    else if (msg.t === 'end') this.deliver(null);
    else if (msg.t === 'abort') {
      this.failed = Object.assign(new Error('request aborted by the client'), { code: 'ECONNRESET' });
      this.target?.error(this.failed);
    }
  }

  /** The consumer wants more: release the bytes held back. */
  pull(): void {
    if (this.pendingAck > 0) {
      const bytes = this.pendingAck;
      this.pendingAck = 0;
      this.post({ t: 'ack', id: this.id, bytes });
    }
  }

  private deliver(chunk: Uint8Array | null): void {
    if (!this.target) {
      this.early.push(chunk);
      return;
    }
    const more = this.target.push(chunk);
    if (chunk) {
      this.pendingAck += chunk.byteLength;
      if (more) this.pull();
    }
  }
}
