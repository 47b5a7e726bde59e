/**
 * CLI manners of `nodeark`: unknown options refused with a suggestion (and nothing done), `--key value`,
 * `-h`, `--json` as exactly one document on stdout, a closed stdout (EPIPE) ending quietly,
 * `switch --latest` by semver precedence, and `@nodeark/rollout` loaded only when a rollout command runs.
 * Against a real base on 127.0.0.1 and the real bin where the process matters.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ArkletClient } from '@nodeark/client';
import { createBase, type NodearkBase } from 'nodeark';
import { main } from '../dist/cli/main.js';
import { parseOptions, extractConfigArgs, OptionError } from '../dist/cli/parse-options.js';
import { editDistance, suggestOption } from '../dist/suggest.js';
import { configReference } from '../dist/config/config-reference.js';
import { latestVersion } from '../dist/cli/commands/arklet.js';
import { loadRollout, RolloutPackageMissing } from '../dist/cli/commands/rollout.js';
import { exitQuietlyOnClosedPipe } from '../dist/cli/closed-pipe.js';
import { loopbackConfig } from './helpers/loopback-config.js';

const bin = fileURLToPath(new URL('../bin/nodeark.js', import.meta.url));
const examples = fileURLToPath(new URL('../../../examples/', import.meta.url));

let tmp: string;
let base: NodearkBase;
let arkletUrl: string;
let baseUrl: string;
let client: ArkletClient;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function capture(): { io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream }; out: () => string; err: () => string } {
  let out = '';
  let err = '';
  const mk = (append: (s: string) => void) => ({ write: (s: string) => (append(String(s)), true) }) as unknown as NodeJS.WritableStream;
  return { io: { stdout: mk((s) => (out += s)), stderr: mk((s) => (err += s)) }, out: () => out, err: () => err };
}

/** Runs the CLI in this process. */
async function cli(...args: string[]): Promise<Run> {
  const c = capture();
  const code = await main(args, c.io);
  return { code, stdout: c.out(), stderr: c.err() };
}

/** Runs an Arklet command against the test base. */
function ark(...args: string[]): Promise<Run> {
  return cli(...args, '--arklet', arkletUrl);
}

/**
 * Runs the real bin in a child process (empty environment but PATH). `closeStdout` closes the read end of
 * its stdout at once, like a reader that leaves early.
 */
function runBin(args: string[], opts: { nodeArgs?: string[]; closeStdout?: boolean; timeoutMs?: number; onStdout?: (text: string) => void } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), bin, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { PATH: process.env['PATH'] },
    });
    let stdout = '';
    let stderr = '';
    if (opts.closeStdout) child.stdout.destroy();
    else child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      opts.onStdout?.(stdout);
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`nodeark ${args.join(' ')} did not exit within ${opts.timeoutMs ?? 15_000} ms; stdout: ${stdout} stderr: ${stderr}`));
    }, opts.timeoutMs ?? 15_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** A TCP port that was free a moment ago. */
async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  return port;
}

/** A module directory answering its own version on `/<name>/`. */
async function moduleDir(name: string, version: string): Promise<string> {
  const dir = join(tmp, 'modules', `${name}-${version}`);
  await mkdir(dir, { recursive: true });
  await writeFile(
    join(dir, 'package.json'),
    JSON.stringify({ name, version: '1.0.0', private: true, type: 'module', main: 'index.mjs', nodeark: { bizName: name, bizVersion: version, webContextPath: name } }),
  );
  await writeFile(join(dir, 'index.mjs'), 'export default { async start() {}, async stop() {}, async fetch(req, ctx) { return new Response(ctx.bizVersion); } };\n');
  return dir;
}

/** `name:version:state` of every installed module, sorted. */
async function installed(): Promise<string[]> {
  const res = await client.queryAllBiz();
  return (res.data ?? []).map((b) => `${b.bizName}:${b.bizVersion}:${b.bizState}`).sort();
}

/** Arguments that keep a `nodeark start` off fixed ports and out of the working directory. */
function safeStartArgs(): string[] {
  return [
    '--server.port=0',
    '--server.address=127.0.0.1',
    '--koupleless.arklet.http.port=0',
    '--koupleless.arklet.http.host=127.0.0.1',
    `--nodeark.store.dir=${join(tmp, 'start-store')}`,
  ];
}

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'nodeark-cli-options-'));
  base = await createBase({
    env: {},
    config: loopbackConfig(tmp),
  });
  ({ url: baseUrl, arkletUrl } = await base.listen());
  client = new ArkletClient({ baseUrl: arkletUrl, timeoutMs: 20_000 });
});

