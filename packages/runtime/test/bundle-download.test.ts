/**
 * stageBundle over http: a real server on 127.0.0.1 (port 0). Success, status errors, redirects (ok,
 * loop, too many, cross-origin auth), Basic auth, timeouts (short and bounded) and size limits.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_DOWNLOAD_OPTIONS, packBundle, readBizManifest, stageBundle } from '../dist/bundle/index.js';
import { expectCode, expectStagingEmpty, type Workspace, workspace } from './fixtures/bundles/craft.js';

let ws: Workspace;
let tgz: Buffer;
let jar: Buffer;
let server: Server;
let other: Server;
let base: string;
let otherBase: string;
/** Authorization headers seen, by path. */
const seenAuth = new Map<string, string | undefined>();
const hits = new Map<string, number>();
const timers = new Set<NodeJS.Timeout>();

function listen(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<[Server, string]> {
  const s = createServer(handler);
  return new Promise((resolve) => s.listen(0, '127.0.0.1', () => resolve([s, `http://127.0.0.1:${(s.address() as AddressInfo).port}`])));
}

function route(req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://x');
  const path = url.pathname;
  seenAuth.set(path, req.headers.authorization);
  hits.set(path, (hits.get(path) ?? 0) + 1);
  const redirect = (to: string, status = 302): void => {
    res.writeHead(status, { location: to });
    res.end();
  };
  if (path === '/hello.tgz' || path === '/named-like-a.jar') {
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': tgz.length });
    res.end(tgz);
  } else if (path === '/hello-ark-biz.jar') {
    res.writeHead(200);
    res.end(jar);
  } else if (path === '/missing') {
    res.writeHead(404);
    res.end('not here');
  } else if (path === '/boom') {
    res.writeHead(500);
    res.end();
  } else if (path === '/redirect') {
    redirect('/hello.tgz');
  } else if (path === '/redirect-rel') {
    redirect('sub/../hello.tgz', 307);
  } else if (path === '/loop-a') {
    redirect('/loop-b');
  } else if (path === '/loop-b') {
    redirect('/loop-a');
  } else if (path.startsWith('/hop/')) {
    const n = Number(path.slice(5));
    redirect(n >= 10 ? '/hello.tgz' : `/hop/${n + 1}`, 301);
  } else if (path === '/no-location') {
    res.writeHead(302);
    res.end();
  } else if (path === '/auth') {
    const expected = `Basic ${Buffer.from('us er:p@ss:word').toString('base64')}`;
    if (req.headers.authorization !== expected) {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="x"' });
      res.end();
      return;
    }
    res.writeHead(200);
    res.end(tgz);
  } else if (path === '/auth-then-elsewhere') {
    redirect(`${otherBase}/echo`);
  } else if (path === '/slow') {
    // headers and one chunk, then silence: the idle body timeout must fire
    res.writeHead(200);
    res.write(tgz.subarray(0, 10));
  } else if (path === '/no-headers') {
    // never answers
  } else if (path === '/trickle') {
    res.writeHead(200);
    const t = setInterval(() => res.write(Buffer.alloc(1)), 20);
    timers.add(t);
    res.on('close', () => clearInterval(t));
  } else if (path === '/endless') {
    res.writeHead(200);
    const chunk = Buffer.alloc(64 * 1024, 7);
    const pump = (): void => {
      while (!res.destroyed && res.write(chunk));
      if (!res.destroyed) res.once('drain', pump);
    };
    pump();
  } else if (path === '/huge-announced') {
    res.writeHead(200, { 'content-length': String(10 * 1024 * 1024 * 1024) });
    res.write('x');
  } else {
    res.writeHead(404);
    res.end();
  }
}

beforeAll(async () => {
  ws = await workspace();
  const mod = await ws.module('hello', {
    'package.json': JSON.stringify({ name: 'hello', version: '2.0.0', main: 'index.js' }),
    'index.js': 'module.exports = {}',
  });
  tgz = await readFile((await packBundle(mod, { outDir: join(ws.root, 'modules', 'out') })).file);
  jar = await readFile((await packBundle(mod, { outDir: join(ws.root, 'modules', 'out'), format: 'jar' })).file);
  [server, base] = await listen(route);
  [other, otherBase] = await listen((req, res) => {
    seenAuth.set(`other:${req.url}`, req.headers.authorization);
    res.writeHead(200);
    res.end(tgz);
  });
});
afterAll(async () => {
  for (const t of timers) clearInterval(t);
  server.closeAllConnections();
  other.closeAllConnections();
  await new Promise((r) => server.close(r));
  await new Promise((r) => other.close(r));
  await ws.cleanup();
});
beforeEach(() => {
  seenAuth.clear();
  hits.clear();
});

describe('download', () => {
  it('downloads and stages a tgz', async () => {
    const staged = await stageBundle(`${base}/hello.tgz`, { stagingDir: ws.staging });
    expect(staged.format).toBe('tgz');
    expect(staged.archiveBytes).toBe(tgz.length);
    expect((await readBizManifest(staged.root)).bizVersion).toBe('2.0.0');
    await staged.dispose();
    await expectStagingEmpty(ws);
  });

  it('detects format by content: a tgz served as .jar and a zip served as -ark-biz.jar', async () => {
    const a = await stageBundle(`${base}/named-like-a.jar`, { stagingDir: ws.staging });
    const b = await stageBundle(`${base}/hello-ark-biz.jar`, { stagingDir: ws.staging });
    expect([a.format, b.format]).toEqual(['tgz', 'zip']);
    await a.dispose();
    await b.dispose();
  });

  it('verifies integrity of downloaded bytes', async () => {
    const good = `sha512-${createHash('sha512').update(tgz).digest('base64')}`;
    const staged = await stageBundle(`${base}/hello.tgz`, { stagingDir: ws.staging, integrity: good });
    await staged.dispose();
    const bad = `sha512-${createHash('sha512').update('x').digest('base64')}`;
    await expectCode(stageBundle(`${base}/hello.tgz`, { stagingDir: ws.staging, integrity: bad }), 'NODEARK_ERR_BUNDLE_INTEGRITY');
    await expectStagingEmpty(ws);
  });

  it('404 and 500 are DOWNLOAD errors naming the status, leaving nothing staged', async () => {
    const e404 = await expectCode(stageBundle(`${base}/missing`, { stagingDir: ws.staging }), 'NODEARK_ERR_BUNDLE_DOWNLOAD');
    expect(e404.message).toContain('404');
    const e500 = await expectCode(stageBundle(`${base}/boom`, { stagingDir: ws.staging }), 'NODEARK_ERR_BUNDLE_DOWNLOAD');
    expect(e500.message).toContain('500');
    await expectStagingEmpty(ws);
  });

  it('a refused connection is a DOWNLOAD error', async () => {
    const [s, dead] = await listen(() => undefined);
    await new Promise((r) => s.close(r));
    await expectCode(stageBundle(`${dead}/x.tgz`, { stagingDir: ws.staging }), 'NODEARK_ERR_BUNDLE_DOWNLOAD');
    await expectStagingEmpty(ws);
  });
});

describe('redirects', () => {
  it('follows absolute and relative redirects', async () => {
    for (const p of ['/redirect', '/redirect-rel']) {
      const staged = await stageBundle(`${base}${p}`, { stagingDir: ws.staging });
      expect(staged.archiveBytes).toBe(tgz.length);
      await staged.dispose();
    }
    expect(hits.get('/hello.tgz')).toBe(2);
  });

  it('detects a loop', async () => {
    const err = await expectCode(stageBundle(`${base}/loop-a`, { stagingDir: ws.staging }), 'NODEARK_ERR_BUNDLE_DOWNLOAD');
    expect(err.message).toContain('loop');
    expect(hits.get('/loop-a')).toBe(1);
    await expectStagingEmpty(ws);
  });

  it('stops after maxRedirections hops', async () => {
    const err = await expectCode(stageBundle(`${base}/hop/1`, { stagingDir: ws.staging }), 'NODEARK_ERR_BUNDLE_DOWNLOAD');
    expect(err.message).toContain(`more than ${DEFAULT_DOWNLOAD_OPTIONS.maxRedirections} redirects`);
    expect(hits.get('/hop/7')).toBeUndefined();
    // 10 hops from /hop/1 to /hello.tgz: fine with a limit of 10
    const ok = await stageBundle(`${base}/hop/1`, { stagingDir: ws.staging, download: { maxRedirections: 10 } });
    await ok.dispose();
    await expectCode(stageBundle(`${base}/redirect`, { stagingDir: ws.staging, download: { maxRedirections: 0 } }), 'NODEARK_ERR_BUNDLE_DOWNLOAD');
  });

  it('a redirect without Location is a DOWNLOAD error', async () => {
    await expectCode(stageBundle(`${base}/no-location`, { stagingDir: ws.staging }), 'NODEARK_ERR_BUNDLE_DOWNLOAD');
  });
});

describe('basic auth', () => {
  it('sends percent-decoded userinfo as Basic auth and never shows it in errors', async () => {
    const staged = await stageBundle(`http://us%20er:p%40ss%3Aword@${base.slice(7)}/auth`, { stagingDir: ws.staging });
    expect(seenAuth.get('/auth')).toBe(`Basic ${Buffer.from('us er:p@ss:word').toString('base64')}`);
    await staged.dispose();

    const err = await expectCode(stageBundle(`http://us%20er:wr0ngpass@${base.slice(7)}/auth`, { stagingDir: ws.staging }), 'NODEARK_ERR_BUNDLE_DOWNLOAD');
    expect(err.message).toContain('401');
    expect(err.message).not.toContain('wr0ngpass');
    expect(err.message).not.toContain('us%20er');
    await expectStagingEmpty(ws);
  });

  it('uses options.basicAuth when the URL has no userinfo', async () => {
    const staged = await stageBundle(`${base}/auth`, {
      stagingDir: ws.staging,
      download: { basicAuth: { username: 'us er', password: 'p@ss:word' } },
    });
    expect(seenAuth.get('/auth')).toMatch(/^Basic /);
    await staged.dispose();
  });

  it('does not forward credentials to another origin on redirect', async () => {
    const staged = await stageBundle(`http://u:secret@${base.slice(7)}/auth-then-elsewhere`, { stagingDir: ws.staging });
    expect(seenAuth.get('/auth-then-elsewhere')).toMatch(/^Basic /);
    expect(seenAuth.has('other:/echo')).toBe(true);
    expect(seenAuth.get('other:/echo')).toBeUndefined();
    await staged.dispose();
  });
});

describe('timeouts and limits', () => {
  it('a stalled body hits bodyTimeoutMs', async () => {
    const t0 = Date.now();
    const err = await expectCode(stageBundle(`${base}/slow`, { stagingDir: ws.staging, download: { bodyTimeoutMs: 300 } }), 'NODEARK_ERR_BUNDLE_DOWNLOAD');
    expect(err.message).toContain('stalled');
    expect(Date.now() - t0).toBeLessThan(3000);
    await expectStagingEmpty(ws);
  });

  it('missing response headers hit the same idle timeout', async () => {
    const t0 = Date.now();
    const err = await expectCode(stageBundle(`${base}/no-headers`, { stagingDir: ws.staging, download: { bodyTimeoutMs: 300 } }), 'NODEARK_ERR_BUNDLE_DOWNLOAD');
    expect(err.message).toContain('headers');
    expect(Date.now() - t0).toBeLessThan(3000);
  });

  it('a trickling body hits totalTimeoutMs', async () => {
    const t0 = Date.now();
    const err = await expectCode(
      stageBundle(`${base}/trickle`, { stagingDir: ws.staging, download: { bodyTimeoutMs: 2000, totalTimeoutMs: 400 } }),
      'NODEARK_ERR_BUNDLE_DOWNLOAD',
    );
    expect(err.message).toContain('timed out after 400 ms');
    expect(Date.now() - t0).toBeLessThan(3000);
    await expectStagingEmpty(ws);
  });

  it('an endless body is cut at maxArchiveBytes', async () => {
    const t0 = Date.now();
    const err = await expectCode(
      stageBundle(`${base}/endless`, { stagingDir: ws.staging, limits: { maxArchiveBytes: 1024 * 1024 } }),
      'NODEARK_ERR_BUNDLE_TOO_LARGE',
    );
    expect(err.message).toContain('1048576');
    expect(Date.now() - t0).toBeLessThan(5000);
    await expectStagingEmpty(ws);
  });

  it('an announced Content-Length over the limit fails before reading the body', async () => {
    await expectCode(stageBundle(`${base}/huge-announced`, { stagingDir: ws.staging }), 'NODEARK_ERR_BUNDLE_TOO_LARGE');
    await expectStagingEmpty(ws);
  });

  it('the caller signal aborts a download with its own reason', async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(new Error('operator cancelled')), 100);
    await expect(stageBundle(`${base}/trickle`, { stagingDir: ws.staging, signal: ac.signal })).rejects.toThrow('operator cancelled');
    await expectStagingEmpty(ws);
  });
});
