/**
 * fastify 5 as a module (`export default app`, the instance never listening: the runtime awaits
 * `app.ready()` and serves through `app.server`): the same requests against the app on its own server
 * and through a base give the same answers (JSON schema validation and its 400 body, fastify's 404,
 * 415 and error bodies, an onRequest hook's header, redirects mounted, cookies mounted).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { both, rawRequest, startBase, startStandalone, type Standalone, type TestBase, cookiesOfBoth, follow } from './harness.js';

let base: TestBase;
let direct: Standalone;
const PREFIX = 'fst';
const HEADERS = ['content-type', 'content-length', 'x-hook'];
const json = (body: string): RequestInit => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body });

beforeAll(async () => {
  base = await startBase();
  await base.install('fastify');
  direct = await startStandalone('fastify');
});

afterAll(async () => {
  await direct?.close();
  await base?.close();
});

describe('fastify 5 (export default app)', () => {
  it('answers GET and validated POSTs exactly as on its own server', async () => {
    const requests: Array<[string, RequestInit]> = [
      ['/', {}],
      ['/?q=1', {}],
      ['/items', {}],
      ['/items', json(JSON.stringify({ name: 'pen', qty: 2 }))],
      ['/items', json(JSON.stringify({ qty: 2 }))],
      ['/items', json(JSON.stringify({ name: 'pen', qty: 0 }))],
      ['/items', json('{"broken')],
      ['/items', { method: 'POST', headers: { 'content-type': 'text/csv' }, body: 'a,b' }],
      ['/items', json(JSON.stringify({ name: 'y'.repeat(300_000), qty: 3 }))],
      ['/nope', {}],
      ['/', { method: 'HEAD' }],
    ];
    for (const [path, init] of requests) {
      const { direct: d, routed: r } = await both(direct, base, PREFIX, path, init, HEADERS);
      expect(r, `${init.method ?? 'GET'} ${path} ${String(init.body ?? '')}`).toEqual(d);
    }
    const root = await both(direct, base, PREFIX, '/?q=1');
    expect(root.routed.status).toBe(200);
    // The module sees its own URL space: the context path is stripped.
    expect(JSON.parse(root.routed.body)).toEqual({ hello: 'fastify', url: '/?q=1', remote: 'string' });
    expect(root.routed.headers['x-hook']).toBe('on-request');
  });

  it('accepts a body valid for the JSON schema', async () => {
    const { direct: d, routed: r } = await both(direct, base, PREFIX, '/items', json(JSON.stringify({ name: 'pen', qty: 2 })), HEADERS);
    expect(r).toEqual(d);
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toEqual({ got: { name: 'pen', qty: 2 } });
  });

  it("rejects an invalid body with fastify's validation error", async () => {
    const { direct: d, routed: r } = await both(direct, base, PREFIX, '/items', json(JSON.stringify({ qty: 2 })), HEADERS);
    expect(r).toEqual(d);
    expect(r.status).toBe(400);
    expect(r.headers['x-hook']).toBe('on-request');
    expect(JSON.parse(r.body)).toEqual({
      statusCode: 400,
      code: 'FST_ERR_VALIDATION',
      error: 'Bad Request',
      message: "body must have required property 'name'",
    });
    const broken = await both(direct, base, PREFIX, '/items', json('{"broken'), HEADERS);
    expect(broken.routed).toEqual(broken.direct);
    expect(broken.routed.status).toBe(400);
    expect(JSON.parse(broken.routed.body)).toMatchObject({ statusCode: 400, code: 'FST_ERR_CTP_INVALID_JSON_BODY' });
  });

  it("answers an unknown route with fastify's 404 for the module's own path", async () => {
    const { direct: d, routed: r } = await both(direct, base, PREFIX, '/nope', {}, HEADERS);
    expect(r).toEqual(d);
    expect(r.status).toBe(404);
    expect(JSON.parse(r.body)).toEqual({ message: 'Route GET:/nope not found', error: 'Not Found', statusCode: 404 });
  });

  it("answers a thrown error with fastify's 500 error body", async () => {
    const { direct: d, routed: r } = await both(direct, base, PREFIX, '/boom', {}, HEADERS);
    expect(r).toEqual(d);
    expect(r.status).toBe(500);
    expect(JSON.parse(r.body)).toEqual({ statusCode: 500, error: 'Internal Server Error', message: 'kaboom' });
  });

  it("mounts a redirect at the module's context path", async () => {
    const { direct: d, routed: r } = await both(direct, base, PREFIX, '/go', {}, ['location', 'x-hook', 'content-length']);
    expect(d.status).toBe(302);
    expect(d.headers['location']).toBe('/items');
    expect(r.status).toBe(d.status);
    expect(r.headers['location']).toBe(`/${PREFIX}/items`);
    expect(r.headers['x-hook']).toBe('on-request');
    expect(r.body).toBe(d.body);
    expect(await follow(base, PREFIX, '/go')).toEqual({ url: `${base.url}/${PREFIX}/items`, body: ['a', 'b'] });
  });

  it('keeps cookies, with Path mounted at the context path', async () => {
    const c = await cookiesOfBoth(direct, base, PREFIX, '/cookie');
    expect(c.routedBody).toEqual(c.directBody);
    expect(c.direct).toEqual(['sid=abc; Path=/; HttpOnly']);
    expect(c.routed).toEqual([`sid=abc; Path=/${PREFIX}; HttpOnly`]);
  });

  it('answers HEAD with the GET headers and no body', async () => {
    const d = await rawRequest(`${direct.url}/`, { method: 'HEAD' });
    const r = await rawRequest(`${base.url}/${PREFIX}/`, { method: 'HEAD' });
    expect(r.status).toBe(200);
    expect(r.body).toBe('');
    for (const h of HEADERS) expect(r.headers[h], h).toBe(d.headers[h]);
  });
});