afterAll(async () => {
  await client?.close();
  await base?.close();
  await rm(tmp, { recursive: true, force: true });
});

describe('option parsing', () => {
  it('suggests the closest known option', () => {
    expect(editDistance('prot', 'port')).toBe(1);
    expect(editDistance('timeout', 'tiemout')).toBe(1);
    const keys = ['config', 'help-config', 'help', 'server.port', 'server.address', 'koupleless.arklet.http.port'];
    expect(suggestOption('--port', keys)).toBe('--server.port');
    expect(suggestOption('--prot', keys)).toBe('--server.port');
    expect(suggestOption('-p', keys)).toBe('--server.port');
    expect(suggestOption('--CONFIG', keys)).toBe('--config');
    expect(suggestOption('--confg', keys)).toBe('--config');
    expect(suggestOption('--dry', ['json', 'dry-run'])).toBe('--dry-run');
    expect(suggestOption('--bogus', ['json', 'name', 'version', 'async'])).toBeUndefined();
  });

  it('parses --key value, --key=value, -h, repeatable and verbatim options, and negative numbers', () => {
    const defs = {
      name: { type: 'string' },
      replicas: { type: 'string' },
      json: { type: 'boolean' },
      metric: { type: 'string', multiple: true },
      arg: { type: 'string', verbatim: true },
      file: { type: 'string', short: 'f' },
    } as const;
    expect(parseOptions(['x', '--name', 'a', '--json', '--replicas', '-1', '--metric', 'cpu', '--metric=jvm', '--arg', '--port=1', '-f', 'md.yaml', '-h'], defs)).toEqual({
      positionals: ['x'],
      values: { name: 'a', json: true, replicas: '-1', metric: ['cpu', 'jvm'], arg: ['--port=1'], file: 'md.yaml', help: true },
    });
    expect(parseOptions(['--name=a=b', '--', '--json'], defs)).toEqual({ positionals: ['--json'], values: { name: 'a=b' } });
    const refused = (argv: string[]): string => {
      try {
        parseOptions(argv, defs);
      } catch (err) {
        expect(err).toBeInstanceOf(OptionError);
        return (err as Error).message;
      }
      throw new Error(`${argv.join(' ')} was accepted`);
    };
    expect(refused(['--nam', 'a'])).toBe('unknown option --nam; did you mean --name?');
    expect(refused(['-x'])).toBe('unknown option -x');
    expect(refused(['--name'])).toBe('--name needs a value');
    expect(refused(['--name', '-z'])).toBe('--name needs a value (for one that starts with "-", write --name=-z)');
    expect(refused(['--json=yes'])).toBe('--json takes no value');
    expect(refused(['--arg'])).toBe('--arg needs a value');
  });

  it('normalises Spring-style configuration arguments to --key=value', () => {
    expect(extractConfigArgs(['--server.port', '9001', '--a.b=c=d', '--config', 'f.json', '--x.y', '-1', '--', '--p.q', 'r'])).toEqual({
      config: ['--server.port=9001', '--a.b=c=d', '--x.y=-1'],
      rest: ['--config', 'f.json', '--', '--p.q', 'r'],
    });
    expect(() => extractConfigArgs(['--server.port'])).toThrow('--server.port needs a value (--server.port=<value> or --server.port <value>)');
    expect(() => extractConfigArgs(['--server.port', '--json'])).toThrow('--server.port needs a value');
  });
});

