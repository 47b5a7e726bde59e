/**
 * Custom commands (docs/reference/arklet-protocol.md § Custom commands; conformance cases 43-44) and batchInstallBiz
 * (§ batchInstallBiz; conformance cases 45-48).
 */
import { Type } from '@sinclair/typebox';
import { validationError } from '@nodeark/arklet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BASE_ID,
  expectInternalError,
  expectKeys,
  expectOutput,
  fixtureUrl,
  installed,
  startHarness,
  waitFor,
  type Harness,
} from './harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
});

async function uninstallAll(): Promise<void> {
  for (const id of await installed(h)) {
    const [bizName, bizVersion] = id.split(':');
    expect((await h.post('uninstallBiz', { bizName, bizVersion })).json.code).toBe('SUCCESS');
  }
}

describe('§9 registry and commands', () => {
  it('case 43: a registered custom command is listed by help and routable at /<id>', async () => {
    h.arklet.registerCommand({
      id: 'echo',
      description: 'echo the message',
      input: Type.Object({ msg: Type.String({ maxLength: 100 }), times: Type.Optional(Type.Integer({ minimum: 1 })) }),
      validate(input) {
        if (input.msg === 'forbidden') throw validationError('msg must not be forbidden');
      },
      handle(input) {
        if (input.msg === 'fail') return { code: 'FAILED', message: 'echo refused', data: { why: 'asked to' } };
        if (input.msg === 'throw') throw new Error('echo exploded');
        return { code: 'SUCCESS', data: { echo: input.msg.repeat(input.times ?? 1) }, message: 'dropped on success' };
      },
    });
    const help = (await h.post('help', {})).json.data as { id: string; desc: string }[];
    expect(help).toContainEqual({ desc: 'echo the message', id: 'echo' });
    expect((await h.post('echo', { msg: 'hi', times: 2 })).json).toEqual({ baseIdentity: BASE_ID, code: 'SUCCESS', data: { echo: 'hihi' } });
    expect((await h.post('echo', { msg: 'fail' })).json).toEqual({
      baseIdentity: BASE_ID,
      code: 'FAILED',
      data: { why: 'asked to' },
      message: 'echo refused',
    });
    expectInternalError(await h.post('echo', { msg: 'throw' }), 'Internal Error: echo exploded');
    expectInternalError(await h.post('echo', { msg: 'forbidden' }), 'Internal Error: msg must not be forbidden');
    expectInternalError(await h.post('echo', { msg: 5 }), 'Internal Error: msg must be a string (got number)');
    expectInternalError(await h.post('echo', {}), 'Internal Error: msg is required');
    expectInternalError(await h.post('echo', { msg: 'x', times: 1.5 }), 'Internal Error: times must be an integer (got number)');
    expect(await h.arklet.execute('echo', { msg: 'direct' })).toEqual({ baseIdentity: BASE_ID, code: 'SUCCESS', data: { echo: 'direct' } });
  });

  it('case 43: a custom biz-ops command runs under the identity lock and supports async', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    h.arklet.registerCommand({
      id: 'restartBiz',
      description: 'restart one ark biz',
      bizOps: true,
      async handle(input) {
        await gate;
        return { code: 'SUCCESS', data: { restarted: `${String(input['bizName'])}:${String(input['bizVersion'])}` } };
      },
    });
    const running = h.post('restartBiz', { bizName: 'hello', bizVersion: '1.0.0' });
    await waitFor(async () => (await h.post('uninstallBiz', { bizName: 'hello', bizVersion: '1.0.0' })).json.code === 'FAILED', 5000, 'lock');
    const conflict = await h.post('uninstallBiz', { bizName: 'hello', bizVersion: '1.0.0' });
    expect(conflict.json.message).toBe('FAILED:hello:1.0.0 uninstallBiz conflict, exist unfinished command(restartBiz) for this biz');
    release();
    expect((await running).json).toEqual({ baseIdentity: BASE_ID, code: 'SUCCESS', data: { restarted: 'hello:1.0.0' } });
    expectInternalError(await h.post('restartBiz', { bizName: 3 }), 'Internal Error: bizName must be a string (got number)');
    expectInternalError(
      await h.post('restartBiz', { bizName: 'a', bizVersion: '1', async: true }),
      'Internal Error: requestId should not be blank when async is true',
    );
    const submitted = await h.post('restartBiz', { bizName: 'a', bizVersion: '1', async: true, requestId: 'restart-1' });
    expect(submitted.json.data.status).toBe('INITIALIZED');
    await h.arklet.idle(5000);
    expect((await h.post('queryBizOps', { requestId: 'restart-1' })).json.data.status).toBe('SUCCEEDED');
  });

  it('case 44: duplicate ids are rejected at registration; blank id or description too', () => {
    const handle = (): { code: 'SUCCESS' } => ({ code: 'SUCCESS' });
    expect(() => h.arklet.registerCommand({ id: 'help', description: 'again', handle })).toThrow(
      expect.objectContaining({ code: 'NODEARK_ERR_ARKLET_DUPLICATE_COMMAND', message: 'handler id (help) duplicated' }),
    );
    expect(() => h.arklet.registerCommand({ id: 'echo', description: 'again', handle })).toThrow('handler id (echo) duplicated');
    expect(() => h.arklet.registerCommand({ id: ' ', description: 'x', handle })).toThrow(
      expect.objectContaining({ code: 'NODEARK_ERR_ARKLET_INVALID_COMMAND' }),
    );
    expect(() => h.arklet.registerCommand({ id: 'x', description: '', handle })).toThrow(
      expect.objectContaining({ code: 'NODEARK_ERR_ARKLET_INVALID_COMMAND' }),
    );
    expect(() => h.arklet.registerCommand({ id: 'y', description: 'y', handle: 5 as never })).toThrow(
      expect.objectContaining({ code: 'NODEARK_ERR_ARKLET_INVALID_COMMAND' }),
    );
  });

  it('a handler that returns something that is not an output → internal error', async () => {
    h.arklet.registerCommand({ id: 'sloppy', description: 'returns junk', handle: () => 'ok' as never });
    expectInternalError(await h.post('sloppy', {}), /^Internal Error: Invalid command definition: the handler of sloppy must return/);
  });
});

