/**
 * The connection relay: a client connection to the base's port is read by the base only far enough to
 * route each request (its head, and where its body ends), and its bytes are then relayed as they are to
 * the module's own `node:http` server in the worker, which parses them once; the responses come back
 * byte for byte. The base thus neither parses a request into objects nor writes it out again, nor parses
 * the module's response: per request it reads one head and scans for the end of each message.
 *
 * Requests for anything else than a serving module (the actuator, the console, the host's routes, a
 * module that is starting or broken, a module's own health path) go to the base's own `node:http` server
 * over a loop pair, as if the client connection were its own. Requests to different targets on one
 * keep-alive connection each go to their own downstream connection; a request for another target waits
 * until the responses in flight have ended, so responses always leave in request order.
 * See docs/module-contract.md § How requests reach a module.
 */
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { loopPair } from '../channel/loop-pair.js';
import { ERR_ROUTE_TIMEOUT, ERR_ROUTE_WORKER_GONE } from '../errors.js';
import { peerOf } from '../http/link-agent.js';
import { sendRawEdgeError } from '../http/raw-response.js';
import { ChunkedBody } from './chunked-body.js';
import { Downstream, type DownstreamEvents, type PendingRequest, type RelayModule } from './downstream.js';
import { isHeadError, moduleHead, parseRequestHead } from './request-head.js';

/** Where a request goes: a module version's worker with the target without its mount prefix. */
export interface RelayRoute {
  module: RelayModule;
  /** The request target for the module (`/x?y`). */
  rest: string;
  /** The mount point (`/biz1`). */
  prefix: string;
}

/** What a relay needs from its base. */
export interface RelayContext {
  /** The module that serves `target`, or undefined when the base's own server answers it. */
  route(target: string, method: string, upgrade: boolean): RelayRoute | undefined;
  /** Hands a connection to the base's own server (its original `'connection'` listeners). */
  serveLocally(socket: Duplex): void;
  /** node:http's limit on a request head (431 beyond it). */
  maxHeaderSize: number;
  /** A request head must be complete within it (408 otherwise; 0 disables). */
  headersTimeoutMs(): number;
  /** An idle keep-alive connection is closed after it (0 disables). */
  keepAliveTimeoutMs(): number;
  /** The relay of this connection ended. */
  onClose(relay: ConnectionRelay): void;
}

const CRLFCRLF = Buffer.from('\r\n\r\n');
/** How long a connection closed after an answer keeps reading (and dropping) what the client sends. */
const LINGER_MS = 2_000;
/** ... and for at most this many bytes. */
const LINGER_BYTES = 4 * 1024 * 1024;
/** A closing connection whose client reads nothing of what is left for this long is destroyed. */
const STALL_MS = 10_000;
const WORKER_GONE = ERR_ROUTE_WORKER_GONE.code;

type ReadMode = 'head' | 'length' | 'chunked' | 'hold' | 'tunnel' | 'done';

