/**
 * `ws` as a module: a `WebSocketServer({ noServer: true })` echo behind `{ handler, upgrade }`. The same
 * clients against the app on its own server and through a base (ws://<base>/ws/echo) see the same
 * handshake, the same echoes (text and a 1 MiB binary message), the same clean closes in both
 * directions, the same refused upgrade; the module sees the stripped path and `x-forwarded-prefix`.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { connect as netConnect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { both, startBase, startStandalone, type Standalone, type TestBase, within } from './harness.js';

let base: TestBase;
let direct: Standalone;
const opened = new Set<WebSocket>();
const rawSockets = new Set<Socket>();

beforeAll(async () => {
  base = await startBase();
  await base.install('ws-echo');
  direct = await startStandalone('ws-echo');
});

afterAll(async () => {
  for (const ws of opened) ws.terminate();
  for (const s of rawSockets) s.destroy();
  await direct?.close();
  await base?.close();
});


interface Message {
  data: Buffer;
  isBinary: boolean;
}

/** A `ws` client with a message queue and its close as a promise. */
class Conn {
  private readonly queue: Message[] = [];
  private readonly waiters: Array<(m: Message) => void> = [];
  readonly closed: Promise<{ code: number; reason: string }>;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      const m = { data, isBinary };
      const w = this.waiters.shift();
      if (w) w(m);
      else this.queue.push(m);
    });
    this.closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  }

  static open(url: string, protocols?: string[]): Promise<Conn> {
    const ws = new WebSocket(url, protocols);
    opened.add(ws);
    const conn = new Conn(ws);
    return within(
      new Promise<Conn>((resolve, reject) => {
        ws.once('open', () => resolve(conn));
        ws.once('error', reject);
      }),
      `open ${url}`,
    );
  }

  next(label = 'message'): Promise<Message> {
    const m = this.queue.shift();
    if (m) return Promise.resolve(m);
    return within(new Promise((resolve) => this.waiters.push(resolve)), label);
  }

  async json(): Promise<Record<string, unknown>> {
    const m = await this.next('json message');
    expect(m.isBinary).toBe(false);
    return JSON.parse(m.data.toString()) as Record<string, unknown>;
  }
}

/** The refused handshake: status, content type and body of the answer instead of 101. */
function refused(url: string): Promise<{ status: number; type: string | undefined; body: string }> {
  const ws = new WebSocket(url);
  opened.add(ws);
  return within(
    new Promise((resolve, reject) => {
      ws.on('unexpected-response', (_req, res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          resolve({ status: res.statusCode!, type: res.headers['content-type'], body: Buffer.concat(chunks).toString() });
          ws.terminate();
        });
        res.on('error', reject);
      });
      ws.on('open', () => reject(new Error(`${url} was accepted`)));
      ws.on('error', reject);
    }),
    `refused ${url}`,
  );
}

async function closesSeen(http: string, atLeast: number): Promise<Array<{ code: number; reason: string }>> {
  // The server records the close when its side is done: poll (bounded) until it has.
  const deadline = Date.now() + 5000;
  for (;;) {
    const closes = (await (await fetch(`${http}/closes`)).json()) as Array<{ code: number; reason: string }>;
    if (closes.length >= atLeast || Date.now() > deadline) return closes;
    await new Promise((r) => setTimeout(r, 25));
  }
}

const wsUrl = (http: string): string => http.replace(/^http:/, 'ws:');

/** A masked client text frame (payload under 126 bytes). */
function clientFrame(text: string): Buffer {
  const payload = Buffer.from(text);
  const mask = Buffer.from([1, 2, 3, 4]);
  const masked = payload.map((b, i) => b ^ mask[i % 4]!);
  return Buffer.concat([Buffer.from([0x81, 0x80 | payload.length]), mask, masked]);
}

/**
 * Sends the upgrade request and a first WebSocket frame in one write (bytes after the request head:
 * the 'upgrade' event's `head`), and returns the status line and the text of the first `frames` server
 * frames (unmasked, under 126 bytes each).
 */
