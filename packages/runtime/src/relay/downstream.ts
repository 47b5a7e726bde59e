/**
 * One connection a client connection's requests are relayed into: to a module's worker over the socket
 * link, or to the base's own server over a loop pair. It reads the responses coming back just enough to
 * find where each ends (response-head.ts, chunked-body.ts) and hands the bytes to the client as they
 * are, so that responses stay in request order and each request is counted when its response ends.
 */
import type { Duplex } from 'node:stream';
import type { VirtualSocket } from '../channel/virtual-socket.js';
import type { ModuleMeter } from '../metrics/module-metrics.js';
import { ChunkedBody } from './chunked-body.js';
import { parseResponseHead, type ResponseRewrite } from './response-head.js';

/** What the relay reads of a module's settings (the module's proxy options, docs/configuration.md). */
export interface RelayModuleOptions {
  /** Identity used in error messages. */
  readonly identity: string;
  /** No response head within it → 504 (0 disables). */
  readonly requestTimeoutMs: number;
  /** After the head: a response (or upgraded connection) quiet for this long is closed (0 disables). */
  readonly idleTimeoutMs: number;
  /** Extend the client's `x-forwarded-*` instead of replacing them. */
  readonly trustProxy: boolean;
  /** Rewrite `Location`, `Content-Location` and cookie paths into the mount point. */
  readonly rewriteMount: boolean;
  /** The module version's counters; absent when accounting is off. */
  readonly meter?: ModuleMeter | undefined;
}

/** A module the relay may send requests to directly (implemented by the module's proxy). */
export interface RelayModule {
  /** The module's settings. */
  readonly options: RelayModuleOptions;
  /** Opens a connection into the module's worker carrying the client's addresses. */
  openRelayConnection(client: Duplex): VirtualSocket;
  /** Counts a request (or upgraded connection) in flight, for draining (+1 when sent, -1 when over). */
  track(delta: 1 | -1): void;
}

/** A request sent down a connection whose response has not ended yet. */
export interface PendingRequest {
  method: string;
  upgrade: boolean;
  /** Accounting start time (0 when not counted). */
  t0: number;
  /** Status of the final response head once it has come (0 before). */
  status: number;
  /** Mount rewriting for the response head, when on. */
  rewrite: ResponseRewrite | undefined;
  /** The final response said the server closes the connection after it. */
  close: boolean;
}

/** What a downstream tells its client connection. */
export interface DownstreamEvents {
  /** Response bytes for the client. */
  write(ds: Downstream, chunk: Uint8Array | string): void;
  /** A final response head arrived for the oldest pending request. */
  head(ds: Downstream): void;
  /** The oldest pending request's response has ended. */
  complete(ds: Downstream, req: PendingRequest): void;
  /** The server accepted an upgrade: the connection is now a tunnel. */
  upgraded(ds: Downstream, req: PendingRequest): void;
  /** The server ended the connection (after any response it framed by closing). */
  ended(ds: Downstream): void;
  /** The connection was destroyed without an end (worker gone, aborted). */
  aborted(ds: Downstream): void;
}

/** Response heads larger than this end the connection (node:http's own limit is 16 KiB per head). */
const MAX_RESPONSE_HEAD = 256 * 1024;
const CRLFCRLF = Buffer.from('\r\n\r\n');

type ReadState = 'head' | 'length' | 'chunked' | 'close' | 'tunnel';

/** One relayed connection and the responses coming back on it. */
export class Downstream {
  /** Requests sent whose responses have not ended, oldest first. */
  readonly pending: PendingRequest[] = [];
  private state: ReadState = 'head';
  private headBuf: Buffer | undefined;
  private remaining = 0;
  private chunked: ChunkedBody | undefined;
  private ended = false;
  private gone = false;