/** The relay of one client connection. */
export class ConnectionRelay implements DownstreamEvents {
  private mode: ReadMode = 'head';
  /** Client bytes not yet relayed (an incomplete head, or what waits behind a held request). */
  private buf: Buffer | undefined;
  private scanFrom = 0;
  private bodyRemaining = 0;
  private bodyChunked: ChunkedBody | undefined;
  /** Where the current request's body (or the tunnel) goes. */
  private current: Downstream | undefined;
  private readonly downstreams: Downstream[] = [];
  /** The downstream with responses in flight (one at a time keeps responses in request order). */
  private active: Downstream | undefined;
  private parked = false;
  private closing = false;
  private clientEnded = false;
  private finished = false;
  /** Bytes read and dropped while closing. */
  private dropped = 0;
  private waitTimer: NodeJS.Timeout | undefined;
  private requestTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly client: Socket,
    private readonly ctx: RelayContext,
  ) {
    client.setNoDelay(true);
    client.on('data', (chunk: Buffer) => this.onClientData(chunk));
    client.on('end', () => this.onClientEnd());
    client.on('error', () => client.destroy());
    client.on('close', () => this.onClientClose());
    client.on('drain', () => {
      for (const ds of this.downstreams) ds.socket.resume();
    });
    this.armWait(ctx.headersTimeoutMs(), this.timeoutHead);
  }

  /** Closes the connection once nothing is in flight (at once when idle): the base is shutting down. */
  shutdown(): void {
    this.closing = true;
    if (this.idle()) this.endClient(false);
  }

  /* ------------------------------------------------------------------------------- client → servers */

  private onClientData(chunk: Buffer): void {
    // The connection is being closed: what the client still sends is read and dropped, not kept, and
    // only up to LINGER_BYTES.
    if (this.mode === 'done') {
      this.dropped += chunk.length;
      if (this.dropped > LINGER_BYTES) this.client.destroy();
      return;
    }
    if (this.mode === 'tunnel') {
      this.countIn(chunk.length);
      this.sendTo(this.current!, chunk);
      return;
    }
    this.buf = this.buf === undefined || this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    this.pump();
  }

  /** Relays what can be relayed of the buffered client bytes. */
  private pump(): void {
    while (this.buf !== undefined && this.buf.length > 0 && !this.parked && !this.finished) {
      const buf = this.buf;
      switch (this.mode) {
        case 'head':
          if (!this.readHead(buf)) return;
          continue;
        case 'length': {
          const take = Math.min(this.bodyRemaining, buf.length);
          this.bodyRemaining -= take;
          this.countIn(take);
          this.sendTo(this.current!, take === buf.length ? buf : buf.subarray(0, take));
          this.buf = buf.subarray(take);
          if (this.bodyRemaining === 0) this.requestSent();
          continue;
        }
        case 'chunked': {
          const end = this.bodyChunked!.scan(buf, 0);
          if (end < 0) {
            this.badBody();
            return;
          }
          this.countIn(end);
          this.sendTo(this.current!, end === buf.length ? buf : buf.subarray(0, end));
          this.buf = buf.subarray(end);
          if (this.bodyChunked!.done) this.requestSent();
          continue;
        }
        case 'tunnel':
          this.countIn(buf.length);
          this.sendTo(this.current!, buf);
          this.buf = undefined;
          return;
        case 'hold':
        case 'done':
          return;
      }
    }
  }

  /** Reads one request head from `buf` and sends it on; false when more bytes are needed (or it stopped). */
  private readHead(buf: Buffer): boolean {
    // Empty lines before a request line are allowed (RFC 9112 § 2.2), as node:http allows them.
    let start = 0;
    while (start + 1 < buf.length && buf[start] === 13 && buf[start + 1] === 10) start += 2;
    if (start > 0) {
      this.buf = buf = buf.subarray(start);
      this.scanFrom = 0;
      if (buf.length === 0) return false;
    }
    const end = buf.indexOf(CRLFCRLF, this.scanFrom);
    if (end === -1) {
      if (buf.length > this.ctx.maxHeaderSize) {
        this.refuse(431);
        return false;
      }
      this.scanFrom = Math.max(0, buf.length - 3);
      // A head has begun: it must be complete within the headers timeout (not the keep-alive one).
      if (this.waitTimer === undefined || this.waitingKeepAlive) {
        this.armWait(this.ctx.headersTimeoutMs(), this.timeoutHead);
      }
      return false;
    }
    if (end > this.ctx.maxHeaderSize) {
      this.refuse(431);
      return false;
    }
    // The head is complete: the headers timeout is over, even if the request now waits for its turn.
    this.clearWait();
    const head = parseRequestHead(buf.toString('latin1', 0, end));
    if (isHeadError(head)) {
      this.refuse(head.status);
      return false;
    }
    const route = head.target.charCodeAt(0) === 47 ? this.ctx.route(head.target, head.method, head.upgrade) : undefined;
    const ds = route ? this.downstreamOf(route.module) : this.localDownstream();
    if (this.active !== undefined && this.active !== ds) {
      // Responses from another connection are still on their way: this request waits for them.
      this.parked = true;
      this.client.pause();
      return false;
    }
    this.scanFrom = 0;
    this.buf = buf.subarray(end + 4);
    const module = ds.module;
    const meter = module?.options.meter;
    const req: PendingRequest = {
      method: head.method,
      upgrade: head.upgrade,
      t0: meter === undefined ? 0 : meter.begin(),
      status: 0,
      rewrite: module?.options.rewriteMount ? { prefix: route!.prefix, host: head.host } : undefined,
      close: false,
    };
    ds.pending.push(req);
    this.active = ds;
    this.current = ds;
    if (module !== undefined) {
      module.track(1);
      const client = this.client;
      this.sendTo(
        ds,
        moduleHead(head, route!.rest, {
          remoteAddress: client.remoteAddress ?? '',
          encrypted: (client as { encrypted?: boolean }).encrypted === true,
          prefix: route!.prefix,
          trustProxy: module.options.trustProxy,
        }),
      );
      if (ds.pending.length === 1) this.armRequestTimer(ds);
    } else {
      this.sendTo(ds, buf.subarray(0, end + 4));
    }
    if (head.chunked) {
      this.mode = 'chunked';
      this.bodyChunked = new ChunkedBody(this.ctx.maxHeaderSize);
    } else if (head.contentLength > 0) {
      this.mode = 'length';
      this.bodyRemaining = head.contentLength;
    } else {
      this.requestSent();
    }
    return true;
  }

  /**
   * The current request's last byte went out. After an upgrade request nothing more is relayed until
   * the server has answered it: a 101 makes the connection a tunnel, anything else ends it.
   */
  private requestSent(): void {
    this.bodyChunked = undefined;
    if (this.current?.pending.some((r) => r.upgrade && r.status === 0)) {
      this.mode = 'hold';
      this.client.pause();
    } else {
      this.mode = 'head';
      // A module may have answered before the body was all in: the connection may be idle now.
      if (this.active === undefined) this.settle();
    }
  }

  private sendTo(ds: Downstream, chunk: Uint8Array | string): void {
    if (!ds.send(chunk)) {
      this.client.pause();
      ds.onDrain(this.resumeClient);
    }
  }

  private readonly resumeClient = (): void => {
    if (!this.parked && this.mode !== 'hold' && !this.finished) this.client.resume();
  };

  private countIn(bytes: number): void {
    const meter = this.current?.module?.options.meter;
    if (meter !== undefined) meter.bytesIn += bytes;
  }

  /**
   * A chunked body the relay cannot read (the module's parser would refuse it too): the request is
   * aborted at the module and, unless its response has begun, answered 400 as node:http answers it.
   */
  private badBody(): void {
    const ds = this.current;
    if (ds !== undefined && ds.pending.length > 0) {
      const begun = ds.pending[0]!.status !== 0;
      this.abortPending(ds);
      this.forget(ds);
      ds.destroy();
      if (begun) {
        this.mode = 'done';
        this.client.destroy();
        return;
      }
    }
    this.refuse(400);
  }

  /** Answers a head the relay refuses as node:http does (400, 431, 408) and closes the connection. */
  private refuse(status: 400 | 408 | 431): void {
    this.mode = 'done';
    this.buf = undefined;
    const text = status === 400 ? 'Bad Request' : status === 431 ? 'Request Header Fields Too Large' : 'Request Timeout';
    // node:http answers only when nothing is in flight on the connection; otherwise it just closes it.
    if (this.active === undefined && this.client.writable) {
      this.client.write(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\n\r\n`);
      this.endClient();
    } else {
      this.client.destroy();
    }
  }

  /* ------------------------------------------------------------------------------- servers → client */

  /** @internal */
  write(ds: Downstream, chunk: Uint8Array | string): void {
    if (ds !== this.active || this.mode === 'done') {
      // Bytes from a connection with no response in flight (a module writing past its response's end, or
      // to its socket after it): they would pass for another target's answer. That connection is dropped.
      this.forget(ds);
      ds.destroy();
      return;
    }
    // A rewritten head is latin1 text: each character is one byte of the module's head.
    const ok = typeof chunk === 'string' ? this.client.write(chunk, 'latin1') : this.client.write(chunk);
    if (!ok) ds.socket.pause();
  }

  /** @internal */
  head(ds: Downstream): void {
    this.clearRequestTimer();
    const module = ds.module;
    if (module === undefined) return;
    if (module.options.meter !== undefined) module.options.meter.responsesStreaming++;
    if (module.options.idleTimeoutMs > 0) ds.socket.setTimeout(module.options.idleTimeoutMs, this.idleOut);
  }

  private readonly idleOut = (): void => {
    this.client.destroy();
  };

  /** @internal */
  complete(ds: Downstream, req: PendingRequest): void {
    const module = ds.module;
    if (module !== undefined) {
      module.track(-1);
      const meter = module.options.meter;
      if (meter !== undefined) {
        meter.responsesStreaming--;
        meter.end(req.method, req.status, req.t0);
      }
      if (module.options.idleTimeoutMs > 0) ds.socket.setTimeout(0, this.idleOut);
    }
    if (req.upgrade || req.close) {
      // The server refused an upgrade with an ordinary answer, or said it closes the connection.
      this.endClient();
      return;
    }
    if (ds.pending.length > 0) {
      this.armRequestTimer(ds);
      return;
    }
    this.active = undefined;
    if (this.parked) {
      this.parked = false;
      this.client.resume();
      this.pump();
    }
    this.settle();
  }

  /** When nothing is in flight: close the connection (shutdown, client gone) or wait for the next request. */
  private settle(): void {
    if (!this.idle()) return;
    if (this.closing || this.clientEnded) this.endClient();
    else this.armWait(this.ctx.keepAliveTimeoutMs(), this.closeIdle, true);
  }

  private readonly closeIdle = (): void => this.endClient(false);

  /** @internal */
  upgraded(ds: Downstream, req: PendingRequest): void {
    this.clearRequestTimer();
    ds.pending.shift();
    this.mode = 'tunnel';
    this.current = ds;
    this.active = ds;
    const module = ds.module;
    if (module !== undefined) {
      const meter = module.options.meter;
      if (meter !== undefined) {
        meter.end(req.method, 101, req.t0);
        meter.websocketsActive++;
      }
      if (module.options.idleTimeoutMs > 0) ds.socket.setTimeout(module.options.idleTimeoutMs, this.idleOut);
    }
    this.upgradedTo = ds;
    const held = this.buf;
    this.buf = undefined;
    if (held !== undefined && held.length > 0) {
      this.countIn(held.length);
      this.sendTo(ds, held);
    }
    this.client.resume();
  }

  /** The connection a 101 turned into a tunnel (counted as in flight until it closes). */
  private upgradedTo: Downstream | undefined;

  /** @internal */
  ended(ds: Downstream): void {
    if (ds === this.upgradedTo) {
      this.client.end();
      return;
    }
    if (ds.pending.length === 0 && this.active !== ds) {
      // An idle connection the server let go (the base's own server after its keep-alive timeout): a
      // later request opens another.
      this.forget(ds);
      ds.destroy();
      return;
    }
    // The server closed the connection while answering (a response framed by its end, or none at all).
    this.abortPending(ds);
    this.endClient();
  }

  /** @internal */
  aborted(ds: Downstream): void {
    this.forget(ds);
    if (ds === this.upgradedTo) {
      this.abortPending(ds);
      this.client.destroy();
      return;
    }
    if (ds.pending.length === 0) return;
    const first = ds.pending[0]!;
    if (first.status === 0 && ds.module !== undefined) {
      const module = ds.module;
      module.options.meter?.edge(WORKER_GONE);
      this.abortPending(ds, 502);
      this.mode = 'done';
      sendRawEdgeError(this.client, 502, WORKER_GONE, `Module ${module.options.identity} closed the connection before answering`);
      this.endClient();
      return;
    }
    this.abortPending(ds);
    this.client.destroy();
  }

  /* --------------------------------------------------------------------------------- connection life */

  private onClientEnd(): void {
    this.clientEnded = true;
    if (this.mode === 'done') {
      // A lingering close: the client has finished too.
      this.client.destroySoon();
      return;
    }
    if (this.mode === 'tunnel') {
      this.current?.socket.end();
      return;
    }
    // As node:http does by default (no httpAllowHalfOpen): a client that stops sending aborts what it
    // asked for, and the connection is ended.
    for (const ds of [...this.downstreams]) {
      if (ds.pending.length === 0) continue;
      this.abortPending(ds);
      this.forget(ds);
      ds.destroy();
    }
    this.endClient();
  }

  private onClientClose(): void {
    if (this.finished) return;
    this.finished = true;
    this.mode = 'done';
    this.clearWait();
    this.clearRequestTimer();
    for (const ds of [...this.downstreams]) {
      this.abortPending(ds);
      ds.destroy();
    }
    this.downstreams.length = 0;
    this.ctx.onClose(this);
  }

  /** Nothing in flight and no partial request: the connection may be closed or left waiting. */
  private idle(): boolean {
    return this.active === undefined && this.mode === 'head' && (this.buf === undefined || this.buf.length === 0);
  }

  /**
   * Ends the connection. After an answer (`Connection: close`, an edge error, a refused head) it is a
   * lingering close, as web servers do it: our side is ended once the answer is out, and what the client
   * still sends (the rest of an upload it was refused) is read and dropped for up to {@link LINGER_MS}
   * and {@link LINGER_BYTES} more, so that closing on unread bytes does not reset the connection before
   * the client has read the answer. An idle connection (`linger` false) is closed at once. A client that
   * stops reading is cut off when nothing has gone out for {@link STALL_MS}.
   */
  private endClient(linger = true): void {
    this.mode = 'done';
    this.buf = undefined;
    this.clearWait();
    for (const ds of this.downstreams) if (ds.pending.length === 0) ds.destroy();
    const client = this.client;
    if (client.destroyed) return;
    // Paused (backpressure, a parked request): its input flows again, to be dropped.
    client.resume();
    if (!linger || this.clientEnded) {
      client.destroySoon();
    } else {
      client.end();
      client.once('finish', () => setTimeout(() => client.destroy(), LINGER_MS).unref());
    }
    if (client.destroyed) return;
    let written = client.bytesWritten;
    const stall = setInterval(() => {
      if (client.destroyed) clearInterval(stall);
      else if (client.bytesWritten === written && client.writableLength > 0) client.destroy();
      else written = client.bytesWritten;
    }, STALL_MS);
    stall.unref();
    client.once('close', () => clearInterval(stall));
  }

  /**
   * Ends the accounting of every request still pending on `ds` (it will not answer them); the oldest
   * is counted with `edgeStatus` when the base answered it itself (502, 504).
   */
  private abortPending(ds: Downstream, edgeStatus = 0): void {
    const module = ds.module;
    if (ds === this.upgradedTo) {
      this.upgradedTo = undefined;
      if (module !== undefined) {
        module.track(-1);
        if (module.options.meter !== undefined) module.options.meter.websocketsActive--;
      }
    }
    let first = true;
    for (const req of ds.pending.splice(0)) {
      if (module === undefined) continue;
      module.track(-1);
      const meter = module.options.meter;
      if (meter !== undefined) {
        if (req.status !== 0) meter.responsesStreaming--;
        meter.end(req.method, first && edgeStatus !== 0 ? edgeStatus : req.status, req.t0);
      }
      first = false;
    }
    if (this.active === ds) this.active = undefined;
  }

  private forget(ds: Downstream): void {
    const i = this.downstreams.indexOf(ds);
    if (i !== -1) this.downstreams.splice(i, 1);
  }

  private downstreamOf(module: RelayModule): Downstream {
    for (const ds of this.downstreams) if (ds.module === module && !ds.closed) return ds;
    const ds = new Downstream(module.openRelayConnection(this.client), module, this);
    this.downstreams.push(ds);
    return ds;
  }

  private localDownstream(): Downstream {
    for (const ds of this.downstreams) if (ds.module === undefined && !ds.closed) return ds;
    const [ours, theirs] = loopPair(peerOf(this.client));
    const ds = new Downstream(ours, undefined, this);
    this.downstreams.push(ds);
    this.ctx.serveLocally(theirs);
    return ds;
  }

  /* ------------------------------------------------------------------------------------------ timers */

  private waitingKeepAlive = false;

  private armWait(ms: number, fire: () => void, keepAlive = false): void {
    this.clearWait();
    this.waitingKeepAlive = keepAlive;
    if (ms > 0) {
      this.waitTimer = setTimeout(fire, ms);
      this.waitTimer.unref();
    }
  }

  private clearWait(): void {
    if (this.waitTimer !== undefined) clearTimeout(this.waitTimer);
    this.waitTimer = undefined;
    this.waitingKeepAlive = false;
  }

  private readonly timeoutHead = (): void => {
    this.waitTimer = undefined;
    if (this.buf === undefined || this.buf.length === 0) this.endClient(false);
    else this.refuse(408);
  };

  /** 504 when the oldest request on a module connection gets no response head in time. */
  private armRequestTimer(ds: Downstream): void {
    const module = ds.module;
    if (module === undefined || module.options.requestTimeoutMs <= 0) return;
    this.clearRequestTimer();
    this.requestTimer = setTimeout(() => {
      this.requestTimer = undefined;
      if (!ds.awaitingHead) return;
      module.options.meter?.edge(ERR_ROUTE_TIMEOUT.code);
      this.abortPending(ds, 504);
      this.mode = 'done';
      sendRawEdgeError(this.client, 504, ERR_ROUTE_TIMEOUT.code, `Module ${module.options.identity} did not answer within ${module.options.requestTimeoutMs} ms`);
      this.endClient();
      ds.destroy();
    }, module.options.requestTimeoutMs);
    this.requestTimer.unref();
  }

  private clearRequestTimer(): void {
    if (this.requestTimer !== undefined) clearTimeout(this.requestTimer);
    this.requestTimer = undefined;
  }
}