describe('nodeark start', () => {
  it('refuses unknown options with a suggestion, exit 1, before anything starts', async () => {
    for (const [bad, message] of [
      [['--port=9000'], 'nodeark start: unknown option --port; did you mean --server.port?'],
      [['-p', '9002'], 'nodeark start: unknown option -p; did you mean --server.port?'],
      [['--sever.port=1', '--jsn'], 'nodeark start: unknown option --jsn'],
      [['--logging.level.root'], 'nodeark start: --logging.level.root needs a value (--logging.level.root=<value> or --logging.level.root <value>)'],
      [['modules'], 'nodeark start: unexpected argument modules'],
    ] as const) {
      // Every run would start a base on ephemeral loopback ports if the refusal failed.
      const r = await runBin(['start', ...safeStartArgs(), ...bad], { timeoutMs: 10_000 });
      expect(r.code, bad.join(' ')).toBe(1);
      expect(r.stderr.split('\n')[0]).toBe(message);
      // Nothing was created: the base logs from its first moment, and there is no log line at all.
      expect(r.stdout).toBe('');
    }
    // An unknown dotted key reaches the configuration loader, which refuses it with its own code.
    const key = await runBin(['start', ...safeStartArgs(), '--server.prot=1'], { timeoutMs: 10_000 });
    expect(key.code).toBe(1);
    expect(key.stderr).toContain('NODEARK_ERR_CONFIG_UNKNOWN_KEY');
    expect(key.stdout).toBe('');
    // In process too: main() returns instead of running a base.
    const inProcess = await cli('start', '--port=9000');
    expect(inProcess).toMatchObject({ code: 1, stdout: '' });
    expect(inProcess.stderr).toContain('unknown option --port; did you mean --server.port?');
  });

  it('--help-config lists every key the base composes (base, tunnels, actuator, key families), as the docs do', async () => {
    const r = await cli('start', '--help-config');
    expect(r.code).toBe(0);
    const ref = configReference();
    for (const row of [...ref.base, ...ref.actuator, ...ref.families]) expect(r.stdout).toContain(`${row.key}\n`);
    expect(r.stdout).toContain('management.endpoint.health.show-details\n  enum (never | when-authorized | always)');
    expect(r.stdout).toContain('koupleless.arklet.http.heartbeat.endpoint\n');
    expect(r.stdout).toContain('env: MANAGEMENT_ENDPOINT_HEALTH_SHOWDETAILS');
  });

  it('accepts --key value for configuration keys and logs the ready line through the base logger', async () => {
    const port = await freePort();
    let ready: { url?: string; arkletUrl?: string; msg?: string } | undefined;
    const child = spawn(
      process.execPath,
      [bin, 'start', '--server.port', String(port), '--server.address', '127.0.0.1', '--koupleless.arklet.http.port', '0', '--koupleless.arklet.http.host=127.0.0.1', '--nodeark.store.dir', join(tmp, 'space-store')],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env['PATH'] } },
    );
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ready line: ${stdout} ${stderr}`)), 20_000);
        child.stdout.on('data', (d: Buffer) => {
          stdout += d.toString();
          for (const line of stdout.split('\n')) {
            if (!line.includes('"nodeark base ready"')) continue;
            ready = JSON.parse(line) as typeof ready;
            clearTimeout(timer);
            resolve();
          }
        });
        child.once('exit', (code) => reject(new Error(`exited ${code}: ${stdout} ${stderr}`)));
      });
      expect(ready).toMatchObject({ msg: 'nodeark base ready', url: `http://127.0.0.1:${port}` });
      expect(ready?.arkletUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect((await fetch(`${ready!.url}/actuator/health`)).status).toBe(200);
      expect(stderr).toBe('');
    } finally {
      const exit = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      child.kill('SIGTERM');
      expect(await exit).toBe(0);
    }
  });
});

