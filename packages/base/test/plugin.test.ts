import { afterEach, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { fastify, type FastifyInstance } from 'fastify';
import { nodearkPlugin } from 'nodeark';

const examples = fileURLToPath(new URL('../../../examples/', import.meta.url));
let app: FastifyInstance | undefined;
let tmp: string | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

it('embeds nodeark into an existing fastify app: modules and the app share the port', async () => {
  tmp = await mkdtemp(join(tmpdir(), 'nodeark-plugin-'));
  app = fastify();
  app.get('/api/own', async () => ({ own: true }));
  app.post('/api/body', async (req) => ({ got: req.body }));
  await app.register(nodearkPlugin, {
    env: {},
    config: {
      'nodeark.store.dir': join(tmp, 'store'),
      'koupleless.arklet.http.port': 0,
      'koupleless.arklet.http.address': '127.0.0.1',
      'logging.level.root': 'silent',
      'com.alipay.sofa.ark.static.biz.dir': join(examples, 'demo-base', 'modules'),
    },
  });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  await new Promise((r) => setTimeout(r, 50));
  // Static modules are deployed after listen; wait for them.
  const end = Date.now() + 10_000;
  while (app.nodeark.runtime.list().filter((b) => b.bizState === 'activated').length < 3 && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 20));
  }
  expect(await (await fetch(`${url}/api/own`)).json()).toEqual({ own: true });
  expect(await (await fetch(`${url}/api/body`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":1}' })).json()).toEqual({ got: { a: 1 } });
  const hello = (await (await fetch(`${url}/hello/`)).json()) as { message: string };
  expect(hello.message).toBe('Hello from biz-hello:1.0.0');
  const echo = await fetch(`${url}/hello/echo`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'ping' });
  expect(await echo.text()).toBe('ping');
  expect((await app.nodeark.runtime.install({ bizUrl: pathToFileURL(join(examples, 'biz-failing')).href }).catch((e: { code: string }) => e.code))).toBe(
    'NODEARK_ERR_BIZ_START_FAILED',
  );
  expect((await fetch(`${url}/api/own`)).status).toBe(200);
});
