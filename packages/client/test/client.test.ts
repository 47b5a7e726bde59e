/**
 * `@nodeark/client` against a real Arklet (every command, typed envelopes) and against misbehaving servers
 * (every NODEARK_ERR_CLIENT_* code).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createArklet, type Arklet } from '@nodeark/arklet';
import { ArkletClient, assertSuccess, DEFAULT_ARKLET_URL } from '@nodeark/client';
import { BizRuntime } from '@nodeark/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const FIXTURES = fileURLToPath(new URL('../../arklet/test/fixtures/modules/', import.meta.url));
const fixtureUrl = (name: string): string => pathToFileURL(join(FIXTURES, name)).href;

let storeDir: string;
let runtime: BizRuntime;
let arklet: Arklet;
let client: ArkletClient;

beforeAll(async () => {
  storeDir = await mkdtemp(join(tmpdir(), 'nodeark-client-test-'));
  runtime = new BizRuntime({ storeDir, baseNodeModules: null });
  arklet = await createArklet({
    runtime,
    port: 0,
    portExplicit: true,
    host: '127.0.0.1',
    masterBiz: { bizName: 'base', bizVersion: '1.0.0' },
    baseIdentity: 'client-test',
  });
  client = new ArkletClient({ baseUrl: arklet.url, timeoutMs: 20_000 });
});
afterAll(async () => {
  await client.close();
  await arklet.idle();
  await arklet.close();
  await runtime.close();
  await rm(storeDir, { recursive: true, force: true });
});

describe('commands against a real Arklet', () => {
  it('help, installBiz, queryAllBiz, switchBiz, health, uninstallBiz', async () => {
    const help = await client.help();
    expect(help.code).toBe('SUCCESS');
    expect(help.baseIdentity).toBe('client-test');
    expect(help.data?.map((c) => c.id)).toContain('installBiz');

    const v1 = await client.installBiz({ bizUrl: fixtureUrl('hello'), args: ['a'], envs: { K: 'v' } });
    expect(v1.code).toBe('SUCCESS');
    expect(v1.data?.bizInfos?.[0]?.identity).toBe('hello:1.0.0');
    const v2 = await client.installBiz({ bizUrl: fixtureUrl('hello-v2'), bizName: 'hello', bizVersion: '2.0.0' });
    expect(v2.data?.bizInfos?.[0]?.bizState).toBe('deactivated');

    const list = await client.queryAllBiz();
    expect(list.data?.map((b) => `${b.bizName}:${b.bizVersion}:${b.bizState}`)).toEqual(['hello:1.0.0:activated', 'hello:2.0.0:deactivated']);

    const sw = await client.switchBiz({ bizName: 'hello', bizVersion: '2.0.0' });
    expect(assertSuccess(sw, 'switchBiz').message).toBe('Switch biz: hello:2.0.0 is activated.');

    const health = await client.health({ type: 'biz', bizName: 'hello', bizVersion: '2.0.0' });
    expect(health.data?.healthData.bizInfo?.bizState).toBe('activated');
    const system = await client.health({ type: 'system', metrics: ['jvm'] });
    expect(Number.isInteger(system.data?.healthData.jvm?.['java max metaspace'])).toBe(true);

    for (const version of ['1.0.0', '2.0.0']) {
      const un = await client.uninstallBiz({ bizName: 'hello', bizVersion: version });
      expect(un.data).toEqual({ code: 'SUCCESS', message: `Uninstall biz: hello:${version} success.` });
    }
    const again = await client.uninstallBiz({ bizName: 'hello', bizVersion: '1.0.0' });
    expect(again.code).toBe('SUCCESS');
    expect(again.data?.code).toBe('NOT_FOUND_BIZ');
  });

  it('async install + waitForOperation; batchInstallBiz; queryBizOps of an unknown id', async () => {
    const submitted = await client.installBiz({ bizUrl: fixtureUrl('slow'), envs: { START_DELAY_MS: '200' }, async: true, requestId: 'c-1' });
    expect(submitted.data?.status).toBe('INITIALIZED');
    const done = await client.waitForOperation('c-1', { intervalMs: 50, timeoutMs: 15_000 });
    expect(done.status).toBe('SUCCEEDED');
    expect(done.requestId).toBe('c-1');

    const batch = await client.batchInstallBiz({ bizList: [{ bizUrl: fixtureUrl('hello') }, { bizUrl: fixtureUrl('prio-low'), envs: { START_DELAY_MS: '0' } }] });
    expect(batch.code).toBe('SUCCESS');
    expect(Object.keys(batch.data?.bizUrlToResponse ?? {}).sort()).toEqual([fixtureUrl('hello'), fixtureUrl('prio-low')].sort());

    const unknown = await client.queryBizOps({ requestId: 'never' });
    expect(unknown).toEqual({ baseIdentity: 'client-test', code: 'FAILED', message: 'Not found the corresponding ops record.' });
    await expect(client.waitForOperation('never')).rejects.toMatchObject({ code: 'NODEARK_ERR_CLIENT_COMMAND_FAILED' });
  });

  it('every command outcome resolves with its envelope; assertSuccess turns failures into errors', async () => {
    const notFound = await client.command('nope', {});
    expect(notFound).toEqual({ code: 'CMD_NOT_FOUND', message: 'please follow the doc' });
    const internal = await client.installBiz({ bizUrl: '' });
    expect(internal.code).toBe('CMD_PROCESS_INTERNAL_ERROR');
    expect(internal.message).toBe('Internal Error: bizUrl should not be blank');
    expect(() => assertSuccess(internal, 'installBiz')).toThrow(
      expect.objectContaining({
        code: 'NODEARK_ERR_CLIENT_COMMAND_FAILED',
        message: 'installBiz answered CMD_PROCESS_INTERNAL_ERROR: Internal Error: bizUrl should not be blank',
        response: internal,
      }),
    );
    const failed = await client.switchBiz({ bizName: 'nope', bizVersion: '1' });
    expect(() => assertSuccess(failed, 'switchBiz')).toThrow('switchBiz answered FAILED: switch biz not success! — Switch biz: nope:1 not found.');
  });

  it('keeps a path prefix of the base URL and rejects invalid arguments', async () => {
    expect(new ArkletClient().baseUrl).toBe(`${DEFAULT_ARKLET_URL}/`);
    expect(new ArkletClient({ baseUrl: 'http://gw.example/arklet' }).baseUrl).toBe('http://gw.example/arklet/');
    expect(() => new ArkletClient({ baseUrl: 'not a url' })).toThrow(expect.objectContaining({ code: 'NODEARK_ERR_CLIENT_INVALID_ARGUMENT' }));
    expect(() => new ArkletClient({ baseUrl: 'ftp://x' })).toThrow(expect.objectContaining({ code: 'NODEARK_ERR_CLIENT_INVALID_ARGUMENT' }));
    expect(() => new ArkletClient({ timeoutMs: -1 })).toThrow(expect.objectContaining({ code: 'NODEARK_ERR_CLIENT_INVALID_ARGUMENT' }));
    await expect(client.command('help', [] as unknown as object)).rejects.toMatchObject({ code: 'NODEARK_ERR_CLIENT_INVALID_ARGUMENT' });
    await expect(client.command('', {})).rejects.toMatchObject({ code: 'NODEARK_ERR_CLIENT_INVALID_ARGUMENT' });
  });
});

describe('transport errors carry stable codes', () => {
  let fake: Server;
  let fakeUrl: string;
  const seen: { method?: string; url?: string; body?: string; contentType?: string }[] = [];
  beforeAll(async () => {
    fake = createServer((req: IncomingMessage, res: ServerResponse) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => (body += c));
      req.on('end', () => {
        seen.push({ method: req.method, url: req.url, body, contentType: req.headers['content-type'] });
        const path = req.url ?? '';
        if (path === '/hang') return; // never answers
        if (path === '/status500') {
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end('POST http request only supported by arklet');
        } else if (path === '/notjson') {
          res.writeHead(200);
          res.end('<html>');
        } else if (path === '/nocode') {
          res.writeHead(200);
          res.end('{"data":1}');
        } else if (path === '/huge') {
          res.writeHead(200);
          res.end(JSON.stringify({ code: 'SUCCESS', data: 'x'.repeat(4096) }));
        } else {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end('{"code":"SUCCESS","data":"ok"}');
        }
      });
    });
    await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', resolve));
    fakeUrl = `http://127.0.0.1:${(fake.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    fake.closeAllConnections();
    await new Promise<void>((resolve) => fake.close(() => resolve()));
  });

  it('sends POST /<command> with a JSON body', async () => {
    const c = new ArkletClient({ baseUrl: fakeUrl });
    try {
      expect(await c.command('custom/x y', { a: 1 })).toEqual({ code: 'SUCCESS', data: 'ok' });
      expect(await c.help()).toEqual({ code: 'SUCCESS', data: 'ok' });
    } finally {
      await c.close();
    }
    expect(seen.at(-2)).toMatchObject({ method: 'POST', url: '/custom%2Fx%20y', body: '{"a":1}', contentType: 'application/json' });
    expect(seen.at(-1)).toMatchObject({ method: 'POST', url: '/help', body: '{}' });
  });

  it('NODEARK_ERR_CLIENT_CONNECT when nothing listens', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const c = new ArkletClient({ baseUrl: `http://127.0.0.1:${port}` });
    try {
      await expect(c.help()).rejects.toMatchObject({ code: 'NODEARK_ERR_CLIENT_CONNECT', message: expect.stringContaining('ECONNREFUSED') });
    } finally {
      await c.close();
    }
  });

  it('NODEARK_ERR_CLIENT_TIMEOUT when the answer does not come in time', async () => {
    const c = new ArkletClient({ baseUrl: fakeUrl, timeoutMs: 200 });
    try {
      const t0 = Date.now();
      await expect(c.command('hang', {})).rejects.toMatchObject({ code: 'NODEARK_ERR_CLIENT_TIMEOUT' });
      expect(Date.now() - t0).toBeLessThan(5000);
      await expect(c.command('hang', {}, { timeoutMs: 100 })).rejects.toThrow(/within 100 ms/);
    } finally {
      await c.close();
    }
  });

  it('NODEARK_ERR_CLIENT_ABORTED when the caller aborts', async () => {
    const c = new ArkletClient({ baseUrl: fakeUrl });
    try {
      const ac = new AbortController();
      const p = c.command('hang', {}, { signal: ac.signal });
      setTimeout(() => ac.abort(), 50);
      await expect(p).rejects.toMatchObject({ code: 'NODEARK_ERR_CLIENT_ABORTED' });
      await expect(c.help({ signal: AbortSignal.abort() })).rejects.toMatchObject({ code: 'NODEARK_ERR_CLIENT_ABORTED' });
    } finally {
      await c.close();
    }
  });

  it('NODEARK_ERR_CLIENT_HTTP_STATUS for a non-200 answer (also a real 413)', async () => {
    const c = new ArkletClient({ baseUrl: fakeUrl });
    try {
      await expect(c.command('status500', {})).rejects.toMatchObject({
        code: 'NODEARK_ERR_CLIENT_HTTP_STATUS',
        statusCode: 500,
        message: expect.stringContaining('POST http request only supported by arklet'),
      });
    } finally {
      await c.close();
    }
    await expect(client.command('help', { x: 'a'.repeat(1024 * 1024) })).rejects.toMatchObject({
      code: 'NODEARK_ERR_CLIENT_HTTP_STATUS',
      statusCode: 413,
    });
  });

  it('NODEARK_ERR_CLIENT_INVALID_RESPONSE for non-JSON, a JSON without code, or an oversized answer', async () => {
    const c = new ArkletClient({ baseUrl: fakeUrl, maxResponseBytes: 1024 });
    try {
      await expect(c.command('notjson', {})).rejects.toMatchObject({ code: 'NODEARK_ERR_CLIENT_INVALID_RESPONSE' });
      await expect(c.command('nocode', {})).rejects.toMatchObject({ code: 'NODEARK_ERR_CLIENT_INVALID_RESPONSE', message: expect.stringContaining('no "code"') });
      await expect(c.command('huge', {})).rejects.toMatchObject({ code: 'NODEARK_ERR_CLIENT_INVALID_RESPONSE', message: expect.stringContaining('exceeds 1024 bytes') });
    } finally {
      await c.close();
    }
  });
});
