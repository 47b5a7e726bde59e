/**
 * Base side of the request bridge: forwards one Node request into a module worker and writes the
 * module's answer back, streaming both bodies with a credit window (see worker/protocol.ts). Hot path:
 * one `req` and one `res` message for a small request, no per-request allocation beyond the pending entry.
 *
 * Messages to the worker are batched per event-loop turn: everything posted while the base handles one
 * round of I/O goes out in a single postMessage (an array when there is more than one) at `setImmediate`.
 * Each postMessage wakes the worker thread, a system call that cost as much as writing the response to
 * the socket on the 2-core bench machine; under load several requests arrive per turn (issue #6).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Worker } from 'node:worker_threads';
import { INLINE_BODY_MAX, STREAM_WINDOW, type FromWorker, type ToWorker } from '../worker/protocol.js';
import { sendEdgeError } from './edge-errors.js';
import { stripHopByHop } from './hop-by-hop.js';

interface Pending {
  req: IncomingMessage;
  res: ServerResponse;
  timer: NodeJS.Timeout | undefined;
  headSent: boolean;
  done: boolean;
  /** Request-body bytes sent and not yet acknowledged by the worker. */
  reqUnacked: number;
  reqPaused: boolean;
  onClose: () => void;
}

/** Options of a {@link RequestBridge}. */
export interface RequestBridgeOptions {
  /** Identity used in error messages. */
  identity: string;
  /** Per-request timeout in ms (0 disables): no response head within it → 504. */
  requestTimeoutMs: number;
}

/** Forwards requests into one worker; one bridge per worker. */
export class RequestBridge {
  private seq = 0;
  private readonly pending = new Map<number, Pending>();
  private drainWaiters: Array<() => void> = [];
  private closed = false;
  /** Messages waiting for the end of this event-loop turn, and the buffers they transfer. */
  private readonly outbox: ToWorker[] = [];
  private readonly outboxTransfer: ArrayBuffer[] = [];
  private flushScheduled = false;
  private readonly flushOutbox = (): void => this.flush();

  constructor(
    private readonly worker: Worker,
    private readonly options: RequestBridgeOptions,
  ) {}

  /** Requests currently in flight. */
  get inflight(): number {
    return this.pending.size;
  }

  /** Forwards `req` (whose URL, prefix stripped, is `url`) and answers on `res`. */
  forward(req: IncomingMessage, res: ServerResponse, url: string, prefix: string): void {
    if (this.closed) {
      sendEdgeError(res, 502, 'NODEARK_ERR_ROUTE_WORKER_GONE', `Module ${this.options.identity} is stopping`);
      return;
    }
    const id = ++this.seq;
    const method = req.method ?? 'GET';
    const headers = stripHopByHop(req.rawHeaders, 'x-forwarded-prefix');
    headers.push('x-forwarded-prefix', prefix);
    const p: Pending = {
      req,
      res,
      timer: undefined,
      headSent: false,
      done: false,
      reqUnacked: 0,
      reqPaused: false,
      onClose: () => {
        if (!p.done) {
          // Client went away: tell the module so it can stop work, and forget the request.
          this.post({ t: 'abort', id });
          this.finish(id, p);
        }
      },
    };
    this.pending.set(id, p);
    // `on` + the removeListener in finish(): same effect as `once`, without its wrapper per request.
    res.on('close', p.onClose);
    if (this.options.requestTimeoutMs > 0) {
      p.timer = setTimeout(() => this.timeout(id), this.options.requestTimeoutMs);
    }

    const remoteAddress = req.socket.remoteAddress ?? '';
    const te = req.headers['transfer-encoding'];
    const cl = req.headers['content-length'];
    const hasBody = te !== undefined || (cl !== undefined && cl !== '0');
    if (!hasBody) {
      req.resume();
      this.post({ t: 'req', id, method, url, headers, remoteAddress, body: null, streaming: false });
      return;
    }
    const length = cl === undefined ? -1 : Number(cl);
    if (te === undefined && length >= 0 && length <= INLINE_BODY_MAX) {
      // Small body of known length: collect it and send it with the head in one message.
      const parts: Buffer[] = [];
      let size = 0;
      req.on('data', (c: Buffer) => {
        parts.push(c);
        size += c.length;
      });
      req.once('end', () => {
        if (p.done) return;
        const body = new Uint8Array(size);
        let off = 0;
        for (const part of parts) {
          body.set(part, off);
          off += part.length;
        }
        this.post({ t: 'req', id, method, url, headers, remoteAddress, body: body.buffer, streaming: false }, [
          body.buffer,
        ]);
      });
      return;
    }
    this.post({ t: 'req', id, method, url, headers, remoteAddress, body: null, streaming: true });
    req.on('data', (c: Buffer) => {
      if (p.done) return;
      const data = new Uint8Array(c.length);
      data.set(c);
      p.reqUnacked += c.length;
      this.post({ t: 'chunk', id, data: data.buffer }, [data.buffer]);
      if (p.reqUnacked >= STREAM_WINDOW && !p.reqPaused) {
        p.reqPaused = true;
        req.pause();
      }
    });
    req.once('end', () => {
      if (!p.done) this.post({ t: 'end', id });
    });
  }

  /**
   * Handles an HTTP message from the worker, or a batch of them (an array, see worker-main). Returns
   * false for messages that are not HTTP traffic.
   */
  onMessage(msg: FromWorker | readonly FromWorker[]): boolean {
    if (Array.isArray(msg)) {
      for (const m of msg as readonly FromWorker[]) this.onOne(m);
      return true;
    }
    return this.onOne(msg as FromWorker);
  }