describe('§9 batchInstallBiz', () => {
  it('case 45: {} → bizList is null; items are validated like installBiz', async () => {
    expectInternalError(await h.post('batchInstallBiz', {}), 'Internal Error: bizList is null');
    expectInternalError(await h.post('batchInstallBiz'), 'Internal Error: bizList is null');
    expectInternalError(await h.post('batchInstallBiz', { bizList: 'x' }), 'Internal Error: bizList must be an array (got string)');
    expectInternalError(await h.post('batchInstallBiz', { bizList: [5] }), 'Internal Error: bizList[0] must be an object');
    expectInternalError(await h.post('batchInstallBiz', { bizList: [{}] }), 'Internal Error: bizUrl should not be blank');
    expectInternalError(
      await h.post('batchInstallBiz', { bizList: [{ bizUrl: fixtureUrl('hello') }, { bizUrl: 7 }] }),
      'Internal Error: bizList[1].bizUrl must be a string (got number)',
    );
    expectInternalError(
      await h.post('batchInstallBiz', { bizList: [{ bizUrl: fixtureUrl('hello'), bizName: 'hello' }] }),
      'Internal Error: bizName and bizVersion should be both blank or both not blank.',
    );
    // async is forced off for items: an item's async without requestId is not an error.
    expectInternalError(
      await h.post('batchInstallBiz', { bizList: [{ async: true }] }),
      'Internal Error: bizUrl should not be blank',
    );
    expect(await installed(h)).toEqual([]);
  });

  it('a bundle that cannot be read fails the whole batch before anything is installed', async () => {
    const a = await h.post('batchInstallBiz', { bizList: [{ bizUrl: fixtureUrl('hello') }, { bizUrl: 'file:///nonexistent/x' }] });
    expectInternalError(a, /^Internal Error: Bundle not found: /);
    expect(await installed(h)).toEqual([]);
  });

  it('cases 46-47: results keyed by bizUrl; lower priority groups first, each group concurrently', async () => {
    const urls = {
      high: fixtureUrl('prio-high'),
      low: fixtureUrl('prio-low'),
      hello: fixtureUrl('hello'),
      slow: fixtureUrl('slow'),
    };
    const a = await h.post('batchInstallBiz', {
      bizList: [
        { bizUrl: urls.high, envs: { START_DELAY_MS: '100' } },
        { bizUrl: urls.hello },
        { bizUrl: urls.slow, envs: { START_DELAY_MS: '500' } },
        { bizUrl: urls.low, bizName: 'prio-low', bizVersion: '1.0.0', envs: { START_DELAY_MS: '300' } },
      ],
    });
    expectOutput(a, 'SUCCESS', { data: true });
    expectKeys(a.json.data, ['bizUrlToResponse', 'code', 'elapsedSpace', 'message']);
    expect(a.json.data).toMatchObject({ code: 'SUCCESS', message: 'batch install success' });
    expect(Number.isInteger(a.json.data.elapsedSpace)).toBe(true);
    const byUrl = a.json.data.bizUrlToResponse as Record<string, { code: string; message: string; bizInfos: any[] }>;
    expect(Object.keys(byUrl).sort()).toEqual(Object.values(urls).sort());
    for (const r of Object.values(byUrl)) {
      expectKeys(r, ['bizInfos', 'code', 'message']);
      expect(r.code).toBe('SUCCESS');
    }
    const at = (url: string, reason: string): number =>
      byUrl[url]!.bizInfos[0].bizStateRecords.find((r: { reason: string }) => r.reason === reason).changeTime;
    // priority 10 finished before the priority-100 group started, which finished before priority 200 started.
    expect(at(urls.low, 'Started')).toBeLessThanOrEqual(at(urls.hello, 'Created'));
    expect(at(urls.low, 'Started')).toBeLessThanOrEqual(at(urls.slow, 'Created'));
    expect(Math.max(at(urls.hello, 'Started'), at(urls.slow, 'Started'))).toBeLessThanOrEqual(at(urls.high, 'Created'));
    // Within the priority-100 group both started before either finished.
    expect(Math.max(at(urls.hello, 'Created'), at(urls.slow, 'Created'))).toBeLessThan(at(urls.slow, 'Started'));
    expect(byUrl[urls.low]!.bizInfos[0].priority).toBe(10);
    expect(await installed(h)).toEqual(['hello:1.0.0', 'prio-high:1.0.0', 'prio-low:1.0.0', 'slow:1.0.0']);
    await uninstallAll();
  });

  it('case 48: any item failure → FAILED "batch install failed", the other items still installed', async () => {
    const a = await h.post('batchInstallBiz', {
      bizList: [{ bizUrl: fixtureUrl('hello') }, { bizUrl: fixtureUrl('broken') }, { bizUrl: fixtureUrl('hello-v2'), bizName: 'nope', bizVersion: '1.0.0' }],
    });
    expectOutput(a, 'FAILED', { data: true });
    expect(a.json.message).toBe('install biz not success!');
    expect(a.json.data).toMatchObject({ code: 'FAILED', message: 'batch install failed' });
    const byUrl = a.json.data.bizUrlToResponse;
    expect(byUrl[fixtureUrl('hello')].code).toBe('SUCCESS');
    expectKeys(byUrl[fixtureUrl('broken')], ['code', 'message']);
    expect(byUrl[fixtureUrl('broken')].code).toBe('FAILED');
    expect(byUrl[fixtureUrl('broken')].message).toMatch(/^internal exception: Module broken:1\.0\.0 failed to start: .*boom/);
    expect(byUrl[fixtureUrl('hello-v2')]).toMatchObject({ code: 'FAILED' });
    expect(byUrl[fixtureUrl('hello-v2')].message).toMatch(/declares hello:2\.0\.0 but the request asked for nope:1\.0\.0/);
    expect(await installed(h)).toEqual(['hello:1.0.0']);
    await uninstallAll();
  });

  it('two batches conflict on the top-level key null:null; an async batch ends SUCCEEDED', async () => {
    const first = h.post('batchInstallBiz', { bizList: [{ bizUrl: fixtureUrl('slow'), envs: { START_DELAY_MS: '800' } }] });
    await waitFor(() => h.runtime.get('slow', '1.0.0')?.bizState === 'resolved', 10_000, 'slow to register');
    const second = await h.post('batchInstallBiz', { bizList: [{ bizUrl: fixtureUrl('hello') }] });
    expect(second.json).toEqual({
      baseIdentity: BASE_ID,
      code: 'FAILED',
      message: 'FAILED:null:null batchInstallBiz conflict, exist unfinished command(batchInstallBiz) for this biz',
    });
    // A single install is not blocked by a running batch (different key).
    expect((await h.post('installBiz', { bizUrl: fixtureUrl('hello') })).json.code).toBe('SUCCESS');
    expect((await first).json.code).toBe('SUCCESS');
    await uninstallAll();
    const submitted = await h.post('batchInstallBiz', { bizList: [{ bizUrl: fixtureUrl('hello') }], async: true, requestId: 'batch-1' });
    expectOutput(submitted, 'SUCCESS', { data: true });
    expect(submitted.json.data.arkBizMeta.bizList).toHaveLength(1);
    await h.arklet.idle(10_000);
    expect((await h.post('queryBizOps', { requestId: 'batch-1' })).json.data.status).toBe('SUCCEEDED');
    expect(await installed(h)).toEqual(['hello:1.0.0']);
    await uninstallAll();
  });
});
