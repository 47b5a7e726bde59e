import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { fixtureUrl, startHarness, type Harness } from './helpers/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  await h.runtime.install({ bizUrl: fixtureUrl('fetch-app') });
  await h.runtime.install({ bizUrl: fixtureUrl('node-app') });
});
afterAll(async () => {
  await h.close();
});

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

/** A raw request, so the test sees exactly the headers the base wrote. */
function raw(path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: string[]; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${h.url}${path}`, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.rawHeaders, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe.each([
  ['fetch', 'fetch-app'],
  ['node handler', 'node'],
])('the proxy with a %s module', (_kind, prefix) => {
  it('strips the prefix and passes x-forwarded-prefix and the query', async () => {
    const res = await fetch(`${h.url}/${prefix}/?a=1&b=2`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    if (prefix === 'node') {
      expect(body).toMatchObject({ url: '/?a=1&b=2', query: 'a=1&b=2', method: 'GET', prefix: '/node', remote: '127.0.0.1' });
    } else {
      expect(body).toMatchObject({ path: '/', search: '?a=1&b=2' });
    }
  });

  it('treats /prefix and /prefix?q as the module root', async () => {
    expect((await fetch(`${h.url}/${prefix}`)).status).toBe(200);
    expect((await fetch(`${h.url}/${prefix}?x=1`)).status).toBe(200);
  });

  it('streams a 5 MiB request body in and hashes it correctly', async () => {
    const data = randomBytes(5 * 1024 * 1024);
    const res = await fetch(`${h.url}/${prefix}/hash`, { method: 'POST', body: data });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ size: data.length, sha256: sha(data) });
  });

  it('streams a chunked (unknown length) request body', async () => {
    const parts = [randomBytes(100_000), randomBytes(300_000), randomBytes(7)];
    const stream = new ReadableStream<Uint8Array>({
      pull(c) {
        const p = parts.shift();
        if (p) c.enqueue(p);
        else c.close();
      },
    });
    const all = Buffer.concat([...parts]);
    const res = await fetch(`${h.url}/${prefix}/hash`, { method: 'POST', body: stream, duplex: 'half' } as RequestInit);
    expect(await res.json()).toEqual({ size: all.length, sha256: sha(all) });
  });

  it('echoes a 64 KiB body byte for byte', async () => {
    const data = randomBytes(64 * 1024);
    const res = await fetch(`${h.url}/${prefix}/echo`, { method: 'POST', body: data });
    expect(res.status).toBe(201);
    expect(sha(new Uint8Array(await res.arrayBuffer()))).toBe(sha(data));
  });

  it('echoes a 1 MiB body (streamed both ways)', async () => {
    const data = randomBytes(1024 * 1024);
    const res = await fetch(`${h.url}/${prefix}/echo`, { method: 'POST', body: data });
    expect(sha(new Uint8Array(await res.arrayBuffer()))).toBe(sha(data));
  });

  it('streams a 5 MiB response out', async () => {
    const res = await fetch(`${h.url}/${prefix}/big`);
    const buf = new Uint8Array(await res.arrayBuffer());
    expect(buf.byteLength).toBe(5 * 1024 * 1024);
    expect(buf[0]).toBe(prefix === 'node' ? 98 : 97);
    expect(buf[buf.byteLength - 1]).toBe(prefix === 'node' ? 98 : 97);
  });

  it('answers /{path}/actuator/health from the module indicators', async () => {
    const res = await fetch(`${h.url}/${prefix}/actuator/health`);
    expect(res.status).toBe(200);
    const body = await res.json();
    if (prefix === 'node') expect(body).toEqual({ status: 'UP', components: {} });
    else expect(body).toEqual({ status: 'UP', components: { self: { status: 'UP', details: { version: '1.0.0' } } } });
  });
});

describe('headers', () => {
  it('keeps repeated Set-Cookie (paths mounted); hop-by-hop headers: dropped by the proxy, passed on by the relay', async () => {
    const res = await raw('/fetch-app/cookies');
    const names = res.headers.filter((_, i) => i % 2 === 0).map((n) => n.toLowerCase());
    if (h.relayed) {
      // The relay carries the module's own connection semantics, as its own server would send them.
      expect(names).toContain('x-custom');
      expect(res.headers).toContain('timeout=99');
    } else {
      expect(names).not.toContain('x-custom');
      // The base's own connection may say keep-alive; the module's value must not get through.
      expect(res.headers).not.toContain('timeout=99');
    }
    const cookies = res.headers.filter((_, i) => i % 2 === 1 && res.headers[i - 1]!.toLowerCase() === 'set-cookie');
    // The module's root is mounted at /fetch-app: a cookie for its Path=/ is a cookie for /fetch-app.
    expect(cookies).toEqual(['a=1; Path=/fetch-app', 'b=2; Path=/fetch-app']);
    const seen = (await (await fetch(`${h.url}/fetch-app/headers`, { headers: { 'x-forwarded-prefix': '/spoofed', 'x-a': 'b' } })).json()) as Record<string, string>;
    expect(seen['x-forwarded-prefix']).toBe('/fetch-app');
    expect(seen['x-a']).toBe('b');
    // The module's server sees a keep-alive connection: its own (proxy) or the client's (relay).
    expect(seen['connection']).toBe('keep-alive');
  });

  it('keeps repeated headers and UTF-8 bodies from a Node handler', async () => {
    const res = await raw('/node/');
    const multi = res.headers.filter((_, i) => i % 2 === 1 && res.headers[i - 1]!.toLowerCase() === 'x-multi');
    expect(multi).toEqual(['a', 'b']);
    const utf = await fetch(`${h.url}/node/utf8`);
    expect(await utf.text()).toBe('héllo wörld ✓');
  });

  it('answers HEAD without a body', async () => {
    const res = await fetch(`${h.url}/fetch-app/`, { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('');
  });

  it('answers an unknown context path with false from handle() (the base answers 404)', async () => {
    const res = await fetch(`${h.url}/unknown/`);
    expect(res.status).toBe(404);
  });
});

describe('concurrency', () => {
  it('serves 200 concurrent requests to both modules correctly', async () => {
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        fetch(`${h.url}/${i % 2 ? 'node' : 'fetch-app'}/?i=${i}`).then(async (r) => ({ status: r.status, body: await r.text() })),
      ),
    );
    results.forEach((r, i) => {
      expect(r.status).toBe(200);
      expect(r.body).toContain(`i=${i}`);
    });
  });
});
