// Serves a web-standard `fetch(request, ctx)` handler on a Node (req, res) pair, doing the same work per
// request as the worker side does for fetch modules (packages/runtime/src/worker/fetch-adapter.ts): build Headers
// and a Request whose signal aborts when the client goes away, call the handler, buffer a response body up
// to 64 KiB and send it with Content-Length, stream anything larger with backpressure. This is "the same handler served directly by the base" of the
// routed scenarios, and the HTTP layer of the separate-process baseline of the memory scenario.
import { once } from 'node:events';
import { Readable } from 'node:stream';

const INLINE_MAX = 64 * 1024;

/** Answers `req` on `res` with `fetchHandler`; `url` is the path and query the handler should see. */
export async function serveFetch(fetchHandler, ctx, req, res, url) {
  try {
    const headers = new Headers();
    const raw = req.rawHeaders;
    for (let i = 0; i < raw.length; i += 2) headers.append(raw[i], raw[i + 1]);
    const method = req.method ?? 'GET';
    let body = null;
    if (method !== 'GET' && method !== 'HEAD') {
      const cl = req.headers['content-length'];
      if (req.headers['transfer-encoding'] === undefined && cl !== undefined && Number(cl) <= INLINE_MAX) {
        const parts = [];
        for await (const c of req) parts.push(c);
        body = Buffer.concat(parts);
      } else {
        body = Readable.toWeb(req);
      }
    } else {
      req.resume();
    }
    // Like the worker side: request.signal aborts when the client disconnects before the answer is complete.
    const ac = new AbortController();
    res.once('close', () => {
      if (!res.writableFinished) ac.abort();
    });
    const init = { method, headers, body, signal: ac.signal };
    if (body !== null) init.duplex = 'half';
    const request = new Request(`http://${req.headers.host ?? 'localhost'}${url}`, init);
    const response = await fetchHandler(request, ctx);
    const out = [];
    response.headers.forEach((v, k) => {
      if (k !== 'set-cookie') out.push(k, v);
    });
    for (const c of response.headers.getSetCookie()) out.push('set-cookie', c);
    if (!response.body || method === 'HEAD') {
      res.writeHead(response.status, out);
      res.end();
      return;
    }
    const reader = response.body.getReader();
    const buffered = [];
    let size = 0;
    let streaming = false;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (!streaming) {
        if (size + value.byteLength <= INLINE_MAX) {
          buffered.push(value);
          size += value.byteLength;
          continue;
        }
        streaming = true;
        res.writeHead(response.status, out);
        for (const b of buffered) res.write(b);
      }
      if (!res.write(value)) await once(res, 'drain');
    }
    if (streaming) {
      res.end();
    } else {
      out.push('content-length', String(size));
      res.writeHead(response.status, out);
      res.end(buffered.length === 1 ? buffered[0] : Buffer.concat(buffered, size));
    }
  } catch (err) {
    if (!res.headersSent) {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(String(err));
    } else {
      res.destroy();
    }
  }
}

/** Loads a module the way the worker does: default export object, or a function returning one. */
export async function loadModule(entryUrl) {
  const mod = await import(entryUrl);
  let def = mod.default ?? mod;
  if (typeof def === 'function') def = await def();
  return def;
}
