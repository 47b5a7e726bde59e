/**
 * Transport conformance (docs/reference/arklet-protocol.md § Transport, § Outcome matrix; conformance cases
 * 1-7) against a real server: methods, command mapping, envelopes, malformed bodies, the 1 MiB limit, headers,
 * baseIdentity, port selection.
 */
import { request as httpRequest } from 'node:http';
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { hostname, networkInterfaces } from 'node:os';
import { createArklet, defaultBaseIdentity, NON_POST_MESSAGE } from '@nodeark/arklet';
import { BizRuntime } from '@nodeark/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BASE_ID, expectInternalError, expectKeys, expectOutput, MASTER, startHarness, type Harness } from './harness.js';

const BUILTINS = ['batchInstallBiz', 'health', 'help', 'installBiz', 'queryAllBiz', 'queryBizOps', 'switchBiz', 'uninstallBiz'];

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
});

describe('§9 transport', () => {
  it('case 1: non-POST → HTTP 500 with the plain-text message, no JSON', async () => {
    for (const method of ['GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']) {
      const a = await h.request(method, '/help');
      expect(a.status, method).toBe(500);
      expect(a.text, method).toBe('POST http request only supported by arklet');
      expect(a.json, method).toBeUndefined();
      expect(a.headers.get('content-type'), method).toMatch(/^text\/plain/);
    }
    expect(NON_POST_MESSAGE).toHaveLength(42);
    const head = await h.request('HEAD', '/help');
    expect(head.status).toBe(500);
    expect(head.text).toBe('');
  });

  it('case 2: POST /help with an empty body → SUCCESS listing every command', async () => {
    const a = await h.post('help');
    expectOutput(a, 'SUCCESS', { data: true });
    const data = a.json.data as { desc: string; id: string }[];
    for (const c of data) expectKeys(c, ['desc', 'id']);
    expect(data.map((c) => c.id).sort()).toEqual(BUILTINS);
    expect(data.find((c) => c.id === 'installBiz')?.desc).toBe('install one ark biz');
    expect(data.find((c) => c.id === 'batchInstallBiz')?.desc).toBe('install one ark biz');
    expect(data.find((c) => c.id === 'queryAllBiz')?.desc).toBe('query all ark biz(including master biz)');
    expect(data.find((c) => c.id === 'help')?.desc).toBe('list all supported commands');
  });

  it('case 3: the query string is ignored, escapes are decoded, matching is exact', async () => {
    const plain = await h.post('help', {});
    const withQuery = await h.request('POST', '/help?x=1', '{}');
    expect(withQuery.json).toEqual(plain.json);
    const escaped = await h.request('POST', '/he%6Cp', '{}');
    expect(escaped.json).toEqual(plain.json);
    for (const path of ['/help/', '//help', '/', '/HELP', '/help%2F', '/%E0%A4%A']) {
      const a = await h.request('POST', path, '{}');
      expect(a.status, path).toBe(200);
      expect(a.json, path).toEqual({ code: 'CMD_NOT_FOUND', message: 'please follow the doc' });
    }
  });

  it('case 4: unknown command → CMD_NOT_FOUND without baseIdentity', async () => {
    const a = await h.post('nope', {});
    expect(a.status).toBe(200);
    expect(a.json).toEqual({ code: 'CMD_NOT_FOUND', message: 'please follow the doc' });
    const empty = await h.post('nope');
    expect(empty.json).toEqual({ code: 'CMD_NOT_FOUND', message: 'please follow the doc' });
  });

  it('case 5: malformed JSON or a non-object body → internal error, never SUCCESS (deviation: Java hangs)', async () => {
    for (const body of ['{abc', '{"bizUrl":', "{bizName:'x',}", '[1,2]', '123', '"help"', 'true']) {
      for (const command of ['help', 'installBiz', 'nope']) {
        const a = await h.post(command, body);
        expectInternalError(a, /^Internal Error: (malformed JSON body: |the request body must be a JSON object \(got )/);
      }
    }
    // The literal null (and whitespace) is an absent body, as in Java.
    expectOutput(await h.post('help', 'null'), 'SUCCESS', { data: true });
    expectOutput(await h.post('help', '  \n'), 'SUCCESS', { data: true });
  });

  it('case 6: body > 1 MiB → 413 with an empty body; exactly 1 MiB is accepted', async () => {
    const big = await h.post('help', `{"x":"${'a'.repeat(1024 * 1024)}"}`);
    expect(big.status).toBe(413);
    expect(big.text).toBe('');
    expect(big.headers.get('content-length')).toBe('0');
    const exact = '{}' + ' '.repeat(1024 * 1024 - 2);
    expect(Buffer.byteLength(exact)).toBe(1024 * 1024);
    expectOutput(await h.post('help', exact), 'SUCCESS', { data: true });
  });

  it('case 7: baseIdentity on every handler output, absent on internal errors and not-found', async () => {
    const ok = await h.post('queryAllBiz', {});
    expectOutput(ok, 'SUCCESS', { data: true });
    expect(ok.json.baseIdentity).toBe(BASE_ID);
    const failed = await h.post('queryBizOps', { requestId: 'missing' });
    expectOutput(failed, 'FAILED', { data: false });
    expect(failed.json.baseIdentity).toBe(BASE_ID);
    const internal = await h.post('installBiz', {});
    expect(internal.json).not.toHaveProperty('baseIdentity');
    const notFound = await h.post('nope', {});
    expect(notFound.json).not.toHaveProperty('baseIdentity');
  });

  it('case 7: the default baseIdentity is the first non-internal IPv4 address, else the host name', async () => {
    let expected: string | undefined;
    for (const addrs of Object.values(networkInterfaces())) {
      for (const a of addrs ?? []) if (!expected && !a.internal && a.family === 'IPv4') expected = a.address;
    }
    expect(defaultBaseIdentity()).toBe(expected ?? hostname());
    const runtime = new BizRuntime({ storeDir: h.storeDir });
    const arklet = await createArklet({ runtime, port: 0, portExplicit: true, host: '127.0.0.1', masterBiz: MASTER });
    try {
      expect(arklet.baseIdentity).toBe(expected ?? hostname());
      const res = await arklet.execute('help', {});
      expect(res.baseIdentity).toBe(expected ?? hostname());
    } finally {
      await arklet.close();
    }
  });
});

describe('HTTP details', () => {
  it('answers carry Content-Type: application/json and a correct Content-Length; keep-alive is allowed', async () => {
    const a = await h.post('help', {});
    expect(a.headers.get('content-type')).toBe('application/json');
    expect(Number(a.headers.get('content-length'))).toBe(Buffer.byteLength(a.text));
    // Two requests over one kept-alive socket.
    const sockets = new Set<unknown>();
    const { Agent } = await import('node:http');
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const port = h.arklet.port;
    const once = (): Promise<string> =>
      new Promise((resolve, reject) => {
        const req = httpRequest({ host: '127.0.0.1', port, path: '/help', method: 'POST', agent }, (res) => {
          sockets.add(res.socket);
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (body += c));
          res.on('end', () => resolve(body));
        });
        req.setTimeout(10_000, () => req.destroy(new Error('timeout')));
        req.on('error', reject);
        req.end('{}');
      });
    const [b1, b2] = [await once(), await once()];
    agent.destroy();
    expect(JSON.parse(b1).code).toBe('SUCCESS');
    expect(JSON.parse(b2).code).toBe('SUCCESS');
    expect(sockets.size).toBe(1);
  });

  it('does not inspect Content-Type (§1.2)', async () => {
    for (const ct of ['text/plain', 'application/x-www-form-urlencoded', 'application/octet-stream', 'application/json; charset=utf-8']) {
      const a = await h.post('help', '{}', { headers: { 'content-type': ct } });
      expectOutput(a, 'SUCCESS', { data: true });
    }
  });

  it('execute() is the same core without HTTP', async () => {
    const viaHttp = await h.post('help', {});
    expect(await h.arklet.execute('help', {})).toEqual(viaHttp.json);
    expect(await h.arklet.execute('help')).toEqual(viaHttp.json);
    expect(await h.arklet.execute('nope', {})).toEqual({ code: 'CMD_NOT_FOUND', message: 'please follow the doc' });
    const bad = await h.arklet.execute('help', [1]);
    expect(bad.code).toBe('CMD_PROCESS_INTERNAL_ERROR');
    expect(bad.message).toBe('Internal Error: the request body must be a JSON object (got array)');
  });
});

