import { afterEach, describe, expect, it } from 'vitest';
import { cp, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createBase, type NodearkBase } from 'nodeark';

const examples = fileURLToPath(new URL('../../../examples/', import.meta.url));
let base: NodearkBase | undefined;
let tmp: string;
afterEach(async () => {
  await base?.close();
  base = undefined;
  await rm(tmp, { recursive: true, force: true });
});

async function startBase(): Promise<NodearkBase> {
  base = await createBase({
    env: {},
    config: {
      'server.port': 0,
      'server.address': '127.0.0.1',
      'koupleless.arklet.http.port': 0,
      'koupleless.arklet.http.address': '127.0.0.1',
      'nodeark.store.dir': join(tmp, 'store'),
      'nodeark.replay.enabled': true,
      'logging.level.root': 'silent',
      'management.endpoint.health.show-details': 'always',
    },
  });
  await base.listen();
  return base;
}

async function twoVersions(): Promise<[string, string]> {
  const v1 = join(tmp, 'hello-v1');
  const v2 = join(tmp, 'hello-v2');
  await cp(join(examples, 'biz-hello'), v1, { recursive: true });
  await cp(join(examples, 'biz-hello'), v2, { recursive: true });
  const pkg = JSON.parse(await readFile(join(v2, 'package.json'), 'utf8')) as { version: string };
  pkg.version = '2.0.0';
  await writeFile(join(v2, 'package.json'), JSON.stringify(pkg));
  return [pathToFileURL(v1).href, pathToFileURL(v2).href];
}

describe('module replay', () => {
  it('reinstalls the same set after a restart, with the same activated version and envs', async () => {
    tmp = await mkdtemp(join(tmpdir(), 'nodeark-replay-'));
    const [v1, v2] = await twoVersions();
    let b = await startBase();
    await b.runtime.install({ bizUrl: v1, envs: { GREETING: 'hi' } });
    await b.runtime.install({ bizUrl: v2 });
    await b.runtime.install({ bizUrl: pathToFileURL(join(examples, 'biz-health')).href });
    await b.runtime.switchBiz('biz-hello', '2.0.0');
    await b.close();
    const file = join(tmp, 'installed.json');
    expect(((await stat(file)).mode & 0o777).toString(8)).toBe('600');

    b = await startBase();
    expect(b.runtime.list().map((x) => `${x.identity}=${x.bizState}`).sort()).toEqual([
      'biz-health:1.0.0=activated',
      'biz-hello:1.0.0=deactivated',
      'biz-hello:2.0.0=activated',
    ]);
    expect(b.runtime.installRequestOf('biz-hello', '1.0.0')!.envs).toEqual({ GREETING: 'hi' });
    expect((await (await fetch(`${b.url}/hello/`)).json()) as object).toMatchObject({ message: 'Hello from biz-hello:2.0.0' });
    const health = (await (await fetch(`${b.url}/actuator/health`)).json()) as { status: string; components: Record<string, { details: Record<string, unknown> }> };
    expect(health.status).toBe('UP');
    expect(Object.keys(health.components.masterBizStartUp!.details).sort()).toEqual(
      expect.arrayContaining(['biz-health:1.0.0', 'biz-hello:1.0.0', 'biz-hello:2.0.0']),
    );
    // An uninstall is recorded too.
    await b.runtime.uninstall('biz-health', '1.0.0');
    await b.close();
    b = await startBase();
    expect(b.runtime.list().map((x) => x.identity).sort()).toEqual(['biz-hello:1.0.0', 'biz-hello:2.0.0']);
  });

  it('moves a corrupt record aside and starts clean', async () => {
    tmp = await mkdtemp(join(tmpdir(), 'nodeark-replay-'));
    await writeFile(join(tmp, 'installed.json'), '{"version":1,"modules":[{"oops"');
    const b = await startBase();
    expect(b.runtime.list()).toEqual([]);
    const names = await readdir(tmp);
    expect(names.some((n) => n.startsWith('installed.json.corrupt-'))).toBe(true);
    expect((await fetch(`${b.url}/actuator/health`)).status).toBe(200);
  });

  it('drops an entry whose bundle is gone and replays the rest', async () => {
    tmp = await mkdtemp(join(tmpdir(), 'nodeark-replay-'));
    const [v1] = await twoVersions();
    let b = await startBase();
    await b.runtime.install({ bizUrl: v1 });
    await b.runtime.install({ bizUrl: pathToFileURL(join(examples, 'biz-node-handler')).href });
    await b.close();
    await rm(fileURLToPath(v1), { recursive: true });
    b = await startBase();
    expect(b.runtime.list().map((x) => x.identity)).toEqual(['biz-node-handler:1.0.0']);
    await new Promise((r) => setTimeout(r, 100));
    const record = JSON.parse(await readFile(join(tmp, 'installed.json'), 'utf8')) as { modules: unknown[] };
    expect(record.modules).toHaveLength(1);
  });

  it('leaves no half-installed module after an install interrupted by a crash', async () => {
    tmp = await mkdtemp(join(tmpdir(), 'nodeark-replay-'));
    // What a crash mid-install leaves: a staging directory with a partial bundle.
    const staging = join(tmp, 'store', '.staging', 'crashed-123');
    await cp(join(examples, 'biz-hello'), staging, { recursive: true });
    const b = await startBase();
    await b.runtime.install({ bizUrl: pathToFileURL(join(examples, 'biz-node-handler')).href });
    expect(await readdir(join(tmp, 'store', '.staging'))).toEqual([]);
    expect(b.runtime.list().map((x) => x.identity)).toEqual(['biz-node-handler:1.0.0']);
  });
});
