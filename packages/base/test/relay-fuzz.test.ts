/**
 * Randomised differential check of the connection relay against node:http itself: seeded random
 * sequences of pipelined requests (Content-Length and chunked bodies with random chunk sizes, extensions
 * and trailers, random header case, extra headers), written in random fragments, go to module A through
 * a standalone base and to the same listener on a plain `http.createServer`. Valid sequences must get the
 * same answers in the same order; mutated ones (conflicting or broken framing) must never make the module
 * behind the base see a request the plain server did not see (request smuggling). Deterministic (fixed
 * seeds, printed on failure) and bounded (about 10 s).
 */
import { createServer, type Server } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBase, type NodearkBase } from 'nodeark';
import { loopbackConfig } from './helpers/loopback-config.js';
import { RawHttpClient } from './helpers/raw-http-client.js';
import { sleep } from './helpers/timing.js';
import { prng } from '../../../test/helpers/prng.js';

const fixtures = fileURLToPath(new URL('./fixtures/conn/', import.meta.url));

type Rand = () => number;
const int = (r: Rand, n: number): number => Math.floor(r() * n);
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[int(r, xs.length)]!;

function randomCase(r: Rand, name: string): string {
  return [...name].map((c) => (r() < 0.5 ? c.toUpperCase() : c.toLowerCase())).join('');
}

function randomBody(r: Rand): Buffer {
  const n = pick(r, [0, 1, 5, 100, 1000, 5000, 20_000]);
  const body = Buffer.alloc(n);
  // Any byte, CR and LF included: a body is never read as a head.
  for (let i = 0; i < n; i++) body[i] = int(r, 256);
  return body;
}

/** One request for module A's listener; `prefix` is `/alpha` through the base, `` on the plain server. */
function randomRequest(r: Rand, prefix: string): { bytes: Buffer; method: string } {
  const extra = `${randomCase(r, 'x-fuzz')}: ${int(r, 1e6)}\r\n`;
  if (r() < 0.25) {
    const method = pick(r, ['GET', 'HEAD']);
    return { bytes: Buffer.from(`${method} ${prefix}/hello?n=${int(r, 100)} HTTP/1.1\r\nHost: x\r\n${extra}\r\n`, 'latin1'), method };
  }
  const body = randomBody(r);
  const head = `POST ${prefix}/echo HTTP/1.1\r\n${randomCase(r, 'host')}: x\r\n${extra}`;
  if (r() < 0.5) {
    return { bytes: Buffer.concat([Buffer.from(`${head}${randomCase(r, 'content-length')}: ${body.length}\r\n\r\n`, 'latin1'), body]), method: 'POST' };
  }
  const parts: Buffer[] = [Buffer.from(`${head}${randomCase(r, 'transfer-encoding')}: chunked\r\n\r\n`, 'latin1')];
  for (let at = 0; at < body.length; ) {
    const n = Math.min(body.length - at, 1 + int(r, 3000));
    const ext = r() < 0.3 ? `;ext${int(r, 9)}=${int(r, 99)}` : '';
    parts.push(Buffer.from(`${(r() < 0.5 ? n.toString(16) : n.toString(16).toUpperCase()).padStart(1 + int(r, 3), '0')}${ext}\r\n`, 'latin1'));
    parts.push(body.subarray(at, at + n), Buffer.from('\r\n'));
    at += n;
  }
  parts.push(Buffer.from(`0\r\n${r() < 0.4 ? `X-Trailer: t${int(r, 9)}\r\n` : ''}\r\n`, 'latin1'));
  return { bytes: Buffer.concat(parts), method: 'POST' };
}

/** Writes `bytes` in random fragments, yielding between them so that they tend to leave as separate segments. */
async function writeFragmented(r: Rand, c: RawHttpClient, bytes: Buffer): Promise<void> {
  for (let at = 0; at < bytes.length; ) {
    const n = Math.min(bytes.length - at, 1 + int(r, pick(r, [8, 64, 1500, 20_000])));
    await c.send(bytes.subarray(at, at + n));
    at += n;
    if (r() < 0.3) await new Promise((res) => setImmediate(res));
  }
}

/** What a client saw: each answer's status and body (JSON echoes are compared whole). */
async function answers(port: number, bytes: Buffer, methods: string[], seed: number): Promise<string[]> {
  const c = await RawHttpClient.open(port, { timeout: 5000 });
  try {
    await writeFragmented(prng(seed ^ 0x5eed), c, bytes);
    const out: string[] = [];
    for (const m of methods) {
      const res = await c.readResponse(m);
      out.push(`${res.status} ${res.body.toString('latin1')}`);
    }
    return out;
  } finally {
    c.destroy();
  }
}

/** Everything a client gets back for `bytes` until the server closes or goes quiet for 300 ms. */
async function rawAnswer(port: number, bytes: Buffer): Promise<string> {
  const c = await RawHttpClient.open(port, { timeout: 2000 });
  try {
    await c.send(bytes);
    let last = '';
    for (let i = 0; i < 20 && !c.gone; i++) {
      await sleep(100);
      if (c.pending === last && i >= 3) break;
      last = c.pending;
    }
    return c.pending;
  } finally {
    c.destroy();
  }
}

let tmp: string;
let base: NodearkBase;
let basePort = 0;
let plain: Server;
let plainPort = 0;

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'nodeark-fuzz-'));
  const listener = (await import(pathToFileURL(join(fixtures, 'alpha', 'handler.mjs')).href)) as {
    handler: (req: unknown, res: unknown) => void;
  };
  plain = createServer(listener.handler as Parameters<typeof createServer>[0] & object);
  await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
  plainPort = (plain.address() as AddressInfo).port;
  base = await createBase({ env: {}, config: loopbackConfig(join(tmp, 'base')) });
  basePort = Number(new URL((await base.listen()).url).port);
  const r = await base.runtime.install({ bizUrl: pathToFileURL(join(fixtures, 'alpha')).href });
  expect(r.code).toBe('SUCCESS');
});

