/**
 * The connection relay's readers: request heads, chunked bodies and response heads. Where they decide
 * a message boundary, they are checked against node:http's own parser (llhttp) on a real server: the
 * relay must never accept a framing llhttp reads differently.
 */
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChunkedBody } from '../src/relay/chunked-body.js';
import { isHeadError, moduleHead, parseRequestHead, type RequestHead } from '../src/relay/request-head.js';
import { parseResponseHead } from '../src/relay/response-head.js';

function head(text: string): RequestHead {
  const r = parseRequestHead(text);
  if (isHeadError(r)) throw new Error(`refused: ${r.reason}`);
  return r;
}

function scanAll(body: string, split = 0): number {
  const scanner = new ChunkedBody(1024);
  const bytes = Buffer.from(body, 'latin1');
  if (split <= 0) return scanner.scan(bytes, 0);
  let end = -2;
  for (let i = 0; i < bytes.length; i += split) {
    const part = bytes.subarray(i, Math.min(bytes.length, i + split));
    const r = scanner.scan(part, 0);
    if (r < 0) return -1;
    if (scanner.done) {
      end = i + r;
      break;
    }
  }
  return end;
}

describe('request heads', () => {
  it('reads target, version, length, chunked, Host and upgrade', () => {
    const h = head('POST /app/x?y=1 HTTP/1.1\r\nHost: a:1\r\nContent-Length: 12\r\nX-A: b');
    expect(h).toMatchObject({ method: 'POST', target: '/app/x?y=1', minor: 1, contentLength: 12, chunked: false, upgrade: false, host: 'a:1' });
    expect(head('GET / HTTP/1.0\r\nTransfer-Encoding: gzip, chunked')).toMatchObject({ minor: 0, chunked: true });
    expect(head('GET /ws HTTP/1.1\r\nConnection: keep-alive, Upgrade\r\nUpgrade: websocket').upgrade).toBe(true);
    expect(head('GET /ws HTTP/1.1\r\nConnection: Upgrade').upgrade).toBe(false);
    expect(head('GET /ws HTTP/1.1\r\nUpgrade: websocket').upgrade).toBe(false);
    expect(head('CONNECT a:443 HTTP/1.1').upgrade).toBe(true);
    // node:http's parser reads Proxy-Connection as Connection.
    expect(head('GET /ws HTTP/1.1\r\nProxy-Connection: upgrade\r\nUpgrade: websocket').upgrade).toBe(true);
    // The first Host counts, as in req.headers.host.
    expect(head('GET / HTTP/1.1\r\nHost: first\r\nHost: second').host).toBe('first');
  });

  it.each([
    ['both framings', 'POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked', 400],
    ['two lengths', 'POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 3', 400],
    ['a signed length', 'POST / HTTP/1.1\r\nContent-Length: +3', 400],
    ['a length list', 'POST / HTTP/1.1\r\nContent-Length: 3, 3', 400],
    ['chunked not last', 'POST / HTTP/1.1\r\nTransfer-Encoding: chunked, gzip', 400],
    ['chunked twice', 'POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked', 400],
    ['an unknown coding alone', 'POST / HTTP/1.1\r\nTransfer-Encoding: gzip', 400],
    ['a folded line', 'GET / HTTP/1.1\r\nX-A: b\r\n c', 400],
    ['a bare LF', 'GET / HTTP/1.1\nHost: a', 400],
    ['a space before the colon', 'GET / HTTP/1.1\r\nHost : a', 400],
    ['a control byte in a value', 'GET / HTTP/1.1\r\nX-A: b\x01c', 400],
    ['a length ending in a vertical tab', 'POST / HTTP/1.1\r\nContent-Length: 4\x0b', 400],
    ['a length ending in a no-break space', 'POST / HTTP/1.1\r\nContent-Length: 4\xa0', 400],
    ['chunked ending in a no-break space', 'POST / HTTP/1.1\r\nTransfer-Encoding: chunked\xa0', 400],
    ['HTTP/2 in the request line', 'GET / HTTP/2.0', 400],
    ['a method node:http does not know', 'FETCH / HTTP/1.1', 400],
    ['a space in the target', 'GET /a b HTTP/1.1', 400],
    ['no target', 'GET  HTTP/1.1', 400],
  ])('refuses %s', (_, text, status) => {
    const r = parseRequestHead(text);
    expect(isHeadError(r) ? r.status : 0).toBe(status);
  });

  it('rewrites the target and the x-forwarded-* headers for the module, keeping every other line as sent', () => {
    const h = head('GET /app/x HTTP/1.1\r\nHost: b.example\r\nX-Forwarded-For: 6.6.6.6\r\nx-forwarded-port: 1\r\nCookie: c=1');
    const fwd = { remoteAddress: '127.0.0.1', encrypted: false, prefix: '/app', trustProxy: false };
    expect(moduleHead(h, '/x', fwd)).toBe(
      'GET /x HTTP/1.1\r\nHost: b.example\r\nx-forwarded-port: 1\r\nCookie: c=1\r\n' +
        'x-forwarded-for: 127.0.0.1\r\nx-forwarded-proto: http\r\nx-forwarded-host: b.example\r\nx-forwarded-prefix: /app\r\n\r\n',
    );
    const trusted = head('GET /app/x HTTP/1.1\r\nX-Forwarded-For: 1.1.1.1\r\nX-Forwarded-Proto: https\r\nX-Forwarded-Host: p\r\nX-Forwarded-Prefix: /edge/');
    expect(moduleHead(trusted, '/x', { ...fwd, trustProxy: true, encrypted: true })).toBe(
      'GET /x HTTP/1.1\r\nx-forwarded-for: 1.1.1.1, 127.0.0.1\r\nx-forwarded-proto: https\r\nx-forwarded-host: p\r\nx-forwarded-prefix: /edge/app\r\n\r\n',
    );
  });
});

