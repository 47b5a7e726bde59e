/**
 * One end of a byte stream between the base and a module worker: a `Duplex` shaped like `net.Socket`
 * (`remoteAddress`, `setTimeout`, `setNoDelay`, `destroySoon`, …), so that Node's own HTTP client in the
 * base and Node's own HTTP server in the worker can run over it unchanged. Frameworks in the worker thus
 * get genuine `http.IncomingMessage`/`ServerResponse` objects, and an upgraded connection is a real
 * Duplex for `ws` or socket.io (docs/module-contract.md § How requests reach a module).
 */
import { Duplex } from 'node:stream';
import { SMALL_CHUNK, SOCKET_WINDOW, type SocketMessage, type SocketPeer } from './messages.js';

/**
 * Consumed bytes are acknowledged in steps of this size rather than per message: a small request or
 * response then costs no ack message at all, and a writer blocked at {@link SOCKET_WINDOW} still gets
 * credit long before it could deadlock (the step is a quarter of the window).
 */
const ACK_STEP = SOCKET_WINDOW / 4;

/** Readable and writable buffer sizes of a link socket. */
const SOCKET_BUFFER = 1024 * 1024;

/** What a socket needs from its link. */
export interface SocketLinkPort {
  post(msg: SocketMessage, transfer?: ArrayBuffer): void;
  forget(cid: number): void;
}

/** A socket-like Duplex whose bytes cross the worker boundary. */
export class VirtualSocket extends Duplex {
  /** The client's address, as on the base's own socket. */
  readonly remoteAddress: string;
  /** The client's port. */
  readonly remotePort: number;
  /** `IPv4` or `IPv6`. */
  readonly remoteFamily: string;
  /** The base's address the client connected to. */
  readonly localAddress: string;
  /** The base's port the client connected to. */
  readonly localPort: number;
  /** Present (true) only for a TLS client connection, like `tls.TLSSocket#encrypted`. */
  readonly encrypted?: true;
  /** Always false: the connection exists as soon as the base opens it. */
  readonly connecting = false;
  /** Always false (see `connecting`). */
  readonly pending = false;
  /** Bytes received from the other end. */
  bytesRead = 0;
  /** Bytes written to the other end. */
  bytesWritten = 0;
  /** The idle timeout set with {@link VirtualSocket.setTimeout} (ms; 0 = none). */
  timeout = 0;

