import { afterEach, describe, expect, it } from 'vitest';
import { mkdtemp, mkdir, cp, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { pino } from 'pino';
import { createBase, type NodearkBase } from 'nodeark';

const examples = fileURLToPath(new URL('../../../examples/', import.meta.url));
let base: NodearkBase | undefined;
let tmp: string | undefined;

afterEach(async () => {
  await base?.close();
  base = undefined;
  if (tmp) await rm(tmp, { recursive: true, force: true });
  tmp = undefined;
});

async function staticDir(...modules: string[]): Promise<string> {
  tmp = await mkdtemp(join(tmpdir(), 'nodeark-base-'));
  const dir = join(tmp, 'static');
  await mkdir(dir);
  for (const m of modules) await cp(join(examples, m), join(dir, m), { recursive: true });
  await writeFile(join(dir, 'README.txt'), 'not a module: ignored');
  return dir;
}

function config(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    'server.port': 0,
    'server.address': '127.0.0.1',
    'koupleless.arklet.http.port': 0,
    'koupleless.arklet.http.address': '127.0.0.1',
    'nodeark.store.dir': join(tmp!, 'store'),
    'logging.level.root': 'silent',
    ...extra,
  };
}

describe('createBase', () => {
  it('serves the real-app examples (Express, NestJS, socket.io chat with SSE) as static modules', async () => {
    const dir = await staticDir('biz-express', 'biz-nest', 'biz-chat');
    base = await createBase({ env: {}, config: config({ 'com.alipay.sofa.ark.static.biz.dir': dir }) });
    const { url } = await base.listen();
    const redirect = await fetch(`${url}/express/`, { redirect: 'manual' });
    expect(redirect.headers.get('location')).toBe('/express/todos');
    const created = await fetch(`${url}/express/todos`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"title":"t"}' });
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe('/express/todos/2');
    expect(await (await fetch(`${url}/nest/greetings/1`)).json()).toEqual({ id: 1, text: 'bonjour' });
    expect((await fetch(`${url}/nest/greetings/x`)).status).toBe(400);
    const feed = await fetch(`${url}/chat/feed`);
    expect(feed.headers.get('content-type')).toBe('text/event-stream');
    const reader = feed.body!.getReader();
    expect((await fetch(`${url}/chat/say`, { method: 'POST', body: 'hi there' })).status).toBe(204);
    let text = '';
    while (!text.includes('hi there')) text += new TextDecoder().decode((await reader.read()).value);
    expect(text).toContain('"from":"http"');
    await reader.cancel();
  });

  it('deploys static modules in priority order and serves them under their context paths', async () => {
    const dir = await staticDir('biz-hello', 'biz-node-handler', 'biz-health');
    base = await createBase({ env: {}, config: config({ 'com.alipay.sofa.ark.static.biz.dir': dir }) });
    const order: string[] = [];
    base.runtime.on('transition', (e) => {
      if (e.to === 'resolved') order.push(e.bizName);
    });
    const { url } = await base.listen();
    // biz-health has priority 50: its group is installed before the priority-100 group.
    expect(order[0]).toBe('biz-health');
    expect(order.slice(1).sort()).toEqual(['biz-hello', 'biz-node-handler']);
    const hello = (await (await fetch(`${url}/hello/`)).json()) as { message: string; prefix: string };
    expect(hello).toMatchObject({ message: 'Hello from biz-hello:1.0.0', prefix: '/hello' });
    const node = (await (await fetch(`${url}/node/x`)).json()) as { path: string };
    expect(node.path).toBe('/x');
    expect((await fetch(`${url}/health-demo/actuator/health`)).status).toBe(200);
    const missing = await fetch(`${url}/nothing-here`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ code: 'NODEARK_ERR_ROUTE_NOT_FOUND' });
  });

  it('serves the base app routes beside the modules', async () => {
    tmp = await mkdtemp(join(tmpdir(), 'nodeark-base-'));
    base = await createBase({ env: {}, config: config() });
    base.app.get('/own', async () => ({ own: true }));
    const { url } = await base.listen();
    expect(await (await fetch(`${url}/own`)).json()).toEqual({ own: true });
    expect((await base.runtime.install({ bizUrl: pathToFileURL(join(examples, 'biz-hello')).href })).code).toBe('SUCCESS');
    expect((await fetch(`${url}/hello/`)).status).toBe(200);
  });

  it('fails startup when a static module fails, naming it', async () => {
    const dir = await staticDir('biz-hello', 'biz-failing');
    base = await createBase({ env: {}, config: config({ 'com.alipay.sofa.ark.static.biz.dir': dir }) });
    await expect(base.listen()).rejects.toMatchObject({
      code: 'NODEARK_ERR_BASE_STATIC_DEPLOY',
      message: expect.stringContaining('biz-failing:1.0.0'),
    });
  });

  it('rejects bad configuration before anything starts', async () => {
    await expect(createBase({ env: {}, config: { 'server.port': 'http' } })).rejects.toMatchObject({
      code: 'NODEARK_ERR_CONFIG_INVALID_VALUE',
    });
  });

  it('closes gracefully: in-flight requests finish, then modules stop', async () => {
    tmp = await mkdtemp(join(tmpdir(), 'nodeark-base-'));
    base = await createBase({ env: {}, config: config() });
    const { url } = await base.listen();
    const dir = join(tmp, 'slow');
    await mkdir(dir);
    await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'slow', version: '1.0.0', type: 'module', main: 'index.mjs' }));
    await writeFile(
      join(dir, 'index.mjs'),
      'export default { async fetch() { await new Promise((r) => setTimeout(r, 300)); return new Response("done"); } };',
    );
    await base.runtime.install({ bizUrl: pathToFileURL(dir).href });
    const inflight = fetch(`${url}/slow/`).then((r) => r.text());
    await new Promise((r) => setTimeout(r, 50));
    const stopped: string[] = [];
    base.runtime.on('transition', (e) => {
      if (e.to === 'stopped') stopped.push(e.identity);
    });
    await base.close();
    expect(await inflight).toBe('done');
    expect(stopped).toEqual(['slow:1.0.0']);
    await expect(fetch(`${url}/slow/`)).rejects.toThrow();
    base = undefined;
  });
});

describe('Arklet exposure', () => {
  async function warnings(extra: Record<string, unknown>): Promise<string[]> {
    tmp ??= await mkdtemp(join(tmpdir(), 'nodeark-base-'));
    const lines: string[] = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => lines.push(line) });
    const b = await createBase({ env: {}, logger, config: { ...config(), 'koupleless.arklet.http.address': '127.0.0.1', ...extra } });
    try {
      await b.startArklet();
    } finally {
      await b.close();
    }
    return lines.filter((l) => l.includes('beyond loopback'));
  }

  it('warns when the Arklet listens beyond loopback without a token, and only then', async () => {
    expect(await warnings({ 'koupleless.arklet.http.address': '0.0.0.0' })).toHaveLength(1);
    expect(await warnings({ 'koupleless.arklet.http.address': '0.0.0.0', 'nodeark.arklet.auth.token': 's3cret' })).toHaveLength(0);
    expect(await warnings({})).toHaveLength(0);
  });

  it('koupleless.arklet.http.host is the bind address; it wins over the older …address', async () => {
    expect(await warnings({ 'koupleless.arklet.http.host': '0.0.0.0' })).toHaveLength(1);
    expect(await warnings({ 'koupleless.arklet.http.host': '127.0.0.1', 'koupleless.arklet.http.address': '0.0.0.0' })).toHaveLength(0);
  });
});
