import { afterEach, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BizRuntime } from '@nodeark/runtime';
import { createArklet, type Arklet } from '@nodeark/arklet';
import { ArkletClient } from '@nodeark/client';

let arklet: Arklet | undefined;
let runtime: BizRuntime | undefined;
let tmp: string | undefined;
afterEach(async () => {
  await arklet?.close();
  await runtime?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

async function start(authToken?: string): Promise<Arklet> {
  tmp = await mkdtemp(join(tmpdir(), 'nodeark-auth-'));
  runtime = new BizRuntime({ storeDir: join(tmp, 'store') });
  arklet = await createArklet({
    runtime,
    masterBiz: { bizName: 'base', bizVersion: '1.0.0' },
    port: 0,
    host: '127.0.0.1',
    ...(authToken ? { authToken } : {}),
  });
  return arklet;
}

it('requires the bearer token when one is configured, before reading the body', async () => {
  const a = await start('s3cret-token');
  const none = await fetch(`${a.url}/queryAllBiz`, { method: 'POST', body: '{}' });
  expect(none.status).toBe(401);
  expect(none.headers.get('www-authenticate')).toBe('Bearer realm="arklet"');
  expect(await none.json()).toEqual({ code: 'FAILED', message: 'Unauthorized: a valid Arklet token is required' });
  const wrong = await fetch(`${a.url}/installBiz`, {
    method: 'POST',
    headers: { authorization: 'Bearer s3cret-tokeN' },
    body: JSON.stringify({ bizUrl: 'file:///nope' }),
  });
  expect(wrong.status).toBe(401);
  const short = await fetch(`${a.url}/help`, { method: 'POST', headers: { 'x-arklet-token': 's3cret' } });
  expect(short.status).toBe(401);
  const ok = await fetch(`${a.url}/queryAllBiz`, { method: 'POST', headers: { authorization: 'Bearer s3cret-token' }, body: '{}' });
  expect(ok.status).toBe(200);
  expect(((await ok.json()) as { code: string }).code).toBe('SUCCESS');
  const alt = await fetch(`${a.url}/help`, { method: 'POST', headers: { 'x-arklet-token': 's3cret-token' } });
  expect(alt.status).toBe(200);
  const client = new ArkletClient({ baseUrl: a.url, headers: { authorization: 'Bearer s3cret-token' } });
  expect((await client.queryAllBiz()).code).toBe('SUCCESS');
  await client.close();
});

it('needs no token by default (ModuleController sends none)', async () => {
  const a = await start();
  const res = await fetch(`${a.url}/queryAllBiz`, { method: 'POST', body: '{}' });
  expect(res.status).toBe(200);
});