describe('chunked bodies', () => {
  const body = '5;ext=1\r\nhello\r\n0006\r\n world\r\n0\r\nX-Trailer: t\r\n\r\nNEXT';

  it('finds the end of the body, with extensions and trailers, however the bytes are split', () => {
    const end = body.indexOf('NEXT');
    expect(scanAll(body)).toBe(end);
    for (const split of [1, 2, 3, 7]) expect(scanAll(body, split)).toBe(end);
    expect(scanAll('0\r\n\r\n')).toBe(5);
  });

  it('counts the payload bytes', () => {
    const scanner = new ChunkedBody(1024);
    scanner.scan(Buffer.from(body, 'latin1'), 0);
    expect(scanner.dataBytes).toBe(11);
  });

  it.each([
    ['no size', '\r\nhello\r\n0\r\n\r\n'],
    ['a non-hex size', 'g\r\nhello\r\n0\r\n\r\n'],
    ['a chunk longer than its size', '3\r\nhello\r\n0\r\n\r\n'],
    ['a bare LF after the size', '5\nhello\r\n0\r\n\r\n'],
    ['an oversized size', 'ffffffffffffffff\r\n'],
    ['a bare LF in the trailers', '0\r\nX: y\n\r\n'],
  ])('refuses %s', (_, text) => {
    expect(scanAll(text)).toBe(-1);
  });

  it('bounds the trailer section', () => {
    const scanner = new ChunkedBody(16);
    expect(scanner.scan(Buffer.from(`0\r\nX: ${'y'.repeat(40)}\r\n\r\n`), 0)).toBe(-1);
  });
});

