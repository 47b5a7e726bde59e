/**
 * The `nodeark` Arklet commands (install, uninstall, switch, list, health, ops, batch) run in-process
 * against a real Arklet: output, `--json`, `--arklet` / `$NODEARK_ARKLET`, and exit codes.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createArklet, type Arklet } from '@nodeark/arklet';
import { BizRuntime } from '@nodeark/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { arkletCommands } from '../../base/src/cli/commands/arklet.js';

const FIXTURES = fileURLToPath(new URL('../../arklet/test/fixtures/modules/', import.meta.url));

let storeDir: string;
let runtime: BizRuntime;
let arklet: Arklet;

beforeAll(async () => {
  storeDir = await mkdtemp(join(tmpdir(), 'nodeark-cli-test-'));
  runtime = new BizRuntime({ storeDir, baseNodeModules: null });
  arklet = await createArklet({
    runtime,
    port: 0,
    portExplicit: true,
    host: '127.0.0.1',
    masterBiz: { bizName: 'base', bizVersion: '1.0.0' },
    baseIdentity: 'cli-test',
  });
});
afterAll(async () => {
  await arklet.idle();
  await arklet.close();
  await runtime.close();
  await rm(storeDir, { recursive: true, force: true });
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function sink(): Writable & { text: string } {
  const w = new Writable({
    write(chunk: Buffer, _enc, cb) {
      w.text += chunk.toString();
      cb();
    },
  }) as Writable & { text: string };
  w.text = '';
  return w;
}

async function nodeark(name: string, ...args: string[]): Promise<Run> {
  const command = arkletCommands.find((c) => c.name === name);
  if (!command) throw new Error(`no command ${name}`);
  const stdout = sink();
  const stderr = sink();
  const code = await command.run([...args, '--arklet', arklet.url], { stdout, stderr });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

describe('nodeark Arklet commands', () => {
  it('lists the seven commands, each with usage text naming its options', () => {
    expect(arkletCommands.map((c) => c.name)).toEqual(['install', 'uninstall', 'switch', 'list', 'health', 'ops', 'batch']);
    for (const c of arkletCommands) {
      expect(c.summary.length).toBeGreaterThan(10);
      expect(c.usage).toContain(`nodeark ${c.name}`);
      expect(c.usage).toContain('--arklet');
      expect(c.usage).toContain('--json');
    }
    expect(arkletCommands[0]?.usage).toMatch(/--name[\s\S]*--version[\s\S]*--strategy[\s\S]*--arg <value>[\s\S]*--env <KEY=VALUE>[\s\S]*--async[\s\S]*--request-id/);
  });

  it('install (path and URL, --arg/--env repeatable), list, switch, uninstall', async () => {
    const i1 = await nodeark('install', join(FIXTURES, 'hello'), '--arg', '--verbose', '--arg=x', '--env', 'A=1', '--env', 'B=two=2');
    expect(i1).toMatchObject({ code: 0, stderr: '' });
    expect(i1.stdout).toMatch(/^installed hello:1\.0\.0 \(activated\) at \/hello\nInstall Biz: hello:1\.0\.0 success, cost: \d+ ms/);
    const snap = runtime.get('hello', '1.0.0');
    expect(snap?.args).toEqual(['--verbose', 'x']);

    const i2 = await nodeark('install', pathToFileURL(join(FIXTURES, 'hello-v2')).href, '--name', 'hello', '--version', '2.0.0');
    expect(i2.code).toBe(0);
    expect(i2.stdout).toContain('installed hello:2.0.0 (deactivated)');

    const list = await nodeark('list');
    expect(list.code).toBe(0);
    const lines = list.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^NAME\s+VERSION\s+STATE\s+PATH\s+SINCE$/);
    expect(lines[1]).toMatch(/^hello\s+1\.0\.0\s+activated\s+\/hello\s+\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(lines[2]).toMatch(/^hello\s+2\.0\.0\s+deactivated\s+\/hello\s+/);

    const sw = await nodeark('switch', 'hello', '2.0.0');
    expect(sw).toEqual({ code: 0, stdout: 'Switch biz: hello:2.0.0 is activated.\n', stderr: '' });
    expect(runtime.activated('hello')?.bizVersion).toBe('2.0.0');

    const un = await nodeark('uninstall', 'hello', '1.0.0');
    expect(un).toEqual({ code: 0, stdout: 'Uninstall biz: hello:1.0.0 success.\n', stderr: '' });
    const again = await nodeark('uninstall', 'hello', '1.0.0');
    expect(again).toEqual({ code: 0, stdout: 'hello:1.0.0 is not installed; nothing to do\n', stderr: '' });
  });

  it('--json prints the raw envelope; failures exit 1 with a clear message', async () => {
    const json = await nodeark('list', '--json');
    expect(json.code).toBe(0);
    const env = JSON.parse(json.stdout);
    expect(env).toMatchObject({ baseIdentity: 'cli-test', code: 'SUCCESS' });
    expect(env.data.map((b: { bizName: string; bizVersion: string }) => `${b.bizName}:${b.bizVersion}`)).toEqual(['hello:2.0.0']);

    const sw = await nodeark('switch', 'hello', '9.9.9');
    expect(sw.code).toBe(1);
    expect(sw.stdout).toBe('');
    expect(sw.stderr).toBe('nodeark switch: FAILED: switch biz not success! — Switch biz: hello:9.9.9 not found. [NOT_FOUND_BIZ]\n');

    const swJson = await nodeark('switch', 'hello', '9.9.9', '--json');
    expect(swJson.code).toBe(1);
    expect(JSON.parse(swJson.stdout)).toMatchObject({ code: 'FAILED', data: { code: 'NOT_FOUND_BIZ' } });

    const broken = await nodeark('install', join(FIXTURES, 'broken'));
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(/^nodeark install: CMD_PROCESS_INTERNAL_ERROR: Internal Error: Module broken:1\.0\.0 failed to start: .*boom/);

    const repeat = await nodeark('install', `${pathToFileURL(join(FIXTURES, 'hello-v2')).href}/`);
    expect(repeat.code).toBe(1);
    expect(repeat.stderr).toBe('nodeark install: FAILED: install biz not success! — Biz: hello:2.0.0 has been installed or registered. [REPEAT_BIZ]\n');

    const master = await nodeark('uninstall', 'base', '1.0.0');
    expect(master.code).toBe(1);
    expect(master.stderr).toContain('Master biz must not be uninstalled.');
  });

  it('install --async then ops <requestId>; unknown ops exit 1', async () => {
    const a = await nodeark('install', join(FIXTURES, 'slow'), '--env', 'START_DELAY_MS=100', '--async', '--request-id', 'cli-op-1');
    expect(a).toEqual({ code: 0, stdout: 'accepted: request cli-op-1 is INITIALIZED\nfollow it with: nodeark ops cli-op-1\n', stderr: '' });
    await arklet.idle(15_000);
    const ops = await nodeark('ops', 'cli-op-1');
    expect(ops.code).toBe(0);
    expect(ops.stdout).toMatch(/^request\s+cli-op-1\nstatus\s+SUCCEEDED\nmodule\s+slow:1\.0\.0\n/);
    const generated = await nodeark('install', join(FIXTURES, 'prio-low'), '--async', '--env', 'START_DELAY_MS=0');
    expect(generated.stdout).toMatch(/^accepted: request cli-[0-9a-f-]{36} is INITIALIZED/);
    await arklet.idle(15_000);
    const missing = await nodeark('ops', 'nope');
    expect(missing).toEqual({ code: 1, stdout: '', stderr: 'nodeark ops: FAILED: Not found the corresponding ops record.\n' });
    const failedOp = await nodeark('install', join(FIXTURES, 'broken'), '--async', '--request-id', 'cli-op-broken');
    expect(failedOp.code).toBe(0);
    await arklet.idle(15_000);
    const failedOps = await nodeark('ops', 'cli-op-broken');
    expect(failedOps.code).toBe(1);
    expect(failedOps.stdout).toContain('status    FAILED');
    expect(failedOps.stderr).toMatch(/operation cli-op-broken FAILED: Module broken:1\.0\.0 failed to start/);
  });

  it('health shows the base, cpu, memory and modules; --type/--metric filter', async () => {
    const h = await nodeark('health');
    expect(h.code).toBe(0);
    expect(h.stdout).toMatch(/^base\s+base:1\.0\.0 \(activated\)\ncpu\s+\d+ x .+\nmemory\s+heap .+ MiB, rss \d+ MiB, capacity \d+ MiB\nruntime\s+v\d+/);
    expect(h.stdout).toMatch(/\nNAME\s+VERSION\s+STATE\s+PATH\nbase\s+1\.0\.0\s+activated\s+\/\n/);
    const cpuOnly = await nodeark('health', '--type', 'system', '--metric', 'cpu', '--json');
    expect(Object.keys(JSON.parse(cpuOnly.stdout).data.healthData)).toEqual(['cpu']);
    const bad = await nodeark('health', '--metric', 'gpu');
    expect(bad).toEqual({ code: 1, stdout: '', stderr: 'nodeark health: FAILED: indicator not registered\n' });
  });

  it('batch <file.json> resolves relative paths against the file and reports each bizUrl', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'nodeark-cli-batch-'));
    try {
      const file = join(dir, 'modules.json');
      await writeFile(file, JSON.stringify({ bizList: [{ bizUrl: join(FIXTURES, 'prio-high'), envs: { START_DELAY_MS: '0' } }, { bizUrl: join(FIXTURES, 'broken') }] }));
      const r = await nodeark('batch', file);
      expect(r.code).toBe(1);
      // One line per bizUrl (lower priority first: broken is 100, prio-high 200), then the batch message.
      const lines = r.stdout.trimEnd().split('\n');
      expect(lines).toHaveLength(3);
      expect(lines[0]).toMatch(/^FAILED {2}file:\/\/.*\/broken {2}internal exception: Module broken:1\.0\.0 failed to start: .*boom/);
      expect(lines[1]).toMatch(/^SUCCESS file:\/\/.*\/prio-high {2}prio-high:1\.0\.0 \(activated\)$/);
      expect(lines[2]).toBe('batch install failed');
      expect(r.stderr).toBe('nodeark batch: FAILED: install biz not success! — batch install failed\n');
      // An array works too, and a relative bizUrl is resolved against the file's directory.
      const arrayFile = join(dir, 'array.json');
      await writeFile(arrayFile, JSON.stringify([{ bizUrl: join(FIXTURES, 'hello') }]));
      const ok = await nodeark('batch', arrayFile, '--json');
      expect(ok.code).toBe(0);
      expect(Object.keys(JSON.parse(ok.stdout).data.bizUrlToResponse)).toEqual([pathToFileURL(join(FIXTURES, 'hello')).href]);
      await writeFile(join(dir, 'relative.json'), JSON.stringify([{ bizUrl: 'no-such-module' }]));
      const relative = await nodeark('batch', join(dir, 'relative.json'));
      expect(relative.code).toBe(1);
      expect(relative.stderr).toContain(`Bundle not found: ${pathToFileURL(join(dir, 'no-such-module')).href}`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('usage errors exit 2; an unreachable Arklet exits 1; NODEARK_ARKLET is the default address', async () => {
    for (const [name, args, message] of [
      ['install', [], 'missing <bizUrl>'],
      ['install', ['x', '--name', 'a'], 'give both --name and --version, or neither'],
      ['install', ['x', '--strategy', 'nope'], '--strategy must be installOnly or uninstallThenInstall, got nope'],
      ['install', ['x', '--env', 'NOEQUALS'], '--env expects KEY=VALUE, got "NOEQUALS"'],
      ['install', ['x', '--bogus'], 'unknown option --bogus'],
      ['install', ['x', '--request-id', 'r'], '--request-id only applies with --async'],
      ['uninstall', ['only-name'], 'expected <bizName> <bizVersion>'],
      ['ops', [], 'missing <requestId>'],
      ['list', ['--timeout', 'soon'], '--timeout must be a positive number of milliseconds, got soon'],
      ['batch', ['/nonexistent/file.json'], 'cannot read /nonexistent/file.json: ENOENT'],
    ] as const) {
      const r = await nodeark(name, ...args);
      expect(r.code, `${name} ${args.join(' ')}`).toBe(2);
      expect(r.stderr).toContain(`nodeark ${name}: ${message}\n`);
      expect(r.stderr).toContain(`Usage: nodeark ${name}`);
    }
    const list = arkletCommands.find((c) => c.name === 'list');
    const out = sink();
    const err = sink();
    const saved = process.env['NODEARK_ARKLET'];
    process.env['NODEARK_ARKLET'] = arklet.url;
    try {
      expect(await list?.run([], { stdout: out, stderr: err })).toBe(0);
      expect(out.text).toContain('hello');
      process.env['NODEARK_ARKLET'] = 'http://127.0.0.1:9';
      expect(await list?.run([], { stdout: out, stderr: err })).toBe(1);
      expect(err.text).toMatch(/^nodeark list: Cannot reach the Arklet at http:\/\/127\.0\.0\.1:9: .*\[NODEARK_ERR_CLIENT_CONNECT\]\n$/);
    } finally {
      if (saved === undefined) delete process.env['NODEARK_ARKLET'];
      else process.env['NODEARK_ARKLET'] = saved;
    }
  });
});
