/**
 * uninstallBiz and switchBiz (docs/reference/arklet-protocol.md § uninstallBiz, § switchBiz; conformance
 * cases 21-25), the master biz, and the NOT_FOUND_BIZ deviation.
 */
import { createArklet } from '@nodeark/arklet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BASE_ID, expectInternalError, expectOutput, fixtureUrl, installed, MASTER, startHarness, waitFor, type Harness } from './harness.js';

let h: Harness;
beforeAll(async () => {
  // Broken modules are kept so that a switch to one can be refused (ILLEGAL_STATE_BIZ).
  h = await startHarness({ runtimeOptions: { keepBrokenBiz: true } });
  for (const [name, version, dir] of [
    ['hello', '1.0.0', 'hello'],
    ['hello', '2.0.0', 'hello-v2'],
  ] as const) {
    const a = await h.post('installBiz', { bizName: name, bizVersion: version, bizUrl: fixtureUrl(dir) });
    expect(a.json.code).toBe('SUCCESS');
  }
});
afterAll(async () => {
  await h.close();
});

describe('§9 case 21: validation', () => {
  for (const command of ['uninstallBiz', 'switchBiz']) {
    it(`${command}: blank bizName, blank bizVersion, async without requestId, bad types`, async () => {
      expectInternalError(await h.post(command, {}), 'Internal Error: bizName should not be blank');
      expectInternalError(await h.post(command), 'Internal Error: bizName should not be blank');
      expectInternalError(await h.post(command, { bizName: '  ', bizVersion: '1.0.0' }), 'Internal Error: bizName should not be blank');
      expectInternalError(await h.post(command, { bizName: 'hello' }), 'Internal Error: bizVersion should not be blank');
      expectInternalError(await h.post(command, { bizName: 'hello', bizVersion: '' }), 'Internal Error: bizVersion should not be blank');
      expectInternalError(
        await h.post(command, { bizName: 'hello', bizVersion: '1.0.0', async: true }),
        'Internal Error: requestId should not be blank when async is true',
      );
      expectInternalError(await h.post(command, { bizName: 1, bizVersion: '1.0.0' }), 'Internal Error: bizName must be a string (got number)');
      expectInternalError(await h.post(command, { bizName: 'hello', bizVersion: ['1'] }), 'Internal Error: bizVersion must be a string (got array)');
      expectInternalError(await h.post(command, { bizName: '../../etc', bizVersion: '1.0.0' }), /^Internal Error: Invalid bizName/);
      expect(await installed(h)).toEqual(['hello:1.0.0', 'hello:2.0.0']);
    });
  }
});

describe('§9 case 25: switchBiz', () => {
  it('switching to a deactivated version activates it and deactivates the previous one; routing flips', async () => {
    expect((await h.moduleGet('/hello/')).text).toBe('hello 1.0.0');
    const a = await h.post('switchBiz', { bizName: 'hello', bizVersion: '2.0.0' });
    expect(a.json).toEqual({
      baseIdentity: BASE_ID,
      code: 'SUCCESS',
      data: { code: 'SUCCESS', message: 'Switch biz: hello:2.0.0 is activated.' },
    });
    const list = (await h.post('queryAllBiz', {})).json.data as { bizVersion: string; bizState: string; bizStateRecords: { state: string; reason: string; message: string }[] }[];
    const v1 = list.find((b) => b.bizVersion === '1.0.0');
    const v2 = list.find((b) => b.bizVersion === '2.0.0');
    expect(v1?.bizState).toBe('deactivated');
    expect(v2?.bizState).toBe('activated');
    expect(v1?.bizStateRecords.at(-1)).toMatchObject({ state: 'deactivated', reason: 'Switched', message: 'switch to new version hello:2.0.0' });
    expect(v2?.bizStateRecords.at(-1)).toMatchObject({ state: 'activated', reason: 'Switched', message: 'switch from old version: hello:1.0.0' });
    expect((await h.moduleGet('/hello/')).text).toBe('hello 2.0.0');
  });

  it('switching to the activated version is SUCCESS and changes nothing', async () => {
    const before = (await h.post('queryAllBiz', {})).json.data;
    const a = await h.post('switchBiz', { bizName: 'hello', bizVersion: '2.0.0' });
    expectOutput(a, 'SUCCESS', { data: true });
    expect((await h.post('queryAllBiz', {})).json.data).toEqual(before);
  });

  it('the master biz: switching to it changes nothing; another version of its name is not found', async () => {
    expect((await h.post('switchBiz', MASTER)).json).toEqual({
      baseIdentity: BASE_ID,
      code: 'SUCCESS',
      data: { code: 'SUCCESS', message: `Switch biz: ${MASTER.bizName}:${MASTER.bizVersion} is activated.` },
    });
    expect((await h.post('switchBiz', { bizName: MASTER.bizName, bizVersion: '0.0.1' })).json.data).toEqual({
      code: 'NOT_FOUND_BIZ',
      message: `Switch biz: ${MASTER.bizName}:0.0.1 not found.`,
    });
  });

  it('switching to an unknown biz → FAILED / NOT_FOUND_BIZ', async () => {
    const a = await h.post('switchBiz', { bizName: 'nope', bizVersion: '1.0.0' });
    expect(a.json).toEqual({
      baseIdentity: BASE_ID,
      code: 'FAILED',
      data: { code: 'NOT_FOUND_BIZ', message: 'Switch biz: nope:1.0.0 not found.' },
      message: 'switch biz not success!',
    });
  });

  it('case 23: switching to a broken version → FAILED "switch biz not success!" / ILLEGAL_STATE_BIZ', async () => {
    const install = await h.post('installBiz', { bizUrl: fixtureUrl('broken') });
    expect(install.json.code).toBe('CMD_PROCESS_INTERNAL_ERROR');
    expect(await installed(h)).toContain('broken:1.0.0');
    const a = await h.post('switchBiz', { bizName: 'broken', bizVersion: '1.0.0' });
    expect(a.json).toEqual({
      baseIdentity: BASE_ID,
      code: 'FAILED',
      data: { code: 'ILLEGAL_STATE_BIZ', message: "Switch Biz: broken:1.0.0's state must not be broken." },
      message: 'switch biz not success!',
    });
    // A broken module can be uninstalled.
    expect((await h.post('uninstallBiz', { bizName: 'broken', bizVersion: '1.0.0' })).json.data.code).toBe('SUCCESS');
  });
});

