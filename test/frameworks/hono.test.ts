/**
 * Hono 4 as a module (`export default app`, served through its `fetch`): the same requests against the
 * app on its own server (@hono/node-server) and through a base give the same answers (JSON in and out,
 * Hono's 404, redirects mounted, cookies mounted, HEAD), and a `streamSSE` stream arrives live, event
 * by event, its head first.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { both, rawRequest, startBase, startStandalone, type Answer, type Standalone, type TestBase, cookiesOfBoth, follow, readSse } from './harness.js';

let base: TestBase;
let direct: Standalone;
const PREFIX = 'hono';
const BODY_HEADERS = ['content-type', 'content-length'];

beforeAll(async () => {
  base = await startBase();
  await base.install('hono');
  direct = await startStandalone('hono');
});

afterAll(async () => {
  await direct?.close();
  await base?.close();
});

/**
 * `c.text(s)` without status or headers is Hono's fast path `new Response(s)`: the Content-Type is then
 * the Response class's default. Standalone, @hono/node-server replaces the global Response with its own
 * (default `text/plain; charset=UTF-8`); in the module it is the platform's (the Fetch standard's
 * `text/plain;charset=UTF-8`). Same media type, spelled differently by the adapter: compared normalized.
 */
function normalized(a: Answer): Answer {
  const ct = a.headers['content-type'];
  return ct === undefined ? a : { ...a, headers: { ...a.headers, 'content-type': ct.replace(/;\s*/g, '; ') } };
}

describe('Hono 4 (export default app)', () => {
  it('answers GET and parses JSON bodies exactly as on its own server', async () => {
    const requests: Array<[string, RequestInit]> = [
      ['/', {}],
      ['/?q=1', {}],
      ['/text', {}],
      ['/items', {}],
      ['/json', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ a: 1, b: ['x'] }) }],
      ['/json', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"broken' }],
      ['/json', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ big: 'y'.repeat(300_000), n: [1, 2, 3] }) }],
      ['/nope', {}],
    ];
    for (const [path, init] of requests) {
      const { direct: d, routed: r } = await both(direct, base, PREFIX, path, init, BODY_HEADERS);
      expect(normalized(r), `${init.method ?? 'GET'} ${path}`).toEqual(normalized(d));
    }
    const root = await both(direct, base, PREFIX, '/?q=1');
    expect(root.routed.status).toBe(200);
    // The module sees its own URL space: the context path is stripped.
    expect(JSON.parse(root.routed.body)).toEqual({ hello: 'hono', path: '/', query: '1' });
    const posted = await both(direct, base, PREFIX, '/json', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"a":1}',
    });
    expect(JSON.parse(posted.routed.body)).toEqual({ got: { a: 1 } });
    const broken = await both(direct, base, PREFIX, '/json', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"broken' });
    expect([broken.routed.status, broken.routed.body]).toEqual([500, 'Internal Server Error']);
    const missing = await both(direct, base, PREFIX, '/nope', {}, BODY_HEADERS);
    expect(missing.routed.status).toBe(404);
    expect(missing.routed.body).toBe('404 Not Found');
  });

  it('sends a complete body with a Content-Length, as its own server does', async () => {
    for (const path of ['/', '/items', '/text']) {
      const { direct: d, routed: r } = await both(direct, base, PREFIX, path, {}, BODY_HEADERS);
      expect(d.headers['content-length'], path).toBe(String(Buffer.byteLength(d.body)));
      expect(r.headers['content-length'], path).toBe(d.headers['content-length']);
    }
  });

  it('answers HEAD like its own server', async () => {
    const d = await rawRequest(`${direct.url}/`, { method: 'HEAD' });
    const r = await rawRequest(`${base.url}/${PREFIX}/`, { method: 'HEAD' });
    expect(r.status).toBe(d.status);
    expect(r.status).toBe(200);
    expect(r.body).toBe('');
    expect(r.headers['content-type']).toBe(d.headers['content-type']);
    expect(r.headers['content-length']).toBe(d.headers['content-length']);
  });

  it("mounts a redirect at the module's context path", async () => {
    const { direct: d, routed: r } = await both(direct, base, PREFIX, '/go', {}, ['location', 'content-length']);
    expect(d.status).toBe(302);
    expect(d.headers['location']).toBe('/items');
    expect(r.status).toBe(d.status);
    expect(r.headers['location']).toBe(`/${PREFIX}/items`);
    expect(r.body).toBe(d.body);
    expect(await follow(base, PREFIX, '/go')).toEqual({ url: `${base.url}/${PREFIX}/items`, body: ['a', 'b'] });
  });

  it('keeps cookies, with Path mounted at the context path', async () => {
    const c = await cookiesOfBoth(direct, base, PREFIX, '/cookie');
    expect(c.routedBody).toEqual(c.directBody);
    expect(c.direct).toEqual(['sid=abc; Path=/; HttpOnly']);
    expect(c.routed).toEqual([`sid=abc; Path=/${PREFIX}; HttpOnly`]);
  });

  it('delivers a streamSSE stream live, event by event, with the same head and text as its own server', async () => {
    // Its own server first: the control for what "live" means for this app.
    const d = await readSse(`${direct.url}/sse`);
    const r = await readSse(`${base.url}/${PREFIX}/sse`);
    for (const [where, s] of [['direct', d], ['routed', r]] as const) {
      const timing = `${where}: ${JSON.stringify({ headersAt: s.headersAt, arrivals: s.arrivals })}`;
      expect(s.status, timing).toBe(200);
      expect(s.headers.get('content-type'), timing).toMatch(/^text\/event-stream/);
      expect(s.headers.get('content-length'), timing).toBeNull();
      expect(s.arrivals.map(([id]) => id), timing).toEqual(['0', '1', '2', '3']);
      // The events arrive spread out as written (150 ms apart), not all at once at the end.
      expect(s.arrivals[3]![1] - s.arrivals[0]![1], timing).toBeGreaterThanOrEqual(300);
    }
    for (const h of ['content-type', 'cache-control', 'content-length']) expect(r.headers.get(h), h).toBe(d.headers.get(h));
    expect(r.text).toBe(d.text);
  });

  it('sends the SSE head as soon as the app does, well before the first event', async () => {
    const d = await readSse(`${direct.url}/sse`);
    const r = await readSse(`${base.url}/${PREFIX}/sse`);
    for (const [where, s] of [['direct', d], ['routed', r]] as const) {
      const timing = `${where}: ${JSON.stringify({ headersAt: s.headersAt, arrivals: s.arrivals })}`;
      // The head goes out when the handler returns; the first event is written 150 ms later. So the head
      // arrives well before it, not in the same packet (a tie within a millisecond would pass a bare `<`).
      expect(s.headersAt, timing).toBeLessThan(s.arrivals[0]![1]);
      expect(s.arrivals[0]![1] - s.headersAt, timing).toBeGreaterThanOrEqual(50);
    }
  });
});
