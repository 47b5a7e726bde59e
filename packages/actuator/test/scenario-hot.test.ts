/**
 * Scenario 3 of docs/reference/health-semantics.md § Conformance cases: hot deployment after the base started
 * (case 21 is in scenario-start).
 *
 * Failed installs (cases 22-25) follow docs/module-contract.md: a module whose start fails becomes `broken` and is
 * removed (`stopped`) at once unless the runtime keeps broken modules (`keepBrokenBiz`, the counterpart of
 * `sofa.ark.auto.uninstall.when.failed.enable=false`). The Java "uninstall window" (the silence sleep between
 * `BeforeBizStopEvent` and `AfterBizStopEvent`) is `silenceSecondsBeforeUninstall`: the removed module's
 * STARTUP entry stays DOWN that long, while AGG and `arkBizInfo` no longer list it.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { BASE_ID, BIZ1, BIZ2, PA, PR, startBase, waitFor, waitForState, type TestBase } from './harness.js';

let base: TestBase | undefined;
afterEach(async () => {
  await base?.close();
  base = undefined;
});

const both = [
  ['PA', PA],
  ['PR', PR],
] as const;

describe('Scenario 3: hot deployment after base start', () => {
  test('17 S3-UP, PA: biz1 hot-deployed, UP, healthy → 200 UP, STARTUP UP, AGG UP', async () => {
    base = await startBase({ config: PA });
    await base.install('biz1');
    const r = await base.get('/actuator/health');
    expect(r.status).toBe(200);
    expect(r.json.status).toBe('UP');
    expect(r.json.components.masterBizStartUp).toEqual({ status: 'UP', details: { [BASE_ID]: { status: 'UP' }, [BIZ1]: { status: 'UP' } } });
    expect(r.json.components.arkBizAggregate.status).toBe('UP');
    expect(r.json.components.arkBizAggregate.details[BIZ1].status).toBe('UP');
  });

  test('18 S3-UP, PR: same → 200', async () => {
    base = await startBase({ config: PR });
    await base.install('biz1');
    const r = await base.get('/actuator/health');
    expect(r.status).toBe(200);
    expect(r.json.status).toBe('UP');
    expect(r.json.components.masterBizStartUp.status).toBe('UP');
    expect(r.json.components.arkBizAggregate.status).toBe('UP');
  });

  test('19 S3 installing, PA: base READY, biz1 installing → 200 UP, STARTUP UP with biz1 UNKNOWN', async () => {
    base = await startBase({ config: PA });
    const pending = base.installBg('biz1', { START_DELAY_MS: '1200' });
    await waitForState(base, BIZ1, 'resolved');
    const r = await base.get('/actuator/health');
    expect(r.status).toBe(200);
    expect(r.json.status).toBe('UP');
    expect(r.json.components.masterBizStartUp).toEqual({
      status: 'UP',
      details: { [BASE_ID]: { status: 'UP' }, [BIZ1]: { status: 'UNKNOWN' } },
    });
    expect(await pending).toMatchObject({ code: 'SUCCESS' });
  });

  test('20 S3-UNKNOWN (module starting), PR: → 200 UP, STARTUP UNKNOWN; with status.order DOWN,OUT_OF_SERVICE,UNKNOWN,UP → 200 root UNKNOWN', async () => {
    base = await startBase({ config: PR });
    const pending = base.installBg('biz1', { START_DELAY_MS: '1200' });
    await waitForState(base, BIZ1, 'resolved');
    const r = await base.get('/actuator/health');
    expect(r.status).toBe(200);
    expect(r.json.status).toBe('UP');
    expect(r.json.components.masterBizStartUp.status).toBe('UNKNOWN');
    await pending;
    await base.close();

    base = await startBase({ config: { ...PR, statusOrder: ['DOWN', 'OUT_OF_SERVICE', 'UNKNOWN', 'UP'] } });
    const pending2 = base.installBg('biz1', { START_DELAY_MS: '1200' });
    await waitForState(base, BIZ1, 'resolved');
    const r2 = await base.get('/actuator/health');
    expect(r2.status).toBe(200);
    expect(r2.json.status).toBe('UNKNOWN');
    expect(r2.json.components.masterBizStartUp.status).toBe('UNKNOWN');
    await pending2;
  });

  test('22 S3 install failed, PA, inside the uninstall window (biz2 removed after its failed start, silence 1 s) → 200 UP, STARTUP UP with biz2 DOWN, AGG without biz2', async () => {
    base = await startBase({ config: { ...PA, silenceSecondsBeforeUninstall: 1 } });
    await base.install('biz1');
    const err = await base.installBg('biz2', { START_FAIL: 'boom' });
    expect(err).toBeInstanceOf(Error);
    expect(base.runtime.get('biz2', '0.0.1-SNAPSHOT')).toBeUndefined(); // removed by the runtime (docs/module-contract.md)
    const r = await base.get('/actuator/health');
    expect(r.status).toBe(200);
    expect(r.json.status).toBe('UP');
    // The DOCS example exactly: base UP, biz1 UP, biz2 DOWN.
    expect(r.json.components.masterBizStartUp).toEqual({
      status: 'UP',
      details: { [BASE_ID]: { status: 'UP' }, [BIZ1]: { status: 'UP' }, [BIZ2]: { status: 'DOWN' } },
    });
    expect(Object.keys(r.json.components.arkBizAggregate.details)).toEqual([BIZ1]);
  });

  test('23 S3-DOWN (module startup failed), PR, same window → 503 DOWN, STARTUP DOWN', async () => {
    base = await startBase({ config: { ...PR, silenceSecondsBeforeUninstall: 1 } });
    const err = await base.installBg('biz2', { START_FAIL: 'boom' });
    expect(err).toBeInstanceOf(Error);
    const r = await base.get('/actuator/health');
    expect(r.status).toBe(503);
    expect(r.json.status).toBe('DOWN');
    expect(r.json.components.masterBizStartUp).toEqual({
      status: 'DOWN',
      details: { [BASE_ID]: { status: 'UP' }, [BIZ2]: { status: 'DOWN' } },
    });
    expect(r.json.components.arkBizAggregate).toEqual({ status: 'UP' });
  });

  test.for(both)('24 S3 install failed, after auto-uninstall completed, %s → biz2 absent everywhere, 200 UP, STARTUP UP, not in arkBizInfo', async ([, preset]) => {
    base = await startBase({ config: { ...preset, silenceSecondsBeforeUninstall: 1 } });
    const err = await base.installBg('biz2', { START_FAIL: 'boom' });
    expect(err).toBeInstanceOf(Error);
    await waitFor(async () => !(BIZ2 in (await base!.get('/actuator/health')).json.components.masterBizStartUp.details), 3000, 'the silence window to end');
    const r = await base.get('/actuator/health');
    expect(r.status).toBe(200);
    expect(r.json.status).toBe('UP');
    expect(r.json.components.masterBizStartUp).toEqual({ status: 'UP', details: { [BASE_ID]: { status: 'UP' } } });
    expect(r.json.components.arkBizAggregate).toEqual({ status: 'UP' });
    const info = await base.get('/actuator/info');
    expect(info.json.arkBizInfo.map((b: { bizName: string }) => b.bizName)).toEqual(['base']);
  });

  test('25 S3 install failed, auto-uninstall disabled (runtime keepBrokenBiz), PA → 503 DOWN, STARTUP UP with biz2 DOWN, AGG biz2 "haven\'t refreshed", info BROKEN', async () => {
    base = await startBase({ config: PA, runtime: { keepBrokenBiz: true } });
    const err = await base.installBg('biz2', { START_FAIL: 'boom' });
    expect(err).toBeInstanceOf(Error);
    expect(base.runtime.get('biz2', '0.0.1-SNAPSHOT')?.bizState).toBe('broken');
    const r = await base.get('/actuator/health');
    expect(r.status).toBe(503);
    expect(r.json.status).toBe('DOWN');
    expect(r.json.components.masterBizStartUp).toEqual({
      status: 'UP',
      details: { [BASE_ID]: { status: 'UP' }, [BIZ2]: { status: 'DOWN' } },
    });
    expect(r.json.components.arkBizAggregate).toEqual({
      status: 'DOWN',
      details: { [BIZ2]: { status: 'DOWN', details: { applicationContext: "haven't refreshed" } } },
    });
    const info = await base.get('/actuator/info');
    expect(info.json.arkBizInfo).toContainEqual({ bizName: 'biz2', bizVersion: '0.0.1-SNAPSHOT', bizState: 'BROKEN', webContextPath: 'biz2' });
    // Uninstalling the broken module clears everything (nodeark.actuator.health.aggregate.include-broken=false would hide it from AGG).
    await base.runtime.uninstall('biz2', '0.0.1-SNAPSHOT');
    const after = await base.get('/actuator/health');
    expect(after.status).toBe(200);
    expect(after.json.components.masterBizStartUp.details).not.toHaveProperty(BIZ2);
  });

  test.for(both)('26 S3-DOWN (module unhealthy), %s: biz1 ACTIVATED with diskSpace DOWN → 503, AGG DOWN, STARTUP UP', async ([, preset]) => {
    base = await startBase({ config: preset });
    await base.install('biz1', { DISK_STATUS: 'DOWN' });
    expect(base.runtime.get('biz1', '0.0.1-SNAPSHOT')?.bizState).toBe('activated');
    const r = await base.get('/actuator/health');
    expect(r.status).toBe(503);
    expect(r.json.status).toBe('DOWN');
    expect(r.json.components.arkBizAggregate.status).toBe('DOWN');
    expect(r.json.components.arkBizAggregate.details[BIZ1].details.diskSpace.status).toBe('DOWN');
    expect(r.json.components.masterBizStartUp.status).toBe('UP');
  });

  test.for(both)('27 S3-DOWN (base unhealthy), %s: as case 7 after a hot deploy → 503', async ([, preset]) => {
    base = await startBase({ config: { ...preset, diskSpaceThreshold: Number.MAX_SAFE_INTEGER } });
    await base.install('biz1');
    const r = await base.get('/actuator/health');
    expect(r.status).toBe(503);
    expect(r.json.status).toBe('DOWN');
    expect(r.json.components.diskSpace.status).toBe('DOWN');
    expect(r.json.components.masterBizStartUp.status).toBe('UP');
    expect(r.json.components.arkBizAggregate.status).toBe('UP');
  });

  test('25b include-broken=false (spec Q4 option): a kept broken module stays DOWN in STARTUP but leaves AGG, root 200', async () => {
    base = await startBase({ config: { ...PA, aggregateIncludeBroken: false }, runtime: { keepBrokenBiz: true } });
    await base.installBg('biz2', { START_FAIL: 'boom' });
    const r = await base.get('/actuator/health');
    expect(r.status).toBe(200);
    expect(r.json.components.masterBizStartUp.details[BIZ2]).toEqual({ status: 'DOWN' });
    expect(r.json.components.arkBizAggregate).toEqual({ status: 'UP' });
  });
});
