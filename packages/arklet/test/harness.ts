/**
 * Test harness: a real `BizRuntime` (store in a mkdtemp dir) behind a real Arklet on 127.0.0.1 port 0, a
 * module HTTP server in front of the runtime's routing, and small request helpers with bounded waits.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createArklet, type Arklet, type ArkletOptions, type ArkletResponse } from '@nodeark/arklet';
import { BizRuntime, type RuntimeOptions } from '@nodeark/runtime';
import { expect } from 'vitest';

/** The fixture modules directory. */
export const FIXTURES = fileURLToPath(new URL('./fixtures/modules/', import.meta.url));

/** `file:` bizUrl of a fixture module directory. */
export function fixtureUrl(name: string): string {
  return pathToFileURL(join(FIXTURES, name)).href;
}

/** The master biz every harness uses. */
export const MASTER = { bizName: 'base', bizVersion: '1.0.0' } as const;
/** The base identity every harness uses unless told otherwise. */
export const BASE_ID = '10.1.2.3';
/** Bound on any single request. */
export const REQUEST_TIMEOUT_MS = 20_000;

/** A parsed HTTP answer. */
export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  /** The parsed envelope (undefined when the body is not JSON). */
  json: ArkletResponse<any>;
}

/** A running runtime + Arklet. */
export interface Harness {
  arklet: Arklet;
  runtime: BizRuntime;
  storeDir: string;
  url: string;
  /** `POST /<command>` with a JSON body (objects are stringified, strings sent as is, undefined = no body). */
  post(command: string, body?: unknown, init?: { headers?: Record<string, string> }): Promise<Answer>;
  /** Any method and path. */
  request(method: string, path: string, body?: string | Buffer, headers?: Record<string, string>): Promise<Answer>;
  /** `GET <modules server>/<path>` (the runtime's routing table). */
  moduleGet(path: string): Promise<{ status: number; text: string }>;
  close(): Promise<void>;
}

/** Starts a harness. */
export async function startHarness(
  options: Partial<Omit<ArkletOptions, 'runtime'>> & { runtimeOptions?: RuntimeOptions } = {},
): Promise<Harness> {
  const storeDir = await mkdtemp(join(tmpdir(), 'nodeark-arklet-test-'));
  const { runtimeOptions, ...arkletOptions } = options;
  const runtime = new BizRuntime({ storeDir, baseNodeModules: null, startTimeoutMs: 15_000, ...runtimeOptions });
  const arklet = await createArklet({
    runtime,
    port: 0,
    portExplicit: true,
    host: '127.0.0.1',
    masterBiz: MASTER,
    baseIdentity: BASE_ID,
    ...arkletOptions,
  });
  const modules: Server = createServer((req, res) => {
    if (!runtime.handle(req, res)) {
      res.statusCode = 404;
      res.end('no module');
    }
  });
  await new Promise<void>((resolve) => modules.listen(0, '127.0.0.1', resolve));
  const modulesUrl = `http://127.0.0.1:${(modules.address() as AddressInfo).port}`;

  const request = async (method: string, path: string, body?: string | Buffer, headers?: Record<string, string>): Promise<Answer> => {
    const res = await fetch(`${arklet.url}${path}`, {
      method,
      ...(body !== undefined ? { body } : {}),
      ...(headers ? { headers } : {}),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const text = await res.text();
    let json: ArkletResponse<any>;
    try {
      json = JSON.parse(text) as ArkletResponse<any>;
    } catch {
      json = undefined as unknown as ArkletResponse<any>;
    }
    return { status: res.status, headers: res.headers, text, json };
  };
  return {
    arklet,
    runtime,
    storeDir,
    url: arklet.url,
    request,
    post: (command, body, init) =>
      request('POST', `/${command}`, body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body), init?.headers),
    async moduleGet(path) {
      const res = await fetch(`${modulesUrl}${path}`, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
      return { status: res.status, text: await res.text() };
    },
    async close() {
      await arklet.idle(10_000);
      await arklet.close();
      await new Promise<void>((resolve) => modules.close(() => resolve()));
      await runtime.close();
      await rm(storeDir, { recursive: true, force: true });
    },
  };
}

/** Asserts the exact set of keys of an object. */
export function expectKeys(obj: unknown, keys: string[]): void {
  expect(obj).toBeTypeOf('object');
  expect(Object.keys(obj as object).sort()).toEqual([...keys].sort());
}

/**
 * Asserts a `CMD_PROCESS_INTERNAL_ERROR` envelope with exactly this message
 * (docs/reference/arklet-protocol.md § Outcome matrix).
 */
export function expectInternalError(a: Answer, message: string | RegExp): void {
  expect(a.status).toBe(200);
  expectKeys(a.json, ['code', 'errorStackTrace', 'message']);
  expect(a.json.code).toBe('CMD_PROCESS_INTERNAL_ERROR');
  expect(a.json.errorStackTrace).toBeTypeOf('string');
  expect((a.json.errorStackTrace as string).length).toBeGreaterThan(0);
  if (typeof message === 'string') expect(a.json.message).toBe(message);
  else expect(a.json.message).toMatch(message);
}

/** Asserts an envelope with `baseIdentity` and this code (and nothing but `data`/`message` as the code allows). */
export function expectOutput(a: Answer, code: 'SUCCESS' | 'FAILED', opts: { data: boolean }): void {
  expect(a.status).toBe(200);
  const keys = ['baseIdentity', 'code', ...(opts.data ? ['data'] : []), ...(code === 'FAILED' ? ['message'] : [])];
  expectKeys(a.json, keys);
  expect(a.json.code).toBe(code);
  expect(a.json.baseIdentity).toBe(BASE_ID);
}

/** Polls `fn` until it returns a truthy value or `timeoutMs` passes (then fails). */
export async function waitFor<T>(fn: () => Promise<T> | T, timeoutMs = 10_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The names:versions listed by queryAllBiz. */
export async function installed(h: Harness): Promise<string[]> {
  const a = await h.post('queryAllBiz', {});
  return (a.json.data as { bizName: string; bizVersion: string }[]).map((b) => `${b.bizName}:${b.bizVersion}`).sort();
}
