import { afterEach, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { BizRuntime } from '@nodeark/runtime';
import { main } from '../dist/cli/main.js';

const bin = fileURLToPath(new URL('../bin/nodeark.js', import.meta.url));
const examples = fileURLToPath(new URL('../../../examples/', import.meta.url));
let child: ChildProcess | undefined;
let tmp: string | undefined;

afterEach(async () => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  child = undefined;
  if (tmp) await rm(tmp, { recursive: true, force: true });
  tmp = undefined;
});

function capture(): { io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream }; out: () => string; err: () => string } {
  let out = '';
  let err = '';
  const mk = (append: (s: string) => void) => ({ write: (s: string) => (append(String(s)), true) }) as unknown as NodeJS.WritableStream;
  return { io: { stdout: mk((s) => (out += s)), stderr: mk((s) => (err += s)) }, out: () => out, err: () => err };
}

describe('nodeark CLI', () => {
  it('prints help for the CLI and for each command', async () => {
    const c = capture();
    expect(await main(['--help'], c.io)).toBe(0);
    expect(c.out()).toMatch(/start\s+Run a base/);
    expect(c.out()).toMatch(/pack\s+Pack a module directory/);
    for (const cmd of ['start', 'pack']) {
      const d = capture();
      expect(await main([cmd, '--help'], d.io)).toBe(0);
      expect(d.out()).toContain(`Usage: nodeark ${cmd}`);
    }
    const u = capture();
    expect(await main(['frobnicate'], u.io)).toBe(1);
    expect(u.err()).toContain('unknown command "frobnicate"');
  });

  it('packs a module into a .tgz and a .jar that both install', async () => {
    tmp = await mkdtemp(join(tmpdir(), 'nodeark-pack-'));
    const c = capture();
    expect(await main(['pack', join(examples, 'biz-hello'), '--out', tmp, '--json'], c.io)).toBe(0);
    const tgz = JSON.parse(c.out()) as { file: string; bizName: string; format: string };
    expect(tgz).toMatchObject({ bizName: 'biz-hello', format: 'tgz', file: join(tmp, 'biz-hello-1.0.0-ark-biz.tgz') });
    const j = capture();
    expect(await main(['pack', join(examples, 'biz-node-handler'), '--format', 'jar', '--out', tmp], j.io)).toBe(0);
    const jar = join(tmp, 'biz-node-handler-1.0.0-ark-biz.jar');
    expect((await stat(jar)).size).toBeGreaterThan(0);

    const runtime = new BizRuntime({ storeDir: join(tmp, 'store') });
    try {
      expect((await runtime.install({ bizUrl: pathToFileURL(tgz.file).href })).code).toBe('SUCCESS');
      expect((await runtime.install({ bizUrl: pathToFileURL(jar).href })).code).toBe('SUCCESS');
      expect(runtime.list().map((b) => `${b.identity}=${b.bizState}`).sort()).toEqual([
        'biz-hello:1.0.0=activated',
        'biz-node-handler:1.0.0=activated',
      ]);
    } finally {
      await runtime.close();
    }
  });

  it('reports a pack error with its code and exit 1', async () => {
    tmp = await mkdtemp(join(tmpdir(), 'nodeark-pack-'));
    const c = capture();
    expect(await main(['pack', tmp], c.io)).toBe(1);
    expect(c.err()).toMatch(/NODEARK_ERR_BUNDLE_MANIFEST/);
  });

  it('`nodeark start` serves, then shuts down gracefully on SIGTERM with exit 0', async () => {
    tmp = await mkdtemp(join(tmpdir(), 'nodeark-start-'));
    child = spawn(
      process.execPath,
      [
        bin,
        'start',
        '--server.port=0',
        '--server.address=127.0.0.1',
        '--koupleless.arklet.http.port=0',
        '--koupleless.arklet.http.address=127.0.0.1',
        `--nodeark.store.dir=${join(tmp, 'store')}`,
        '--com.alipay.sofa.ark.static.biz.dir',
        join(examples, 'demo-base', 'modules'),
        '--logging.level.root=info',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH } },
    );
    let stdout = '';
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    /** The log lines so far (the base logs JSON lines on stdout). */
    const logs = (): Array<Record<string, unknown>> =>
      stdout
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`base did not start: ${stdout} ${stderr}`)), 20_000);
      child!.stdout!.on('data', () => {
        const ready = stdout.includes('"nodeark base ready"') ? logs().find((l) => l['msg'] === 'nodeark base ready') : undefined;
        if (ready) {
          clearTimeout(timer);
          resolve(ready['url'] as string);
        }
      });
      child!.once('exit', (code) => reject(new Error(`exited ${code}: ${stdout} ${stderr}`)));
    });
    expect(logs().find((l) => l['msg'] === 'nodeark base ready')).toMatchObject({ level: 30, url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/), arkletUrl: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/) });
    expect((await (await fetch(`${url}/hello/`)).json()) as object).toMatchObject({ message: 'Hello from biz-hello:1.0.0' });
    expect((await fetch(`${url}/node/`)).status).toBe(200);
    const exit = new Promise<number | null>((r) => child!.once('exit', (code) => r(code)));
    child.kill('SIGTERM');
    expect(await exit).toBe(0);
    // Every line on stdout is a log line (JSON.parse throws otherwise); nothing on stderr.
    expect(logs().find((l) => l['msg'] === 'signal received, shutting down gracefully')).toMatchObject({ signal: 'SIGTERM' });
    expect(stderr).toBe('');
  });

  it('`nodeark start` exits 1 with the key named on bad configuration', async () => {
    const c = capture();
    expect(await main(['start', '--server.port=abc'], c.io)).toBe(1);
    expect(c.err()).toMatch(/server\.port.*expected an integer.*NODEARK_ERR_CONFIG_INVALID_VALUE/);
  });
});
