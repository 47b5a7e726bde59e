import { connect, type Socket } from 'node:net';

/** A response as read off the wire by {@link RawHttpClient.readResponse}. */
export interface RawResponse {
  statusLine: string;
  status: number;
  /** Header names lower-cased, repeated values joined with `, `. */
  headers: Record<string, string>;
  /** The body with its transfer coding removed (empty for HEAD, 1xx, 204 and 304 answers). */
  body: Buffer;
  /** Trailer fields of a chunked body. */
  trailers: Record<string, string>;
  chunked: boolean;
}

/**
 * Thrown by {@link RawHttpClient.readResponse} and {@link RawHttpClient.take} when the connection ended
 * before what was awaited arrived, so that a test can tell "the server closed" from "the server was slow"
 * or "the server sent garbage" (plain errors).
 */
export class ClosedError extends Error {}

/** Options of {@link RawHttpClient.open}. */
export interface RawHttpClientOptions {
  /**
   * Keep the client's side open when the server ends its own (Node's `allowHalfOpen`), to play a client
   * that ignores the server's FIN and goes on sending. Off by default: the socket ends its side in turn.
   */
  allowHalfOpen?: boolean;
  /** How long `readResponse` and `take` wait unless told otherwise, in ms (5000). */
  timeout?: number;
  /** The client is added to this set once connected, so that a test's cleanup can destroy what is left. */
  track?: Set<RawHttpClient>;
}

/**
 * A raw TCP client connection to a server on 127.0.0.1 that writes bytes as given and reads HTTP/1.x
 * responses by their framing (Content-Length, chunked, the end of the connection). node:http's client and
 * fetch cannot be used for these tests: they refuse to send malformed or pipelined requests, hide how the
 * connection ends, and would answer a server's misbehaviour by their own rules instead of showing it.
 */
export class RawHttpClient {
  private buf: Buffer = Buffer.alloc(0);
  private waiters: Array<() => void> = [];
  private finReceived = false;
  private socketClosed = false;
  private failed = false;
  /** Every byte received, for assertions on exact bytes. */
  received: Buffer = Buffer.alloc(0);

  private constructor(
    readonly socket: Socket,
    private readonly timeout: number,
  ) {
    socket.on('data', (d: Buffer) => {
      this.buf = this.buf.length === 0 ? d : Buffer.concat([this.buf, d]);
      this.received = Buffer.concat([this.received, d]);
      this.wake();
    });
    socket.on('end', () => {
      this.finReceived = true;
      this.wake();
    });
    socket.on('close', () => {
      this.socketClosed = true;
      this.wake();
    });
    // A reset, or a write the server no longer takes: an outcome the tests look at, not a failure of the
    // test process (an 'error' without a listener would throw). The socket closes next.
    socket.on('error', () => {
      this.failed = true;
      this.wake();
    });
  }

