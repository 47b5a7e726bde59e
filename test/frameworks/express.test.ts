/**
 * Express 4 and 5 as modules: the same requests against the app on its own server and through a base
 * give the same answers (bodies, static files with ETag/304/Range/HEAD, redirects mounted, cookies,
 * errors in production mode, compression over a streamed body, a live SSE stream).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { both, rawRequest, readSse, startBase, startStandalone, type Standalone, type TestBase } from './harness.js';

let base: TestBase;
let ex5: Standalone;
let ex4: Standalone;
const savedEnv = process.env.NODE_ENV;

beforeAll(async () => {
  // Errors in production mode: the base's NODE_ENV reaches its modules (and the standalone app sees it too).
  process.env.NODE_ENV = 'production';
  base = await startBase();
  await base.install('express5');
  await base.install('express4');
  ex5 = await startStandalone('express5');
  ex4 = await startStandalone('express4');
});

afterAll(async () => {
  process.env.NODE_ENV = savedEnv;
  await ex5?.close();
  await ex4?.close();
  await base?.close();
});

// ETag and Last-Modified come from the file's mtime, and the module runs from its own copy in the store:
// they are compared by behaviour (each server's own ETag gives a 304), not by value.
const STATIC_HEADERS = ['content-type', 'content-length', 'accept-ranges', 'content-range', 'cache-control'];

describe.each([
  ['Express 5 (export default app)', 'ex5', () => ex5],
  ['Express 4 ({ handler: app })', 'ex4', () => ex4],
])('%s', (_name, prefix, direct) => {
  it('answers GET and parses JSON and urlencoded bodies exactly as on its own server', async () => {
    const requests: Array<[string, RequestInit]> = [
      ['/', {}],
      ['/json', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ a: 1, b: ['x'] }) }],
      ['/form', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'a=1&b=two' }],
      ['/json', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"broken' }],
      ['/items', {}],
      ['/nope', {}],
    ];
    for (const [path, init] of requests) {
      const { direct: d, routed: r } = await both(direct(), base, prefix, path, init, ['content-type', 'content-length']);
      expect(r, `${init.method ?? 'GET'} ${path}`).toEqual(d);
    }
    const root = await both(direct(), base, prefix, '/');
    expect(JSON.parse(root.routed.body)).toMatchObject({ env: 'production' });
    const posted = await both(direct(), base, prefix, '/json', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":1}' });
    expect(JSON.parse(posted.routed.body)).toEqual({ got: { a: 1 } });
  });

  it('answers errors in production mode without a stack trace', async () => {
    const { direct: d, routed: r } = await both(direct(), base, prefix, '/boom', {}, ['content-type', 'content-length']);
    expect(r).toEqual(d);
    expect(r.status).toBe(500);
    expect(r.body).not.toContain('kaboom');
    expect(r.body).not.toContain('.mjs');
  });

  it("mounts a redirect at the module's context path", async () => {
    const { direct: d, routed: r } = await both(direct(), base, prefix, '/go', {}, ['location']);
    expect(d.headers['location']).toBe('/items');
    expect(r.status).toBe(d.status);
    expect(r.headers['location']).toBe(`/${prefix}/items`);
    const followed = await fetch(`${base.url}/${prefix}/go`);
    expect(await followed.json()).toEqual(['a', 'b']);
  });
});

describe('Express 5 details', () => {
  it('parses a multipart upload (multer)', async () => {
    const make = (): FormData => {
      const form = new FormData();
      form.append('note', 'hi');
      form.append('file', new Blob([new Uint8Array(70_000).fill(7)]), 'data.bin');
      return form;
    };
    const d = await fetch(`${ex5.url}/upload`, { method: 'POST', body: make() });
    const r = await fetch(`${base.url}/ex5/upload`, { method: 'POST', body: make() });
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual(await d.json());
  });

  it('serves express.static with ETag, 304, Range and HEAD like its own server', async () => {
    const first = await both(ex5, base, 'ex5', '/static/hello.txt', {}, STATIC_HEADERS);
    expect(first.routed).toEqual(first.direct);
    const directTag = (await fetch(`${ex5.url}/static/hello.txt`)).headers.get('etag')!;
    const routedTag = (await fetch(`${base.url}/ex5/static/hello.txt`)).headers.get('etag')!;
    expect(routedTag).toMatch(/^W\/"/);
    const d304 = await rawRequest(`${ex5.url}/static/hello.txt`, { headers: { 'if-none-match': directTag } });
    const r304 = await rawRequest(`${base.url}/ex5/static/hello.txt`, { headers: { 'if-none-match': routedTag } });
    expect([r304.status, r304.body]).toEqual([d304.status, d304.body]);
    expect(r304.status).toBe(304);
    const cases: RequestInit[] = [
      { headers: { range: 'bytes=0-4' } },
      { headers: { range: 'bytes=9999-' } },
      { method: 'HEAD' },
    ];
    for (const init of cases) {
      const { direct: d, routed: r } = await both(ex5, base, 'ex5', '/static/hello.txt', init, STATIC_HEADERS);
      expect(r, JSON.stringify(init)).toEqual(d);
    }
    const range = await both(ex5, base, 'ex5', '/static/hello.txt', { headers: { range: 'bytes=0-4' } });
    expect(range.routed.status).toBe(206);
    expect(range.routed.body).toBe('hello');
    const big = await both(ex5, base, 'ex5', '/static/big.txt', {}, STATIC_HEADERS);
    expect(big.routed).toEqual(big.direct);
  });

  it('keeps cookies, with Path mounted at the context path', async () => {
    const d = await fetch(`${ex5.url}/cookie`, { headers: { cookie: 'a=1' } });
    const r = await fetch(`${base.url}/ex5/cookie`, { headers: { cookie: 'a=1' } });
    expect(await r.json()).toEqual(await d.json());
    expect(d.headers.getSetCookie()).toEqual(['sid=abc; Path=/; HttpOnly']);
    expect(r.headers.getSetCookie()).toEqual(['sid=abc; Path=/ex5; HttpOnly']);
  });

  it('compresses a streamed body (compression) like its own server', async () => {
    const init = { headers: { 'accept-encoding': 'gzip' } };
    const { direct: d, routed: r } = await both(ex5, base, 'ex5', '/compressed', init, ['content-type', 'content-encoding', 'vary']);
    expect(r).toEqual(d);
    expect(r.headers['content-encoding']).toBe('gzip');
    expect(r.body.split('\n')).toHaveLength(201);
  });

  it('sees the client address and protocol as on its own server', async () => {
    const { direct: d, routed: r } = await both(ex5, base, 'ex5', '/ip');
    expect(r.status).toBe(200);
    const dj = JSON.parse(d.body) as { ip: string; protocol: string };
    const rj = JSON.parse(r.body) as { ip: string; protocol: string };
    expect(rj.protocol).toBe(dj.protocol);
    expect(rj.ip.replace('::ffff:', '')).toBe(dj.ip.replace('::ffff:', ''));
  });

  it('delivers a flushHeaders() + write() SSE stream live, event by event', async () => {
    const { headers, headersAt, arrivals } = await readSse(`${base.url}/ex5/sse`);
    expect(headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(headers.get('content-length')).toBeNull();
    expect(arrivals.map(([id]) => id)).toEqual(['0', '1', '2', '3']);
    // The head arrives before the first event (written 150 ms later), and the events arrive spread out
    // as written (150 ms apart), not all at once at the end.
    expect(arrivals[0]![1] - headersAt).toBeGreaterThanOrEqual(50);
    expect(arrivals[3]![1] - arrivals[0]![1]).toBeGreaterThanOrEqual(300);
  });
});
