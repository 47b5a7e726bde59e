/**
 * The connection relay of a standalone base (packages/runtime/src/relay/) against clients and modules
 * that misbehave on the raw connection: a client that ignores the base's close or keeps sending after a
 * refusal, one that goes away while the relay has paused it, a module that writes bytes past its
 * response. Cases 1 to 6 are regression tests for defects the relay review found, and each failed before
 * b14ac35 ("Relay review mends"). Case 7 (the module counters after aborted requests) held before it too:
 * it guards that the mends' new ways of dropping a connection still settle the counters.
 *
 * Fixtures: fixtures/relay/evil (writes past its answers, answers uploads without reading them, answers
 * slowly) mounted at /evil, and fixtures/relay/plain (answers `plain <method> <url>`) mounted at /plain.
 * Where a timeout matters, the base's own knobs are set: its server's `headersTimeout` and
 * `keepAliveTimeout` (which the relay applies to its connections), `nodeark.biz.request-timeout`.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createBase, type NodearkBase } from 'nodeark';
import { loopbackConfig } from './helpers/loopback-config.js';
import { RawHttpClient } from './helpers/raw-http-client.js';
import { sleep, within } from './helpers/timing.js';

const fixtures = fileURLToPath(new URL('./fixtures/relay/', import.meta.url));

/** Resolves true as soon as `cond()` holds, false when it still does not after `ms`. */
async function eventually(cond: () => boolean | Promise<boolean>, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await cond()) return true;
    if (Date.now() >= deadline) return false;
    await sleep(20);
  }
}

/* ------------------------------------------------------------------------------------- raw connections */

/** Client connections opened by a case, destroyed after it. */
const clients = new Set<RawHttpClient>();

/**
 * A raw client connection to `port` on 127.0.0.1 that gives up on an answer after 3 s, so that a missing
 * answer fails its case quickly, quoting what came instead. `allowHalfOpen`: the client does not end its
 * side when the server ends its own.
 */
const openClient = (port: number, allowHalfOpen = false): Promise<RawHttpClient> =>
  RawHttpClient.open(port, { allowHalfOpen, timeout: 3000, track: clients });

/** Writes 64 KiB chunks of an upload until a response head arrives (or the connection closes, or `ms`). */
async function uploadUntilAnswered(c: RawHttpClient, ms: number): Promise<void> {
  const chunk = Buffer.alloc(64 * 1024, 0x41);
  const deadline = Date.now() + ms;
  while (!c.pending.includes('\r\n\r\n') && !c.closed && Date.now() < deadline) {
    if (!c.write(chunk)) await c.drained(50);
  }
}

/* ---------------------------------------------------------------------------------------------- bases */

let tmp: string;
let serial = 0;
const bases = new Set<NodearkBase>();

interface Started {
  base: NodearkBase;
  port: number;
}

/**
 * A standalone base (connection relay on, the default) on 127.0.0.1 with both fixture modules installed.
 * `tune` sets server knobs after createBase and before listen.
 */
async function startBase(extra: Record<string, unknown> = {}, tune?: (server: Server) => void): Promise<Started> {
  const base = await createBase({ env: {}, config: loopbackConfig(join(tmp, `base-${serial++}`), extra) });
  bases.add(base);
  tune?.(base.app.server);
  const { url } = await base.listen();
  await Promise.all(
    ['evil', 'plain'].map(async (name) => {
      const r = await base.runtime.install({ bizUrl: pathToFileURL(join(fixtures, name)).href });
      if (r.code !== 'SUCCESS') throw new Error(`install of ${name} failed: ${r.message}`);
    }),
  );
  return { base, port: Number(new URL(url).port) };
}

/** Client connections the base's HTTP server still holds. */
function serverConnections(base: NodearkBase): Promise<number> {
  return new Promise((resolve) => base.app.server.getConnections((err, n) => resolve(err ? -1 : n)));
}

/** Closes a base without letting a close that hangs (the defects tested here) hold the suite. */
async function closeQuietly(base: NodearkBase): Promise<void> {
  bases.delete(base);
  await within(base.close(), 3000, 'base.close()').catch(() => {});
}

/** Shared by the cases that do not need a base of their own (504 after 700 ms). */
let shared: Started;

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'nodeark-relay-'));
  shared = await startBase({ 'nodeark.biz.request-timeout': 700 });
});

afterEach(async () => {
  for (const c of clients) c.socket.destroy();
  clients.clear();
  // Bases of a single case (the shared one is closed after all).
  await Promise.all([...bases].filter((b) => b !== shared?.base).map(closeQuietly));
});

