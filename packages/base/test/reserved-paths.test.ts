/**
 * A module never shadows what the base itself serves: the host app's routes (registered before or after
 * the plugin), the actuator's base path, `nodeark.biz.reserved-paths` and another module's path. Each
 * refusal is a FAILED Arklet answer naming the reason, and nothing changes.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { fastify, type FastifyInstance } from 'fastify';
import { createBase, nodearkPlugin, type NodearkBase } from 'nodeark';

let tmp: string;
let app: FastifyInstance | undefined;
let base: NodearkBase | undefined;
afterEach(async () => {
  await app?.close();
  await base?.close();
  app = undefined;
  base = undefined;
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

/** A module directory on disk serving `/<path>/` with its own name. */
async function moduleAt(name: string, version: string, webContextPath: string): Promise<string> {
  const dir = join(tmp, 'src', `${name}-${version}`);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name, version, type: 'module', nodeark: { webContextPath } }));
  await writeFile(join(dir, 'index.mjs'), `export default { fetch: () => new Response(${JSON.stringify(`module ${name}`)}) };\n`);
  return pathToFileURL(dir).href;
}

function config(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    'nodeark.store.dir': join(tmp, 'store'),
    'koupleless.arklet.http.port': 0,
    'koupleless.arklet.http.host': '127.0.0.1',
    'logging.level.root': 'silent',
    ...extra,
  };
}

interface ArkletAnswer {
  code: string;
  message?: string;
  data?: { code?: string; message?: string };
}

async function arkletInstall(arkletUrl: string, bizUrl: string, bizName: string, bizVersion: string): Promise<ArkletAnswer> {
  const res = await fetch(`${arkletUrl}/installBiz`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ bizUrl, bizName, bizVersion }),
  });
  return (await res.json()) as ArkletAnswer;
}

async function storeEntries(): Promise<string[]> {
  // The store's own node_modules link and staging directory are infrastructure, not modules.
  return (await readdir(join(tmp, 'store')).catch(() => [] as string[])).filter((e) => !e.startsWith('.') && e !== 'node_modules');
}

describe('nodearkPlugin in a host app', () => {
  async function host(extra: Record<string, unknown> = {}): Promise<{ url: string; arkletUrl: string }> {
    tmp = await mkdtemp(join(tmpdir(), 'nodeark-reserved-'));
    app = fastify();
    app.get('/api/orders', async () => ({ orders: [] })); // before the plugin
    await app.register(nodearkPlugin, { env: {}, config: config(extra) });
    app.post('/admin/users', async () => ({ ok: true })); // after the plugin
    app.get('/:slug', async (req) => ({ slug: (req.params as { slug: string }).slug })); // matches any path
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    // The Arklet starts in an onListen hook, which app.listen() does not wait for.
    const end = Date.now() + 5000;
    while (!app.nodeark.arklet && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
    return { url, arkletUrl: app.nodeark.arklet!.url };
  }

  it('refuses a module whose path is a host route registered before the plugin, and changes nothing', async () => {
    const { url, arkletUrl } = await host();
    const storeBefore = await storeEntries();
    const answer = await arkletInstall(arkletUrl, await moduleAt('orders', '1.0.0', 'api'), 'orders', '1.0.0');
    expect(answer.code).toBe('FAILED');
    expect(answer.data?.code).toBe('FAILED');
    expect(answer.data?.message).toBe('webContextPath "/api" is reserved: the host app serves GET /api/orders');
    expect(app!.nodeark.runtime.list()).toEqual([]);
    expect(await storeEntries()).toEqual(storeBefore);
    expect(await (await fetch(`${url}/api/orders`)).json()).toEqual({ orders: [] });
  });

  it('refuses a host route registered after the plugin, the actuator and a configured reserved prefix', async () => {
    const { arkletUrl } = await host({ 'nodeark.biz.reserved-paths': 'internal, ops', 'management.endpoints.web.base-path': '/manage' });
    const admin = await arkletInstall(arkletUrl, await moduleAt('admin', '1.0.0', 'admin'), 'admin', '1.0.0');
    expect(admin.data?.message).toBe('webContextPath "/admin" is reserved: the host app serves POST /admin/users');
    const manage = await arkletInstall(arkletUrl, await moduleAt('probe', '1.0.0', 'manage'), 'probe', '1.0.0');
    expect(manage.data?.message).toBe(
      'webContextPath "/manage" is reserved: it is the actuator\'s base path /manage (management.endpoints.web.base-path)',
    );
    // `actuator` itself is never a valid webContextPath (the manifest is refused before any check runs).
    const actuator = await arkletInstall(arkletUrl, await moduleAt('probe', '1.0.0', 'actuator'), 'probe', '1.0.0');
    expect(actuator.code).not.toBe('SUCCESS');
    expect(actuator.message).toContain('(not "actuator")');
    const ops = await arkletInstall(arkletUrl, await moduleAt('ops', '1.0.0', 'ops'), 'ops', '1.0.0');
    expect(ops.data?.message).toBe('webContextPath "/ops" is reserved: it is listed in nodeark.biz.reserved-paths');
    expect(app!.nodeark.runtime.list()).toEqual([]);
  });

  it('installs a module beside a host parameter route: the module path wins, the host route still answers elsewhere', async () => {
    const { url, arkletUrl } = await host();
    const answer = await arkletInstall(arkletUrl, await moduleAt('shop', '1.0.0', 'shop'), 'shop', '1.0.0');
    expect(answer.data?.code).toBe('SUCCESS');
    expect(await (await fetch(`${url}/shop/`)).text()).toBe('module shop');
    expect(await (await fetch(`${url}/other`)).json()).toEqual({ slug: 'other' });
  });
});

describe('createBase', () => {
  it('refuses a path of the base app\'s own routes and another module\'s path; the first module keeps serving', async () => {
    tmp = await mkdtemp(join(tmpdir(), 'nodeark-reserved-'));
    base = await createBase({ env: {}, config: config({ 'server.port': 0, 'server.address': '127.0.0.1' }) });
    base.app.get('/status/live', async () => 'live');
    const { url, arkletUrl } = await base.listen();
    const status = await arkletInstall(arkletUrl, await moduleAt('status', '1.0.0', 'status'), 'status', '1.0.0');
    expect(status.data?.message).toBe('webContextPath "/status" is reserved: the host app serves GET /status/live');
    expect(await (await fetch(`${url}/status/live`)).text()).toBe('live');

    expect((await arkletInstall(arkletUrl, await moduleAt('one', '1.0.0', 'shared'), 'one', '1.0.0')).data?.code).toBe('SUCCESS');
    const two = await arkletInstall(arkletUrl, await moduleAt('two', '1.0.0', 'shared'), 'two', '1.0.0');
    expect(two.data?.code).toBe('FAILED');
    expect(two.data?.message).toBe('webContextPath "/shared" is already used by module one:1.0.0');
    expect(base.runtime.list().map((b) => `${b.bizName}:${b.bizVersion}`)).toEqual(['one:1.0.0']);
    expect(await (await fetch(`${url}/shared/`)).text()).toBe('module one');
  });
});