describe('Arklet commands against a real base', () => {
  it('refuse unknown options with a suggestion and change nothing', async () => {
    const dir = await moduleDir('refused', '1.0.0');
    expect((await ark('install', dir)).code).toBe(0);
    const before = await installed();
    expect(before).toContain('refused:1.0.0:activated');
    for (const [args, message] of [
      [['install', await moduleDir('refused', '2.0.0'), '--nme', 'refused', '--version', '2.0.0'], 'nodeark install: unknown option --nme; did you mean --name?'],
      [['uninstall', 'refused', '1.0.0', '--forse'], 'nodeark uninstall: unknown option --forse'],
      [['switch', 'refused', '1.0.0', '--lastest'], 'nodeark switch: unknown option --lastest; did you mean --latest?'],
      [['list', '--jsn'], 'nodeark list: unknown option --jsn; did you mean --json?'],
      [['health', '-t', 'system', '--tpye', 'system'], 'nodeark health: unknown option -t; did you mean --timeout?'],
      [['batch', join(tmp, 'none.json'), '--asnyc'], 'nodeark batch: unknown option --asnyc; did you mean --async?'],
      [['ops', 'r1', '--request-id', 'r1'], 'nodeark ops: unknown option --request-id'],
    ] as const) {
      const r = await ark(...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.split('\n')[0]).toBe(message);
      expect(r.stdout).toBe('');
    }
    expect(await installed()).toEqual(before);
    const pack = await cli('pack', join(examples, 'biz-hello'), '--frmat', 'jar', '--out', tmp);
    expect(pack.code).toBe(1);
    expect(pack.stderr.split('\n')[0]).toBe('nodeark pack: unknown option --frmat; did you mean --format?');
    expect((await readdir(tmp)).filter((f) => f.endsWith('.jar') || f.endsWith('.tgz'))).toEqual([]);
    expect((await ark('uninstall', 'refused', '1.0.0')).code).toBe(0);
  });

  it('an unknown command names the closest one', async () => {
    const r = await cli('lsit');
    expect(r.code).toBe(1);
    expect(r.stderr.split('\n')[0]).toBe('nodeark: unknown command "lsit"; did you mean "list"?');
  });

  it('accept --key value and -h for their own options', async () => {
    const dir = await moduleDir('spaced', '1.0.0');
    const r = await cli('install', dir, '--name', 'spaced', '--version', '1.0.0', '--arklet', arkletUrl, '--timeout', '20000');
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(await installed()).toContain('spaced:1.0.0:activated');
    for (const name of ['install', 'uninstall', 'switch', 'list', 'health', 'ops', 'batch', 'pack', 'start', 'rollout']) {
      const h = await cli(name, '-h');
      expect(h.code, name).toBe(0);
      expect(h.stdout).toContain(`Usage: nodeark ${name}`);
    }
    expect((await ark('uninstall', 'spaced', '1.0.0')).code).toBe(0);
  });

  it('switch --latest activates the highest installed version by semver precedence', async () => {
    expect(latestVersion(['1.2.0', '1.10.0-rc.1', '1.10.0'])).toBe('1.10.0');
    expect(latestVersion(['1.10.0-rc.1', '1.9.0', 'nightly'])).toBe('1.10.0-rc.1');
    expect(latestVersion(['nightly', '2024'])).toBeUndefined();
    // Installed in an order where neither string order ("1.2.0" > "1.10.0"), the first (activated) nor
    // the last installed version is the highest.
    for (const v of ['1.2.0', '1.10.0', '1.10.0-rc.1']) expect((await ark('install', await moduleDir('ver', v))).code).toBe(0);
    expect((await installed()).filter((b) => b.startsWith('ver:'))).toEqual(['ver:1.10.0-rc.1:deactivated', 'ver:1.10.0:deactivated', 'ver:1.2.0:activated']);

    const r = await ark('switch', 'ver', '--latest');
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toContain('1.10.0');
    expect((await installed()).filter((b) => b.startsWith('ver:'))).toEqual(['ver:1.10.0-rc.1:deactivated', 'ver:1.10.0:activated', 'ver:1.2.0:deactivated']);
    expect(await (await fetch(`${baseUrl}/ver/`)).text()).toBe('1.10.0');

    // --json: the switch envelope and nothing else.
    const j = await ark('switch', 'ver', '--latest', '--json');
    expect(j.code).toBe(0);
    expect(JSON.parse(j.stdout)).toMatchObject({ code: 'SUCCESS' });

    // Usage: a version and --latest together, or neither.
    expect((await ark('switch', 'ver', '1.2.0', '--latest')).stderr).toContain('nodeark switch: give <bizVersion> or --latest, not both');
    expect((await ark('switch', '--latest')).stderr).toContain('nodeark switch: missing <bizName>');

    // No semver version: a clear error, nothing switched.
    for (const v of ['release-a', 'release-b']) expect((await ark('install', await moduleDir('free', v))).code).toBe(0);
    const free = await ark('switch', 'free', '--latest');
    expect(free.code).toBe(1);
    expect(free.stderr).toBe(
      'nodeark switch: --latest needs semver versions, and no installed version of free is one (release-a, release-b); name the version: nodeark switch free <bizVersion>\n',
    );
    expect((await installed()).filter((b) => b.startsWith('free:'))).toEqual(['free:release-a:activated', 'free:release-b:deactivated']);
    const none = await ark('switch', 'absent', '--latest');
    expect(none).toMatchObject({ code: 1, stderr: 'nodeark switch: no version of absent is installed\n' });

    for (const id of ['ver:1.2.0', 'ver:1.10.0', 'ver:1.10.0-rc.1', 'free:release-a', 'free:release-b']) {
      const [n, v] = id.split(':') as [string, string];
      expect((await ark('uninstall', n, v)).code).toBe(0);
    }
  });

  it('--json prints exactly one JSON document on stdout', async () => {
    const dir = await moduleDir('doc', '1.0.0');
    const docs: Array<[string[], (doc: Record<string, unknown>) => void]> = [
      [['install', dir, '--json'], (d) => expect(d['code']).toBe('SUCCESS')],
      [['list', '--json'], (d) => expect(d['data']).toEqual(expect.arrayContaining([expect.objectContaining({ bizName: 'doc' })]))],
      [['health', '--json'], (d) => expect(d['code']).toBe('SUCCESS')],
      [['switch', 'doc', '1.0.0', '--json'], (d) => expect(d['code']).toBe('SUCCESS')],
      [['install', await moduleDir('doc', '2.0.0'), '--async', '--request-id', 'json-op', '--json'], (d) => expect(d['code']).toBe('SUCCESS')],
    ];
    for (const [args, check] of docs) {
      const r = await ark(...args);
      expect(r.code, args.join(' ')).toBe(0);
      check(JSON.parse(r.stdout) as Record<string, unknown>);
    }
    const batchFile = join(tmp, 'batch.json');
    await writeFile(batchFile, JSON.stringify([{ bizUrl: await moduleDir('doc', '3.0.0') }]));
    const batch = await ark('batch', batchFile, '--json');
    expect(batch.code).toBe(0);
    expect(JSON.parse(batch.stdout)).toMatchObject({ code: 'SUCCESS' });
    let ops: Run | undefined;
    for (let i = 0; i < 100; i++) {
      ops = await ark('ops', 'json-op', '--json');
      if ((JSON.parse(ops.stdout) as { data?: { status?: string } }).data?.status === 'SUCCEEDED') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(JSON.parse(ops!.stdout)).toMatchObject({ code: 'SUCCESS', data: { status: 'SUCCEEDED' } });
    // A failure: the envelope on stdout, the explanation on stderr.
    const failed = await ark('switch', 'doc', '9.9.9', '--json');
    expect(failed.code).toBe(1);
    expect(JSON.parse(failed.stdout)).toMatchObject({ code: 'FAILED' });
    expect(failed.stderr).toContain('nodeark switch: FAILED');
    for (const v of ['1.0.0', '2.0.0', '3.0.0']) expect((await ark('uninstall', 'doc', v)).code).toBe(0);

    const out = await mkdtemp(join(tmp, 'pack-'));
    const pack = await cli('pack', join(examples, 'biz-hello'), '--out', out, '--json');
    expect(pack.code).toBe(0);
    expect(JSON.parse(pack.stdout)).toMatchObject({ bizName: 'biz-hello', format: 'tgz' });
  });

  it('rollout --json: one document on stdout, the events as JSON lines on stderr', async () => {
    const dir = join(tmp, 'rollout');
    await mkdir(dir);
    const fleet = join(dir, 'fleet.yaml');
    await writeFile(fleet, ['apiVersion: nodeark.io/v1alpha1', 'kind: Fleet', 'metadata:', '  name: one', 'bases:', '  - name: b1', `    arklet: ${arkletUrl}`, ''].join('\n'));
    const md = join(dir, 'md.yaml');
    const url = pathToFileURL(await moduleDir('rolled', '1.0.0')).href;
    await writeFile(
      md,
      ['kind: ModuleDeployment', 'metadata:', '  name: rolled', 'spec:', '  replicas: 1', '  template:', '    spec:', '      module:', '        name: rolled', '        version: 1.0.0', `        url: ${url}`, '  operationStrategy:', '    batchCount: 1', ''].join('\n'),
    );
    const f = ['-f', md, '--fleet', fleet, '--json'];
    const plan = await cli('rollout', 'plan', ...f);
    expect(plan.code).toBe(0);
    expect(JSON.parse(plan.stdout)).toMatchObject({ outcome: 'Completed' });

    const apply = await cli('rollout', 'apply', ...f, '--activation-timeout', '20');
    expect(apply.code, apply.stderr).toBe(0);
    const doc = JSON.parse(apply.stdout) as { result: { phase: string }; events: Array<{ event: string }> };
    expect(doc.result.phase).toBe('Completed');
    expect(doc.events.map((e) => e.event)).toEqual(expect.arrayContaining(['observed', 'batch-start', 'base', 'batch-complete', 'completed']));
    const streamed = apply.stderr.trim().split('\n').map((l) => JSON.parse(l) as { event: string });
    expect(streamed).toEqual(doc.events);
    expect(await installed()).toContain('rolled:1.0.0:activated');

    const status = await cli('rollout', 'status', ...f);
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ phase: 'Completed' });
    expect((await ark('uninstall', 'rolled', '1.0.0')).code).toBe(0);
  });
});

