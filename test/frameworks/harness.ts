/**
 * The framework matrix: each app under test/fixtures/apps/<name>/ exports `build()` from `app.mjs`
 * (returning what its module entry `index.mjs` serves), so the same app runs twice: on its own
 * `http.createServer` in this process ("standalone"), and as a module installed into a real base.
 * Tests send the same requests to both and compare the answers.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createBase, type NodearkBase } from 'nodeark';

/** Directory of an app fixture. */
export function appDir(name: string): string {
  return fileURLToPath(new URL(`../fixtures/apps/${name}/`, import.meta.url));
}

/** A base on 127.0.0.1 with its own store, quiet logs. */
export interface TestBase {
  base: NodearkBase;
  url: string;
  install(name: string, envs?: Record<string, string>): Promise<void>;
  close(): Promise<void>;
}

/** Starts a base; `config` adds or overrides keys. */
export async function startBase(config: Record<string, unknown> = {}): Promise<TestBase> {
  const tmp = await mkdtemp(join(tmpdir(), 'nodeark-fw-'));
  const base = await createBase({
    env: {},
    config: {
      'server.port': 0,
      'server.address': '127.0.0.1',
      'koupleless.arklet.http.port': 0,
      'koupleless.arklet.http.address': '127.0.0.1',
      'nodeark.store.dir': join(tmp, 'store'),
      'logging.level.root': 'silent',
      ...config,
    },
  });
  const { url } = await base.listen();
  return {
    base,
    url,
    async install(name, envs) {
      const r = await base.runtime.install({ bizUrl: pathToFileURL(appDir(name)).href, ...(envs ? { envs } : {}) });
      if (r.code !== 'SUCCESS') throw new Error(`install of ${name} failed: ${r.message}`);
    },
    async close() {
      await base.close();
      await rm(tmp, { recursive: true, force: true });
    },
  };
}

/** What an app fixture's `build()` returns: one of the module styles. */
export interface BuiltApp {
  handler?: (req: IncomingMessage, res: ServerResponse) => void;
  server?: Server;
  fetch?: (request: Request) => Response | Promise<Response>;
  upgrade?: (req: IncomingMessage, socket: Duplex, head: Buffer) => void;
  start?: () => Promise<void> | void;
  close?: () => Promise<void> | void;
}

/** The app on its own server in this process, as its users run it today. */
export interface Standalone {
  url: string;
  close(): Promise<void>;
}

/**
 * Runs `build()` of an app fixture on its own server. `serve` adapts styles the fixture cannot listen
 * with directly (a fetch handler needs an adapter such as @hono/node-server).
 */
export async function startStandalone(name: string, env: Record<string, string> = {}): Promise<Standalone> {
  const saved: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(env)) {
    saved[k] = process.env[k];
    process.env[k] = v;
  }
  try {
    const mod = (await import(pathToFileURL(join(appDir(name), 'app.mjs')).href)) as {
      build: () => Promise<BuiltApp> | BuiltApp;
      standalone?: (app: BuiltApp) => Promise<Server> | Server;
    };
    const app = await mod.build();
    await app.start?.();
    let server: Server;
    if (mod.standalone) server = await mod.standalone(app);
    else if (app.server) server = app.server;
    else if (app.handler) server = createServer(app.handler);
    else throw new Error(`${name}: build() returned no server or handler, and app.mjs has no standalone()`);
    if (app.upgrade && !app.server) server.on('upgrade', app.upgrade);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return {
      url: `http://127.0.0.1:${port}`,
      async close() {
        server.closeAllConnections?.();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await app.close?.();
      },
    };
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

/** A response reduced to what must match between standalone and base. */
export interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Headers whose values legitimately differ between two servers (time, connection). */
const VOLATILE = new Set(['date', 'connection', 'keep-alive', 'transfer-encoding']);

/**
 * Sends one request (undici fetch, no redirect following) and reduces the answer. `headerNames`
 * selects the headers compared (all non-volatile ones when omitted).
 */
export async function answer(url: string, init: RequestInit = {}, headerNames?: string[]): Promise<Answer> {
  const res = await fetch(url, { redirect: 'manual', ...init });
  const headers: Record<string, string> = {};
  res.headers.forEach((v, k) => {
    if (VOLATILE.has(k)) return;
    if (headerNames && !headerNames.includes(k)) return;
    headers[k] = v;
  });
  return { status: res.status, headers, body: await res.text() };
}

/** The same request against both; `path` is relative to the app root. */
export async function both(
  standalone: Standalone,
  base: TestBase,
  prefix: string,
  path: string,
  init: RequestInit = {},
  headerNames?: string[],
): Promise<{ direct: Answer; routed: Answer }> {
  const direct = await answer(`${standalone.url}${path}`, init, headerNames);
  const routed = await answer(`${base.url}/${prefix}${path}`, init, headerNames);
  return { direct, routed };
}

/**
 * A request through node:http rather than fetch: fetch adds `Cache-Control: no-cache` to conditional
 * requests (the Fetch standard's cache modes), which makes every server ignore `If-None-Match`.
 */
export function rawRequest(
  url: string,
  options: { method?: string; headers?: Record<string, string> } = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: options.method ?? 'GET', headers: options.headers ?? {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** A Server-Sent Events response read to its end, with when each `data: <n>` event arrived. */
export interface SseStream {
  status: number;
  headers: Headers;
  /** ms from the request to the response head. */
  headersAt: number;
  /** [event data, ms from the request] in arrival order. */
  arrivals: Array<[string, number]>;
  text: string;
}

/** Reads an SSE stream of numbered events (`data: 0`, `data: 1`, …) to its end. */
export async function readSse(url: string): Promise<SseStream> {
  const t0 = Date.now();
  const res = await fetch(url);
  const headersAt = Date.now() - t0;
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  const arrivals: Array<[string, number]> = [];
  let text = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
    for (const m of text.matchAll(/data: (\d+)\n\n/g)) {
      if (!arrivals.some(([id]) => id === m[1])) arrivals.push([m[1]!, Date.now() - t0]);
    }
  }
  return { status: res.status, headers: res.headers, headersAt, arrivals, text };
}

/**
 * GET `path` on both (with `init`), expecting 200 and the same JSON body from each; returns the
 * `Set-Cookie` values each sent.
 */
export async function cookiesOfBoth(
  standalone: Standalone,
  base: TestBase,
  prefix: string,
  path: string,
  init: RequestInit = {},
): Promise<{ direct: string[]; routed: string[]; directBody: unknown; routedBody: unknown }> {
  const d = await fetch(`${standalone.url}${path}`, init);
  const r = await fetch(`${base.url}/${prefix}${path}`, init);
  if (r.status !== 200 || d.status !== 200) throw new Error(`GET ${path}: ${d.status} standalone, ${r.status} through the base`);
  return { direct: d.headers.getSetCookie(), routed: r.headers.getSetCookie(), directBody: await d.json(), routedBody: await r.json() };
}

/** Follows a redirect through the base; returns the final URL and JSON body. */
export async function follow(base: TestBase, prefix: string, path: string): Promise<{ url: string; body: unknown }> {
  const res = await fetch(`${base.url}/${prefix}${path}`);
  return { url: res.url, body: await res.json() };
}

/** Rejects after `ms` (5 s by default) when `p` has not settled. */
export function within<T>(p: Promise<T>, label: string, ms = 5000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${label}`)), ms);
  });
  return Promise.race([p, limit]).finally(() => clearTimeout(timer));
}
