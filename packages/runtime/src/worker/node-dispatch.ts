/**
 * Calls a module's Node `(req, res)` listener for one bridged request, without a fake socket parser:
 * a real `http.IncomingMessage` is filled from the bridged head and body, and a real
 * `http.ServerResponse` writes into a minimal socket stand-in whose bytes we forward. Chunked transfer
 * encoding is switched off so the bytes after the header block are the body itself; the header block is
 * parsed back from `res._header` (exact, including repeated headers). Issue #6: no injection layer.
 */
import { IncomingMessage, ServerResponse } from 'node:http';
import { EventEmitter } from 'node:events';
import type { BizNodeHandler } from '@nodeark/biz';
import { serializeError } from '../errors.js';
import type { IncomingBody } from './incoming-body.js';
import type { OutgoingBody } from './outgoing-body.js';
import type { ReqMessage } from './protocol.js';

/** A socket stand-in: enough of net.Socket for IncomingMessage/ServerResponse, writes go to `out`. */
class BridgeSocket extends EventEmitter {
  readonly readable = false;
  writable = true;
  destroyed = false;
  readonly encrypted = false;
  remoteAddress: string;
  readonly remotePort = 0;
  readonly remoteFamily = 'IPv4';
  // Fields ServerResponse reads on its socket (Node 20 `_http_outgoing`: end() resets `corked`).
  readonly _writableState = { corked: 0, needDrain: false };
  readonly writableCorked = 0;
  readonly writableLength = 0;
  readonly writableHighWaterMark = 64 * 1024;
  headerBytesLeft = -1;
  res: ServerResponse | undefined;
  constructor(
    remoteAddress: string,
    private readonly out: OutgoingBody,
  ) {
    super();
    this.remoteAddress = remoteAddress;
  }
  write(data: string | Uint8Array, encoding?: BufferEncoding | (() => void), cb?: () => void): boolean {
    if (typeof encoding === 'function') {
      cb = encoding;
      encoding = undefined;
    }
    let bytes: Uint8Array =
      typeof data === 'string' ? Buffer.from(data, (encoding as BufferEncoding | undefined) ?? 'utf8') : data;
    if (this.headerBytesLeft < 0) {
      this.takeHead(typeof data === 'string' ? ((encoding as BufferEncoding | undefined) ?? 'utf8') : 'latin1');
    }
    if (this.headerBytesLeft > 0) {
      const skip = Math.min(this.headerBytesLeft, bytes.byteLength);
      this.headerBytesLeft -= skip;
      bytes = bytes.subarray(skip);
    }
    const ok = bytes.byteLength === 0 ? true : this.out.write(bytes);
    if (cb) process.nextTick(cb);
    return ok;
  }
  private takeHead(encoding: BufferEncoding): void {
    const res = this.res as unknown as { _header?: string | null };
    const header = res._header ?? '';
    // The header block reaches us either alone (latin1) or prefixed to the first string chunk (its encoding).
    this.headerBytesLeft = Buffer.byteLength(header, encoding);
    const lines = header.split('\r\n');
    const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '')?.[1] ?? this.res?.statusCode ?? 200);
    const flat: string[] = [];
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i]!;
      if (line === '') continue;
      const colon = line.indexOf(':');
      if (colon <= 0) continue;
      flat.push(line.slice(0, colon), line.slice(colon + 1).trim());
    }
    this.out.head(status, flat);
  }
  cork(): void {}
  uncork(): void {}
  setTimeout(): this {
    return this;
  }
  setNoDelay(): this {
    return this;
  }
  setKeepAlive(): this {
    return this;
  }
  destroy(): this {
    this.destroyed = true;
    this.writable = false;
    return this;
  }
  end(): this {
    return this;
  }
  pause(): this {
    return this;
  }
  resume(): this {
    return this;
  }
  address(): { address: string; family: string; port: number } {
    return { address: '127.0.0.1', family: 'IPv4', port: 0 };
  }
}

/** Runs one request through a Node listener and streams what it writes into `out`. Never throws. */
export function dispatchNode(
  handler: BizNodeHandler,
  msg: ReqMessage,
  incoming: IncomingBody | undefined,
  out: OutgoingBody,
): Promise<void> {
  return new Promise<void>((resolve) => {
    const socket = new BridgeSocket(msg.remoteAddress, out);
    const req = new IncomingMessage(socket as never);
    req.method = msg.method;
    req.url = msg.url;
    req.httpVersionMajor = 1;
    req.httpVersionMinor = 1;
    req.httpVersion = '1.1';
    req.rawHeaders = msg.headers;
    const headers: Record<string, string | string[]> = {};
    for (let i = 0; i < msg.headers.length; i += 2) {
      const k = msg.headers[i]!.toLowerCase();
      const v = msg.headers[i + 1]!;
      const prev = headers[k];
      if (prev === undefined) headers[k] = v;
      else if (k === 'set-cookie') headers[k] = Array.isArray(prev) ? [...prev, v] : [prev, v];
      else headers[k] = `${prev as string}, ${v}`;
    }
    req.headers = headers as IncomingMessage['headers'];

    if (incoming) {
      // Acknowledge bytes only when the listener reads (Readable _read), so slow readers apply backpressure.
      req._read = () => incoming.pull();
      incoming.attach({
        push: (chunk) => req.push(chunk === null ? null : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)),
        error: (err) => req.destroy(err),
      });
    } else {
      req._read = () => {};
      if (msg.body) req.push(Buffer.from(msg.body));
      req.push(null);
    }

    const res = new ServerResponse(req);
    // No chunked framing: the bytes after the header block are exactly the body.
    (res as unknown as { useChunkedEncodingByDefault: boolean }).useChunkedEncodingByDefault = false;
    res.shouldKeepAlive = true;
    socket.res = res;
    res.assignSocket(socket as never);
    out.onDrain = () => res.emit('drain');

    let settled = false;
    const finish = (): void => {
      if (settled) return;
      settled = true;
      out.end();
      resolve();
    };
    res.on('finish', finish);
    res.on('close', () => {
      if (!settled && !res.writableFinished) {
        settled = true;
        out.fail({ name: 'Error', message: 'response closed before it was finished' });
        resolve();
      }
    });
    try {
      handler(req, res);
    } catch (err) {
      if (!settled) {
        settled = true;
        out.fail(serializeError(err));
        resolve();
      }
    }
  });
}
