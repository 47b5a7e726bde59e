/**
 * Serves a web-standard `fetch(request, ctx)` handler on Node's `(req, res)`: the module's server in the
 * worker is a real `node:http` server for every module style, and this adapter is its listener for
 * `fetch` modules (Hono, plain `Request → Response` handlers).
 *
 * Live streams: the head goes out when the Response resolves; a body that is complete within that turn is
 * sent with a `Content-Length`, anything slower streams chunk by chunk as the module produces it. A client
 * that leaves aborts `request.signal` and cancels the response body.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BizContext, BizFetchHandler } from '@nodeark/biz';
import { ERR_ROUTE_HANDLER_FAILED } from '../errors.js';

const BODY_HWM = 64 * 1024;
const TURN_END = Symbol('turn-end');

interface ResponseLike {
  status: number;
  statusText?: string;
  headers: Headers;
  body: ReadableStream<Uint8Array> | null;
}

/** Duck-typed: a module may bundle its own undici, whose Response is not this realm's class. */
function isResponseLike(v: unknown): v is ResponseLike {
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof (v as ResponseLike).status === 'number' &&
    typeof (v as ResponseLike).headers?.forEach === 'function'
  );
}

function requestBody(req: IncomingMessage): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        req.on('data', (chunk: Buffer) => {
          controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
          if ((controller.desiredSize ?? 0) <= 0) req.pause();
        });
        req.once('end', () => controller.close());
        req.once('error', (err) => controller.error(err));
        req.once('aborted', () => controller.error(new Error('the client aborted the request')));
      },
      pull() {
        req.resume();
      },
      cancel() {
        req.resume();
      },
    },
    { highWaterMark: BODY_HWM, size: (chunk) => chunk.byteLength },
  );
}

function toRequest(req: IncomingMessage, signal: AbortSignal): Request {
  const headers = new Headers();
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) headers.append(raw[i]!, raw[i + 1]!);
  const socket = req.socket as IncomingMessage['socket'] & { encrypted?: boolean };
  const url = `${socket.encrypted ? 'https' : 'http'}://${req.headers.host ?? 'localhost'}${req.url ?? '/'}`;
  const method = req.method ?? 'GET';
  const init: RequestInit & { duplex?: 'half' } = { method, headers, signal };
  if (method !== 'GET' && method !== 'HEAD') {
    init.body = requestBody(req);
    init.duplex = 'half';
  } else {
    req.resume();
  }
  return new Request(url, init);
}

function setHeaders(res: ServerResponse, response: ResponseLike): void {
  const raw: string[] = [];
  response.headers.forEach((value, name) => {
    // Headers joins repeated Set-Cookie with ", ", which corrupts cookies: they are added one by one below.
    if (name !== 'set-cookie') raw.push(name, value);
  });
  const cookies = typeof response.headers.getSetCookie === 'function' ? response.headers.getSetCookie() : [];
  for (const c of cookies) raw.push('set-cookie', c);
  res.statusCode = response.status;
  if (response.statusText) res.statusMessage = response.statusText;
  for (let i = 0; i < raw.length; i += 2) res.appendHeader(raw[i]!, raw[i + 1]!);
}

/** Answers 500 with the edge-error shape (or cuts a response already started). */
export function handlerFailed(res: ServerResponse, identity: string, err: unknown): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const message = `Module ${identity} failed to handle the request: ${err instanceof Error ? err.message : String(err)}`;
  const body = JSON.stringify({ statusCode: 500, code: ERR_ROUTE_HANDLER_FAILED.code, error: 'Internal Server Error', message });
  res.writeHead(500, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/** Returns a `(req, res)` listener that serves `fetchHandler`. */
export function fetchListener(
  fetchHandler: BizFetchHandler,
  thisArg: unknown,
  ctx: BizContext,
  onError: (err: unknown) => void,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const abort = new AbortController();
    res.once('close', () => {
      if (!res.writableFinished) abort.abort();
    });
    void serve(fetchHandler, thisArg, ctx, req, res, abort.signal).catch((err: unknown) => {
      onError(err);
      handlerFailed(res, `${ctx.bizName}:${ctx.bizVersion}`, err);
    });
  };
}

async function serve(
  fetchHandler: BizFetchHandler,
  thisArg: unknown,
  ctx: BizContext,
  req: IncomingMessage,
  res: ServerResponse,
  signal: AbortSignal,
): Promise<void> {
  const response: unknown = await Reflect.apply(fetchHandler, thisArg, [toRequest(req, signal), ctx]);
  if (!isResponseLike(response)) throw new TypeError('fetch() must return a Response');
  setHeaders(res, response);
  const body = response.body;
  if (!body || req.method === 'HEAD') {
    await body?.cancel().catch(() => {});
    res.end();
    return;
  }
  const reader = body.getReader();
  // Collect what the body yields before this turn ends: a complete body gets a Content-Length.
  const chunks: Uint8Array[] = [];
  const turnEnd = new Promise<typeof TURN_END>((resolve) => setImmediate(resolve, TURN_END));
  let next = reader.read();
  for (;;) {
    const r = await Promise.race([next, turnEnd]);
    if (r === TURN_END) break;
    if (r.done) {
      const all = Buffer.concat(chunks);
      if (!res.hasHeader('content-length')) res.setHeader('content-length', all.byteLength);
      res.end(all);
      return;
    }
    chunks.push(r.value);
    next = reader.read();
  }
  // A live stream: head now, then every chunk as it comes.
  res.flushHeaders();
  const cancel = (): void => {
    void reader.cancel().catch(() => {});
  };
  res.once('close', cancel);
  for (const c of chunks) res.write(c);
  for (;;) {
    const r = await next;
    if (r.done) break;
    if (res.destroyed) return;
    if (!res.write(r.value)) {
      await new Promise<void>((resolve) => {
        const go = (): void => {
          res.off('drain', go);
          res.off('close', go);
          resolve();
        };
        res.on('drain', go);
        res.on('close', go);
      });
    }
    next = reader.read();
  }
  res.off('close', cancel);
  res.end();
}
