/**
 * HTTP connection semantics as a client sees them through a standalone base, written black-box so that
 * any way of moving bytes between client connections and module workers can be checked against it.
 *
 * The oracle for byte-level cases: module A's listener (fixtures/conn/alpha/handler.mjs) also runs on a
 * plain `http.createServer` in this process, and both are sent the same raw bytes (request targets under
 * `/alpha` for the base, which strips the prefix). Where the base legitimately differs (`x-forwarded-*`,
 * its own error bodies and edge errors, the framing of an HTTP/1.0 answer), the base's own behaviour is
 * asserted and the comment says why. Every case runs on both request paths of a standalone base (MODES).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createBase, type NodearkBase } from 'nodeark';
import { loopbackConfig } from './helpers/loopback-config.js';
import { ClosedError, RawHttpClient, type RawResponse } from './helpers/raw-http-client.js';
import { sleep, within } from './helpers/timing.js';

const fixtures = fileURLToPath(new URL('./fixtures/conn/', import.meta.url));
const fixtureUrl = (name: string): string => pathToFileURL(join(fixtures, name)).href;

/* ------------------------------------------------------------------------------------- raw connections */

/** Connections opened by the tests, destroyed after all. */
const open = new Set<RawHttpClient>();

/** A raw connection to `port` on 127.0.0.1, destroyed after all if a case leaves it open. */
const openConn = (port: number): Promise<RawHttpClient> => RawHttpClient.open(port, { track: open });

/* ------------------------------------------------------------------------------ the two servers compared */

/** One side of a comparison: where to connect and how module A's paths are spelled there. */
interface Side {
  name: string;
  port: number;
  /** A path of module A (`/echo`) as a request target on this side. */
  t(path: string): string;
}

/** What must match between module A on a plain node:http server and module A through the base. */
interface Answer {
  statusLine: string;
  body: string;
  contentLength: string | undefined;
  /** The `Connection` header, lower-cased. */
  connection: string | undefined;
}

/** The answers to a sequence of bytes, and whether the connection was still usable afterwards. */
interface Outcome {
  answers: Answer[];
  after: 'closed' | 'open';
}

const answerOf = (r: RawResponse): Answer => ({
  statusLine: r.statusLine,
  body: r.body.toString('latin1'),
  contentLength: r.headers['content-length'],
  connection: r.headers.connection?.toLowerCase(),
});

/**
 * Sends `bytes` on a fresh connection and reads answers: `count` of them, or (without `count`) until the
 * connection closes or stays quiet for a second. Then, unless the peer closed it, the connection is probed
 * with one more request: `open` when that request is answered correctly, `closed` when the connection
 * closes instead.
 */
async function exchange(side: Side, bytes: string | Buffer, options: { count?: number; methods?: string[] } = {}): Promise<Outcome> {
  const conn = await openConn(side.port);
  try {
    await conn.send(bytes);
    const answers: Answer[] = [];
    for (let i = 0; options.count === undefined || i < options.count; i++) {
      try {
        answers.push(answerOf(await conn.readResponse(options.methods?.[i] ?? 'GET', options.count === undefined ? 1000 : 5000)));
      } catch (err) {
        if (options.count !== undefined) throw err;
        if (!(err instanceof ClosedError) && conn.pending.length > 0) throw err;
        break;
      }
    }
    if (conn.gone) return { answers, after: 'closed' };
    await conn.send(`GET ${side.t('/hello')} HTTP/1.1\r\nHost: probe\r\n\r\n`);
    try {
      const probe = await conn.readResponse('GET', 3000);
      expect(probe.body.toString(), `${side.name}: the probe request on the same connection`).toBe('A:hello');
      return { answers, after: 'open' };
    } catch (err) {
      if (err instanceof ClosedError) return { answers, after: 'closed' };
      throw err;
    }
  } finally {
    conn.destroy();
  }
}

/** The module's log of request targets it received (GET /seen). */
async function seenBy(side: Side): Promise<string[]> {
  const res = await fetch(`http://127.0.0.1:${side.port}${side.t('/seen')}`);
  return (await res.json()) as string[];
}

let tmp: string;
let plain: Server;
let alphaListener: { handler: (req: IncomingMessage, res: ServerResponse) => void; upgrade: (req: IncomingMessage, socket: Duplex, head: Buffer) => void };
let direct: Side;
/* The base of the request path under test (see MODES), and module A on it. */
let base: NodearkBase;
let baseUrl: string;
let basePort: number;
let routed: Side;

