/**
 * NestJS (Express platform, ESM, decorators applied as functions) as a module exporting `{ server }`:
 * the app initialized but never listening. The same requests against it on its own server and through
 * a base give the same answers: routes, JSON bodies, ParseIntPipe's 400, NotFoundException's 404, an
 * unhandled error's 500, an Observable answer, `@Redirect` mounted at the context path, ETag/304, HEAD.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { both, rawRequest, startBase, startStandalone, type Standalone, type TestBase } from './harness.js';

let base: TestBase;
let direct: Standalone;

beforeAll(async () => {
  base = await startBase();
  await base.install('nest');
  direct = await startStandalone('nest');
});

afterAll(async () => {
  await direct?.close();
  await base?.close();
});

const COMPARED = ['content-type', 'content-length', 'etag', 'x-cats', 'x-powered-by'];
const json = (body: unknown): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: typeof body === 'string' ? body : JSON.stringify(body),
});

describe('NestJS on the Express platform', () => {
  it('answers every route exactly as on its own server', async () => {
    const cases: Array<[string, RequestInit, number, unknown]> = [
      ['/cats', {}, 200, [{ id: 1, name: 'Tom', age: 3 }, { id: 2, name: 'Felix', age: 5 }]],
      ['/cats?limit=1', {}, 200, [{ id: 1, name: 'Tom', age: 3 }]],
      ['/cats/2', {}, 200, { id: 2, name: 'Felix', age: 5 }],
      ['/cats/abc', {}, 400, { message: 'Validation failed (numeric string is expected)', error: 'Bad Request', statusCode: 400 }],
      ['/cats/99', {}, 404, { message: 'Cat 99 not found', error: 'Not Found', statusCode: 404 }],
      ['/cats/count', {}, 200, { count: 2 }],
      ['/cats/boom', {}, 500, { statusCode: 500, message: 'Internal server error' }],
      ['/nope', {}, 404, { message: 'Cannot GET /nope', error: 'Not Found', statusCode: 404 }],
      ['/cats', json({ name: 'Kitty', tags: ['a', 'ü'] }), 201, { created: { name: 'Kitty', tags: ['a', 'ü'] } }],
      ['/cats', json('{"broken'), 400, undefined],
    ];
    for (const [path, init, status, body] of cases) {
      const label = `${init.method ?? 'GET'} ${path}`;
      const { direct: d, routed: r } = await both(direct, base, 'nest', path, init, COMPARED);
      expect(r, label).toEqual(d);
      expect(r.status, label).toBe(status);
      expect(r.headers['content-type'], label).toBe('application/json; charset=utf-8');
      if (body !== undefined) expect(JSON.parse(r.body), label).toEqual(body);
    }
  });

  it('sets the declared status and header on POST (HttpCode, Header)', async () => {
    const { direct: d, routed: r } = await both(direct, base, 'nest', '/cats', json({ name: 'Kitty' }), COMPARED);
    expect(r).toEqual(d);
    expect(r.status).toBe(201);
    expect(r.headers['x-cats']).toBe('created');
  });

  it('answers HEAD and a conditional GET (ETag → 304) like its own server', async () => {
    const head = await both(direct, base, 'nest', '/cats', { method: 'HEAD' }, COMPARED);
    expect(head.routed).toEqual(head.direct);
    expect(head.routed.status).toBe(200);
    expect(head.routed.body).toBe('');
    const etag = head.routed.headers['etag']!;
    expect(etag).toMatch(/^W\/"/);
    const d304 = await rawRequest(`${direct.url}/cats`, { headers: { 'if-none-match': etag } });
    const r304 = await rawRequest(`${base.url}/nest/cats`, { headers: { 'if-none-match': etag } });
    expect([r304.status, r304.body]).toEqual([d304.status, d304.body]);
    expect(r304.status).toBe(304);
  });

  it("mounts a @Redirect at the module's context path", async () => {
    const { direct: d, routed: r } = await both(direct, base, 'nest', '/cats/legacy', {}, ['location', 'content-type']);
    expect(d.status).toBe(302);
    expect(d.headers['location']).toBe('/cats');
    expect(r.status).toBe(d.status);
    expect(r.headers['content-type']).toBe(d.headers['content-type']);
    expect(r.headers['location']).toBe('/nest/cats');
    const followed = await fetch(`${base.url}/nest/cats/legacy`);
    expect(followed.url).toBe(`${base.url}/nest/cats`);
    expect(await followed.json()).toEqual([{ id: 1, name: 'Tom', age: 3 }, { id: 2, name: 'Felix', age: 5 }]);
  });

  it('sees the stripped path and x-forwarded-prefix through the base', async () => {
    const { direct: d, routed: r } = await both(direct, base, 'nest', '/info?x=1');
    expect(JSON.parse(d.body)).toEqual({ url: '/info?x=1', path: '/info', prefix: null, remote: 'string' });
    expect(JSON.parse(r.body)).toEqual({ url: '/info?x=1', path: '/info', prefix: '/nest', remote: 'string' });
  });

  it('serves concurrent requests through the base', async () => {
    const ids = Array.from({ length: 20 }, (_, i) => (i % 3) + 1);
    const answers = await Promise.all(ids.map((id) => fetch(`${base.url}/nest/cats/${id}`).then(async (res) => [res.status, await res.json()] as const)));
    answers.forEach(([status, body], i) => {
      if (ids[i] === 3) expect([status, body]).toEqual([404, { message: 'Cat 3 not found', error: 'Not Found', statusCode: 404 }]);
      else expect([status, (body as { id: number }).id]).toEqual([200, ids[i]]);
    });
  });
});
