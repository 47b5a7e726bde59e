/**
 * The per-identity coordinator and async operations (docs/reference/arklet-protocol.md § Concurrency,
 * § Async operations; conformance cases 36-42), the bounded op records and the conflicting-async deviation,
 * and responsiveness during installs.
 */
import { BizOpsCoordinator, OpRecordStore } from '@nodeark/arklet';
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
  type Answer,
  type Harness,
} from './harness.js';

const SLOW_MS = 800;
/** Start delay of modules that must still be starting after a few requests (generous: shared test machines). */
const LONG_MS = 2000;
const RECORD_KEYS_INITIAL = ['arkBizMeta', 'elapsedTime', 'endTimestamp', 'requestId', 'startTime', 'startTimestamp', 'status'];

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
});

async function uninstall(bizName: string, bizVersion: string): Promise<void> {
  const a = await h.post('uninstallBiz', { bizName, bizVersion });
  expect(a.json.code).toBe('SUCCESS');
}

async function opsRecord(requestId: string): Promise<Answer> {
  return h.post('queryBizOps', { requestId });
}

async function finished(requestId: string): Promise<Record<string, any>> {
  return waitFor(async () => {
    const r = (await opsRecord(requestId)).json.data;
    return r && (r.status === 'SUCCEEDED' || r.status === 'FAILED') ? r : undefined;
  }, 15_000, `operation ${requestId}`);
}

describe('§9 concurrency', () => {
  it('case 36: while installBiz n:v runs, another biz-op on n:v is refused at once with the conflict message', async () => {
    const install = h.post('installBiz', { bizName: 'slow', bizVersion: '1.0.0', bizUrl: fixtureUrl('slow'), envs: { START_DELAY_MS: String(LONG_MS) } });
    await waitFor(() => h.runtime.get('slow', '1.0.0')?.bizState === 'resolved', 10_000, 'slow to register');
    const un = await h.post('uninstallBiz', { bizName: 'slow', bizVersion: '1.0.0' });
    expect(un.json).toEqual({
      baseIdentity: BASE_ID,
      code: 'FAILED',
      message: 'FAILED:slow:1.0.0 uninstallBiz conflict, exist unfinished command(installBiz) for this biz',
    });
    const again = await h.post('installBiz', { bizName: 'slow', bizVersion: '1.0.0', bizUrl: fixtureUrl('slow') });
    expect(again.json.message).toBe('FAILED:slow:1.0.0 installBiz conflict, exist unfinished command(installBiz) for this biz');
    const sw = await h.post('switchBiz', { bizName: 'slow', bizVersion: '1.0.0' });
    expect(sw.json.message).toBe('FAILED:slow:1.0.0 switchBiz conflict, exist unfinished command(installBiz) for this biz');
    // The refusals did not wait for the install: it is still starting.
    expect(h.runtime.get('slow', '1.0.0')?.bizState).toBe('resolved');
    expect((await install).json.code).toBe('SUCCESS');
    // Released after success: the next op proceeds.
    await uninstall('slow', '1.0.0');
  });

  it('case 37: operations on n:v1 and n:v2 run concurrently', async () => {
    const [a, b] = await Promise.all([
      h.post('installBiz', { bizName: 'slow', bizVersion: '1.0.0', bizUrl: fixtureUrl('slow'), envs: { START_DELAY_MS: String(SLOW_MS) } }),
      h.post('installBiz', { bizName: 'slow', bizVersion: '2.0.0', bizUrl: fixtureUrl('slow-v2'), envs: { START_DELAY_MS: String(SLOW_MS) } }),
    ]);
    expect(a.json.code).toBe('SUCCESS');
    expect(b.json.code).toBe('SUCCESS');
    // Both were registered before either had started: they overlapped.
    const at = (r: typeof a, reason: string): number =>
      r.json.data.bizInfos[0].bizStateRecords.find((x: { reason: string }) => x.reason === reason).changeTime;
    expect(Math.max(at(a, 'Created'), at(b, 'Created'))).toBeLessThan(Math.min(at(a, 'Started'), at(b, 'Started')));
    const states = [a.json.data.bizInfos[0].bizState, b.json.data.bizInfos[0].bizState].sort();
    expect(states).toEqual(['activated', 'deactivated']);
    await uninstall('slow', '1.0.0');
    await uninstall('slow', '2.0.0');
  });

  it('case 38: the lock is released after success, failure and exception', async () => {
    // Exception: start failure.
    expect((await h.post('installBiz', { bizUrl: fixtureUrl('broken') })).json.code).toBe('CMD_PROCESS_INTERNAL_ERROR');
    expect((await h.post('installBiz', { bizUrl: fixtureUrl('broken') })).json.code).toBe('CMD_PROCESS_INTERNAL_ERROR');
    // Business failure (identity mismatch) then success on the same key.
    expect((await h.post('installBiz', { bizName: 'hello', bizVersion: '1.0.0', bizUrl: fixtureUrl('hello-v2') })).json.code).toBe('FAILED');
    expect((await h.post('installBiz', { bizName: 'hello', bizVersion: '1.0.0', bizUrl: fixtureUrl('hello') })).json.code).toBe('SUCCESS');
    // Many quick operations on one key, one after the other: never a conflict.
    for (let i = 0; i < 30; i++) {
      const a = await h.post('switchBiz', { bizName: 'hello', bizVersion: '1.0.0' });
      expect(a.json.code).toBe('SUCCESS');
    }
    await uninstall('hello', '1.0.0');
  });

  it('case 38: 1000 lock/unlock cycles leave no lock behind; a refused attempt cannot release the holder', () => {
    const c = new BizOpsCoordinator();
    for (let i = 0; i < 1000; i++) {
      const lock = c.tryLock(`biz${i % 7}:1.0.0`, 'installBiz');
      expect(lock.ok).toBe(true);
      if (lock.ok) lock.release();
    }
    expect(c.size).toBe(0);
    const held = c.tryLock('n:v', 'installBiz');
    const refused = c.tryLock('n:v', 'uninstallBiz');
    expect(refused).toEqual({ ok: false, running: 'installBiz' });
    expect(c.running('n:v')).toBe('installBiz');
    if (held.ok) {
      held.release();
      held.release();
    }
    expect(c.size).toBe(0);
  });
});