  private unackedOut = 0;
  private blocked: ((err?: Error | null) => void) | undefined;
  /** Received and not yet acknowledged. */
  private unackedIn = 0;
  /** Of those, taken by the reader. */
  private consumed = 0;
  private remoteGone = false;
  private remoteEnded = false;
  private soft = false;
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly link: SocketLinkPort,
    readonly cid: number,
    peer: SocketPeer,
  ) {
    // Larger buffers than a stream's 16 KiB default: a streaming writer then moves several chunks per
    // event-loop turn, and each turn's chunks cross the thread boundary as one message (measured: a
    // 100 MB download ran at a third of the rate with the default).
    super({ allowHalfOpen: true, readableHighWaterMark: SOCKET_BUFFER, writableHighWaterMark: SOCKET_BUFFER });
    this.remoteAddress = peer.remoteAddress;
    this.remotePort = peer.remotePort;
    this.remoteFamily = peer.remoteFamily;
    this.localAddress = peer.localAddress;
    this.localPort = peer.localPort;
    if (peer.encrypted) this.encrypted = true;
  }

  /* --------------------------------------------------------------------------- remote → this end */

  /** Applies one message from the other end (`open` is the link's business, not a socket's). */
  receive(msg: SocketMessage): void {
    switch (msg.t) {
      case 'data':
        this.onRemoteData(msg.data);
        return;
      case 'ack':
        this.onAck(msg.bytes);
        return;
      case 'end':
        this.onRemoteEnd();
        return;
      case 'destroy':
        this.onRemoteDestroy();
        return;
      case 'open':
        return;
    }
  }

  /** Bytes from the other end (a latin1 string for a small chunk). */
  onRemoteData(data: ArrayBuffer | string): void {
    if (this.destroyed) return;
    const small = typeof data === 'string';
    const n = small ? data.length : data.byteLength;
    this.bytesRead += n;
    this.touch();
    this.unackedIn += n;
    if (this.push(small ? Buffer.from(data, 'latin1') : Buffer.from(data))) this.consumed += n;
    if (this.consumed >= ACK_STEP) this.sendAck();
  }

  /** The other end finished writing. */
  onRemoteEnd(): void {
    this.remoteEnded = true;
    if (!this.destroyed) this.push(null);
  }

  /** The other end was destroyed (client gone, module aborted the connection, worker gone). */
  onRemoteDestroy(err?: Error): void {
    this.remoteGone = true;
    this.destroy(err);
  }

  /** The other end consumed `bytes` of what this end wrote. */
  onAck(bytes: number): void {
    this.unackedOut -= bytes;
    if (this.blocked && this.unackedOut <= SOCKET_WINDOW) {
      const cb = this.blocked;
      this.blocked = undefined;
      cb();
    }
  }

  /* ----------------------------------------------------------------------------- Duplex internals */

  override _read(): void {
    // The reader wants more: everything received so far has been taken.
    this.consumed = this.unackedIn;
    if (this.consumed >= ACK_STEP) this.sendAck();
  }

  private sendAck(): void {
    const bytes = this.consumed;
    this.unackedIn -= bytes;
    this.consumed = 0;
    this.link.post({ t: 'ack', cid: this.cid, bytes });
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.send(chunk, cb);
  }

  override _writev(chunks: Array<{ chunk: Buffer }>, cb: (err?: Error | null) => void): void {
    if (chunks.length === 1) {
      this.send(chunks[0]!.chunk, cb);
      return;
    }
    let size = 0;
    for (const c of chunks) size += c.chunk.byteLength;
    if (size <= SMALL_CHUNK) {
      let text = '';
      for (const c of chunks) text += c.chunk.toString('latin1');
      this.sendOwned(text, size, cb);
      return;
    }
    const all = new Uint8Array(size);
    let off = 0;
    for (const c of chunks) {
      all.set(c.chunk, off);
      off += c.chunk.byteLength;
    }
    this.sendOwned(all.buffer, size, cb);
  }

  override _final(cb: (err?: Error | null) => void): void {
    if (!this.remoteGone) this.link.post({ t: 'end', cid: this.cid });
    cb();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    // A clean close (both ends finished, or destroySoon after our end) needs no message: the other end
    // sees our `end`. Anything else is an abort the other end must see (client gone, module destroyed it).
    const clean = this.writableFinished && (this.remoteEnded || this.soft);
    if (!this.remoteGone && !clean) this.link.post({ t: 'destroy', cid: this.cid });
    this.remoteGone = true;
    this.blocked = undefined;
    this.link.forget(this.cid);
    cb(err);
  }

  private send(chunk: Buffer, cb: (err?: Error | null) => void): void {
    // Always a copy: the chunk may be the caller's reused buffer or a slice of Node's shared pool.
    const n = chunk.byteLength;
    if (n <= SMALL_CHUNK) {
      this.sendOwned(chunk.toString('latin1'), n, cb);
      return;
    }
    const copy = new Uint8Array(n);
    copy.set(chunk);
    this.sendOwned(copy.buffer, n, cb);
  }

  private sendOwned(data: ArrayBuffer | string, n: number, cb: (err?: Error | null) => void): void {
    if (this.remoteGone) {
      cb(Object.assign(new Error('This socket has been ended by the other party'), { code: 'EPIPE' }));
      return;
    }
    this.bytesWritten += n;
    this.unackedOut += n;
    this.touch();
    if (typeof data === 'string') this.link.post({ t: 'data', cid: this.cid, data });
    else this.link.post({ t: 'data', cid: this.cid, data }, data);
    if (this.unackedOut > SOCKET_WINDOW) this.blocked = cb;
    else cb();
  }

  /* --------------------------------------------------------------------------- net.Socket surface */

  /** Ends the writable side, then destroys once it is flushed (`net.Socket#destroySoon`). */
  destroySoon(): void {
    this.soft = true;
    if (this.writable) this.end();
    if (this.writableFinished) this.destroy();
    else this.once('finish', () => this.destroy());
  }

  /** Emits `'timeout'` after `ms` without traffic (0 disables), like `net.Socket#setTimeout`. */
  setTimeout(ms: number, callback?: () => void): this {
    this.timeout = ms;
    if (callback) {
      if (ms === 0) this.removeListener('timeout', callback);
      else this.once('timeout', callback);
    }
    if (this.idleTimer) {
      clearTimeout(this.idleTimer);
      this.idleTimer = undefined;
    }
    if (ms > 0 && !this.destroyed) {
      this.idleTimer = setTimeout(() => this.emit('timeout'), ms);
      this.idleTimer.unref();
    }
    return this;
  }

  /** Accepted and ignored: batching is per event-loop turn, not Nagle's algorithm. */
  setNoDelay(): this {
    return this;
  }

  /** Accepted and ignored: there is no TCP connection to keep alive. */
  setKeepAlive(): this {
    return this;
  }

  /** Accepted and ignored: a link socket never holds a thread's event loop open by itself. */
  ref(): this {
    return this;
  }

  /** Accepted and ignored (see `ref`). */
  unref(): this {
    return this;
  }

  /** The base's local address, as `net.Socket#address()` would give it. */
  address(): { address: string; family: string; port: number } {
    return { address: this.localAddress, family: this.remoteFamily, port: this.localPort };
  }

  /** `open`, `readOnly`, `writeOnly` or `closed`, like `net.Socket#readyState`. */
  get readyState(): string {
    if (this.destroyed) return 'closed';
    if (this.readable && this.writable) return 'open';
    return this.readable ? 'readOnly' : this.writable ? 'writeOnly' : 'closed';
  }

  private touch(): void {
    this.idleTimer?.refresh();
  }
}