  constructor(
    readonly socket: VirtualSocket,
    /** The module, or undefined for the base's own server. */
    readonly module: RelayModule | undefined,
    private readonly events: DownstreamEvents,
  ) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('end', () => this.onEnd());
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      if (this.gone) return;
      this.gone = true;
      if (!this.ended) events.aborted(this);
    });
  }

  /** True once the connection has ended or closed. */
  get closed(): boolean {
    return this.gone || this.ended;
  }

  /** True while a response head (or the whole response) is still to come for the oldest request. */
  get awaitingHead(): boolean {
    return this.pending.length > 0 && this.pending[0]!.status === 0;
  }

  /** Sends request bytes; false when the connection's buffer is full (see {@link Downstream.onDrain}). */
  send(chunk: Uint8Array | string): boolean {
    // A head the relay wrote is latin1 text: each character is one byte of the client's head.
    return (typeof chunk === 'string' ? this.socket.write(chunk, 'latin1') : this.socket.write(chunk)) || this.closed;
  }

  private drainWaiter: (() => void) | undefined;

  /** Calls `fn` once at the next `'drain'` (one waiter at a time, however often the writer was refused). */
  onDrain(fn: () => void): void {
    if (this.drainWaiter !== undefined) return;
    this.drainWaiter = fn;
    this.socket.once('drain', () => {
      this.drainWaiter = undefined;
      fn();
    });
  }

  /** Closes the connection without waiting. */
  destroy(): void {
    this.gone = true;
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    let pos = 0;
    const n = chunk.length;
    // Bytes from `from` to `pos` go to the client unchanged; flushed before anything else is written.
    let from = 0;
    const flush = (): void => {
      if (pos > from) this.events.write(this, chunk.subarray(from, pos));
      from = pos;
    };
    while (pos < n) {
      switch (this.state) {
        case 'tunnel':
        case 'close':
          this.countOut(n - pos);
          pos = n;
          continue;
        case 'length': {
          const take = Math.min(this.remaining, n - pos);
          this.countOut(take);
          this.remaining -= take;
          pos += take;
          if (this.remaining === 0) {
            flush();
            this.finish();
          }
          continue;
        }
        case 'chunked': {
          const before = this.chunked!.dataBytes;
          const end = this.chunked!.scan(chunk, pos);
          this.countOut(this.chunked!.dataBytes - before);
          if (end < 0) {
            // The server broke its own framing: nothing after this can be attributed to a response.
            flush();
            this.destroy();
            return;
          }
          pos = end;
          if (this.chunked!.done) {
            flush();
            this.finish();
          }
          continue;
        }
        case 'head': {
          // A head split across link messages is collected; one that arrived whole is read in place.
          let buf = chunk;
          let base = pos;
          if (this.headBuf !== undefined) {
            buf = Buffer.concat([this.headBuf, chunk.subarray(pos)]);
            base = 0;
          }
          const end = buf.indexOf(CRLFCRLF, base);
          if (end === -1) {
            if (buf.length - base > MAX_RESPONSE_HEAD) {
              this.destroy();
              return;
            }
            this.headBuf = buf.subarray(base);
            flush();
            from = n;
            pos = n;
            continue;
          }
          const collected = this.headBuf !== undefined;
          this.headBuf = undefined;
          const headEnd = end + 4;
          const req = this.pending[0];
          if (req === undefined) {
            // Bytes no request asked for (a module writing past its response): never passed on as an
            // answer, and the connection is closed.
            flush();
            this.destroy();
            return;
          }
          const text = buf.toString('latin1', base, end);
          const head = parseResponseHead(text, req.method, req.rewrite);
          if (head === undefined) {
            // Not an HTTP/1.x head: passed on as the request's answer, relayed until the connection closes.
            flush();
            if (collected) {
              this.events.write(this, buf);
              from = n;
            }
            this.state = 'close';
            pos = n;
            continue;
          }
          // The head's bytes: rewritten, collected from several messages, or in place in this chunk.
          if (head.text !== undefined || collected) {
            flush();
            this.events.write(this, head.text ?? buf.subarray(base, headEnd));
            pos = collected ? n - (buf.length - headEnd) : pos + (headEnd - base);
            from = pos;
          } else {
            pos = headEnd;
          }
          if (head.status >= 100 && head.status < 200) {
            if (head.status === 101 && req.upgrade) {
              flush();
              req.status = 101;
              this.state = 'tunnel';
              this.events.upgraded(this, req);
            }
            // Any other interim answer (100 Continue, 103 Early Hints): the final one follows.
            continue;
          }
          req.status = head.status;
          req.close = head.close;
          this.events.head(this);
          if (head.framing === 'none' || (head.framing === 'length' && head.contentLength === 0)) {
            flush();
            this.finish();
          } else if (head.framing === 'length') {
            this.state = 'length';
            this.remaining = head.contentLength;
          } else if (head.framing === 'chunked') {
            this.state = 'chunked';
            this.chunked = new ChunkedBody(MAX_RESPONSE_HEAD);
          } else {
            this.state = 'close';
          }
          continue;
        }
      }
    }
    flush();
  }

  /** Response payload bytes, for the module's `sent bytes` counter (docs/observability.md). */
  private countOut(bytes: number): void {
    const meter = this.module?.options.meter;
    if (meter !== undefined) meter.bytesOut += bytes;
  }

  /** The oldest request's response has ended. */
  private finish(): void {
    this.state = 'head';
    this.chunked = undefined;
    const req = this.pending.shift();
    if (req !== undefined) this.events.complete(this, req);
  }

  private onEnd(): void {
    this.ended = true;
    // A response framed by closing the connection ends here.
    if (this.state === 'close' && this.pending.length > 0 && this.pending[0]!.status !== 0) this.finish();
    this.events.ended(this);
  }
}