afterAll(async () => {
  if (shared) await closeQuietly(shared.base);
  for (const b of [...bases]) await closeQuietly(b);
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

/* ---------------------------------------------------------------------------------------------- cases */

const MiB = 1024 * 1024;

describe('connection relay robustness', () => {
  it('1. after a refused head (400), a client that keeps its side open and keeps sending is disconnected, and what it sends is not kept', async () => {
    const c = await openClient(shared.port, true);
    c.write('GET /plain/x HTTP/1.1\r\nHost: x\r\nBad Header: x\r\n\r\n'); // a space in a field name: 400
    expect((await c.readResponse()).status).toBe(400);
    // The client ignores the close and keeps sending, for up to 3 s. Before the fix the relay read it all
    // and appended it to its buffer (64 MiB were taken in under 30 s, and kept).
    const chunk = Buffer.alloc(64 * 1024, 0x41);
    const deadline = Date.now() + 3000;
    let sent = 0;
    while (!c.closed && Date.now() < deadline && sent < 64 * MiB) {
      const more = c.write(chunk);
      sent += chunk.length;
      if (!more) await c.drained(50);
    }
    expect(c.closed, `client still connected after sending ${(sent / MiB).toFixed(1)} MiB past the 400`).toBe(true);
    // What the base read and dropped (at most 4 MiB while it lingers) plus what the two kernels buffer on
    // loopback: far below what a base that kept reading would take (all 64 MiB, still connected).
    expect(sent).toBeLessThan(40 * MiB);
  });

  it('2a. a module writing past its Content-Length cannot answer another module\'s pipelined request', async () => {
    const c = await openClient(shared.port);
    c.write('GET /evil/extra HTTP/1.1\r\nHost: x\r\n\r\nGET /plain/next HTTP/1.1\r\nHost: x\r\n\r\n');
    expect((await c.readResponse()).body.toString()).toBe('ok');
    const next = await c.readResponse();
    expect(next.body.toString()).toBe('plain GET /next');
    expect(next.headers['set-cookie']).toBeUndefined();
    await sleep(100);
    expect(c.pending).toBe('');
  });

  it('2b. a module writing to its socket after its response cannot prefix the next answer on a keep-alive connection', async () => {
    const c = await openClient(shared.port);
    c.write('GET /evil/late HTTP/1.1\r\nHost: x\r\n\r\n');
    expect((await c.readResponse()).body.toString()).toBe('ok');
    await sleep(400); // the module writes a forged response 200 ms after its answer
    expect(c.pending, 'bytes no request asked for').toBe('');
    c.write('GET /plain/after HTTP/1.1\r\nHost: x\r\n\r\n');
    const next = await c.readResponse();
    expect(next.status).toBe(200);
    expect(next.body.toString()).toBe('plain GET /after');
    expect(next.headers['set-cookie']).toBeUndefined();
  });

  it('3. base.close() finishes promptly with an idle keep-alive client that ignores the server\'s FIN', async () => {
    const { base, port } = await startBase();
    const c = await openClient(port, true);
    c.write('GET /plain/x HTTP/1.1\r\nHost: x\r\n\r\n');
    expect((await c.readResponse()).body.toString()).toBe('plain GET /x');
    await within(base.close(), 2000, 'base.close() with a half-open idle client');
    expect(c.ended).toBe(true);
    expect(await serverConnections(base)).toBe(0);
  });

  it('4. a module answering before the request body has ended: once the body is in, the connection is closed after keepAliveTimeout', async () => {
    const { port } = await startBase({}, (server) => {
      server.keepAliveTimeout = 500;
    });
    const c = await openClient(port);
    c.write('POST /evil/early HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n12345');
    expect((await c.readResponse()).body.toString()).toBe('hi');
    await sleep(100);
    c.write('67890');
    const bodyEnd = Date.now();
    expect(await c.waitEnded(2500), 'closed by the base within 2.5 s of the body (keepAliveTimeout 500 ms)').toBe(true);
    expect(Date.now() - bodyEnd).toBeGreaterThanOrEqual(400);
  });

  it('5. a pipelined head split over two writes behind a slow response: no 408, the slow response and then its own arrive', async () => {
    const { port } = await startBase({}, (server) => {
      server.headersTimeout = 500;
    });
    const c = await openClient(port);
    c.write('GET /evil/slow?ms=1200 HTTP/1.1\r\nHost: x\r\n\r\nGET /plain/second HTTP/1.1\r\n');
    await sleep(50);
    c.write('Host: x\r\n\r\n'); // the rest of the pipelined head, well within headersTimeout
    const slow = await c.readResponse('GET', 3000);
    expect(slow.status).toBe(200);
    expect(slow.body.toString()).toBe('slow 1200');
    const second = await c.readResponse();
    expect(second.body.toString()).toBe('plain GET /second');
  });

  describe('6. a client the relay has paused goes away: no server connection is left, and base.close() finishes', () => {
    /** The client is gone: the base's server lets go of its connection and closes in time. */
    const expectReleased = async (base: NodearkBase): Promise<void> => {
      expect(await eventually(async () => (await serverConnections(base)) === 0, 2000), 'server connections left').toBe(true);
      await within(base.close(), 2000, 'base.close()');
    };

    it('6a. an early 413 with Connection: close during an upload', async () => {
      const { base, port } = await startBase();
      const c = await openClient(port);
      c.write('POST /evil/close HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000\r\n\r\n');
      await uploadUntilAnswered(c, 5000);
      // The base closes with a lingering close (it reads and drops the rest of the upload for a while), so
      // the client reads the 413 before the connection goes.
      expect(c.pending.startsWith('HTTP/1.1 413 '), `answered (got ${JSON.stringify(c.pending.slice(0, 40))})`).toBe(true);
      c.socket.destroy();
      await expectReleased(base);
    });

    it('6b. a 504 during an upload', async () => {
      const { base, port } = await startBase({ 'nodeark.biz.request-timeout': 700 });
      const c = await openClient(port);
      c.write('POST /evil/slow?ms=1500 HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000\r\n\r\n');
      await uploadUntilAnswered(c, 5000);
      // Answered before the connection goes (as in 6a).
      expect(c.pending.startsWith('HTTP/1.1 504 '), `answered (got ${JSON.stringify(c.pending.slice(0, 40))})`).toBe(true);
      c.socket.destroy();
      await expectReleased(base);
    });

    it('6c. a pipelined request parked behind a Connection: close answer, more bytes sent after it', async () => {
      const { base, port } = await startBase();
      const c = await openClient(port, true);
      c.write('GET /evil/close HTTP/1.1\r\nHost: x\r\n\r\nGET /plain/parked HTTP/1.1\r\nHost: x\r\n\r\n');
      expect((await c.readResponse()).status).toBe(413);
      expect(await c.waitEnded(2000)).toBe(true);
      // Sent after the base's close (while the relay still held the parked request), then the client closes.
      c.write('GET /plain/more HTTP/1.1\r\nHost: x\r\n\r\n');
      c.socket.end();
      expect(await c.waitClosed(2000)).toBe(true);
      await expectReleased(base);
    });

    it('6d. a refused upgrade (held while it was answered), more bytes sent after it', async () => {
      const { base, port } = await startBase();
      const c = await openClient(port, true);
      c.write('GET /nothing HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n');
      expect((await c.readResponse()).status).toBe(404);
      expect(await c.waitEnded(2000)).toBe(true);
      c.write('GET /plain/more HTTP/1.1\r\nHost: x\r\n\r\n');
      c.socket.end();
      expect(await c.waitClosed(2000)).toBe(true);
      await expectReleased(base);
    });
  });

  it('7. after each abort scenario, the modules\' requestsActive, responsesStreaming and websocketsActive are back to 0', async () => {
    const { base, port } = shared;
    const counters = (): Record<string, number[]> =>
      Object.fromEntries(
        base.runtime
          .metrics()
          .modules.filter((m) => m.bizName.startsWith('relay-'))
          .map((m) => [m.bizName, [m.requestsActive, m.responsesStreaming, m.websocketsActive]]),
      );
    const idle = (): boolean => Object.values(counters()).every((v) => v.every((n) => n === 0));
    const midBody = 'POST /evil/slow?ms=1500 HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\nabc';
    const scenarios: Array<[string, (c: RawHttpClient) => Promise<void>]> = [
      [
        'reset mid-body',
        async (c) => {
          c.write(midBody);
          // The request is counted while it is in flight (the meter is live).
          expect(await eventually(() => counters()['relay-evil']?.[0] === 1, 2000), 'requestsActive 1 in flight').toBe(true);
          c.socket.resetAndDestroy();
        },
      ],
      [
        'FIN mid-body',
        async (c) => {
          c.write(midBody);
          await sleep(100);
          c.socket.end();
        },
      ],
      [
        'pipelined request parked, then reset',
        async (c) => {
          c.write('GET /evil/slow?ms=1500 HTTP/1.1\r\nHost: x\r\n\r\nGET /plain/parked HTTP/1.1\r\nHost: x\r\n\r\n');
          await sleep(100);
          c.socket.resetAndDestroy();
        },
      ],
      [
        '504',
        async (c) => {
          c.write('GET /evil/slow?ms=1500 HTTP/1.1\r\nHost: x\r\n\r\n');
          expect((await c.readResponse()).status).toBe(504);
        },
      ],
      [
        'three pipelined to one module, then reset',
        async (c) => {
          c.write('GET /evil/slow?ms=1500 HTTP/1.1\r\nHost: x\r\n\r\n'.repeat(3));
          await sleep(100);
          c.socket.resetAndDestroy();
        },
      ],
      [
        'early 413 with Connection: close, body unsent',
        async (c) => {
          c.write('POST /evil/close HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nab');
          expect((await c.readResponse()).status).toBe(413);
        },
      ],
      [
        'bytes past the response (Content-Length lie)',
        async (c) => {
          c.write('GET /evil/extra HTTP/1.1\r\nHost: x\r\n\r\nGET /plain/next HTTP/1.1\r\nHost: x\r\n\r\n');
          await c.readResponse();
          await c.readResponse();
        },
      ],
      [
        'early 413 during a paused upload, client gone',
        async (c) => {
          c.write('POST /evil/close HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000\r\n\r\n');
          await uploadUntilAnswered(c, 5000);
        },
      ],
    ];
    for (const [name, run] of scenarios) {
      const c = await openClient(port);
      await run(c);
      c.socket.destroy();
      await eventually(idle, 3000);
      expect(counters(), `after: ${name}`).toEqual({ 'relay-evil': [0, 0, 0], 'relay-plain': [0, 0, 0] });
    }
  });
});
