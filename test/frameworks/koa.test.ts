/**
 * Koa 3 as a module (`export default app`, served through `app.callback()`): the same requests against
 * the app on its own server and through a base give the same answers (JSON and urlencoded bodies via
 * @koa/bodyparser, @koa/router's 404/405, Koa's default 500, redirects mounted, cookies mounted).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { both, rawRequest, startBase, startStandalone, type Standalone, type TestBase, cookiesOfBoth, follow } from './harness.js';

let base: TestBase;
let direct: Standalone;
const PREFIX = 'koa';
const BODY_HEADERS = ['content-type', 'content-length'];

beforeAll(async () => {
  base = await startBase();
  await base.install('koa');
  direct = await startStandalone('koa');
});

afterAll(async () => {
  await direct?.close();
  await base?.close();
});

describe('Koa 3 (export default app)', () => {
  it('answers GET and parses JSON and urlencoded bodies exactly as on its own server', async () => {
    const requests: Array<[string, RequestInit]> = [
      ['/', {}],
      ['/?q=1', {}],
      ['/text', {}],
      ['/items', {}],
      ['/json', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ a: 1, b: ['x'] }) }],
      ['/form', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'a=1&b=two' }],
      ['/json', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"broken' }],
      ['/json', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ big: 'y'.repeat(300_000), n: [1, 2, 3] }) }],
      ['/nope', {}],
      ['/items', { method: 'DELETE' }],
      ['/', { method: 'HEAD' }],
    ];
    for (const [path, init] of requests) {
      const { direct: d, routed: r } = await both(direct, base, PREFIX, path, init, BODY_HEADERS);
      expect(r, `${init.method ?? 'GET'} ${path}`).toEqual(d);
    }
    const root = await both(direct, base, PREFIX, '/?q=1');
    expect(root.routed.status).toBe(200);
    // The module sees its own URL space: the context path is stripped.
    expect(JSON.parse(root.routed.body)).toEqual({ hello: 'koa', path: '/', url: '/?q=1', originalUrl: '/?q=1', remote: 'string' });
    const posted = await both(direct, base, PREFIX, '/json', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"a":1}',
    });
    expect(JSON.parse(posted.routed.body)).toEqual({ got: { a: 1 } });
    const form = await both(direct, base, PREFIX, '/form', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'a=1&b=two',
    });
    expect(JSON.parse(form.routed.body)).toEqual({ got: { a: '1', b: 'two' } });
    const missing = await both(direct, base, PREFIX, '/nope');
    expect([missing.routed.status, missing.routed.body]).toEqual([404, 'Not Found']);
    const head = await rawRequest(`${base.url}/${PREFIX}/`, { method: 'HEAD' });
    const headDirect = await rawRequest(`${direct.url}/`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
    expect(head.headers['content-length']).toBe(headDirect.headers['content-length']);
    expect(head.headers['content-type']).toBe(headDirect.headers['content-type']);
  });

  it("answers a thrown error with Koa's default 500, without the message or a stack trace", async () => {
    const { direct: d, routed: r } = await both(direct, base, PREFIX, '/boom', {}, BODY_HEADERS);
    expect(r).toEqual(d);
    expect(r.status).toBe(500);
    expect(r.body).toBe('Internal Server Error');
    expect(r.headers['content-type']).toMatch(/^text\/plain/);
  });

  it("mounts a redirect at the module's context path", async () => {
    for (const accept of ['text/html', 'application/json']) {
      const { direct: d, routed: r } = await both(direct, base, PREFIX, '/go', { headers: { accept } }, [
        'location',
        'content-type',
        'content-length',
      ]);
      expect(d.status).toBe(302);
      expect(d.headers['location']).toBe('/items');
      expect(r.status).toBe(d.status);
      expect(r.headers['location']).toBe(`/${PREFIX}/items`);
      // The body is the app's own text, untouched.
      expect(r.body).toBe(d.body);
      expect(r.headers['content-type']).toBe(d.headers['content-type']);
      expect(r.headers['content-length']).toBe(d.headers['content-length']);
    }
    expect(await follow(base, PREFIX, '/go')).toEqual({ url: `${base.url}/${PREFIX}/items`, body: ['a', 'b'] });
  });

  it('keeps cookies, with Path mounted at the context path', async () => {
    const c = await cookiesOfBoth(direct, base, PREFIX, '/cookie', { headers: { cookie: 'a=1' } });
    expect(c.routedBody).toEqual(c.directBody);
    expect(c.direct).toEqual(['sid=abc; path=/; httponly']);
    expect(c.routed).toEqual([`sid=abc; path=/${PREFIX}; httponly`]);
  });
});
