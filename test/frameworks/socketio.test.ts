/**
 * socket.io as a module: `new Server(httpServer, { path: '/socket.io' })` exported as `{ server }`.
 * For each transport setting (long polling only, WebSocket only, and the default: polling, then the
 * upgrade to WebSocket) the same clients against the app on its own server (path /socket.io) and through
 * a base (path /sio/socket.io) connect, emit with an acknowledgement, receive a broadcast and disconnect.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io, type Socket } from 'socket.io-client';
import { both, startBase, startStandalone, type Standalone, type TestBase, within } from './harness.js';

let base: TestBase;
let direct: Standalone;
const clients = new Set<Socket>();

beforeAll(async () => {
  base = await startBase();
  await base.install('socketio');
  direct = await startStandalone('socketio');
});

afterAll(async () => {
  for (const c of clients) c.disconnect();
  await direct?.close();
  await base?.close();
});


/** The next `event` on `socket`, bounded. */
function nextEvent<T>(socket: Socket, event: string): Promise<T> {
  return within(new Promise<T>((resolve) => socket.once(event, (v: T) => resolve(v))), `event ${event}`);
}

type Transports = Array<'polling' | 'websocket'> | undefined;

interface Connected {
  socket: Socket;
  welcome: { id: string };
  /** The transport the engine opened with (before any upgrade). */
  opened: string;
}

/** Connects a fresh client (no reconnection) and waits for the server's welcome. */
async function connect(origin: string, path: string, transports: Transports): Promise<Connected> {
  const socket = io(origin, {
    path,
    forceNew: true,
    reconnection: false,
    timeout: 5000,
    ...(transports ? { transports } : {}),
  });
  clients.add(socket);
  const opened = within(
    new Promise<string>((resolve) => socket.io.once('open', () => resolve(socket.io.engine.transport.name))),
    'engine open',
  );
  const welcome = nextEvent<{ id: string }>(socket, 'welcome');
  await within(
    new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', reject);
    }),
    `connect ${origin}${path}`,
  );
  return { socket, welcome: await welcome, opened: await opened };
}

/**
 * The engine.io sessions still open on a server once they are all closed on the client side: the
 * server notices a closed connection within milliseconds, so poll (bounded, 5 s) until none is left.
 */
async function sessionsLeft(root: string): Promise<unknown[]> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const open = (await (await fetch(`${root}/engine`)).json()) as unknown[];
    if (open.length === 0 || Date.now() > deadline) return open;
    await new Promise((r) => setTimeout(r, 20));
  }
}

interface Ack {
  got: unknown;
  transport: string;
  path: string;
  prefix: string | null;
}

function emitWithAck(socket: Socket, payload: unknown): Promise<Ack> {
  return within(socket.timeout(5000).emitWithAck('echo', payload) as Promise<Ack>, 'echo ack');
}