function upgradeWithEarlyData(httpRoot: string, path: string, frames: number): Promise<{ status: string; texts: string[] }> {
  const url = new URL(`${httpRoot}${path}`);
  const socket = netConnect(Number(url.port), '127.0.0.1');
  rawSockets.add(socket);
  const request =
    `GET ${url.pathname} HTTP/1.1\r\nHost: ${url.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
    `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`;
  socket.write(Buffer.concat([Buffer.from(request), clientFrame('early bird')]));
  return within(
    new Promise((resolve, reject) => {
      let buf = Buffer.alloc(0);
      socket.on('data', (chunk: Buffer) => {
        buf = Buffer.concat([buf, chunk]);
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const status = buf.subarray(0, buf.indexOf('\r\n')).toString();
        const texts: string[] = [];
        let off = end + 4;
        while (texts.length < frames && off + 2 <= buf.length) {
          const len = buf[off + 1]! & 0x7f;
          if (off + 2 + len > buf.length) break;
          expect(buf[off]).toBe(0x81);
          texts.push(buf.subarray(off + 2, off + 2 + len).toString());
          off += 2 + len;
        }
        if (texts.length === frames) {
          socket.destroy();
          resolve({ status, texts });
        }
      });
      socket.on('error', reject);
    }),
    `early data ${url}`,
  );
}

describe.each([
  ['standalone', () => direct.url, null],
  ['through the base', () => `${base.url}/ws`, '/ws'],
])('ws echo %s', (_name, root, prefix) => {
  it('handshakes, sees the stripped path and the prefix, and echoes text and a 1 MiB binary message', async () => {
    const c = await Conn.open(`${wsUrl(root())}/echo?x=1`, ['chat', 'other']);
    expect(c.ws.protocol).toBe('chat');
    expect(await c.json()).toEqual({ hello: 'ws', url: '/echo?x=1', prefix, protocol: 'chat', remote: 'string' });

    c.ws.send('hello, ünïcode ✓');
    const text = await c.next('text echo');
    expect(text.isBinary).toBe(false);
    expect(text.data.toString()).toBe('hello, ünïcode ✓');

    const big = randomBytes(1024 * 1024);
    c.ws.send(big);
    const echo = await c.next('1 MiB echo');
    expect(echo.isBinary).toBe(true);
    expect(echo.data.length).toBe(big.length);
    expect(echo.data.equals(big)).toBe(true);

    // Many messages in a row keep their order.
    for (let i = 0; i < 50; i++) c.ws.send(`m${i}`);
    const got: string[] = [];
    for (let i = 0; i < 50; i++) got.push((await c.next(`m${i}`)).data.toString());
    expect(got).toEqual(Array.from({ length: 50 }, (_, i) => `m${i}`));

    const before = (await closesSeen(root(), 0)).length;
    c.ws.close(1000, 'client says bye');
    expect(await within(c.closed, 'client close')).toEqual({ code: 1000, reason: 'client says bye' });
    const closes = await closesSeen(root(), before + 1);
    expect(closes.slice(before)).toEqual([{ code: 1000, reason: 'client says bye' }]);
  });

  it('closes cleanly when the server closes (1000 on both sides)', async () => {
    const c = await Conn.open(`${wsUrl(root())}/echo`);
    await c.json();
    const before = (await closesSeen(root(), 0)).length;
    c.ws.send('close-me');
    expect(await within(c.closed, 'server close')).toEqual({ code: 1000, reason: 'server says bye' });
    const closes = await closesSeen(root(), before + 1);
    expect(closes.slice(before)).toEqual([{ code: 1000, reason: 'server says bye' }]);
  });

  it('serves several connections at once, each with its own echoes', async () => {
    const conns = await Promise.all(Array.from({ length: 5 }, () => Conn.open(`${wsUrl(root())}/echo`)));
    for (const c of conns) await c.json();
    const payloads = conns.map(() => randomBytes(200_000));
    conns.forEach((c, i) => c.ws.send(payloads[i]!));
    const echoes = await Promise.all(conns.map((c) => c.next('parallel echo')));
    echoes.forEach((e, i) => expect(e.data.equals(payloads[i]!), `connection ${i}`).toBe(true));
    for (const c of conns) c.ws.close(1000);
    const codes = await Promise.all(conns.map((c) => within(c.closed, 'parallel close')));
    expect(codes.map((x) => x.code)).toEqual([1000, 1000, 1000, 1000, 1000]);
  });
});

describe('ws echo: standalone vs base', () => {
  it('refuses an upgrade to an unknown path with the same 404', async () => {
    const d = await refused(`${wsUrl(direct.url)}/nope`);
    const r = await refused(`${wsUrl(base.url)}/ws/nope`);
    expect(r).toEqual(d);
    expect(r).toEqual({ status: 404, type: 'text/plain', body: 'no such socket' });
  });

  it('delivers a frame sent in the same packet as the upgrade request (the upgrade head)', async () => {
    const d = await upgradeWithEarlyData(direct.url, '/echo', 2);
    const r = await upgradeWithEarlyData(`${base.url}/ws`, '/echo', 2);
    expect(d.status).toBe('HTTP/1.1 101 Switching Protocols');
    expect(r.status).toBe(d.status);
    expect(JSON.parse(d.texts[0]!)).toMatchObject({ url: '/echo', prefix: null });
    expect(JSON.parse(r.texts[0]!)).toMatchObject({ url: '/echo', prefix: '/ws' });
    expect(r.texts[1]).toBe('early bird');
    expect(d.texts[1]).toBe('early bird');
  });

  it('still answers plain HTTP requests, like its own server', async () => {
    // The bodies differ only by the prefix the app reports: compare the content type, and the length each declares.
    const { direct: d, routed: r } = await both(direct, base, 'ws', '/?q=1', {}, ['content-type', 'content-length']);
    expect(r.status).toBe(200);
    expect(JSON.parse(d.body)).toEqual({ hello: 'ws-echo', url: '/?q=1', prefix: null });
    expect(JSON.parse(r.body)).toEqual({ hello: 'ws-echo', url: '/?q=1', prefix: '/ws' });
    expect(r.headers['content-type']).toBe(d.headers['content-type']);
    expect(Number(r.headers['content-length'])).toBe(Buffer.byteLength(r.body));
    const missing = await both(direct, base, 'ws', '/missing');
    expect(missing.routed).toEqual(missing.direct);
    expect(missing.routed.status).toBe(404);
  });

  it('saw every upgrade request with the prefix stripped', async () => {
    const seen = (await (await fetch(`${base.url}/ws/upgrades`)).json()) as Array<{ url: string; prefix: string | null; upgrade: string }>;
    expect(seen.length).toBeGreaterThan(0);
    for (const u of seen) {
      expect(u.url.startsWith('/ws/')).toBe(false);
      expect(u.prefix).toBe('/ws');
      expect(u.upgrade.toLowerCase()).toBe('websocket');
    }
    expect(seen.map((u) => u.url)).toContain('/echo');
  });
});
