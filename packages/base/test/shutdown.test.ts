import { afterEach, expect, it } from 'vitest';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createBase } from 'nodeark';

let tmp: string | undefined;
afterEach(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

async function module(name: string, priority: number, body: string): Promise<string> {
  const dir = join(tmp!, name);
  await mkdir(dir);
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name, version: '1.0.0', type: 'module', main: 'index.mjs', nodeark: { priority } }));
  await writeFile(join(dir, 'index.mjs'), body);
  return pathToFileURL(dir).href;
}

it('graceful shutdown: readiness OUT_OF_SERVICE first, in-flight work drains, modules stop in reverse priority', async () => {
  tmp = await mkdtemp(join(tmpdir(), 'nodeark-shutdown-'));
  const base = await createBase({
    env: {},
    config: {
      'server.port': 0,
      'server.address': '127.0.0.1',
      'koupleless.arklet.http.port': 0,
      'koupleless.arklet.http.address': '127.0.0.1',
      'nodeark.store.dir': join(tmp, 'store'),
      'logging.level.root': 'silent',
      'management.endpoint.health.probes.enabled': true,
      'nodeark.shutdown.readiness-delay': 400,
    },
  });
  const { url } = await base.listen();
  const slow = 'export default { async fetch() { await new Promise((r) => setTimeout(r, 600)); return new Response("finished"); } };';
  await base.runtime.install({ bizUrl: await module('first', 10, slow) });
  await base.runtime.install({ bizUrl: await module('last', 200, 'export default { fetch: () => new Response("ok") };') });
  expect((await fetch(`${url}/actuator/health/readiness`)).status).toBe(200);

  const stopped: string[] = [];
  base.runtime.on('transition', (e) => {
    if (e.to === 'stopped') stopped.push(e.bizName);
  });
  const inflight = fetch(`${url}/first/`).then((r) => r.text());
  await new Promise((r) => setTimeout(r, 50));
  const closing = base.close();
  await new Promise((r) => setTimeout(r, 100));
  // During the readiness delay the base still serves, but tells probes to stop routing to it.
  const readiness = await fetch(`${url}/actuator/health/readiness`);
  expect(readiness.status).toBe(503);
  expect(((await readiness.json()) as { status: string }).status).toBe('OUT_OF_SERVICE');
  expect(await (await fetch(`${url}/last/`)).text()).toBe('ok');
  await closing;
  expect(await inflight).toBe('finished');
  expect(stopped).toEqual(['last', 'first']);
  await expect(fetch(`${url}/last/`)).rejects.toThrow();
});
