/**
 * WebSockets (`ws`) through a base, standalone and embedded with `nodearkPlugin`: echo, unknown context
 * (404), a version switch leaves open connections on the old version, uninstall closes them after the
 * drain deadline.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { fastify, type FastifyInstance } from 'fastify';
import fastifyWebsocket from '@fastify/websocket';
import WebSocket from 'ws';
import { io as ioClient, type Socket as IoSocket } from 'socket.io-client';
import { createBase, nodearkPlugin, type NodearkBase } from 'nodeark';

const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));
const v1 = pathToFileURL(join(fixtures, 'ws-versioned')).href;

/** The same module as version 2.0.0 (it tags its replies with the version in its package.json). */
async function version2(): Promise<string> {
  const dir = join(tmp!, 'ws-versioned-2.0.0');
  await cp(join(fixtures, 'ws-versioned'), dir, { recursive: true });
  const pkg = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as Record<string, unknown>;
  await writeFile(join(dir, 'package.json'), JSON.stringify({ ...pkg, version: '2.0.0' }));
  return pathToFileURL(dir).href;
}
const socketio = new URL('../../../test/fixtures/apps/socketio/', import.meta.url).href;

let base: NodearkBase | undefined;
let app: FastifyInstance | undefined;
let tmp: string | undefined;
const clients: WebSocket[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.terminate();
  await base?.close();
  base = undefined;
  await app?.close();
  app = undefined;
  if (tmp) await rm(tmp, { recursive: true, force: true });
  tmp = undefined;
});

async function config(extra: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
  tmp = await mkdtemp(join(tmpdir(), 'nodeark-ws-'));
  return {
    'server.port': 0,
    'server.address': '127.0.0.1',
    'koupleless.arklet.http.port': 0,
    'koupleless.arklet.http.address': '127.0.0.1',
    'nodeark.store.dir': join(tmp, 'store'),
    'logging.level.root': 'silent',
    ...extra,
  };
}

/** Opens a client; resolves once open, rejects on an unexpected response or after 5 s. */
function connect(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    clients.push(ws);
    const timer = setTimeout(() => reject(new Error('no open within 5 s')), 5000);
    ws.once('open', () => {
      clearTimeout(timer);
      resolve(ws);
    });
    ws.once('unexpected-response', (_req, res) => {
      clearTimeout(timer);
      reject(Object.assign(new Error(`unexpected response ${res.statusCode}`), { statusCode: res.statusCode }));
    });
    ws.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

function roundTrip(ws: WebSocket, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no reply within 5 s')), 5000);
    ws.once('message', (data) => {
      clearTimeout(timer);
      resolve(String(data));
    });
    ws.send(text);
  });
}

function closed(ws: WebSocket): Promise<number> {
  return new Promise((resolve) => {
    if (ws.readyState === WebSocket.CLOSED) resolve(-1);
    else ws.once('close', (code) => resolve(code));
  });
}

describe('WebSockets in a standalone base', () => {
  it('echoes through the module, and answers 404 for an unknown context', async () => {
    base = await createBase({ env: {}, config: await config() });
    const { url } = await base.listen();
    expect((await base.runtime.install({ bizUrl: v1 })).code).toBe('SUCCESS');
    const ws = await connect(`${url.replace('http', 'ws')}/wsv/chat`);
    expect(await roundTrip(ws, 'hi')).toBe('1.0.0:hi');
    const big = 'x'.repeat(1024 * 1024);
    expect(await roundTrip(ws, big)).toBe(`1.0.0:${big}`);
    ws.close(1000);
    expect(await closed(ws)).toBe(1000);
    await expect(connect(`${url.replace('http', 'ws')}/nowhere/chat`)).rejects.toMatchObject({ statusCode: 404 });
    // Plain HTTP still works next to it.
    expect(await (await fetch(`${url}/wsv/`)).text()).toBe('1.0.0');
  });

  it('keeps open connections on the old version across a switch; uninstall closes them after the drain deadline', async () => {
    base = await createBase({ env: {}, config: await config({ 'nodeark.biz.drain-timeout': 300 }) });
    const { url } = await base.listen();
    const wsUrl = `${url.replace('http', 'ws')}/wsv/`;
    expect((await base.runtime.install({ bizUrl: v1 })).code).toBe('SUCCESS');
    const old = await connect(wsUrl);
    expect((await base.runtime.install({ bizUrl: await version2() })).code).toBe('SUCCESS');
    expect((await base.runtime.switchBiz('ws-versioned', '2.0.0')).code).toBe('SUCCESS');
    const fresh = await connect(wsUrl);
    expect(await roundTrip(fresh, 'a')).toBe('2.0.0:a');
    expect(await roundTrip(old, 'b')).toBe('1.0.0:b');
    const t0 = Date.now();
    const oldClosed = closed(old);
    expect((await base.runtime.uninstall('ws-versioned', '1.0.0')).code).toBe('SUCCESS');
    await oldClosed;
    // Uninstall waited for the drain deadline before closing the connection that stayed open.
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
    expect(await roundTrip(fresh, 'c')).toBe('2.0.0:c');
  });
});