describe('listening', () => {
  let blocker: Server;
  let busy: number;
  beforeAll(async () => {
    blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    busy = (blocker.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => blocker.close(() => resolve()));
  });

  it('without an explicit port, takes the first free port of [port, port+100) (§1.1)', async () => {
    const runtime = new BizRuntime({ storeDir: h.storeDir });
    const arklet = await createArklet({ runtime, port: busy, host: '127.0.0.1', masterBiz: MASTER, baseIdentity: BASE_ID });
    try {
      expect(arklet.port).toBeGreaterThan(busy);
      expect(arklet.port).toBeLessThan(busy + 100);
      expect((await arklet.execute('help')).code).toBe('SUCCESS');
    } finally {
      await arklet.close();
    }
  });

  it('an explicit busy port fails startup with NODEARK_ERR_ARKLET_PORT_UNAVAILABLE', async () => {
    const runtime = new BizRuntime({ storeDir: h.storeDir });
    await expect(
      createArklet({ runtime, port: busy, portExplicit: true, host: '127.0.0.1', masterBiz: MASTER }),
    ).rejects.toMatchObject({ code: 'NODEARK_ERR_ARKLET_PORT_UNAVAILABLE' });
  });

  it('rejects invalid options with stable codes', async () => {
    const runtime = new BizRuntime({ storeDir: h.storeDir });
    await expect(createArklet({ runtime, port: 70_000, masterBiz: MASTER })).rejects.toMatchObject({ code: 'NODEARK_ERR_ARKLET_INVALID_PORT' });
    await expect(createArklet({ runtime, port: 1.5, masterBiz: MASTER })).rejects.toMatchObject({ code: 'NODEARK_ERR_ARKLET_INVALID_PORT' });
    await expect(createArklet({ runtime, masterBiz: { bizName: '', bizVersion: '1' } })).rejects.toMatchObject({
      code: 'NODEARK_ERR_ARKLET_INVALID_OPTIONS',
    });
    await expect(createArklet({ runtime: {} as BizRuntime, masterBiz: MASTER })).rejects.toMatchObject({
      code: 'NODEARK_ERR_ARKLET_INVALID_OPTIONS',
    });
  });

  it('after close(): the port is released and execute() answers an internal error', async () => {
    const runtime = new BizRuntime({ storeDir: h.storeDir });
    const arklet = await createArklet({ runtime, port: 0, portExplicit: true, host: '127.0.0.1', masterBiz: MASTER, baseIdentity: BASE_ID });
    const url = arklet.url;
    await arklet.close();
    await expect(fetch(`${url}/help`, { method: 'POST', signal: AbortSignal.timeout(5000) })).rejects.toThrow();
    const res = await arklet.execute('help');
    expect(res).toMatchObject({ code: 'CMD_PROCESS_INTERNAL_ERROR', message: 'Internal Error: The Arklet is closed' });
  });
});