describe('a closed stdout', () => {
  it('ends the command quietly: no EPIPE stack, exit 0', async () => {
    // Something to list, so that list and health have lines to write when the reader has gone.
    expect((await ark('install', await moduleDir('piped', '1.0.0'))).code).toBe(0);
    for (const args of [['list'], ['health'], ['list', '--json'], ['switch', 'piped', '--latest']]) {
      const r = await runBin([...args, '--arklet', arkletUrl], { closeStdout: true });
      expect(r.stderr, args.join(' ')).toBe('');
      expect(r.code, args.join(' ')).toBe(0);
    }
    expect((await runBin(['--help'], { closeStdout: true })).stderr).toBe('');
    expect((await ark('uninstall', 'piped', '1.0.0')).code).toBe(0);
  });

  it('rethrows any other stream error', () => {
    const handlers: Record<string, (err: NodeJS.ErrnoException) => void> = {};
    const stream = (name: string) => ({ on: (_: string, h: (err: NodeJS.ErrnoException) => void) => ((handlers[name] = h), stream(name)) }) as unknown as NodeJS.EventEmitter;
    const exits: number[] = [];
    exitQuietlyOnClosedPipe({ stdout: stream('stdout'), stderr: stream('stderr'), exit: (c) => void exits.push(c) });
    handlers['stdout']!(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
    handlers['stderr']!(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
    expect(exits).toEqual([0]);
    expect(() => handlers['stdout']!(Object.assign(new Error('write EIO'), { code: 'EIO' }))).toThrow('write EIO');
  });
});

describe('@nodeark/rollout is optional', () => {
  it('a rollout command without the package exits 1 naming it; help still lists rollout', async () => {
    // A resolve hook that makes the package unresolvable, as when it is not installed.
    const hook = join(tmp, 'hide-rollout.mjs');
    await writeFile(
      hook,
      `import { register } from 'node:module';
register('data:text/javascript,' + encodeURIComponent(\`
export async function resolve(specifier, context, next) {
  if (specifier === '@nodeark/rollout') {
    const e = new Error("Cannot find package '@nodeark/rollout' imported from " + context.parentURL);
    e.code = 'ERR_MODULE_NOT_FOUND';
    throw e;
  }
  return next(specifier, context);
}\`));
`,
    );
    const nodeArgs = ['--import', pathToFileURL(hook).href];
    const r = await runBin(['rollout', 'plan', '-f', join(tmp, 'md.yaml')], { nodeArgs });
    expect(r).toEqual({ code: 1, stdout: '', stderr: 'nodeark rollout: this command needs the @nodeark/rollout package: npm install @nodeark/rollout\n' });
    const help = await runBin(['--help'], { nodeArgs });
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/rollout\s+Roll a ModuleDeployment out/);
    const usage = await runBin(['rollout', '--help'], { nodeArgs });
    expect(usage.code).toBe(0);
    expect(usage.stdout).toContain('Usage: nodeark rollout');
    // The other commands do not need it.
    expect((await runBin(['list', '--arklet', arkletUrl], { nodeArgs })).code).toBe(0);
  });

  it('only the package itself missing counts: a missing dependency of it is rethrown', async () => {
    const notFound = (message: string) => Object.assign(new Error(message), { code: 'ERR_MODULE_NOT_FOUND' });
    await expect(loadRollout(() => Promise.reject(notFound("Cannot find package '@nodeark/rollout' imported from /x.js")))).rejects.toBeInstanceOf(RolloutPackageMissing);
    await expect(loadRollout(() => Promise.reject(notFound("Cannot find package 'yaml' imported from /n/@nodeark/rollout/dist/index.js")))).rejects.toThrow(
      "Cannot find package 'yaml'",
    );
    expect(typeof (await loadRollout()).runRollout).toBe('function');
  });
});