/** Runs one scenario against one server and reduces it to what must match between the two. */
async function scenario(origin: string, path: string, root: string, transports: Transports, expectUpgrade: boolean) {
  const a = await connect(origin, path, transports);
  const b = await connect(origin, path, transports);
  expect(a.welcome.id).toBe(a.socket.id);
  expect(b.welcome.id).toBe(b.socket.id);

  const initial = a.opened;
  expect(b.opened).toBe(initial);
  if (expectUpgrade && a.socket.io.engine.transport.name !== 'websocket') {
    await within(new Promise<void>((resolve) => a.socket.io.engine.once('upgrade', () => resolve())), 'upgrade to websocket');
  }
  const transport = a.socket.io.engine.transport.name;

  const text = await emitWithAck(a.socket, { hello: 'sio', n: [1, 2, 3] });
  const bytes = Buffer.alloc(100_000).map((_, i) => i % 251);
  const binary = await emitWithAck(a.socket, { bin: bytes });
  const echoed = (binary.got as { bin: Buffer }).bin;
  expect(Buffer.isBuffer(echoed)).toBe(true);
  expect(Buffer.compare(echoed, bytes)).toBe(0);

  // A server broadcast reaches both clients.
  const toA = nextEvent<{ from: string; msg: string }>(a.socket, 'broadcast');
  const toB = nextEvent<{ from: string; msg: string }>(b.socket, 'broadcast');
  a.socket.emit('shout', 'hi all');
  const [ba, bb] = await Promise.all([toA, toB]);
  expect(ba).toEqual({ from: a.socket.id, msg: 'hi all' });
  expect(bb).toEqual(ba);

  // A disconnects: the client says so at once, the server tells the others why.
  const left = nextEvent<{ id: string; reason: string }>(b.socket, 'left');
  const aId = a.socket.id;
  const aDisconnect = nextEvent<string>(a.socket, 'disconnect');
  a.socket.disconnect();
  expect(await aDisconnect).toBe('io client disconnect');
  expect(a.socket.connected).toBe(false);
  expect(await left).toEqual({ id: aId, reason: 'client namespace disconnect' });

  const bDisconnect = nextEvent<string>(b.socket, 'disconnect');
  b.socket.disconnect();
  expect(await bDisconnect).toBe('io client disconnect');
  // Both connections are closed on the server too (no session left behind, whatever the transport).
  const openAfter = await sessionsLeft(root);

  return {
    openAfter,
    initial,
    transport,
    text: { got: text.got, transport: text.transport, path: text.path },
    binaryTransport: binary.transport,
    prefix: text.prefix,
  };
}

describe.each([
  ['polling only', ['polling'] as Transports, 'polling', 'polling', false],
  ['websocket only', ['websocket'] as Transports, 'websocket', 'websocket', false],
  ['default (polling, then upgrade)', undefined, 'polling', 'websocket', true],
])('socket.io, %s', (_name, transports, initial, final, upgrade) => {
  it('connects, acknowledges, broadcasts and disconnects like on its own server', async () => {
    const d = await scenario(direct.url, '/socket.io', direct.url, transports, upgrade);
    const r = await scenario(base.url, '/sio/socket.io', `${base.url}/sio`, transports, upgrade);
    expect(d).toEqual({
      openAfter: [],
      initial,
      transport: final,
      text: { got: { hello: 'sio', n: [1, 2, 3] }, transport: final, path: '/socket.io/' },
      binaryTransport: final,
      prefix: null,
    });
    // Through the base: the same, the module seeing its path stripped and the prefix.
    expect(r).toEqual({ ...d, prefix: '/sio' });
  });
});

describe('socket.io: plain HTTP next to it', () => {
  it('answers ordinary requests and engine.io errors like its own server', async () => {
    const home = await both(direct, base, 'sio', '/', {}, ['content-type', 'content-length']);
    expect(home.routed).toEqual(home.direct);
    expect(JSON.parse(home.routed.body)).toMatchObject({ hello: 'socket.io' });
    const bad = await both(direct, base, 'sio', '/socket.io/?EIO=4&transport=carrier-pigeon', {}, ['content-type']);
    expect(bad.routed).toEqual(bad.direct);
    expect(bad.routed.status).toBe(400);
    const handshake = await both(direct, base, 'sio', '/socket.io/?EIO=4&transport=polling', {}, ['content-type']);
    expect(handshake.routed.status).toBe(handshake.direct.status);
    expect(handshake.routed.headers).toEqual(handshake.direct.headers);
    expect(handshake.routed.body).toMatch(/^0\{"sid":"/);
    expect(handshake.direct.body).toMatch(/^0\{"sid":"/);
    // Close both sessions (engine.io close packet "1"), as a client leaving would.
    for (const [root, body] of [
      [direct.url, handshake.direct.body],
      [`${base.url}/sio`, handshake.routed.body],
    ] as const) {
      const { sid } = JSON.parse(body.slice(1)) as { sid: string };
      const closed = await fetch(`${root}/socket.io/?EIO=4&transport=polling&sid=${sid}`, { method: 'POST', body: '1' });
      expect(await closed.text()).toBe('ok');
    }
    expect(await sessionsLeft(direct.url)).toEqual([]);
    expect(await sessionsLeft(`${base.url}/sio`)).toEqual([]);
  });
});