/** A copy of a fixture module with its package.json patched (another version, another context path). */
async function variant(name: string, patch: { name?: string; version?: string; webContextPath?: string }): Promise<string> {
  const dir = join(tmp, `${patch.name ?? name}-${patch.version ?? ''}-${patch.webContextPath ?? ''}-${randomBytes(4).toString('hex')}`);
  await cp(join(fixtures, name), dir, { recursive: true });
  const pkg = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as { name: string; version: string; nodeark: Record<string, unknown> };
  if (patch.name) pkg.name = patch.name;
  if (patch.version) pkg.version = patch.version;
  if (patch.webContextPath) pkg.nodeark.webContextPath = patch.webContextPath;
  await writeFile(join(dir, 'package.json'), JSON.stringify(pkg));
  return pathToFileURL(dir).href;
}

async function install(b: NodearkBase, bizUrl: string): Promise<void> {
  const r = await b.runtime.install({ bizUrl });
  if (r.code !== 'SUCCESS') throw new Error(`install of ${bizUrl} failed: ${r.message}`);
}

/** A base on 127.0.0.1 with its own store under `tmp`. */
async function startBase(dir: string, extra: Record<string, unknown> = {}): Promise<{ base: NodearkBase; url: string; port: number }> {
  const b = await createBase({ env: {}, config: loopbackConfig(dir, extra) });
  const { url } = await b.listen();
  return { base: b, url, port: Number(new URL(url).port) };
}

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'nodeark-conn-'));
  alphaListener = (await import(pathToFileURL(join(fixtures, 'alpha', 'handler.mjs')).href)) as typeof alphaListener;
  plain = createServer(alphaListener.handler);
  plain.on('upgrade', alphaListener.upgrade);
  await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
  direct = { name: 'plain node:http', port: (plain.address() as AddressInfo).port, t: (p) => p };
});