  /** Connects to `port` on 127.0.0.1 (3 s at most); Nagle is off so that each write goes out as it is. */
  static open(port: number, options: RawHttpClientOptions = {}): Promise<RawHttpClient> {
    const { allowHalfOpen = false, timeout = 5000, track } = options;
    return new Promise((resolve, reject) => {
      const socket = connect({ port, host: '127.0.0.1', allowHalfOpen });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error('connect timed out'));
      }, 3000);
      socket.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.setNoDelay(true);
        const client = new RawHttpClient(socket, timeout);
        track?.add(client);
        resolve(client);
      });
    });
  }

  /** The server ended its side (FIN): a graceful close, as opposed to a reset. */
  get ended(): boolean {
    return this.finReceived;
  }

  /** The socket is closed (by either side, or after an error such as a reset). */
  get closed(): boolean {
    return this.socketClosed;
  }

  /** No more bytes will arrive: the server ended or reset the connection, or the socket is closed. */
  get gone(): boolean {
    return this.finReceived || this.socketClosed || this.failed;
  }

  /** Bytes received and not yet read as part of a response. */
  get pending(): string {
    return this.buf.toString('latin1');
  }

  /**
   * Writes as the socket does, returning whether it would take more now (false: wait for `drained`). For
   * tests of backpressure and of clients that go on sending regardless; `send` waits for each write.
   */
  write(data: string | Buffer): boolean {
    return this.socket.write(data);
  }

  /**
   * Writes and resolves once handed to the kernel (or the socket failed); a socket that is no longer
   * writable is left alone, so that a request after the server's close is simply not sent.
   */
  send(data: string | Buffer): Promise<void> {
    return new Promise((resolve) => {
      if (this.socket.destroyed || !this.socket.writable) {
        resolve();
        return;
      }
      this.socket.write(data, () => resolve());
    });
  }

  /** Resolves on 'drain' or 'close', or after `ms`. */
  drained(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.socket.off('drain', done);
        this.socket.off('close', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.socket.once('drain', done);
      this.socket.once('close', done);
    });
  }

  destroy(): void {
    this.socket.destroy();
  }

  /** Resolves true once the connection is {@link RawHttpClient.gone} (ended, reset or closed), false after `ms`. */
  async waitEnded(ms: number): Promise<boolean> {
    const deadline = Date.now() + ms;
    while (!this.gone && Date.now() < deadline) await this.wait(deadline);
    return this.gone;
  }

  /**
   * Resolves true once the socket is closed, false after `ms`. Stricter than `waitEnded` for a half-open
   * client, whose socket stays open after the server's FIN until it ends its own side or is reset.
   */
  async waitClosed(ms: number): Promise<boolean> {
    const deadline = Date.now() + ms;
    while (!this.socketClosed && Date.now() < deadline) await this.wait(deadline);
    return this.socketClosed;
  }

  /**
   * Reads one response within `ms` (the connection's timeout by default); `method` is the request's, as
   * a HEAD answer has no body. A body delimited by the end of the connection is read until it ends.
   */
  async readResponse(method = 'GET', ms = this.timeout): Promise<RawResponse> {
    const deadline = Date.now() + ms;
    const headEnd = await this.until(deadline, 'a response head', () => {
      const i = this.buf.indexOf('\r\n\r\n');
      return i === -1 ? undefined : i;
    });
    const lines = this.buf.subarray(0, headEnd).toString('latin1').split('\r\n');
    this.buf = this.buf.subarray(headEnd + 4);
    const statusLine = lines[0]!;
    const m = /^HTTP\/1\.[01] (\d{3})(?: .*)?$/.exec(statusLine);
    if (!m) throw new Error(`not a status line: ${JSON.stringify(statusLine)}`);
    const status = Number(m[1]);
    const headers = parseFields(lines.slice(1));
    const result: RawResponse = { statusLine, status, headers, body: Buffer.alloc(0), trailers: {}, chunked: false };
    if (method === 'HEAD' || status < 200 || status === 204 || status === 304) return result;
    if (/\bchunked\b/i.test(headers['transfer-encoding'] ?? '')) {
      result.chunked = true;
      const parts: Buffer[] = [];
      for (;;) {
        const line = await this.line(deadline);
        const size = parseInt(line.split(';')[0]!.trim(), 16);
        if (Number.isNaN(size)) throw new Error(`bad chunk size line ${JSON.stringify(line)}`);
        if (size === 0) break;
        parts.push(await this.take(size, deadline));
        const crlf = (await this.take(2, deadline)).toString('latin1');
        if (crlf !== '\r\n') throw new Error(`chunk not followed by CRLF: ${JSON.stringify(crlf)}`);
      }
      const trailerLines: string[] = [];
      for (;;) {
        const line = await this.line(deadline);
        if (line === '') break;
        trailerLines.push(line);
      }
      result.trailers = parseFields(trailerLines);
      result.body = Buffer.concat(parts);
    } else if (headers['content-length'] !== undefined) {
      result.body = await this.take(Number(headers['content-length']), deadline);
    } else {
      // Delimited by the end of the connection.
      while (!this.gone) {
        if (Date.now() >= deadline) throw new Error('timed out reading a close-delimited body');
        await this.wait(deadline);
      }
      result.body = this.buf;
      this.buf = Buffer.alloc(0);
    }
    return result;
  }

  /** Reads exactly `n` bytes (by `deadline`, the connection's timeout from now by default). */
  async take(n: number, deadline = Date.now() + this.timeout): Promise<Buffer> {
    await this.until(deadline, `${n} bytes`, () => (this.buf.length >= n ? true : undefined));
    const out = this.buf.subarray(0, n);
    this.buf = this.buf.subarray(n);
    return out;
  }

  /** Reads a line ended by CRLF, without the CRLF. */
  private async line(deadline: number): Promise<string> {
    const end = await this.until(deadline, 'a line', () => {
      const i = this.buf.indexOf('\r\n');
      return i === -1 ? undefined : i;
    });
    const line = this.buf.subarray(0, end).toString('latin1');
    this.buf = this.buf.subarray(end + 2);
    return line;
  }

  /**
   * What `ready` returns once it returns something. The errors quote the start of the unread bytes: what
   * the server sent instead is usually the diagnosis.
   */
  private async until<T>(deadline: number, what: string, ready: () => T | undefined): Promise<T> {
    for (;;) {
      const v = ready();
      if (v !== undefined) return v;
      const unread = JSON.stringify(this.pending.slice(0, 200));
      if (this.gone) throw new ClosedError(`connection closed while waiting for ${what} (unread: ${unread})`);
      if (Date.now() >= deadline) throw new Error(`timed out waiting for ${what} (unread: ${unread})`);
      await this.wait(deadline);
    }
  }

  /** Resolves on the next socket event (data, end, close, error), or at `deadline`. */
  private wait(deadline: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, Math.max(0, deadline - Date.now()));
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.waiters.push(done);
    });
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}

/** Header or trailer lines as a record: names lower-cased, a repeated field's values joined with `, `. */
function parseFields(lines: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of lines) {
    const i = line.indexOf(':');
    const name = line.slice(0, i).trim().toLowerCase();
    const value = line.slice(i + 1).trim();
    out[name] = out[name] === undefined ? value : `${out[name]}, ${value}`;
  }
  return out;
}
