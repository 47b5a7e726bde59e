/**
 * Scenario 2 of docs/reference/health-semantics.md § Conformance cases: static merge deployment during base
 * start. The base is STARTING (started, not ready) while modules install, exactly as `createBase()` deploys
 * `com.alipay.sofa.ark.static.biz.dir` before `markBaseReady()`; a static failure makes the base call
 * `markBaseFailed()`.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { BASE_ID, BIZ1, BIZ2, PA, PR, startBase, waitFor, waitForState, type TestBase } from './harness.js';

let base: TestBase | undefined;
afterEach(async () => {
  await base?.close();
  base = undefined;
});

const HEALTHY_BIZ = {
  status: 'UP',
  details: {
    diskSpace: { status: 'UP', details: { total: 494384795648, free: 272435396608, threshold: 10485760, exists: true } },
    ping: { status: 'UP', details: {} },
  },
};

describe('Scenario 2: static merge deployment during base start', () => {
  test('8 S2-UNKNOWN, PA: base STARTING, biz1 starting → 200 UP, STARTUP UNKNOWN {base, biz1 UNKNOWN}; AGG lists biz1 (nodeark: UNKNOWN until start() returns, then UP)', async () => {
    base = await startBase({ config: PA, state: 'starting' });
    const pending = base.installBg('biz1', { START_DELAY_MS: '1200' });
    await waitForState(base, BIZ1, 'resolved');
    const r = await base.get('/actuator/health');
    expect(r.status).toBe(200);
    expect(r.json.status).toBe('UP');
    expect(r.json.components.masterBizStartUp).toEqual({
      status: 'UNKNOWN',
      details: { [BASE_ID]: { status: 'UNKNOWN' }, [BIZ1]: { status: 'UNKNOWN' } },
    });
    // Deviation (docs/reference/health-semantics.md § Conformance cases): the runtime does not evaluate a starting
    // module's indicators, so the case's "registry ready" AGG UP is reported as UNKNOWN, which ranks below UP:
    // root and code are the same.
    expect(r.json.components.arkBizAggregate).toEqual({ status: 'UNKNOWN', details: { [BIZ1]: { status: 'UNKNOWN' } } });
    expect(await pending).toMatchObject({ code: 'SUCCESS' });
    // Once start() returned (base still STARTING): AGG UP with biz1's indicators, STARTUP still UNKNOWN.
    const after = await base.get('/actuator/health');
    expect(after.json.components.arkBizAggregate).toEqual({ status: 'UP', details: { [BIZ1]: HEALTHY_BIZ } });
    expect(after.json.components.masterBizStartUp.status).toBe('UNKNOWN');
    expect(after.json.components.masterBizStartUp.details[BIZ1]).toEqual({ status: 'UP' });
  });

  test('9 S2-UNKNOWN, PR: base STARTING, biz1 UP, biz2 starting → 200 UP, STARTUP UNKNOWN', async () => {
    base = await startBase({ config: PR, state: 'starting' });
    await base.install('biz1');
    const pending = base.installBg('biz2', { START_DELAY_MS: '1200' });
    await waitForState(base, BIZ2, 'resolved');
    const r = await base.get('/actuator/health');
    expect(r.status).toBe(200);
    expect(r.json.status).toBe('UP');
    expect(r.json.components.masterBizStartUp).toEqual({
      status: 'UNKNOWN',
      details: { [BASE_ID]: { status: 'UNKNOWN' }, [BIZ1]: { status: 'UP' }, [BIZ2]: { status: 'UNKNOWN' } },
    });
    await pending;
  });

  test.for([
    ['PA', PA],
    ['PR', PR],
  ] as const)(
    '10 S2-UNKNOWN, module context not yet available (Java-ref Q11), %s: starting-biz=down, biz1 `resolved` → 503 DOWN, STARTUP UNKNOWN, AGG biz1 DOWN "haven\'t refreshed"',
    async ([, preset]) => {
      base = await startBase({ config: { ...preset, startingBiz: 'down' }, state: 'starting' });
      const pending = base.installBg('biz1', { START_DELAY_MS: '1200' });
      await waitForState(base, BIZ1, 'resolved');
      const r = await base.get('/actuator/health');
      expect(r.status).toBe(503);
      expect(r.json.status).toBe('DOWN');
      expect(r.json.components.masterBizStartUp.status).toBe('UNKNOWN');
      expect(r.json.components.arkBizAggregate).toEqual({
        status: 'DOWN',
        details: { [BIZ1]: { status: 'DOWN', details: { applicationContext: "haven't refreshed" } } },
      });
      await pending;
      // The window closes when start() returns.
      const after = await base.get('/actuator/health');
      expect(after.status).toBe(200);
      expect(after.json.components.arkBizAggregate.status).toBe('UP');
    },
  );

  test('11 S2-UP, PA: base READY, biz1 UP and healthy → 200 UP, STARTUP {base UP, biz1 UP}, AGG biz1 UP with diskSpace and ping', async () => {
    base = await startBase({ config: PA, state: 'starting' });
    await base.install('biz1');
    base.actuator.markBaseReady();
    const r = await base.get('/actuator/health');
    expect(r.status).toBe(200);
    expect(r.json.status).toBe('UP');
    expect(r.json.components.masterBizStartUp).toEqual({
      status: 'UP',
      details: { [BASE_ID]: { status: 'UP' }, [BIZ1]: { status: 'UP' } },
    });
    expect(r.json.components.arkBizAggregate).toEqual({ status: 'UP', details: { [BIZ1]: HEALTHY_BIZ } });
  });

  test('12 S2-UP, PR: same state as case 11 → same result', async () => {
    base = await startBase({ config: PR, state: 'starting' });
    await base.install('biz1');
    base.actuator.markBaseReady();
    const r = await base.get('/actuator/health');
    expect(r.status).toBe(200);
    expect(r.json.status).toBe('UP');
    expect(r.json.components.masterBizStartUp).toEqual({
      status: 'UP',
      details: { [BASE_ID]: { status: 'UP' }, [BIZ1]: { status: 'UP' } },
    });
    expect(r.json.components.arkBizAggregate).toEqual({ status: 'UP', details: { [BIZ1]: HEALTHY_BIZ } });
  });

  test.for([
    ['13', 'PA', PA],
    ['14', 'PR', PR],
  ] as const)(
    '%s S2-DOWN (module startup failed), %s: static biz1 fails, base FAILED → 503 DOWN, STARTUP DOWN {base DOWN, biz1 DOWN} (silence window), then {base DOWN} once biz1 is removed',
    async ([, , preset]) => {
      base = await startBase({ config: { ...preset, silenceSecondsBeforeUninstall: 1 }, state: 'starting' });
      const err = await base.installBg('biz1', { START_FAIL: 'static module failed' });
      expect(err).toBeInstanceOf(Error);
      base.actuator.markBaseFailed(err as Error);
      const r = await base.get('/actuator/health');
      expect(r.status).toBe(503);
      expect(r.json.status).toBe('DOWN');
      // The SOFAArk embed-static path: the failed module's entry is still there.
      expect(r.json.components.masterBizStartUp).toEqual({
        status: 'DOWN',
        details: { [BASE_ID]: { status: 'DOWN' }, [BIZ1]: { status: 'DOWN' } },
      });
      // The batch path once auto-uninstall removed biz1 (nodeark removes it unless keepBrokenBiz): DOWN either way.
      await waitFor(async () => !(BIZ1 in (await base!.get('/actuator/health')).json.components.masterBizStartUp.details), 3000, 'biz1 to leave STARTUP');
      const later = await base.get('/actuator/health');
      expect(later.status).toBe(503);
      expect(later.json.components.masterBizStartUp).toEqual({ status: 'DOWN', details: { [BASE_ID]: { status: 'DOWN' } } });
    },
  );

  test.for([
    ['PA', PA],
    ['PR', PR],
  ] as const)('15 S2-DOWN (module unhealthy), %s: base READY, biz1 started but diskSpace DOWN → 503 DOWN, STARTUP UP, AGG biz1 DOWN', async ([, preset]) => {
    base = await startBase({ config: preset, state: 'starting' });
    await base.install('biz1', { DISK_STATUS: 'DOWN' });
    base.actuator.markBaseReady();
    const r = await base.get('/actuator/health');
    expect(r.status).toBe(503);
    expect(r.json.status).toBe('DOWN');
    expect(r.json.components.masterBizStartUp.status).toBe('UP');
    expect(r.json.components.arkBizAggregate.status).toBe('DOWN');
    expect(r.json.components.arkBizAggregate.details[BIZ1]).toEqual({
      status: 'DOWN',
      details: {
        diskSpace: { status: 'DOWN', details: { total: 494384795648, free: 272435396608, threshold: 10485760, exists: true } },
        ping: { status: 'UP', details: {} },
      },
    });
  });

  test.for([
    ['PA', PA],
    ['PR', PR],
  ] as const)('16 S2-DOWN (base unhealthy), %s: as case 7 with biz1 healthy → 503, AGG UP', async ([, preset]) => {
    base = await startBase({ config: { ...preset, diskSpaceThreshold: Number.MAX_SAFE_INTEGER }, state: 'starting' });
    await base.install('biz1');
    base.actuator.markBaseReady();
    const r = await base.get('/actuator/health');
    expect(r.status).toBe(503);
    expect(r.json.status).toBe('DOWN');
    expect(r.json.components.diskSpace.status).toBe('DOWN');
    expect(r.json.components.masterBizStartUp.status).toBe('UP');
    expect(r.json.components.arkBizAggregate).toEqual({ status: 'UP', details: { [BIZ1]: HEALTHY_BIZ } });
  });
});
