/**
 * HTTP `Upgrade` through the base: the module's `upgrade(req, socket, head)` gets a real Duplex relayed
 * to the client connection (prefix stripped, `x-forwarded-prefix` set); a module without one answers 400
 * at once; a refusal is relayed; a module that never answers is bounded by the request timeout; a flood of
 * attempts does not stop the base serving; a client that leaves mid-upgrade frees everything.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Socket } from 'node:net';
import { fixtureUrl, startHarness, waitFor, type Harness } from './helpers/harness.js';

let h: Harness;
let port: number;
beforeAll(async () => {
  h = await startHarness({ requestTimeoutMs: 500 });
  for (const name of ['live', 'fetch-app']) {
    const r = await h.runtime.install({ bizUrl: fixtureUrl(name) });
    expect(r.code).toBe('SUCCESS');
  }
  port = Number(new URL(h.url).port);
});
afterAll(async () => {
  await h.close();
});

/** Opens a raw connection and sends an upgrade request. */
function upgradeRequest(path: string, extra = ''): Socket {
  const socket = connect(port, '127.0.0.1');
  socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n${extra}`);
  return socket;
}

/** Reads until `predicate(text)` holds or the connection ends; rejects after 5 s. */
function readUntil(socket: Socket, predicate: (text: string) => boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`no match within 5 s; got ${JSON.stringify(text)}`)), 5000);
    const done = (): void => {
      clearTimeout(timer);
      resolve(text);
    };
    socket.on('data', (c: Buffer) => {
      text += c.toString('latin1');
      if (predicate(text)) done();
    });
    socket.on('end', done);
    socket.on('close', done);
    socket.on('error', done);
  });
}

describe('upgrades', () => {
  it('relays an accepted upgrade both ways, with the prefix stripped and x-forwarded-prefix set', async () => {
    const socket = upgradeRequest('/live/echo', 'early-bytes');
    const head = await readUntil(socket, (t) => t.includes('early-bytes'));
    expect(head).toMatch(/^HTTP\/1\.1 101 Switching Protocols\r\n/);
    expect(head.toLowerCase()).toContain('upgrade: echo');
    expect(head).toContain('x-seen-url: /echo');
    expect(head).toContain('x-seen-prefix: /live');
    socket.write('hello over the tunnel');
    const echoed = await readUntil(socket, (t) => t.includes('hello over the tunnel'));
    expect(echoed).toContain('hello over the tunnel');
    const big = Buffer.alloc(2 * 1024 * 1024, 7);
    let received = 0;
    const all = new Promise<void>((resolve) => {
      socket.on('data', (c: Buffer) => {
        received += c.length;
        if (received >= big.length) resolve();
      });
    });
    socket.write(big);
    await all;
    expect(received).toBe(big.length);
    socket.destroy();
    await waitFor(() => h.runtime.get('live', '1.0.0') !== undefined && inflight() === 0);
  });

  it('answers 400 at once for a module that accepts no upgrades', async () => {
    const t0 = Date.now();
    const text = await readUntil(upgradeRequest('/fetch-app/ws'), () => false);
    expect(Date.now() - t0).toBeLessThan(400);
    expect(text).toMatch(/^HTTP\/1\.1 400 /);
    expect(text).toContain('NODEARK_ERR_ROUTE_UPGRADE_UNSUPPORTED');
  });

  it('relays a refusal from the module and closes the connection', async () => {
    const text = await readUntil(upgradeRequest('/live/refuse'), () => false);
    expect(text).toMatch(/^HTTP\/1\.1 403 Forbidden\r\n/);
    expect(text.endsWith('\r\n\r\nno')).toBe(true);
  });

  it('bounds an upgrade the module never answers by the request timeout (504)', async () => {
    const t0 = Date.now();
    const text = await readUntil(upgradeRequest('/live/never'), () => false);
    expect(text).toMatch(/^HTTP\/1\.1 504 /);
    expect(text).toContain('NODEARK_ERR_ROUTE_TIMEOUT');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(450);
    await waitFor(() => inflight() === 0);
  });

  it('frees everything when the client leaves mid-upgrade', async () => {
    const socket = upgradeRequest('/live/never');
    await new Promise((r) => setTimeout(r, 100));
    expect(inflight()).toBe(1);
    socket.destroy();
    await waitFor(() => inflight() === 0);
  });

  it('keeps serving requests during a flood of upgrade attempts, and frees them all', async () => {
    const sockets = Array.from({ length: 200 }, () => upgradeRequest('/live/never'));
    for (const s of sockets) s.on('error', () => {});
    const res = await fetch(`${h.url}/fetch-app/`);
    expect(res.status).toBe(200);
    const answers = await Promise.all(sockets.map((s) => readUntil(s, () => false)));
    expect(answers.filter((a) => a.startsWith('HTTP/1.1 504 ')).length).toBe(200);
    await waitFor(() => inflight() === 0);
  });
});

function inflight(): number {
  const host = (h.runtime as unknown as { router: { routes: { get(p: string): { host?: { proxy: { inflight: number } } } } } }).router.routes.get('live')?.host;
  return host?.proxy.inflight ?? -1;
}