describe('§9 async operations', () => {
  it('case 39: an async install returns SUCCESS at once with an INITIALIZED record', async () => {
    const a = await h.post('installBiz', {
      bizName: 'slow',
      bizVersion: '1.0.0',
      bizUrl: fixtureUrl('slow'),
      envs: { START_DELAY_MS: String(LONG_MS) },
      async: true,
      requestId: 'req-1',
    });
    expectOutput(a, 'SUCCESS', { data: true });
    // Answered before the module started.
    expect(h.runtime.get('slow', '1.0.0')?.bizState ?? 'not yet registered').not.toBe('activated');
    expectKeys(a.json.data, RECORD_KEYS_INITIAL);
    expect(a.json.data).toMatchObject({ requestId: 'req-1', status: 'INITIALIZED', elapsedTime: 0, endTimestamp: 0 });
    expect(a.json.data.arkBizMeta).toEqual({
      async: true,
      bizName: 'slow',
      bizUrl: fixtureUrl('slow'),
      bizVersion: '1.0.0',
      envs: { START_DELAY_MS: String(LONG_MS) },
      installStrategy: 'installOnly',
      requestId: 'req-1',
    });
    expect(Number.isInteger(a.json.data.startTime)).toBe(true);
    expect(a.json.data.startTimestamp).toBe(a.json.data.startTime);
  });

  it('case 41: re-submitting a requestId → FAILED "has been executed"', async () => {
    const a = await h.post('uninstallBiz', { bizName: 'x', bizVersion: '1.0.0', async: true, requestId: 'req-1' });
    expect(a.json).toEqual({
      baseIdentity: BASE_ID,
      code: 'FAILED',
      message: 'The request corresponding to the requestId(req-1) has been executed.',
    });
  });

  it('deviation: a conflicting async op ends FAILED with the conflict message (Java: INITIALIZED forever)', async () => {
    // req-1 holds the lock of slow:1.0.0 once it is EXECUTING (and until its start finishes).
    await waitFor(async () => (await opsRecord('req-1')).json.data.status === 'EXECUTING', 5000, 'req-1 to execute');
    const a = await h.post('uninstallBiz', { bizName: 'slow', bizVersion: '1.0.0', async: true, requestId: 'req-conflict' });
    expectOutput(a, 'SUCCESS', { data: true });
    const rec = await finished('req-conflict');
    expect(rec.status).toBe('FAILED');
    expect(rec.message).toBe('command conflict, exist unfinished command for this biz');
    expect(Number.isInteger(rec.endTime)).toBe(true);
  });

  it('case 40: queryBizOps later returns the record with a terminal status', async () => {
    const rec = await finished('req-1');
    expectKeys(rec, [...RECORD_KEYS_INITIAL, 'endTime', 'threadName']);
    expect(rec.status).toBe('SUCCEEDED');
    expect(rec.endTime).toBe(rec.endTimestamp);
    expect(rec.elapsedTime).toBe(rec.endTimestamp - rec.startTimestamp);
    expect(rec.elapsedTime).toBeGreaterThanOrEqual(LONG_MS - 50);
    expect(rec.threadName).toMatch(/^arklet-biz-ops-\d+$/);
    expect(await installed(h)).toEqual(['slow:1.0.0']);
  });

  it('case 40: failed outputs and exceptions end FAILED with message (and throwable)', async () => {
    // A FAILED output: REPEAT_BIZ from another bizUrl.
    await h.post('installBiz', { bizName: 'slow', bizVersion: '1.0.0', bizUrl: `${fixtureUrl('slow')}/`, async: true, requestId: 'req-repeat' });
    const repeat = await finished('req-repeat');
    expect(repeat).toMatchObject({ status: 'FAILED', message: 'install biz not success!' });
    expect(repeat).not.toHaveProperty('throwable');
    // An exception: start failure.
    await h.post('installBiz', { bizUrl: fixtureUrl('broken'), async: true, requestId: 'req-broken' });
    const broken = await finished('req-broken');
    expect(broken.status).toBe('FAILED');
    expect(broken.message).toMatch(/^Module broken:1\.0\.0 failed to start: .*boom/);
    expectKeys(broken.throwable, ['code', 'message', 'name', 'stackTrace']);
    expect(broken.throwable.code).toBe('NODEARK_ERR_BIZ_START_FAILED');
    // An async uninstall succeeds.
    await h.post('uninstallBiz', { bizName: 'slow', bizVersion: '1.0.0', async: true, requestId: 'req-un' });
    expect((await finished('req-un')).status).toBe('SUCCEEDED');
    expect(await installed(h)).toEqual([]);
  });

  it('case 42: unknown id → FAILED "Not found…"; blank id → "requestId is blank"; no body → "request is null"', async () => {
    expect((await opsRecord('never-seen')).json).toEqual({
      baseIdentity: BASE_ID,
      code: 'FAILED',
      message: 'Not found the corresponding ops record.',
    });
    expectInternalError(await h.post('queryBizOps', { requestId: '' }), 'Internal Error: requestId is blank');
    expectInternalError(await h.post('queryBizOps', {}), 'Internal Error: requestId is blank');
    expectInternalError(await h.post('queryBizOps'), 'Internal Error: request is null');
    expectInternalError(await h.post('queryBizOps', 'null'), 'Internal Error: request is null');
    expectInternalError(await h.post('queryBizOps', { requestId: 42 }), 'Internal Error: requestId must be a string (got number)');
  });
});