describe('uninstallBiz', () => {
  it('case 23: the master biz must not be uninstalled → FAILED with the ClientResponse', async () => {
    const a = await h.post('uninstallBiz', { bizName: MASTER.bizName, bizVersion: MASTER.bizVersion });
    expect(a.json).toEqual({
      baseIdentity: BASE_ID,
      code: 'FAILED',
      data: { code: 'FAILED', message: 'Master biz must not be uninstalled.' },
      message: 'uninstall biz not success!',
    });
    const otherVersion = await h.post('uninstallBiz', { bizName: MASTER.bizName, bizVersion: '9.9.9' });
    expect(otherVersion.json.data.message).toBe('Master biz must not be uninstalled.');
  });

  it('a master biz name outside the module-name alphabet is still answered as the master biz', async () => {
    const other = await createArklet({
      runtime: h.runtime,
      port: 0,
      portExplicit: true,
      host: '127.0.0.1',
      masterBiz: { bizName: 'Demo Base', bizVersion: '1 (prod)' },
      baseIdentity: BASE_ID,
    });
    try {
      const res = await other.execute('uninstallBiz', { bizName: 'Demo Base', bizVersion: 'x' });
      expect(res.data).toEqual({ code: 'FAILED', message: 'Master biz must not be uninstalled.' });
      expect((await other.execute('switchBiz', { bizName: 'Demo Base', bizVersion: '1 (prod)' })).code).toBe('SUCCESS');
    } finally {
      await other.close();
    }
  });

  it('case 23: a module still starting → FAILED "uninstall biz not success!" / ILLEGAL_STATE_BIZ', async () => {
    // Installed behind the Arklet's back (e.g. static deployment), so no Arklet lock covers it.
    const pending = h.runtime.install({ bizUrl: fixtureUrl('slow'), envs: { START_DELAY_MS: '1500' } });
    await waitFor(() => h.runtime.get('slow', '1.0.0')?.bizState === 'resolved', 10_000, 'slow to register');
    const a = await h.post('uninstallBiz', { bizName: 'slow', bizVersion: '1.0.0' });
    expectOutput(a, 'FAILED', { data: true });
    expect(a.json.message).toBe('uninstall biz not success!');
    expect(a.json.data.code).toBe('ILLEGAL_STATE_BIZ');
    expect((await pending).code).toBe('SUCCESS');
  });

  it('case 22: success → SUCCESS with data {code, message}; the module is gone', async () => {
    const a = await h.post('uninstallBiz', { bizName: 'slow', bizVersion: '1.0.0' });
    expect(a.json).toEqual({
      baseIdentity: BASE_ID,
      code: 'SUCCESS',
      data: { code: 'SUCCESS', message: 'Uninstall biz: slow:1.0.0 success.' },
    });
    expect(await installed(h)).toEqual(['hello:1.0.0', 'hello:2.0.0']);
    const b = await h.post('uninstallBiz', { bizName: 'hello', bizVersion: '2.0.0' });
    expect(b.json.data).toEqual({ code: 'SUCCESS', message: 'Uninstall biz: hello:2.0.0 success.' });
    // No other version is re-activated automatically (docs/reference/arklet-protocol.md § uninstallBiz):
    // nothing serves /hello now.
    expect((await h.moduleGet('/hello/')).status).toBe(404);
    expect((await h.post('queryAllBiz', {})).json.data.map((b: { bizState: string }) => b.bizState)).toEqual(['deactivated']);
  });

  it('case 24: an unknown biz → SUCCESS with data.code NOT_FOUND_BIZ (deviation: Java answers FAILED)', async () => {
    const a = await h.post('uninstallBiz', { bizName: 'nope', bizVersion: '1.0.0' });
    expect(a.json).toEqual({
      baseIdentity: BASE_ID,
      code: 'SUCCESS',
      data: { code: 'NOT_FOUND_BIZ', message: 'Uninstall biz: nope:1.0.0 not found.' },
    });
    const again = await h.post('uninstallBiz', { bizName: 'hello', bizVersion: '2.0.0' });
    expect(again.json.data).toEqual({ code: 'NOT_FOUND_BIZ', message: 'Uninstall biz: hello:2.0.0 not found.' });
  });
});
