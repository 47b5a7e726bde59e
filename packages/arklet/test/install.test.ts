/**
 * installBiz (docs/reference/arklet-protocol.md § installBiz; conformance cases 8-20): validation order and
 * messages, type checks, the identity read from the bundle, results, strategies, REPEAT_BIZ and the idempotent
 * re-install, start failures, and args/envs reaching the module.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFile } from 'node:fs/promises';
import { packBundle } from '@nodeark/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  expectInternalError,
  expectKeys,
  expectOutput,
  FIXTURES,
  fixtureUrl,
  installed,
  startHarness,
  type Harness,
} from './harness.js';

const BIZ_MODEL_KEYS = [
  'attributes',
  'bizName',
  'bizState',
  'bizStateRecords',
  'bizTempWorkDir',
  'bizUrl',
  'bizVersion',
  'classPath',
  'declaredMode',
  'denyImportClasses',
  'denyImportPackageNodes',
  'denyImportPackageStems',
  'denyImportPackages',
  'denyImportResources',
  'denyPrefixImportResourceStems',
  'denySuffixImportResourceStems',
  'identity',
  'injectExportPackages',
  'injectPluginDependencies',
  'mainClass',
  'priority',
  'webContextPath',
];

let h: Harness;
let tgzDir: string;
let helloTgz: Buffer;
let server: Server;
let serverUrl: string;
const hits = new Map<string, number>();

beforeAll(async () => {
  h = await startHarness();
  tgzDir = await mkdtemp(join(tmpdir(), 'nodeark-arklet-tgz-'));
  const packed = await packBundle(join(FIXTURES, 'hello'), { outDir: tgzDir });
  helloTgz = await readFile(packed.file);
  server = createServer((req, res) => {
    hits.set(req.url ?? '', (hits.get(req.url ?? '') ?? 0) + 1);
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': helloTgz.length });
    res.end(helloTgz);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  serverUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await h.close();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await rm(tgzDir, { recursive: true, force: true });
});

async function uninstallAll(): Promise<void> {
  for (const id of await installed(h)) {
    const [bizName, bizVersion] = id.split(':');
    const a = await h.post('uninstallBiz', { bizName, bizVersion });
    expect(a.json.code).toBe('SUCCESS');
  }
}

describe('§9 installBiz validation', () => {
  it('case 8: {} → bizUrl should not be blank', async () => {
    expectInternalError(await h.post('installBiz', {}), 'Internal Error: bizUrl should not be blank');
    // An absent body is treated like {} (Java: a null input, "Internal Error: null").
    expectInternalError(await h.post('installBiz'), 'Internal Error: bizUrl should not be blank');
  });

  it('case 9: a blank bizUrl (empty or whitespace) → bizUrl error', async () => {
    expectInternalError(await h.post('installBiz', { bizUrl: '' }), 'Internal Error: bizUrl should not be blank');
    expectInternalError(await h.post('installBiz', { bizUrl: ' \t ' }), 'Internal Error: bizUrl should not be blank');
  });

  it('case 10: {"bizName":""} → the bizUrl check comes first', async () => {
    expectInternalError(await h.post('installBiz', { bizName: '' }), 'Internal Error: bizUrl should not be blank');
  });

  it('case 11: {"bizVersion":""} → the bizUrl check comes first', async () => {
    expectInternalError(await h.post('installBiz', { bizVersion: '' }), 'Internal Error: bizUrl should not be blank');
  });

  it('case 12: async without requestId → requestId error (checked before bizUrl)', async () => {
    const msg = 'Internal Error: requestId should not be blank when async is true';
    expectInternalError(await h.post('installBiz', { async: true, requestId: '' }), msg);
    expectInternalError(await h.post('installBiz', { async: true }), msg);
    expectInternalError(await h.post('installBiz', { async: true, requestId: '  ', bizUrl: fixtureUrl('hello') }), msg);
  });

  it('case 13: exactly one of bizName/bizVersion blank → both-or-neither error', async () => {
    const msg = 'Internal Error: bizName and bizVersion should be both blank or both not blank.';
    expectInternalError(await h.post('installBiz', { bizName: 'x', bizVersion: '', bizUrl: fixtureUrl('hello') }), msg);
    expectInternalError(await h.post('installBiz', { bizVersion: '1.0.0', bizUrl: fixtureUrl('hello') }), msg);
    expectInternalError(await h.post('installBiz', { bizName: 'x', bizVersion: '   ', bizUrl: fixtureUrl('hello') }), msg);
  });

  it('checks every field type and size, naming the field; the registry is unchanged', async () => {
    const url = fixtureUrl('hello');
    const cases: [Record<string, unknown>, string][] = [
      [{ bizUrl: 5 }, 'bizUrl must be a string (got number)'],
      [{ bizUrl: [url] }, 'bizUrl must be a string (got array)'],
      [{ bizUrl: url, bizName: 1, bizVersion: '1.0.0' }, 'bizName must be a string (got number)'],
      [{ bizUrl: url, bizName: 'hello', bizVersion: 1.0 }, 'bizVersion must be a string (got number)'],
      [{ bizUrl: url, args: '--x' }, 'args must be an array (got string)'],
      [{ bizUrl: url, args: ['ok', 2] }, 'args[1] must be a string (got number)'],
      [{ bizUrl: url, args: [null] }, 'args[0] must be a string (got null)'],
      [{ bizUrl: url, envs: ['A=1'] }, 'envs must be an object (got array)'],
      [{ bizUrl: url, envs: { A: 1 } }, 'envs.A must be a string (got number)'],
      [{ bizUrl: url, envs: { 'A=B': 'x' } }, 'envs key "A=B" is not a valid environment variable name'],
      [{ bizUrl: url, async: 'true', requestId: 'r' }, 'async must be a boolean (got string)'],
      [{ bizUrl: url, installStrategy: {} }, 'installStrategy must be a string (got object)'],
      [{ bizUrl: url, requestId: 7 }, 'requestId must be a string (got number)'],
      [{ bizUrl: 'file:///' + 'a'.repeat(9000) }, 'bizUrl must be at most 8192 characters'],
      [{ bizUrl: url, bizName: 'x'.repeat(300), bizVersion: '1' }, 'bizName must be at most 256 characters'],
      [{ bizUrl: url, args: Array.from({ length: 1025 }, () => 'a') }, 'args must have at most 1024 items'],
    ];
    for (const [body, message] of cases) {
      expectInternalError(await h.post('installBiz', body), `Internal Error: ${message}`);
    }
    // Path-unsafe identities are refused by the runtime's identity rules, before anything is read.
    const unsafe = await h.post('installBiz', { bizUrl: url, bizName: '../etc', bizVersion: '1.0.0' });
    expectInternalError(unsafe, /^Internal Error: Invalid bizName "\.\.\/etc"/);
    const unsafeVersion = await h.post('installBiz', { bizUrl: url, bizName: 'hello', bizVersion: '1/../../x' });
    expectInternalError(unsafeVersion, /^Internal Error: Invalid bizVersion/);
    expect(await installed(h)).toEqual([]);
  });

  it('case 14: with bizName and bizVersion the bundle is read once (no pre-download)', async () => {
    hits.clear();
    const a = await h.post('installBiz', { bizName: 'hello', bizVersion: '1.0.0', bizUrl: `${serverUrl}/named.tgz` });
    expectOutput(a, 'SUCCESS', { data: true });
    expect(hits.get('/named.tgz')).toBe(1);
    await uninstallAll();
  });

  it('case 15: bizName and bizVersion blank → read from the bundle before the install', async () => {
    hits.clear();
    const a = await h.post('installBiz', { bizUrl: `${serverUrl}/anon.tgz`, bizName: ' ', bizVersion: '' });
    expectOutput(a, 'SUCCESS', { data: true });
    expect(a.json.data.bizInfos[0].identity).toBe('hello:1.0.0');
    // Like Java, the identity is read first (probe), then the bundle is installed: two reads.
    expect(hits.get('/anon.tgz')).toBe(2);
    await uninstallAll();
    const dir = await h.post('installBiz', { bizUrl: fixtureUrl('slow'), envs: { START_DELAY_MS: '0' } });
    expectOutput(dir, 'SUCCESS', { data: true });
    expect(dir.json.data.bizInfos[0]).toMatchObject({ bizName: 'slow', bizVersion: '1.0.0', identity: 'slow:1.0.0' });
    await uninstallAll();
  });

  it('bizUrl credentials never appear in responses or operation records', async () => {
    const url = `${serverUrl.replace('http://', 'http://deployer:s3cret@')}/private.tgz`;
    const a = await h.post('installBiz', { bizName: 'hello', bizVersion: '1.0.0', bizUrl: url, async: true, requestId: 'cred-1' });
    expect(a.json.code).toBe('SUCCESS');
    expect(a.json.data.arkBizMeta.bizUrl).toBe(`${serverUrl}/private.tgz`);
    await h.arklet.idle(10_000);
    const rec = await h.post('queryBizOps', { requestId: 'cred-1' });
    expect(rec.json.data.status).toBe('SUCCEEDED');
    const again = await h.post('installBiz', { bizName: 'hello', bizVersion: '1.0.0', bizUrl: url });
    expect(again.json.data.bizInfos[0].bizUrl).toBe(`${serverUrl}/private.tgz`);
    for (const text of [a.text, rec.text, again.text]) expect(text).not.toContain('s3cret');
    await uninstallAll();
  });

  it('a bundle that cannot be read → internal error naming the problem; nothing installed', async () => {
    const missing = await h.post('installBiz', { bizName: 'ghost', bizVersion: '1.0.0', bizUrl: 'file:///nonexistent/ghost' });
    expectInternalError(missing, /^Internal Error: Bundle not found: /);
    const anon = await h.post('installBiz', { bizUrl: 'file:///nonexistent/ghost' });
    expectInternalError(anon, /^Internal Error: refresh biz info from bizUrl failed: Bundle not found/);
    const scheme = await h.post('installBiz', { bizUrl: 'ftp://example.com/x.tgz', bizName: 'x', bizVersion: '1' });
    expectInternalError(scheme, /^Internal Error: Unsupported bizUrl scheme "ftp:"/);
    expect(await installed(h)).toEqual([]);
  });
});

describe('bundle policy', () => {
  it('the identity probe and the batch priority probe honour the runtime bundle policy: nothing is fetched', async () => {
    const strict = await startHarness({ runtimeOptions: { bundlePolicy: { allowedHosts: ['modules.example'] } } });
    try {
      hits.clear();
      const anon = await strict.post('installBiz', { bizUrl: `${serverUrl}/blocked.tgz` });
      expectInternalError(anon, /^Internal Error: refresh biz info from bizUrl failed: .*127\.0\.0\.1 is not in nodeark\.bundle\.allowed-hosts/);
      const named = await strict.post('installBiz', { bizName: 'hello', bizVersion: '1.0.0', bizUrl: `${serverUrl}/blocked.tgz` });
      expectInternalError(named, /is not in nodeark\.bundle\.allowed-hosts/);
      const batch = await strict.post('batchInstallBiz', { bizList: [{ bizUrl: `${serverUrl}/blocked.tgz` }] });
      expectInternalError(batch, /is not in nodeark\.bundle\.allowed-hosts/);
      expect(hits.get('/blocked.tgz')).toBeUndefined();
      expect(await installed(strict)).toEqual([]);
    } finally {
      await strict.close();
    }
  });
});

describe('§9 installBiz result', () => {
  it('case 16: SUCCESS → data {bizInfos, code, elapsedSpace, message} with the full BizModel dump', async () => {
    const a = await h.post('installBiz', { bizName: 'hello', bizVersion: '1.0.0', bizUrl: fixtureUrl('hello') });
    expectOutput(a, 'SUCCESS', { data: true });
    const data = a.json.data;
    expectKeys(data, ['bizInfos', 'code', 'elapsedSpace', 'message']);
    expect(data.code).toBe('SUCCESS');
    expect(Number.isInteger(data.elapsedSpace)).toBe(true);
    expect(data.message).toMatch(/^Install Biz: hello:1\.0\.0 success, cost: \d+ ms, started at: \d\d:\d\d:\d\d,\d{3}$/);
    expect(data.bizInfos).toHaveLength(1);
    const biz = data.bizInfos[0];
    expectKeys(biz, BIZ_MODEL_KEYS);
    expect(biz).toMatchObject({
      attributes: {},
      bizName: 'hello',
      bizState: 'activated',
      bizUrl: fixtureUrl('hello'),
      bizVersion: '1.0.0',
      classPath: [],
      declaredMode: false,
      identity: 'hello:1.0.0',
      mainClass: 'index.mjs',
      priority: 100,
      webContextPath: 'hello',
    });
    expect(biz.bizTempWorkDir).toBe(join(h.storeDir, 'hello', '1.0.0'));
    for (const k of BIZ_MODEL_KEYS.filter((k) => k.startsWith('deny') || k.startsWith('inject'))) expect(biz[k], k).toEqual([]);
    expect(biz.bizStateRecords.map((r: { state: string; reason: string }) => `${r.state}/${r.reason}`)).toEqual([
      'resolved/Created',
      'activated/Started',
    ]);
    for (const r of biz.bizStateRecords) {
      expectKeys(r, ['changeTime', 'message', 'reason', 'state']);
      expect(Number.isInteger(r.changeTime)).toBe(true);
      expect(r.message).toBe('');
    }
    expect((await h.moduleGet('/hello/')).text).toBe('hello 1.0.0');
  });

  it('deviation: re-installing an activated identity from the same bizUrl is SUCCESS and changes nothing', async () => {
    const a = await h.post('installBiz', { bizName: 'hello', bizVersion: '1.0.0', bizUrl: fixtureUrl('hello') });
    expectOutput(a, 'SUCCESS', { data: true });
    expect(a.json.data.code).toBe('SUCCESS');
    expect(a.json.data.bizInfos[0].bizStateRecords).toHaveLength(2);
    const anon = await h.post('installBiz', { bizUrl: fixtureUrl('hello') });
    expectOutput(anon, 'SUCCESS', { data: true });
  });

  it('case 20: the same identity from another bizUrl with installOnly → FAILED / REPEAT_BIZ', async () => {
    const a = await h.post('installBiz', { bizName: 'hello', bizVersion: '1.0.0', bizUrl: `${serverUrl}/other.tgz` });
    expectOutput(a, 'FAILED', { data: true });
    expect(a.json.message).toBe('install biz not success!');
    expectKeys(a.json.data, ['code', 'elapsedSpace', 'message']);
    expect(a.json.data).toMatchObject({ code: 'REPEAT_BIZ', message: 'Biz: hello:1.0.0 has been installed or registered.' });
    expect(Number.isInteger(a.json.data.elapsedSpace)).toBe(true);
  });

  it('case 17: an underlying FAILED (bundle identity mismatch) → FAILED "install biz not success!", data.code FAILED', async () => {
    const a = await h.post('installBiz', { bizName: 'other', bizVersion: '9.9.9', bizUrl: fixtureUrl('hello') });
    expectOutput(a, 'FAILED', { data: true });
    expect(a.json.message).toBe('install biz not success!');
    expect(a.json.data.code).toBe('FAILED');
    expect(a.json.data.message).toMatch(/declares hello:1\.0\.0 but the request asked for other:9\.9\.9/);
    expect(a.json.data).not.toHaveProperty('bizInfos');
    expect(await installed(h)).toEqual(['hello:1.0.0']);
  });

  it('case 19: installOnly or an unknown strategy → plain install (the other version stays)', async () => {
    const a = await h.post('installBiz', { bizName: 'hello', bizVersion: '2.0.0', bizUrl: fixtureUrl('hello-v2'), installStrategy: 'bogus' });
    expectOutput(a, 'SUCCESS', { data: true });
    expect(a.json.data.bizInfos[0].bizState).toBe('deactivated');
    expect(a.json.data.bizInfos[0].bizStateRecords[1]).toMatchObject({ state: 'deactivated', reason: 'Started', message: 'start but is deactivated' });
    expect(await installed(h)).toEqual(['hello:1.0.0', 'hello:2.0.0']);
    expect((await h.moduleGet('/hello/')).text).toBe('hello 1.0.0');
  });

  it('case 18: uninstallThenInstall → every version of the name is uninstalled, then the bundle installed', async () => {
    const a = await h.post('installBiz', {
      bizName: 'hello',
      bizVersion: '1.0.0',
      bizUrl: fixtureUrl('hello'),
      installStrategy: 'uninstallThenInstall',
    });
    expectOutput(a, 'SUCCESS', { data: true });
    expect(await installed(h)).toEqual(['hello:1.0.0']);
    // A fresh install: new records, activated again.
    expect(a.json.data.bizInfos[0].bizStateRecords.map((r: { reason: string }) => r.reason)).toEqual(['Created', 'Started']);
    expect(a.json.data.bizInfos[0].bizState).toBe('activated');
    await uninstallAll();
  });

  it('a module whose start() throws → internal error with its stack; the registry is unchanged', async () => {
    const a = await h.post('installBiz', { bizUrl: fixtureUrl('broken') });
    expectInternalError(a, /^Internal Error: Module broken:1\.0\.0 failed to start: .*boom: broken module refuses to start/);
    expect(a.json.errorStackTrace).toMatch(/^NODEARK_ERR_BIZ_START_FAILED: /);
    expect(a.json.errorStackTrace).toContain('boom');
    expect(await installed(h)).toEqual([]);
  });

  it('args and envs reach the module ctx; the worker env is exactly envs (+ the base NODE_ENV); JSON nulls count as absent', async () => {
    const a = await h.post('installBiz', {
      bizUrl: fixtureUrl('hello'),
      args: ['--verbose', 'x y', '--port=1'],
      envs: { DB_URL: 'postgres://db/biz', 'sofa.ark.biz.main.class': 'ignored', EMPTY: '' },
      installStrategy: null,
      requestId: null,
    });
    expectOutput(a, 'SUCCESS', { data: true });
    const ctx = JSON.parse((await h.moduleGet('/hello/ctx')).text) as { args: string[]; env: Record<string, string>; processEnv: Record<string, string> };
    expect(ctx.args).toEqual(['--verbose', 'x y', '--port=1']);
    const envs = { DB_URL: 'postgres://db/biz', 'sofa.ark.biz.main.class': 'ignored', EMPTY: '' };
    expect(ctx.env).toEqual(envs);
    // Nothing of the base's environment but NODE_ENV (which follows the base's unless envs set it).
    const baseNodeEnv = process.env.NODE_ENV;
    expect(ctx.processEnv).toEqual(baseNodeEnv === undefined ? envs : { NODE_ENV: baseNodeEnv, ...envs });
    await uninstallAll();
  });
});