afterAll(async () => {
  for (const c of open) c.destroy();
  plain?.closeAllConnections();
  await new Promise<void>((resolve) => (plain ? plain.close(() => resolve()) : resolve()));
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

/** Both sides' outcomes for the same bytes (built per side from its request targets). */
async function both(bytes: (side: Side) => string | Buffer, options: { count?: number; methods?: string[] } = {}): Promise<{ d: Outcome; r: Outcome }> {
  const d = await exchange(direct, bytes(direct), options);
  const r = await exchange(routed, bytes(routed), options);
  return { d, r };
}

/**
 * The base's answer to input node:http refuses: the same status lines and the same closed connection. The
 * body may differ: node:http sends none, the base may send a JSON error naming the same status (fastify's
 * client-error handler does).
 */
function expectSameRefusal(r: Outcome, d: Outcome): void {
  expect(r.answers.map((a) => a.statusLine)).toEqual(d.answers.map((a) => a.statusLine));
  expect(r.after).toBe(d.after);
  for (const a of r.answers) {
    if (a.body !== '') expect(JSON.parse(a.body)).toMatchObject({ statusCode: Number(a.statusLine.split(' ')[1]) });
  }
}

const GET = (target: string, extra = ''): string => `GET ${target} HTTP/1.1\r\nHost: conn.test\r\n${extra}\r\n`;

/* ------------------------------------------------------------------------------------------------ tests */

/**
 * The request paths a standalone base has: by default the connection relay (the base reads each request
 * head and relays the bytes); with `nodeark.server.relay=false` its node:http server parses each request
 * and Node's HTTP client re-sends it. Every case runs on both.
 */
interface Mode {
  name: string;
  config: Record<string, unknown>;
}

const MODES: Mode[] = [
  {
    name: 'standalone base, defaults (connection relay)',
    config: {},
  },
  {
    name: 'standalone base, nodeark.server.relay=false',
    config: { 'nodeark.server.relay': false },
  },
];

for (const mode of MODES) describe(mode.name, () => suite(mode));

function suite(mode: Mode): void {
  const startOwnBase = (dir: string): Promise<{ base: NodearkBase; url: string; port: number }> =>
    startBase(join(tmp, `${dir}-${MODES.indexOf(mode)}`), mode.config);

  beforeAll(async () => {
    ({ base, url: baseUrl, port: basePort } = await startOwnBase('shared'));
    await Promise.all([install(base, fixtureUrl('alpha')), install(base, fixtureUrl('beta')), install(base, fixtureUrl('crash'))]);
    routed = { name: 'through the base', port: basePort, t: (p) => `/alpha${p}` };
  });

  afterAll(async () => {
    await base?.close();
  });

  describe('one keep-alive connection', () => {
    it('carries requests to module A, module B, a base route and A again, in sequence, without being closed', async () => {
      const conn = await openConn(basePort);
      const steps: Array<[string, (r: RawResponse) => void]> = [
        ['/alpha/hello', (r) => expect(r.body.toString()).toBe('A:hello')],
        ['/beta/x?y=1', (r) => expect(r.body.toString()).toBe('B:GET /x?y=1')],
        ['/actuator/health', (r) => expect(JSON.parse(r.body.toString())).toMatchObject({ status: 'UP' })],
        ['/alpha/chunked', (r) => expect(r.body.toString()).toBe('one,two,three')],
        ['/alpha/hello', (r) => expect(r.body.toString()).toBe('A:hello')],
      ];
      for (const [target, verify] of steps) {
        await conn.send(GET(target));
        const r = await conn.readResponse();
        expect(r.status, target).toBe(200);
        expect(r.headers.connection ?? 'keep-alive', target).not.toMatch(/close/i);
        verify(r);
        expect(conn.gone, `closed after ${target}`).toBe(false);
      }
      expect(conn.pending).toBe('');
      conn.destroy();
    });

    it('answers pipelined requests (one write) complete and in request order, a slow one first', async () => {
      const conn = await openConn(basePort);
      const post = 'POST /alpha/echo HTTP/1.1\r\nHost: conn.test\r\nContent-Length: 11\r\n\r\nhello world';
      const requests = [GET('/alpha/slow?ms=150'), GET('/alpha/hello'), GET('/beta/p'), post, GET('/actuator/health'), GET('/alpha/chunked')];
      await conn.send(requests.join(''));
      const bodies: string[] = [];
      for (const req of requests) {
        const r = await conn.readResponse();
        expect(r.status, req).toBe(200);
        const body = r.body.toString();
        if (req.includes('/actuator/health')) bodies.push((JSON.parse(body) as { status: string }).status);
        else if (req === post) bodies.push((JSON.parse(body) as { text: string }).text);
        else bodies.push(body);
      }
      expect(bodies).toEqual(['slow 150', 'A:hello', 'B:GET /p', 'hello world', 'UP', 'one,two,three']);
      expect(conn.pending).toBe('');
      expect(conn.gone).toBe(false);
      conn.destroy();
    });
  });

  describe('request bodies', () => {
    it('a chunked body with chunk extensions and a trailer is echoed as by node:http', async () => {
      const bytes = (s: Side): string =>
        `POST ${s.t('/echo')} HTTP/1.1\r\nHost: conn.test\r\nTransfer-Encoding: chunked\r\nTrailer: X-Check\r\n\r\n` +
        '5;name=value\r\nhello\r\n6;quoted="a;b"\r\n world\r\n1\r\n!\r\n0\r\nX-Check: 42\r\n\r\n';
      const { d, r } = await both(bytes, { count: 1 });
      const dj = JSON.parse(d.answers[0]!.body) as { text: string; size: number; trailers: Record<string, string> };
      const rj = JSON.parse(r.answers[0]!.body) as typeof dj;
      expect(dj).toMatchObject({ text: 'hello world!', size: 12, trailers: { 'x-check': '42' } });
      expect(r.answers[0]!.statusLine).toBe(d.answers[0]!.statusLine);
      expect({ text: rj.text, size: rj.size }).toEqual({ text: dj.text, size: dj.size });
      // A proxy that removes the chunked coding MAY discard trailer fields (RFC 9112 § 7.1.2), and the base
      // does with nodeark.server.relay=false (the relay passes them on); what it must not do is alter one.
      for (const [k, v] of Object.entries(rj.trailers)) expect(dj.trailers[k]).toBe(v);
      expect(r.after).toBe(d.after);
      expect(r.after).toBe('open');
    });

    it('a 5 MB Content-Length body streams through whole', async () => {
      const body = randomBytes(5 * 1024 * 1024);
      const conn = await openConn(basePort);
      await conn.send(`POST /alpha/echo HTTP/1.1\r\nHost: conn.test\r\nContent-Type: application/octet-stream\r\nContent-Length: ${body.length}\r\n\r\n`);
      for (let off = 0; off < body.length; off += 64 * 1024) await conn.send(body.subarray(off, off + 64 * 1024));
      const r = await conn.readResponse('POST', 15_000);
      expect(r.status).toBe(200);
      expect(JSON.parse(r.body.toString())).toMatchObject({ size: body.length, sha256: createHash('sha256').update(body).digest('hex') });
      // The connection goes on.
      await conn.send(GET('/alpha/hello'));
      expect((await conn.readResponse()).body.toString()).toBe('A:hello');
      conn.destroy();
    });

    it('a request head (and body) written one byte at a time', async () => {
      const bytes = (s: Side): string => `POST ${s.t('/echo')} HTTP/1.1\r\nHost: conn.test\r\nX-Slow: 1\r\nContent-Length: 5\r\n\r\nhello`;
      const outcomes: Answer[] = [];
      for (const side of [direct, routed]) {
        const conn = await openConn(side.port);
        const text = bytes(side);
        for (let i = 0; i < text.length; i++) {
          await conn.send(text[i]!);
          await sleep(1);
        }
        const r = await conn.readResponse();
        outcomes.push(answerOf(r));
        expect(JSON.parse(r.body.toString())).toMatchObject({ method: 'POST', text: 'hello' });
        conn.destroy();
      }
      expect(outcomes[1]).toEqual(outcomes[0]);
    });

    it('Expect: 100-continue: 100 Continue before the body is sent, then the final answer', async () => {
      const seen: string[][] = [];
      for (const side of [direct, routed]) {
        const conn = await openConn(side.port);
        await conn.send(`POST ${side.t('/echo')} HTTP/1.1\r\nHost: conn.test\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n`);
        const interim = await conn.readResponse('POST', 3000);
        expect(interim.statusLine, side.name).toBe('HTTP/1.1 100 Continue');
        expect(conn.pending, `${side.name}: nothing but the 100 before the body`).toBe('');
        await conn.send('hello');
        const final = await conn.readResponse('POST');
        expect(final.status, side.name).toBe(200);
        expect((JSON.parse(final.body.toString()) as { text: string }).text).toBe('hello');
        // No second interim answer, nothing after the final one.
        await sleep(50);
        expect(conn.pending, side.name).toBe('');
        seen.push([interim.statusLine, final.statusLine]);
        conn.destroy();
      }
      expect(seen[1]).toEqual(seen[0]);
    });
  });

  describe('answers without a body', () => {
    it('HEAD to a Content-Length route and to a chunked route: no body bytes, then a GET on the same connection', async () => {
      const bytes = (s: Side): string => GET(s.t('/hello')).replace('GET', 'HEAD') + GET(s.t('/chunked')).replace('GET', 'HEAD') + GET(s.t('/chunked'));
      const { d, r } = await both(bytes, { count: 3, methods: ['HEAD', 'HEAD', 'GET'] });
      expect(d.answers.map((a) => a.body)).toEqual(['', '', 'one,two,three']);
      expect(r.answers).toEqual(d.answers);
      expect(r.after).toBe('open');
      expect(d.after).toBe('open');
    });

    it('204 and 304 answers, each followed by another request on the same connection', async () => {
      const bytes = (s: Side): string =>
        GET(s.t('/status?code=204')) + GET(s.t('/hello')) + GET(s.t('/status?code=304'), 'If-None-Match: "v1"\r\n') + GET(s.t('/chunked'));
      const { d, r } = await both(bytes, { count: 4 });
      expect(d.answers.map((a) => a.statusLine)).toEqual(['HTTP/1.1 204 No Content', 'HTTP/1.1 200 OK', 'HTTP/1.1 304 Not Modified', 'HTTP/1.1 200 OK']);
      expect(r.answers).toEqual(d.answers);
      expect(r.after).toBe('open');
    });
  });

  describe('HTTP/1.0', () => {
    const http10 = (path: string, extra = ''): ((s: Side) => string) => (s) => `GET ${s.t(path)} HTTP/1.0\r\nHost: conn.test\r\n${extra}\r\n`;
    const content = (o: Outcome): string[][] => o.answers.map((a) => [a.statusLine, a.body]);

    it('without keep-alive: answered, then the server closes the connection', async () => {
      for (const path of ['/hello', '/chunked']) {
        const { d, r } = await both(http10(path), { count: 1 });
        expect(d.after, path).toBe('closed');
        expect(r.after, path).toBe('closed');
        expect(content(r), path).toEqual(content(d));
        expect(r.answers[0]!.body).toBe(path === '/hello' ? 'A:hello' : 'one,two,three');
        // The framing may differ: node:http never sends an HTTP/1.0 client a length (the body ends with the
        // connection), the base relays the length the module set. Either way the body is whole.
        const { contentLength } = r.answers[0]!;
        if (contentLength !== undefined) expect(Number(contentLength)).toBe(r.answers[0]!.body.length);
      }
    });

    it('HTTP/1.0 without Host: served, as node:http serves it', async () => {
      // HTTP/1.0 does not require Host (RFC 9112 § 3.2 asks it of HTTP/1.1 requests only).
      const { d, r } = await both((s) => `GET ${s.t('/hello')} HTTP/1.0\r\n\r\n`, { count: 1 });
      expect(content(d)).toEqual([['HTTP/1.1 200 OK', 'A:hello']]);
      expect(content(r)).toEqual(content(d));
      expect(r.after).toBe('closed');
    });

    it('with Connection: keep-alive: closed when the length is unknown; kept open only with a length', async () => {
      // No length for anyone (the module streams): both close the connection to end the body.
      const chunked = await both(http10('/chunked', 'Connection: keep-alive\r\n'), { count: 1 });
      expect(chunked.d.after).toBe('closed');
      expect(chunked.r).toEqual(chunked.d);
      // A length the module set: node:http still closes (it sends HTTP/1.0 clients no length); the base, which
      // relays the module's Content-Length, either does the same or keeps the connection, as HTTP/1.0
      // keep-alive allows, saying so in the answer.
      const known = await both(http10('/hello', 'Connection: keep-alive\r\n'), { count: 1 });
      expect(known.d.after).toBe('closed');
      expect(content(known.r)).toEqual(content(known.d));
      if (known.r.after === 'open') {
        expect(known.r.answers[0]).toMatchObject({ contentLength: '7', connection: 'keep-alive' });
      } else {
        expect(known.r).toEqual(known.d);
      }
    });
  });

  describe('malformed and smuggling input: as node:http answers it, and no smuggled request reaches the module', () => {
    /** Each case: bytes built around the target of a smuggled request that must never be served. */
    const cases: Array<[string, (s: Side, smuggled: string) => string]> = [
      [
        'Content-Length and Transfer-Encoding: chunked together',
        (s, smuggled) =>
          `POST ${s.t('/echo')} HTTP/1.1\r\nHost: conn.test\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET ${smuggled} HTTP/1.1\r\nHost: conn.test\r\n\r\n`,
      ],
      [
        'Transfer-Encoding: chunked and Content-Length together (the other order)',
        (s, smuggled) =>
          `POST ${s.t('/echo')} HTTP/1.1\r\nHost: conn.test\r\nTransfer-Encoding: chunked\r\nContent-Length: 60\r\n\r\n0\r\n\r\nGET ${smuggled} HTTP/1.1\r\nHost: conn.test\r\n\r\n`,
      ],
      [
        'an invalid chunk size',
        (s, smuggled) =>
          `POST ${s.t('/echo')} HTTP/1.1\r\nHost: conn.test\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\nGET ${smuggled} HTTP/1.1\r\nHost: conn.test\r\n\r\n`,
      ],
      [
        'two different Content-Length values',
        (s, smuggled) => {
          const tail = `GET ${smuggled} HTTP/1.1\r\nHost: conn.test\r\n\r\n`;
          return `POST ${s.t('/echo')} HTTP/1.1\r\nHost: conn.test\r\nContent-Length: 5\r\nContent-Length: ${5 + tail.length}\r\n\r\nhello${tail}`;
        },
      ],
      [
        'an obfuscated Transfer-Encoding (space before the colon)',
        (s, smuggled) =>
          `POST ${s.t('/echo')} HTTP/1.1\r\nHost: conn.test\r\nContent-Length: 5\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\nGET ${smuggled} HTTP/1.1\r\nHost: conn.test\r\n\r\n`,
      ],
      [
        'a chunked body whose chunk is longer than its size',
        (s, smuggled) =>
          `POST ${s.t('/echo')} HTTP/1.1\r\nHost: conn.test\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nhello\r\n0\r\n\r\nGET ${smuggled} HTTP/1.1\r\nHost: conn.test\r\n\r\n`,
      ],
    ];

    for (const [name, build] of cases) {
      /** Both sides' outcomes, and the id in the target of the request smuggled in. */
      const attempt = async (): Promise<{ d: Outcome; r: Outcome; id: string }> => {
        const id = randomBytes(6).toString('hex');
        // The smuggled target is spelled for the side's front server; were the connection into the module
        // desynchronised instead, the module would read the same target with the prefix: either way its log
        // shows `id`.
        const { d, r } = await both((s) => build(s, s.t(`/hello?smuggled=${id}`)));
        expect(d.answers.length, 'node:http answers once').toBe(1);
        expect(d.answers[0]!.statusLine).toMatch(/^HTTP\/1\.1 4\d\d /);
        expect(d.after).toBe('closed');
        return { d, r, id };
      };

      it(`${name}: refused as node:http refuses it`, async () => {
        const { d, r } = await attempt();
        expectSameRefusal(r, d);
      });

      it(`${name}: no smuggled request reaches the module, and the base serves on`, async () => {
        const { d, r, id } = await attempt();
        // Never more than node:http's one (refusing) answer, and the connection is not used further.
        expect(r.answers.length).toBeLessThanOrEqual(d.answers.length);
        for (const a of r.answers) expect(a.statusLine).toMatch(/^HTTP\/1\.1 4\d\d /);
        expect(r.after).toBe('closed');
        expect((await seenBy(direct)).filter((l) => l.includes(id))).toEqual([]);
        expect((await seenBy(routed)).filter((l) => l.includes(id)), 'requests the module received').toEqual([]);
        // The base still serves fresh connections.
        expect((await exchange(routed, GET('/alpha/hello'), { count: 1 })).answers[0]!.body).toBe('A:hello');
      });
    }

    it('a request hidden in a Content-Length body is body, not a request', async () => {
      const id = randomBytes(6).toString('hex');
      // The same body for both: were it taken for a request by the base, /hello (no module's path) would be
      // answered 404 by the base as an extra answer; were it by the module, its log would show it.
      const hidden = `GET /hello?smuggled=${id} HTTP/1.1\r\nHost: conn.test\r\n\r\n`;
      const build = (s: Side): string =>
        `POST ${s.t('/echo')} HTTP/1.1\r\nHost: conn.test\r\nContent-Length: ${hidden.length}\r\n\r\n${hidden}${GET(s.t('/chunked'))}`;
      const { d, r } = await both(build, { count: 2 });
      expect((JSON.parse(d.answers[0]!.body) as { text: string }).text).toBe(hidden);
      expect(d.answers[1]!.body).toBe('one,two,three');
      expect(r).toEqual(d);
      expect(r.after).toBe('open');
      expect((await seenBy(routed)).filter((l) => l.includes(id) && !l.startsWith('POST'))).toEqual([]);
    });

    it('a request head just under 16 KiB: served as node:http serves it (the base\'s x-forwarded-* do not push it over)', async () => {
      const { d, r } = await both((s) => GET(s.t('/hello'), `X-Big: ${'a'.repeat(16300)}\r\n`), { count: 1 });
      expect(d.answers.map((a) => a.statusLine)).toEqual(['HTTP/1.1 200 OK']);
      expect(r.answers.map((a) => a.statusLine)).toEqual(['HTTP/1.1 200 OK']);
      expect(r.answers[0]!.body).toBe(d.answers[0]!.body);
    });

    it('a request head over 16 KiB: 431, connection closed, and the base still serves', async () => {
      const { d, r } = await both((s) => GET(s.t('/hello'), `X-Big: ${'a'.repeat(17 * 1024)}\r\n`));
      expect(d.answers.map((a) => a.statusLine)).toEqual(['HTTP/1.1 431 Request Header Fields Too Large']);
      expect(d.after).toBe('closed');
      expectSameRefusal(r, d);
      expect((await exchange(routed, GET('/alpha/hello'), { count: 1 })).answers[0]!.body).toBe('A:hello');
    });
  });

  describe('versions', () => {
    it('after a switch, the next request on the same keep-alive connection is answered by the new version', async () => {
      await install(base, fixtureUrl('ver'));
      const conn = await openConn(basePort);
      const ask = async (c: RawHttpClient, path = '/ver/'): Promise<string> => {
        await c.send(GET(path));
        const res = await c.readResponse();
        expect(res.status).toBe(200);
        return res.body.toString();
      };
      expect(await ask(conn)).toBe('ver:1.0.0');
      await install(base, await variant('ver', { version: '2.0.0' }));
      // Installed beside the activated version, v2 does not serve yet.
      expect(await ask(conn)).toBe('ver:1.0.0');
      // A slow request in flight on v1 during the switch still completes on v1.
      const other = await openConn(basePort);
      const slow = ask(other, '/ver/slow');
      const deadline = Date.now() + 5000;
      while ((await (await fetch(`${baseUrl}/ver/pending`)).text()) !== '1' && Date.now() < deadline) await sleep(10);
      expect((await base.runtime.switchBiz('conn-ver', '2.0.0')).code).toBe('SUCCESS');
      expect(await ask(conn)).toBe('ver:2.0.0');
      expect(conn.gone).toBe(false);
      expect(await slow).toBe('ver:1.0.0');
      conn.destroy();
      other.destroy();
    });
  });

  // These leave the crash modules broken (the base's health DOWN): they run after the requests to /actuator/health.
  describe('a module worker dying mid-request', () => {
    it('before answering: the client gets a 502 before any other head, and the base keeps serving', async () => {
      const conn = await openConn(basePort);
      await conn.send(GET('/crash/exit'));
      const r = await conn.readResponse('GET', 10_000);
      expect(conn.received.toString('latin1').startsWith('HTTP/1.1 502 ')).toBe(true);
      expect(r.status).toBe(502);
      expect(JSON.parse(r.body.toString())).toMatchObject({ code: 'NODEARK_ERR_ROUTE_WORKER_GONE' });
      // The same connection is either closed or still in step (the next request answered correctly).
      await conn.send(GET('/alpha/hello'));
      try {
        expect((await conn.readResponse()).body.toString()).toBe('A:hello');
      } catch (err) {
        if (!(err instanceof ClosedError)) throw err;
      }
      conn.destroy();
      expect((await exchange(routed, GET('/alpha/hello'), { count: 1 })).answers[0]!.body).toBe('A:hello');
      expect(await (await fetch(`${baseUrl}/beta/after`)).text()).toBe('B:GET /after');
      // Later requests to the dead module: 502 too.
      expect((await fetch(`${baseUrl}/crash/ok`)).status).toBe(502);
    });

    it('after the head and part of the body: the response is cut (never completed) and the connection closed', async () => {
      await install(base, await variant('crash', { name: 'conn-crash2', webContextPath: 'crash2' }));
      const conn = await openConn(basePort);
      await conn.send(GET('/crash2/partial'));
      expect(await conn.waitEnded(10_000)).toBe(true);
      const text = conn.received.toString('latin1');
      expect(text.startsWith('HTTP/1.1 200 ')).toBe(true);
      expect(text).toContain('partial');
      const head = text.slice(0, text.indexOf('\r\n\r\n')).toLowerCase();
      expect(head).toContain('transfer-encoding: chunked');
      // No last chunk: the client can tell the body is incomplete.
      expect(text.endsWith('0\r\n\r\n')).toBe(false);
      expect(await (await fetch(`${baseUrl}/alpha/hello`)).text()).toBe('A:hello');
    });
  });

  describe('a client going away', () => {
    it('mid-upload: the module sees an aborted request and the base keeps serving', async () => {
      const id = randomBytes(6).toString('hex');
      const conn = await openConn(basePort);
      await conn.send(`POST /alpha/upload?id=${id} HTTP/1.1\r\nHost: conn.test\r\nContent-Length: 1000000\r\n\r\n`);
      await conn.send(Buffer.alloc(500_000, 120));
      const events = async (): Promise<string[] | null> =>
        (await (await fetch(`${baseUrl}/alpha/uploads?id=${id}`)).json()) as string[] | null;
      const deadline = Date.now() + 5000;
      while ((await events()) === null && Date.now() < deadline) await sleep(20);
      expect(await events(), 'the module got the upload').not.toBeNull();
      conn.destroy();
      let seen: string[] | null = null;
      while (Date.now() < deadline) {
        seen = await events();
        if (seen?.includes('aborted')) break;
        await sleep(20);
      }
      expect(seen).toContain('aborted');
      expect(seen).toContain('close:incomplete');
      expect((await exchange(routed, GET('/alpha/hello'), { count: 1 })).answers[0]!.body).toBe('A:hello');
    });
  });

  describe('Upgrade', () => {
    it('after an ordinary request on the same connection: 101, then bytes echo both ways', async () => {
      const results: Array<{ first: string; statusLine: string; upgrade: string | undefined }> = [];
      for (const side of [direct, routed]) {
        const conn = await openConn(side.port);
        await conn.send(GET(side.t('/hello')));
        const first = await conn.readResponse();
        // The upgrade request and the first bytes of the new protocol in one write.
        await conn.send(`GET ${side.t('/ws')} HTTP/1.1\r\nHost: conn.test\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\nearly`);
        const switching = await conn.readResponse();
        expect((await conn.take(5)).toString(), side.name).toBe('early');
        await conn.send('ping');
        expect((await conn.take(4)).toString(), side.name).toBe('ping');
        const big = randomBytes(256 * 1024);
        await conn.send(big);
        expect((await conn.take(big.length)).equals(big), side.name).toBe(true);
        results.push({ first: first.body.toString(), statusLine: switching.statusLine, upgrade: switching.headers.upgrade });
        conn.destroy();
      }
      expect(results[0]).toEqual({ first: 'A:hello', statusLine: 'HTTP/1.1 101 Switching Protocols', upgrade: 'echo' });
      expect(results[1]).toEqual(results[0]);
    });
  });

  describe('what the module sees, and what the client sees of its answers', () => {
    it('a redirect to the module root arrives under the mount point', async () => {
      const res = await fetch(`${baseUrl}/alpha/redirect`, { redirect: 'manual' });
      expect(res.status).toBe(302);
      expect(res.headers.get('location')).toBe('/alpha/x');
    });

    it("x-forwarded-* are the base's: a client's own are not passed through, nor can it drop them by naming them in Connection", async () => {
      const forged = 'X-Forwarded-For: 1.2.3.4\r\nX-Forwarded-Prefix: /evil\r\n';
      for (const extra of [forged, `${forged}Connection: keep-alive, X-Forwarded-For, X-Forwarded-Prefix\r\n`]) {
        const conn = await openConn(basePort);
        await conn.send(GET('/alpha/info', `${extra}X-End: 2\r\n`));
        const r = await conn.readResponse();
        conn.destroy();
        const info = JSON.parse(r.body.toString()) as { url: string; headers: Record<string, string>; remoteAddress: string };
        expect(info.url).toBe('/info');
        expect(info.headers, extra).toMatchObject({
          'x-forwarded-for': '127.0.0.1',
          'x-forwarded-prefix': '/alpha',
          'x-forwarded-proto': 'http',
          'x-forwarded-host': 'conn.test',
          host: 'conn.test',
          'x-end': '2',
        });
        expect(info.remoteAddress).toBe('127.0.0.1');
      }
    });

    it('request targets: the query string reaches the module unchanged; /<prefix> and /<prefix>/ are the module root', async () => {
      const urlSeen = async (target: string): Promise<{ status: number; url?: string }> => {
        const conn = await openConn(basePort);
        await conn.send(GET(target));
        const r = await conn.readResponse();
        conn.destroy();
        return r.status === 200 ? { status: 200, url: (JSON.parse(r.body.toString()) as { url: string }).url } : { status: r.status };
      };
      expect(await urlSeen('/alpha/info?x=1&y=%2F%20&z')).toEqual({ status: 200, url: '/info?x=1&y=%2F%20&z' });
      // Percent-encoding is left as it is (the module's own 404: it has no /inf%6F).
      expect(await urlSeen('/alpha/inf%6F?a=b')).toEqual({ status: 404 });
      expect(await seenBy(routed)).toContain('GET /inf%6F?a=b');
      expect(await urlSeen('/alpha')).toEqual({ status: 200, url: '/' });
      expect(await urlSeen('/alpha?x=1')).toEqual({ status: 200, url: '/?x=1' });
      expect(await urlSeen('/alpha/')).toEqual({ status: 200, url: '/' });
      expect(await urlSeen('/alpha/?x=1')).toEqual({ status: 200, url: '/?x=1' });
      // The context path is a whole segment: /alphabet is not module A's.
      const other = await fetch(`${baseUrl}/alphabet/info`);
      expect(other.status).toBe(404);
      expect(((await other.json()) as { code: string }).code).toBe('NODEARK_ERR_ROUTE_NOT_FOUND');
    });
  });

  describe('graceful shutdown', () => {
    it('with an idle keep-alive connection open, close() resolves within 3 s and the connection is closed', async () => {
      const own = await startOwnBase('shutdown-idle');
      await install(own.base, fixtureUrl('alpha'));
      const conn = await openConn(own.port);
      await conn.send(GET('/alpha/hello'));
      expect((await conn.readResponse()).body.toString()).toBe('A:hello');
      await within(own.base.close(), 3000, 'base.close() with an idle connection');
      expect(await conn.waitEnded(1000)).toBe(true);
    });

    /** A base with module A, closing while a slow response is in flight on `conn`; `r` is that response. */
    const closeDuringSlowResponse = async (dir: string): Promise<{ conn: RawHttpClient; closing: Promise<void>; r: RawResponse }> => {
      const own = await startOwnBase(dir);
      await install(own.base, fixtureUrl('alpha'));
      const conn = await openConn(own.port);
      const id = randomBytes(6).toString('hex');
      await conn.send(GET(`/alpha/slow?ms=300&id=${id}`));
      // Closing once the module has the request.
      const deadline = Date.now() + 5000;
      while (!(await seenBy({ ...routed, port: own.port })).some((l) => l.includes(id)) && Date.now() < deadline) await sleep(10);
      const closing = own.base.close();
      const r = await conn.readResponse();
      return { conn, closing, r };
    };

    it('a slow response in flight completes, then the connection is closed and close() resolves', async () => {
      const { conn, closing, r } = await closeDuringSlowResponse('shutdown-slow-strict');
      expect(r.statusLine).toBe('HTTP/1.1 200 OK');
      expect(r.body.toString()).toBe('slow 300');
      expect(await conn.waitEnded(1000)).toBe(true);
      await within(closing, 3000, 'base.close() after the in-flight response');
    });

    it('a slow response in flight completes; the connection serves nothing more', async () => {
      const { conn, closing, r } = await closeDuringSlowResponse('shutdown-slow');
      expect(r.statusLine).toBe('HTTP/1.1 200 OK');
      expect(r.body.toString()).toBe('slow 300');
      // Closed by the base, or (with nodeark.server.relay=false the answer says keep-alive, as node:http's
      // does after server.close()) a request sent on it is refused with a 503 and the connection closed: never
      // served by a module that is stopping, never answered 404 for a module that was there.
      if (!(await conn.waitEnded(300))) {
        await conn.send(GET('/alpha/hello'));
        try {
          const refused = await conn.readResponse('GET', 3000);
          expect(refused.status).toBe(503);
          expect(await conn.waitEnded(3000)).toBe(true);
        } catch (err) {
          if (!(err instanceof ClosedError)) throw err;
        }
      }
      await within(closing, 3000, 'base.close() after the in-flight response');
    });
  });
}