describe('WebSockets with nodearkPlugin', () => {
  it("echoes through the module and leaves the host app's own routes and upgrade paths alone", async () => {
    const cfg = await config();
    app = fastify();
    app.get('/api/own', async () => ({ own: true }));
    await app.register(nodearkPlugin, { env: {}, config: cfg });
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    expect((await app.nodeark.runtime.install({ bizUrl: v1 })).code).toBe('SUCCESS');
    const ws = await connect(`${url.replace('http', 'ws')}/wsv/`);
    expect(await roundTrip(ws, 'embedded')).toBe('1.0.0:embedded');
    expect(await (await fetch(`${url}/api/own`)).json()).toEqual({ own: true });
    await expect(connect(`${url.replace('http', 'ws')}/api/own`)).rejects.toMatchObject({ statusCode: 404 });
  });
});

describe('nodearkPlugin next to the host app’s own @fastify/websocket', () => {
  it('relays module upgrades once, and leaves the host’s WebSocket routes to it', async () => {
    app = fastify();
    await app.register(fastifyWebsocket);
    app.register(async (scope) => {
      scope.get('/host-ws', { websocket: true }, (socket) => {
        socket.on('message', (m: Buffer) => socket.send(`host:${m}`));
      });
    });
    await app.register(nodearkPlugin, { env: {}, config: await config() });
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    expect((await app.nodeark.runtime.install({ bizUrl: v1 })).code).toBe('SUCCESS');
    const host = await connect(`${url.replace('http', 'ws')}/host-ws`);
    expect(await roundTrip(host, 'a')).toBe('host:a');
    const mod = await connect(`${url.replace('http', 'ws')}/wsv/`);
    expect(await roundTrip(mod, 'b')).toBe('1.0.0:b');
    expect(await roundTrip(mod, 'c')).toBe('1.0.0:c');
    expect(await roundTrip(host, 'd')).toBe('host:d');
  });
});

describe('socket.io with nodearkPlugin', () => {
  it.each([['polling'], ['websocket']])('acknowledges over %s, beside the host app', async (transport) => {
    app = fastify();
    app.get('/api/own', async () => ({ own: true }));
    // A long poll in flight at close holds the server until the modules drain: keep the drain short.
    await app.register(nodearkPlugin, { env: {}, config: await config({ 'nodeark.biz.drain-timeout': 300 }) });
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    expect((await app.nodeark.runtime.install({ bizUrl: socketio })).code).toBe('SUCCESS');
    const client: IoSocket = ioClient(url, { path: '/sio/socket.io', transports: [transport], reconnection: false });
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no connect within 5 s')), 5000);
        client.once('connect', () => {
          clearTimeout(timer);
          resolve();
        });
        client.once('connect_error', reject);
      });
      const ack = (await client.timeout(5000).emitWithAck('echo', { n: 1 })) as { got: unknown; transport: string; prefix: string };
      expect(ack).toMatchObject({ got: { n: 1 }, transport, prefix: '/sio' });
      expect(await (await fetch(`${url}/api/own`)).json()).toEqual({ own: true });
    } finally {
      client.disconnect();
    }
  });
});