describe('op records are bounded', () => {
  it('by count: the oldest finished records are evicted', async () => {
    const small = await startHarness({ opRecords: { max: 3 } });
    try {
      for (let i = 1; i <= 5; i++) {
        const a = await small.post('uninstallBiz', { bizName: 'ghost', bizVersion: `${i}.0.0`, async: true, requestId: `r${i}` });
        expect(a.json.code).toBe('SUCCESS');
        await small.arklet.idle(5000);
      }
      for (const id of ['r1', 'r2']) expect((await small.post('queryBizOps', { requestId: id })).json.message).toBe('Not found the corresponding ops record.');
      for (const id of ['r3', 'r4', 'r5']) expect((await small.post('queryBizOps', { requestId: id })).json.data.status).toBe('SUCCEEDED');
      // An evicted id may be submitted again.
      expect((await small.post('uninstallBiz', { bizName: 'ghost', bizVersion: '1.0.0', async: true, requestId: 'r1' })).json.code).toBe('SUCCESS');
    } finally {
      await small.close();
    }
  });

  it('by age: a finished record older than maxAgeMs is evicted', async () => {
    const store = new OpRecordStore({ max: 10, maxAgeMs: 50 });
    const running = store.create('running', {});
    const done = store.create('done', {});
    done.start();
    done.succeed();
    done.markFinished();
    await new Promise((r) => setTimeout(r, 120));
    expect(store.get('done')).toBeUndefined();
    expect(store.get('running')).toBe(running);
    expect(() => new OpRecordStore({ max: 0 })).toThrow(RangeError);
  });
});

describe('responsiveness', () => {
  it('health and queryAllBiz answer quickly while installs run', async () => {
    const installs = [1, 2].map((n) =>
      h.post('installBiz', {
        bizName: 'slow',
        bizVersion: `${n}.0.0`,
        bizUrl: fixtureUrl(n === 1 ? 'slow' : 'slow-v2'),
        envs: { START_DELAY_MS: String(LONG_MS) },
      }),
    );
    await waitFor(async () => (await installed(h)).length === 2, 10_000, 'both installs to register');
    const samples: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t0 = Date.now();
      const [health, list] = await Promise.all([h.post('health', {}), h.post('queryAllBiz', {})]);
      samples.push(Date.now() - t0);
      expect(health.json.code).toBe('SUCCESS');
      expect(list.json.code).toBe('SUCCESS');
      expect(health.json.data.healthData.bizListInfo.map((b: { bizState: string }) => b.bizState)).toContain('resolved');
    }
    // The answers did not wait for the installs (they are still starting) and stayed fast. The bound is
    // generous because test machines are shared; the p99 budget is measured by bench/.
    const states = ((await h.post('queryAllBiz', {})).json.data as { bizState: string }[]).map((b) => b.bizState);
    expect(states).toEqual(['resolved', 'resolved']);
    expect(Math.max(...samples)).toBeLessThan(1000);
    for (const r of await Promise.all(installs)) expect(r.json.code).toBe('SUCCESS');
  });
});