describe('response heads', () => {
  it('finds the framing: length, chunked, none (HEAD, 1xx, 204, 304) or the connection close', () => {
    expect(parseResponseHead('HTTP/1.1 200 OK\r\nContent-Length: 5', 'GET', undefined)).toMatchObject({ status: 200, framing: 'length', contentLength: 5, close: false });
    expect(parseResponseHead('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked', 'GET', undefined)?.framing).toBe('chunked');
    expect(parseResponseHead('HTTP/1.1 200 OK\r\nContent-Length: 5', 'HEAD', undefined)?.framing).toBe('none');
    for (const s of [100, 103, 204, 304]) expect(parseResponseHead(`HTTP/1.1 ${s} X`, 'GET', undefined)?.framing).toBe('none');
    expect(parseResponseHead('HTTP/1.1 200 OK\r\nConnection: close', 'GET', undefined)).toMatchObject({ framing: 'close', close: true });
    expect(parseResponseHead('HTTP/1.0 200 OK\r\nContent-Length: 1', 'GET', undefined)?.close).toBe(true);
    expect(parseResponseHead('HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 1', 'GET', undefined)?.close).toBe(false);
    expect(parseResponseHead('SSH-2.0-x', 'GET', undefined)).toBeUndefined();
  });

  it('rewrites Location, Content-Location and cookie paths into the mount point only when one changes', () => {
    const rewrite = { prefix: '/app', host: 'h' };
    const r = parseResponseHead('HTTP/1.1 302 Found\r\nLocation: /login\r\nSet-Cookie: s=1; Path=/\r\nContent-Length: 0', 'GET', rewrite);
    expect(r?.text).toBe('HTTP/1.1 302 Found\r\nLocation: /app/login\r\nSet-Cookie: s=1; Path=/app\r\nContent-Length: 0\r\n\r\n');
    expect(parseResponseHead('HTTP/1.1 302 Found\r\nLocation: /app/login', 'GET', rewrite)?.text).toBeUndefined();
    expect(parseResponseHead('HTTP/1.1 302 Found\r\nLocation: https://elsewhere/x', 'GET', rewrite)?.text).toBeUndefined();
  });
});

describe('agreement with node:http on where a request ends', () => {
  let server: Server;
  let port = 0;
  const seen: string[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push(`${req.method} ${req.url}`);
      req.resume();
      req.on('end', () => res.end('ok'));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  /** Sends `bytes` on one connection and returns the requests node:http saw (within 1 s). */
  async function nodeSees(bytes: string): Promise<string[]> {
    seen.length = 0;
    const socket = connect(port, '127.0.0.1');
    socket.on('data', () => {});
    socket.on('error', () => {});
    socket.end(Buffer.from(bytes, 'latin1'));
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, 1000);
      socket.once('close', () => {
        clearTimeout(t);
        resolve();
      });
    });
    socket.destroy();
    return [...seen];
  }

  /** The requests the relay's readers find in `bytes` (head, body by its framing, next head, ...). */
  function relaySees(bytes: string): string[] {
    const out: string[] = [];
    let rest = Buffer.from(bytes, 'latin1');
    while (rest.length > 0) {
      const end = rest.indexOf('\r\n\r\n');
      if (end === -1) break;
      const h = parseRequestHead(rest.toString('latin1', 0, end));
      if (isHeadError(h)) break;
      rest = rest.subarray(end + 4);
      if (h.chunked) {
        const scanner = new ChunkedBody(1024);
        const e = scanner.scan(rest, 0);
        if (e < 0 || !scanner.done) break;
        rest = rest.subarray(e);
      } else {
        if (rest.length < h.contentLength) break;
        rest = rest.subarray(h.contentLength);
      }
      out.push(`${h.method} ${h.target}`);
    }
    return out;
  }

  it.each([
    ['two plain requests', 'GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n'],
    ['a length body then a request', 'POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhelloGET /b HTTP/1.1\r\nHost: x\r\n\r\n'],
    ['a chunked body then a request', 'POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5;e\r\nhello\r\n0\r\nT: 1\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n'],
    ['a request hidden in a length body', 'POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 33\r\n\r\nGET /hidden HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n'],
    ['a length that cuts into the next request', 'POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n'],
    ['both framings', 'POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /hidden HTTP/1.1\r\nHost: x\r\n\r\n'],
    ['a chunk longer than its size', 'POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nhello\r\n0\r\n\r\nGET /hidden HTTP/1.1\r\nHost: x\r\n\r\n'],
  ])('%s: the relay finds no request node:http does not', async (_, bytes) => {
    const node = await nodeSees(bytes);
    const relay = relaySees(bytes);
    // The relay may stop earlier (it refuses more), never read a request node:http did not.
    expect(node.slice(0, relay.length)).toEqual(relay);
    expect(relay.every((r) => !r.includes('hidden'))).toBe(true);
  });
});
