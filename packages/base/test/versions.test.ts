/**
 * A base checks a module's nodeark range against the real `nodeark` package version (read from its own
 * package.json) and refuses a mismatch over the Arklet with the message; queryAllBiz lists the versions of
 * one module in semver order.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createBase, type NodearkBase } from 'nodeark';
import { loopbackConfig } from './helpers/loopback-config.js';

let tmp: string | undefined;
let base: NodearkBase | undefined;
afterEach(async () => {
  await base?.close();
  base = undefined;
  if (tmp) await rm(tmp, { recursive: true, force: true });
  tmp = undefined;
});

const NODEARK_VERSION = (JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

async function moduleAt(name: string, version: string, extra: Record<string, unknown> = {}): Promise<string> {
  const dir = join(tmp!, 'src', `${name}-${version}`);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name, version, type: 'module', ...extra }));
  await writeFile(join(dir, 'index.mjs'), 'export default { fetch: (req, ctx) => new Response(ctx.bizVersion) };\n');
  return pathToFileURL(dir).href;
}

interface ArkletAnswer {
  code: string;
  message?: string;
  data?: unknown;
}

async function arklet(arkletUrl: string, command: string, body: Record<string, unknown>): Promise<ArkletAnswer> {
  const res = await fetch(`${arkletUrl}/${command}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return (await res.json()) as ArkletAnswer;
}

async function start(): Promise<{ url: string; arkletUrl: string }> {
  tmp = await mkdtemp(join(tmpdir(), 'nodeark-versions-'));
  base = await createBase({
    env: {},
    config: loopbackConfig(tmp),
  });
  return base.listen();
}

describe('the nodeark range of a module', () => {
  it('one the real nodeark package does not satisfy is refused over the Arklet with the message; nothing is installed', async () => {
    const { arkletUrl } = await start();
    const bizUrl = await moduleAt('orders', '1.0.0', { peerDependencies: { nodeark: '>=999.0.0' } });
    const answer = await arklet(arkletUrl, 'installBiz', { bizUrl, bizName: 'orders', bizVersion: '1.0.0' });
    expect(answer.code).toBe('FAILED');
    expect(answer.data).toMatchObject({
      code: 'FAILED',
      message: `module orders:1.0.0 needs nodeark >=999.0.0 (peerDependencies.nodeark), this base is nodeark ${NODEARK_VERSION}`,
    });
    expect(base!.runtime.list()).toEqual([]);
    const stored = (await readdir(join(tmp!, 'store')).catch(() => [] as string[])).filter((e) => !e.startsWith('.') && e !== 'node_modules');
    expect(stored).toEqual([]);

    // Without bizName/bizVersion the Arklet reads the identity from the bundle first: same refusal.
    const probed = await arklet(arkletUrl, 'installBiz', { bizUrl: await moduleAt('billing', '1.0.0', { nodeark: { requires: `<${NODEARK_VERSION}` } }) });
    expect(probed.data).toMatchObject({
      code: 'FAILED',
      message: `module billing:1.0.0 needs nodeark <${NODEARK_VERSION} (nodeark.requires), this base is nodeark ${NODEARK_VERSION}`,
    });
  });

  it('one it satisfies installs', async () => {
    const { url, arkletUrl } = await start();
    const bizUrl = await moduleAt('orders', '1.0.0', { nodeark: { requires: `^${NODEARK_VERSION}` }, engines: { node: `>=${process.versions.node}` } });
    const answer = await arklet(arkletUrl, 'installBiz', { bizUrl, bizName: 'orders', bizVersion: '1.0.0' });
    expect(answer.code).toBe('SUCCESS');
    expect(await (await fetch(`${url}/orders/`)).text()).toBe('1.0.0');
  });
});

describe('queryAllBiz', () => {
  it('lists the versions of one module by semver, the wire shape unchanged', async () => {
    const { arkletUrl } = await start();
    for (const v of ['1.10.0', '1.9.0', '1.10.0-rc.1']) {
      const answer = await arklet(arkletUrl, 'installBiz', { bizUrl: await moduleAt('orders', v), bizName: 'orders', bizVersion: v });
      expect(answer.code).toBe('SUCCESS');
    }
    const all = await arklet(arkletUrl, 'queryAllBiz', {});
    expect(all.code).toBe('SUCCESS');
    const data = all.data as Array<Record<string, unknown>>;
    expect(data.map((b) => `${b['bizVersion']}:${b['bizState']}`)).toEqual(['1.9.0:deactivated', '1.10.0-rc.1:deactivated', '1.10.0:activated']);
    expect(Object.keys(data[0]!)).toEqual(['bizName', 'bizState', 'bizStateRecords', 'bizVersion', 'mainClass', 'webContextPath']);
  });
});