  private onOne(msg: FromWorker): boolean {
    switch (msg.t) {
      case 'res': {
        const p = this.pending.get(msg.id);
        if (!p) return true;
        p.headSent = true;
        if (p.timer) {
          clearTimeout(p.timer);
          p.timer = undefined;
        }
        const headers = stripHopByHop(msg.headers);
        if (!msg.streaming) {
          const isHead = p.req.method === 'HEAD';
          const out = isHead ? headers : dropContentLength(headers);
          const len = msg.body ? msg.body.byteLength : 0;
          if (!isHead && msg.status !== 204 && msg.status !== 304) out.push('content-length', String(len));
          if (writeHead(p.res, msg.status, out)) p.res.end(msg.body ? Buffer.from(msg.body) : undefined);
          this.finish(msg.id, p);
        } else if (!writeHead(p.res, msg.status, headers)) {
          this.post({ t: 'abort', id: msg.id });
          this.finish(msg.id, p);
        }
        return true;
      }
      case 'chunk': {
        const p = this.pending.get(msg.id);
        if (!p) return true;
        const bytes = msg.data.byteLength;
        if (p.res.write(Buffer.from(msg.data))) this.post({ t: 'ack', id: msg.id, bytes });
        else p.res.once('drain', () => this.post({ t: 'ack', id: msg.id, bytes }));
        return true;
      }
      case 'end': {
        const p = this.pending.get(msg.id);
        if (!p) return true;
        p.res.end();
        this.finish(msg.id, p);
        return true;
      }
      case 'error': {
        const p = this.pending.get(msg.id);
        if (!p) return true;
        const code = msg.error.code ?? 'NODEARK_ERR_ROUTE_HANDLER_FAILED';
        const status = code === 'NODEARK_ERR_ROUTE_NO_HANDLER' ? 404 : 500;
        sendEdgeError(
          p.res,
          status,
          code,
          status === 404
            ? `Module ${this.options.identity} serves no HTTP`
            : `Module ${this.options.identity} failed to handle the request: ${msg.error.message}`,
        );
        this.finish(msg.id, p);
        return true;
      }
      case 'ack': {
        const p = this.pending.get(msg.id);
        if (!p) return true;
        p.reqUnacked -= msg.bytes;
        if (p.reqPaused && p.reqUnacked < STREAM_WINDOW) {
          p.reqPaused = false;
          p.req.resume();
        }
        return true;
      }
      default:
        return false;
    }
  }

  /** Fails every in-flight request with 502 (the worker is gone). */
  failAll(reason: string): void {
    this.closed = true;
    this.outbox.length = 0;
    this.outboxTransfer.length = 0;
    for (const [id, p] of this.pending) {
      sendEdgeError(p.res, 502, 'NODEARK_ERR_ROUTE_WORKER_GONE', `Module ${this.options.identity} ${reason}`);
      this.finish(id, p);
    }
  }

  /** Resolves when no request is in flight, or after `timeoutMs`; returns how many were still in flight. */
  drain(timeoutMs: number): Promise<number> {
    if (this.pending.size === 0) return Promise.resolve(0);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.drainWaiters = this.drainWaiters.filter((w) => w !== done);
        resolve(this.pending.size);
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        resolve(0);
      };
      this.drainWaiters.push(done);
    });
  }

  private timeout(id: number): void {
    const p = this.pending.get(id);
    if (!p) return;
    p.timer = undefined;
    this.post({ t: 'abort', id });
    sendEdgeError(
      p.res,
      504,
      'NODEARK_ERR_ROUTE_TIMEOUT',
      `Module ${this.options.identity} did not answer within ${this.options.requestTimeoutMs} ms`,
    );
    this.finish(id, p);
  }

  private finish(id: number, p: Pending): void {
    if (p.done) return;
    p.done = true;
    if (p.timer) clearTimeout(p.timer);
    p.res.removeListener('close', p.onClose);
    this.pending.delete(id);
    if (this.pending.size === 0 && this.drainWaiters.length > 0) {
      const waiters = this.drainWaiters;
      this.drainWaiters = [];
      for (const w of waiters) w();
    }
  }

  private post(msg: ToWorker, transfer?: ArrayBuffer[]): void {
    this.outbox.push(msg);
    if (transfer) for (const b of transfer) this.outboxTransfer.push(b);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(this.flushOutbox);
    }
  }

  /** Sends the messages of this turn: one message as is, several as one array. */
  private flush(): void {
    this.flushScheduled = false;
    const n = this.outbox.length;
    if (n === 0) return;
    try {
      const msg = n === 1 ? this.outbox[0] : this.outbox;
      if (this.outboxTransfer.length > 0) this.worker.postMessage(msg, this.outboxTransfer);
      else this.worker.postMessage(msg);
    } catch {
      // The worker is already gone; failAll() answers the requests.
    }
    // postMessage has serialised the batch: the arrays can be reused.
    this.outbox.length = 0;
    this.outboxTransfer.length = 0;
  }
}

/** Removes Content-Length pairs in place (`raw` is the fresh array stripHopByHop returned) and returns it. */
function dropContentLength(raw: string[]): string[] {
  let w = 0;
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i]!.length === 14 && raw[i]!.toLowerCase() === 'content-length') continue;
    if (w !== i) {
      raw[w] = raw[i]!;
      raw[w + 1] = raw[i + 1]!;
    }
    w += 2;
  }
  raw.length = w;
  return raw;
}

function writeHead(res: ServerResponse, status: number, raw: string[]): boolean {
  try {
    res.writeHead(status, raw as unknown as Record<string, string>);
    return true;
  } catch (err) {
    // Invalid status or header from the module: answer 500 rather than crash the base.
    const e = err as Error;
    res.removeHeader?.('content-length');
    sendEdgeError(res, 500, 'NODEARK_ERR_ROUTE_HANDLER_FAILED', `Invalid response from module: ${e.message}`);
    return false;
  }
}