afterAll(async () => {
  await base?.close();
  plain?.closeAllConnections();
  await new Promise<void>((resolve) => (plain ? plain.close(() => resolve()) : resolve()));
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe('the relay against node:http, random pipelined requests', () => {
  it('answers valid sequences exactly as node:http does, in order, however the bytes are split', async () => {
    for (let seed = 1; seed <= 40; seed++) {
      const r = prng(seed);
      const count = 1 + int(r, 5);
      const viaBase: Buffer[] = [];
      const viaPlain: Buffer[] = [];
      const methods: string[] = [];
      for (let i = 0; i < count; i++) {
        const state = r();
        // The same request twice from the same random state: once per side, only the prefix differs.
        const a = randomRequest(prng(Math.floor(state * 2 ** 31)), '/alpha');
        const b = randomRequest(prng(Math.floor(state * 2 ** 31)), '');
        viaBase.push(a.bytes);
        viaPlain.push(b.bytes);
        methods.push(a.method);
      }
      const expected = await answers(plainPort, Buffer.concat(viaPlain), methods, seed);
      const got = await answers(basePort, Buffer.concat(viaBase), methods, seed);
      expect(got, `seed ${seed}`).toEqual(expected);
    }
  });

  it('never lets a mutated framing carry a request to the module that node:http would not have read', async () => {
    // The outer request goes elsewhere (through the base: to the base's own server; on the plain server: a
    // path its listener answers 404), the hidden one to module A: a relay that read the framing differently
    // from node:http would route the hidden request to the module on a connection of its own.
    const mutations: Array<(r: Rand, outer: string, p: string) => string> = [
      // Both framings; the chunked body hides a request.
      (r, o, p) => `POST ${o} HTTP/1.1\r\nHost: x\r\n${randomCase(r, 'content-length')}: 6\r\n${randomCase(r, 'transfer-encoding')}: chunked\r\n\r\n0\r\n\r\nGET ${p}/hello?smuggled=1 HTTP/1.1\r\nHost: x\r\n\r\n`,
      // A chunk longer than its size, the excess shaped as a request.
      (_r, o, p) => `POST ${o} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabGET ${p}/hello?smuggled=2 HTTP/1.1\r\nHost: x\r\n\r\n\r\n0\r\n\r\n`,
      // Two lengths.
      (_r, o, p) => `POST ${o} HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nContent-Length: 45\r\n\r\nGET ${p}/hello?smuggled=3 HTTP/1.1\r\nHost: x\r\n\r\n`,
      // A coding list that does not end in chunked.
      (_r, o, p) => `POST ${o} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, identity\r\nContent-Length: 3\r\n\r\nabcGET ${p}/hello?smuggled=4 HTTP/1.1\r\nHost: x\r\n\r\n`,
      // Whitespace before the colon of a framing header.
      (_r, o, p) => `POST ${o} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding : chunked\r\nContent-Length: 3\r\n\r\nabcGET ${p}/hello?smuggled=5 HTTP/1.1\r\nHost: x\r\n\r\n`,
      // A bare LF ending a header line.
      (_r, o, p) => `POST ${o} HTTP/1.1\r\nHost: x\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\nabcGET ${p}/hello?smuggled=6 HTTP/1.1\r\nHost: x\r\n\r\n`,
      // A length with a trailing byte node:http does not accept.
      (_r, o, p) => `POST ${o} HTTP/1.1\r\nHost: x\r\nContent-Length: 3\x0b\r\n\r\nabcGET ${p}/hello?smuggled=7 HTTP/1.1\r\nHost: x\r\n\r\n`,
      // A chunk size with a sign.
      (_r, o, p) => `POST ${o} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n-3\r\nabc\r\n0\r\n\r\nGET ${p}/hello?smuggled=8 HTTP/1.1\r\nHost: x\r\n\r\n`,
    ];
    const seenBy = async (port: number, prefix: string): Promise<string[]> => {
      const c = await RawHttpClient.open(port);
      try {
        await c.send(`GET ${prefix}/seen HTTP/1.1\r\nHost: x\r\n\r\n`);
        return JSON.parse((await c.readResponse()).body.toString()) as string[];
      } finally {
        c.destroy();
      }
    };
    for (let i = 0; i < mutations.length; i++) {
      const r = prng(1000 + i);
      const state = Math.floor(r() * 2 ** 31);
      const plainAnswer = await rawAnswer(plainPort, Buffer.from(mutations[i]!(prng(state), '/nowhere', ''), 'latin1'));
      const baseAnswer = await rawAnswer(basePort, Buffer.from(mutations[i]!(prng(state), '/nowhere', '/alpha'), 'latin1'));
      const smuggled = `smuggled=${i + 1}`;
      const plainSaw = (await seenBy(plainPort, '')).some((l) => l.includes(smuggled));
      const baseSaw = (await seenBy(basePort, '/alpha')).some((l) => l.includes(smuggled));
      // The module behind the base sees the hidden request only if node:http itself read it as one.
      if (!plainSaw) expect(baseSaw, `mutation ${i + 1}: a request node:http did not read reached the module`).toBe(false);
      // The client gets no answer to it either.
      if (!plainAnswer.includes('A:hello')) expect(baseAnswer.includes('A:hello'), `mutation ${i + 1}: answered`).toBe(false);
    }
  });
});
