/**
 * What a module sees of a request and what the client sees of its answer: x-forwarded-* (replaced, or
 * extended with trustProxy), the client's address on req.socket, mount rewriting of Location,
 * Content-Location and cookie paths (and the opt-out), Expect: 100-continue, a synchronous throw.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cp, readFile, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { fixture, fixtureUrl, startHarness, waitFor, type Harness } from './helpers/harness.js';

let h: Harness;
let trusted: Harness;
beforeAll(async () => {
  h = await startHarness();
  trusted = await startHarness({ trustProxy: true });
  expect((await h.runtime.install({ bizUrl: fixtureUrl('inspect') })).code).toBe('SUCCESS');
  // The same module as `inspect-norewrite`, opted out of mount rewriting.
  const optedOut = join(h.store, 'inspect-norewrite');
  await cp(fixture('inspect'), optedOut, { recursive: true });
  const pkg = JSON.parse(await readFile(join(optedOut, 'package.json'), 'utf8')) as Record<string, unknown>;
  await writeFile(join(optedOut, 'package.json'), JSON.stringify({ ...pkg, name: 'inspect-norewrite', nodeark: { mountRewrite: false } }));
  expect((await h.runtime.install({ bizUrl: pathToFileURL(optedOut).href })).code).toBe('SUCCESS');
  expect((await trusted.runtime.install({ bizUrl: fixtureUrl('inspect') })).code).toBe('SUCCESS');
});
afterAll(async () => {
  await h.close();
  await trusted.close();
});

interface Seen {
  url: string;
  headers: Record<string, string>;
  remoteAddress: string;
  remotePort: number;
  encrypted: boolean;
}

function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string; localPort: number }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body, localPort: req.socket!.localPort! }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('x-forwarded-* and the client connection', () => {
  it("sets x-forwarded-for/-proto/-host/-prefix, replacing a client's own, and shows the client's address", async () => {
    const port = new URL(h.url).port;
    const r = await get(`${h.url}/inspect/seen?q=1`, { 'x-forwarded-for': '6.6.6.6', 'x-forwarded-host': 'evil', 'x-forwarded-prefix': '/x' });
    const seen = JSON.parse(r.body) as Seen;
    expect(seen.url).toBe('/seen?q=1');
    expect(seen.headers['x-forwarded-for']).toBe('127.0.0.1');
    expect(seen.headers['x-forwarded-proto']).toBe('http');
    expect(seen.headers['x-forwarded-host']).toBe(`127.0.0.1:${port}`);
    expect(seen.headers['x-forwarded-prefix']).toBe('/inspect');
    expect(seen.headers['host']).toBe(`127.0.0.1:${port}`);
    expect(seen.remoteAddress).toBe('127.0.0.1');
    expect(seen.remotePort).toBe(r.localPort);
    expect(seen.encrypted).toBe(false);
  });

  it('extends a trusted proxy’s x-forwarded-* with trustProxy', async () => {
    const r = await get(`${trusted.url}/inspect/seen`, {
      'x-forwarded-for': '203.0.113.7',
      'x-forwarded-proto': 'https',
      'x-forwarded-host': 'shop.example',
      'x-forwarded-prefix': '/gateway/',
    });
    const seen = JSON.parse(r.body) as Seen;
    expect(seen.headers['x-forwarded-for']).toBe('203.0.113.7, 127.0.0.1');
    expect(seen.headers['x-forwarded-proto']).toBe('https');
    expect(seen.headers['x-forwarded-host']).toBe('shop.example');
    expect(seen.headers['x-forwarded-prefix']).toBe('/gateway/inspect');
  });

  it('keeps one module connection per keep-alive client connection (same remotePort across its requests)', async () => {
    const agent = new (await import('node:http')).Agent({ keepAlive: true, maxSockets: 1 });
    const ports: number[] = [];
    for (let i = 0; i < 3; i++) {
      const body = await new Promise<string>((resolve, reject) => {
        httpRequest(`${h.url}/inspect/seen`, { agent }, (res) => {
          let b = '';
          res.on('data', (c: Buffer) => (b += c.toString()));
          res.on('end', () => resolve(b));
        })
          .on('error', reject)
          .end();
      });
      ports.push((JSON.parse(body) as Seen).remotePort);
    }
    agent.destroy();
    expect(new Set(ports).size).toBe(1);
  });
  it('closes the module connections of a client connection when it closes, for every module it visited', async () => {
    const links = (): number[] =>
      ['inspect', 'inspect-norewrite'].map((path) => {
        const route = (h.runtime as unknown as { router: { routes: { get(p: string): { host?: { link: { size: number } } } } } }).router.routes.get(path);
        return route?.host?.link.size ?? -1;
      });
    // Other tests' keep-alive clients may still hold connections (or be releasing them): settle, then count.
    await new Promise((r) => setTimeout(r, 300));
    const before = links();
    const agent = new (await import('node:http')).Agent({ keepAlive: true, maxSockets: 1 });
    for (const path of ['/inspect/seen', '/inspect-norewrite/seen', '/inspect/seen']) {
      await new Promise<void>((resolve, reject) => {
        httpRequest(`${h.url}${path}`, { agent }, (res) => res.resume().on('end', resolve)).on('error', reject).end();
      });
    }
    expect(links()).toEqual(before.map((n) => n + 1));
    agent.destroy();
    await waitFor(() => links().every((n, i) => n === before[i]));
  });
});

describe('mount semantics', () => {
  it('mounts Location, Content-Location of its own origin, and cookie paths; leaves the rest alone', async () => {
    const r = await get(`${h.url}/inspect/redirects`);
    const port = new URL(h.url).port;
    expect(r.status).toBe(302);
    expect(r.headers['location']).toBe('/inspect/items?a=1');
    expect(r.headers['content-location']).toBe(`http://127.0.0.1:${port}/inspect/items/1`);
    expect(r.headers['x-other']).toBe('http://elsewhere.example/x');
    expect(r.headers['set-cookie']).toEqual(['a=1; Path=/inspect; HttpOnly', 'b=2; path=/inspect/cart', 'c=3; Path=/inspect/already', 'd=4']);
    const away = await get(`${h.url}/inspect/absolute-elsewhere`);
    expect(away.headers['location']).toBe('https://elsewhere.example/items');
  });

  it('leaves everything as the module sent it with nodeark.mountRewrite=false', async () => {
    const r = await get(`${h.url}/inspect-norewrite/redirects`);
    expect(r.headers['location']).toBe('/items?a=1');
    expect(r.headers['set-cookie']).toEqual(['a=1; Path=/; HttpOnly', 'b=2; path=/cart', 'c=3; Path=/inspect-norewrite/already', 'd=4']);
  });
});

describe('header bytes', () => {
  it('carries bytes outside ASCII unchanged both ways (a UTF-8 request header, a latin1 Location mounted)', async () => {
    const { port } = new URL(h.url);
    const raw = await new Promise<Buffer>((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1');
      const chunks: Buffer[] = [];
      socket.on('data', (c: Buffer) => chunks.push(c));
      socket.on('end', () => resolve(Buffer.concat(chunks)));
      socket.on('error', reject);
      socket.setTimeout(5000, () => socket.destroy(new Error('no answer')));
      // `é` as UTF-8 (two bytes) in a request header.
      // Written without ending our side: node:http aborts a request whose client half-closes before it is answered.
      socket.write(Buffer.concat([Buffer.from('GET /inspect/bytes HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Name: h'), Buffer.from([0xc3, 0xa9]), Buffer.from('llo\r\n\r\n')]));
    });
    const head = raw.subarray(0, raw.indexOf('\r\n\r\n'));
    // The module read the two bytes as two latin1 characters and wrote them back: the same two bytes.
    expect(head.includes(Buffer.concat([Buffer.from('x-echo: h'), Buffer.from([0xc3, 0xa9]), Buffer.from('llo')]))).toBe(true);
    // Its Location `/café` (é as the one latin1 byte 0xe9), mounted.
    expect(head.includes(Buffer.concat([Buffer.from('location: /inspect/caf'), Buffer.from([0xe9]), Buffer.from('\r\n')]))).toBe(true);
  });
});

describe('requests', () => {
  it('honours Expect: 100-continue: the client gets the go-ahead, then the body reaches the module', async () => {
    const body = Buffer.alloc(100_000, 1);
    const result = await new Promise<{ continued: boolean; text: string }>((resolve, reject) => {
      let continued = false;
      const req = httpRequest(`${h.url}/inspect/upload`, {
        method: 'POST',
        headers: { expect: '100-continue', 'content-length': String(body.length) },
      });
      req.on('continue', () => {
        continued = true;
        req.end(body);
      });
      req.on('response', (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve({ continued, text }));
      });
      req.on('error', reject);
    });
    expect(result.continued).toBe(true);
    expect(JSON.parse(result.text)).toEqual({ size: 100_000, expect: '100-continue' });
  });

  it('runs req.setTimeout on the module connection: a stalled upload gets the module\'s 408', async () => {
    const t0 = Date.now();
    const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest(`${h.url}/inspect/slow-body`, { method: 'POST', headers: { 'content-length': '1000' } }, (r) => {
        let body = '';
        r.on('data', (c: Buffer) => (body += c.toString()));
        r.on('end', () => resolve({ status: r.statusCode!, body }));
      });
      req.on('error', reject);
      req.write('only the first bytes');
    });
    expect(res).toEqual({ status: 408, body: 'request body timed out' });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(150);
  });

  it('answers a synchronous throw in a handler with 500 and keeps the module serving', async () => {
    const r = await get(`${h.url}/inspect/throw`);
    expect(r.status).toBe(500);
    expect(JSON.parse(r.body)).toMatchObject({ code: 'NODEARK_ERR_ROUTE_HANDLER_FAILED', message: expect.stringContaining('thrown synchronously') as unknown });
    expect((await get(`${h.url}/inspect/seen`)).status).toBe(200);
  });
});
