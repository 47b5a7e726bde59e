/**
 * Calls a module's web-standard `fetch(request, ctx)` for one bridged request (design.md § Request path).
 */
import type { BizContext, BizFetchHandler } from '@nodeark/biz';
import { serializeError } from '../errors.js';
import type { IncomingBody } from './incoming-body.js';
import type { OutgoingBody } from './outgoing-body.js';
import type { ReqMessage } from './protocol.js';

const BODY_HWM = 64 * 1024;

/** Runs one request through `fetch` and streams its Response into `out`. Never throws. */
export async function dispatchFetch(
  fetchHandler: BizFetchHandler,
  ctx: BizContext,
  msg: ReqMessage,
  incoming: IncomingBody | undefined,
  out: OutgoingBody,
  signal: AbortSignal,
): Promise<void> {
  try {
    const headers = new Headers();
    const raw = msg.headers;
    let host = 'localhost';
    for (let i = 0; i < raw.length; i += 2) {
      const name = raw[i]!;
      headers.append(name, raw[i + 1]!);
      if (name.length === 4 && name.toLowerCase() === 'host') host = raw[i + 1]!;
    }
    let body: Uint8Array | ReadableStream<Uint8Array> | null = null;
    if (msg.method !== 'GET' && msg.method !== 'HEAD') {
      if (incoming) body = streamFrom(incoming);
      else if (msg.body) body = new Uint8Array(msg.body);
    }
    const init: RequestInit & { duplex?: 'half' } = { method: msg.method, headers, body, signal };
    if (body !== null) init.duplex = 'half';
    const request = new Request(`http://${host}${msg.url}`, init);
    const response: unknown = await fetchHandler(request, ctx);
    if (!isResponseLike(response)) {
      throw Object.assign(new TypeError('fetch() must return a Response'), {
        code: 'NODEARK_ERR_ROUTE_HANDLER_FAILED',
      });
    }
    out.head(response.status, flattenHeaders(response.headers));
    const stream = response.body;
    if (stream && msg.method !== 'HEAD') {
      const reader = stream.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        if (!out.write(value) ) await out.waitDrain();
        if (out.closed) {
          await reader.cancel().catch(() => {});
          break;
        }
      }
    }
    out.end();
  } catch (err) {
    out.fail(serializeError(err));
  }
}

function streamFrom(incoming: IncomingBody): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        incoming.attach({
          push(chunk) {
            if (chunk === null) {
              controller.close();
              return false;
            }
            controller.enqueue(chunk);
            return (controller.desiredSize ?? 0) > 0;
          },
          error(err) {
            controller.error(err);
          },
        });
      },
      pull() {
        incoming.pull();
      },
    },
    { highWaterMark: BODY_HWM, size: (chunk) => chunk.byteLength },
  );
}

interface ResponseLike {
  status: number;
  headers: Headers;
  body: ReadableStream<Uint8Array> | null;
}

// Duck-typed: a module may bundle its own undici, whose Response is not this realm's class.
function isResponseLike(v: unknown): v is ResponseLike {
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof (v as ResponseLike).status === 'number' &&
    typeof (v as ResponseLike).headers?.forEach === 'function'
  );
}

function flattenHeaders(h: Headers): string[] {
  const out: string[] = [];
  h.forEach((value, name) => {
    if (name === 'set-cookie') return;
    out.push(name, value);
  });
  // Headers joins repeated Set-Cookie with ", " which corrupts cookies; keep them separate.
  const cookies = typeof h.getSetCookie === 'function' ? h.getSetCookie() : [];
  for (const c of cookies) out.push('set-cookie', c);
  return out;
}
