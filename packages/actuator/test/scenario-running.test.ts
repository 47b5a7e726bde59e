/**
 * Scenarios 4 (base running) and 5 (reinstall, modelled as uninstall then install) of
 * docs/reference/health-semantics.md § Conformance cases.
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

describe('Scenario 4: base running', () => {
  test.for(both)('28 S4-UP, %s: biz1 and biz2 UP and healthy → 200 UP', async ([, preset]) => {
    base = await startBase({ config: preset });
    await Promise.all([base.install('biz1'), base.install('biz2')]);
    const r = await base.get('/actuator/health');
    expect(r.status).toBe(200);
    expect(r.json.status).toBe('UP');
    expect(Object.keys(r.json.components.arkBizAggregate.details).sort()).toEqual([BIZ1, BIZ2]);
    expect(r.json.components.masterBizStartUp.status).toBe('UP');
  });

  test.for(both)('29 S4-DOWN (module unhealthy), %s: biz2 ping DOWN → 503, AGG DOWN, biz2 DOWN', async ([, preset]) => {
    base = await startBase({ config: preset });
    await Promise.all([base.install('biz1'), base.install('biz2', { PING_STATUS: 'DOWN' })]);
    const r = await base.get('/actuator/health');
    expect(r.status).toBe(503);
    expect(r.json.status).toBe('DOWN');
    const agg = r.json.components.arkBizAggregate;
    expect(agg.status).toBe('DOWN');
    expect(agg.details[BIZ2].status).toBe('DOWN');
    expect(agg.details[BIZ2].details.ping).toEqual({ status: 'DOWN', details: {} });
    expect(agg.details[BIZ1].status).toBe('UP');
  });

  test('30 S4-DOWN (base unhealthy via metrics), PA: metaspace-check on, usage above the threshold → 503, metrics DOWN, STARTUP UP', async () => {
    base = await startBase({ config: { ...PA, metaspaceCheck: true, metaspaceThreshold: 0 } });
    const r = await base.get('/actuator/health');
    expect(r.status).toBe(503);
    expect(r.json.status).toBe('DOWN');
    expect(r.json.components.metrics.status).toBe('DOWN');
    expect(r.json.components.metrics.details.metrics.heapMetrics.max).toBeGreaterThan(0);
    expect(r.json.components.masterBizStartUp.status).toBe('UP');
    await base.close();
    // With the default threshold (85 %) the same base is healthy, and without the check there is no component.
    base = await startBase({ config: { ...PA, metaspaceCheck: true } });
    const ok = await base.get('/actuator/health');
    expect(ok.json.components.metrics.status).toBe('UP');
    await base.close();
    base = await startBase({ config: PA });
    expect((await base.get('/actuator/health')).json.components).not.toHaveProperty('metrics');
  });

  test.for(both)('31 S4 "UNKNOWN: –" row, %s: biz1 has one indicator UNKNOWN → AGG UNKNOWN, biz1 UNKNOWN, root UP/200', async ([, preset]) => {
    base = await startBase({ config: preset });
    await base.install('biz1', { PING_STATUS: 'UNKNOWN' });
    const r = await base.get('/actuator/health');
    expect(r.status).toBe(200);
    expect(r.json.status).toBe('UP');
    expect(r.json.components.arkBizAggregate.status).toBe('UNKNOWN');
    expect(r.json.components.arkBizAggregate.details[BIZ1].status).toBe('UNKNOWN');
    expect(r.json.components.masterBizStartUp.status).toBe('UP');
  });

  test('32 S4 with a DEACTIVATED module, PA: biz1 0.0.1 ACTIVATED, 0.0.2 DEACTIVATED → AGG lists both UP; info DEACTIVATED', async () => {
    base = await startBase({ config: PA });
    await base.install('biz1');
    const second = await base.install('biz1-v2');
    expect(second.biz?.bizState).toBe('deactivated');
    const r = await base.get('/actuator/health');
    expect(r.status).toBe(200);
    const agg = r.json.components.arkBizAggregate;
    expect(agg.status).toBe('UP');
    expect(agg.details[BIZ1].status).toBe('UP');
    expect(agg.details['biz1:0.0.2'].status).toBe('UP');
    expect(r.json.components.masterBizStartUp.details['biz1:0.0.2']).toEqual({ status: 'UP' });
    const info = await base.get('/actuator/info');
    expect(info.json.arkBizInfo).toContainEqual({ bizName: 'biz1', bizVersion: '0.0.1-SNAPSHOT', bizState: 'ACTIVATED', webContextPath: 'biz1' });
    expect(info.json.arkBizInfo).toContainEqual({ bizName: 'biz1', bizVersion: '0.0.2', bizState: 'DEACTIVATED', webContextPath: 'biz1' });
  });
});

describe('Scenario 5: reinstall (uninstall then install)', () => {
  test('33 S5 uninstall phase, PA, silence 1 s, during the sleep (prepareUninstall as beforeUninstall hook) → 200 UP, STARTUP UP with biz1 DOWN, biz1 absent from AGG', async () => {
    base = await startBase({ config: { ...PA, silenceSecondsBeforeUninstall: 1 } });
    await base.install('biz1');
    const pending = base.runtime.uninstall('biz1', '0.0.1-SNAPSHOT');
    await waitFor(async () => (await base!.get('/actuator/health')).json.components.masterBizStartUp.details[BIZ1]?.status === 'DOWN', 900, 'biz1 DOWN');
    const r = await base.get('/actuator/health');
    expect(base.runtime.get('biz1', '0.0.1-SNAPSHOT')?.bizState).toBe('activated'); // still in the sleep, not stopped yet
    expect(r.status).toBe(200);
    expect(r.json.status).toBe('UP');
    expect(r.json.components.masterBizStartUp).toEqual({
      status: 'UP',
      details: { [BASE_ID]: { status: 'UP' }, [BIZ1]: { status: 'DOWN' } },
    });
    expect(r.json.components.arkBizAggregate).toEqual({ status: 'UP' });
    expect(await pending).toMatchObject({ code: 'SUCCESS' });
    expect((await base.get('/actuator/health')).json.components.masterBizStartUp.details).not.toHaveProperty(BIZ1);
  });

  test('33 S5 uninstall phase, PA, without the hook: the silence window follows the stop (STARTUP keeps biz1 DOWN for 1 s), same JSON', async () => {
    base = await startBase({ config: { ...PA, silenceSecondsBeforeUninstall: 1 }, beforeUninstallHook: false });
    await base.install('biz1');
    await base.runtime.uninstall('biz1', '0.0.1-SNAPSHOT');
    const r = await base.get('/actuator/health');
    expect(r.status).toBe(200);
    expect(r.json.status).toBe('UP');
    expect(r.json.components.masterBizStartUp).toEqual({
      status: 'UP',
      details: { [BASE_ID]: { status: 'UP' }, [BIZ1]: { status: 'DOWN' } },
    });
    expect(r.json.components.arkBizAggregate).toEqual({ status: 'UP' });
  });

  test.for([
    ['hook', true],
    ['no hook', false],
  ] as const)('34 S5 uninstall phase, PR, same moment (%s) → 503 DOWN, STARTUP DOWN', async ([, hook]) => {
    base = await startBase({ config: { ...PR, silenceSecondsBeforeUninstall: 1 }, beforeUninstallHook: hook });
    await base.install('biz1');
    const pending = base.runtime.uninstall('biz1', '0.0.1-SNAPSHOT');
    if (!hook) await pending;
    await waitFor(async () => (await base!.get('/actuator/health')).json.components.masterBizStartUp.details[BIZ1]?.status === 'DOWN', 900, 'biz1 DOWN');
    const r = await base.get('/actuator/health');
    expect(r.status).toBe(503);
    expect(r.json.status).toBe('DOWN');
    expect(r.json.components.masterBizStartUp.status).toBe('DOWN');
    expect(r.json.components.masterBizStartUp.details[BIZ1]).toEqual({ status: 'DOWN' });
    expect(r.json.components.arkBizAggregate).toEqual({ status: 'UP' });
    await pending;
  });

  test('33/34 (during stop itself): while uninstall drains and stops, STARTUP shows biz1 DOWN and AGG drops it', async () => {
    base = await startBase({ config: PR });
    await base.install('biz1');
    const seen: Array<{ startup: string; inAgg: boolean }> = [];
    base.runtime.once('transition', (e) => {
      // BeforeBizStopEvent (Killing): evaluate synchronously what STARTUP/AGG will answer.
      if (e.reason === 'Killing') {
        void base!.actuator.health().then((h) => {
          const comps = h.body.components!;
          seen.push({
            startup: (comps.masterBizStartUp!.details as Record<string, { status: string }>)[BIZ1]?.status ?? 'absent',
            inAgg: BIZ1 in (comps.arkBizAggregate!.details ?? {}),
          });
        });
      }
    });
    await base.runtime.uninstall('biz1', '0.0.1-SNAPSHOT');
    await new Promise((r) => setTimeout(r, 50));
    expect(seen).toEqual([{ startup: 'DOWN', inAgg: false }]);
  });

  test('35 S5 between stop and start, PR (silence 0): biz1 absent → 200, STARTUP UP', async () => {
    base = await startBase({ config: PR });
    await base.install('biz1');
    await base.runtime.uninstall('biz1', '0.0.1-SNAPSHOT');
    const r = await base.get('/actuator/health');
    expect(r.status).toBe(200);
    expect(r.json.components.masterBizStartUp).toEqual({ status: 'UP', details: { [BASE_ID]: { status: 'UP' } } });
    expect(r.json.components.arkBizAggregate).toEqual({ status: 'UP' });
  });

  test('36 S5-UNKNOWN (install phase), PR: biz1 reinstalling → 200 UP, STARTUP UNKNOWN', async () => {
    base = await startBase({ config: PR });
    await base.install('biz1');
    await base.runtime.uninstall('biz1', '0.0.1-SNAPSHOT');
    const pending = base.installBg('biz1', { START_DELAY_MS: '1200' });
    await waitForState(base, BIZ1, 'resolved');
    const r = await base.get('/actuator/health');
    expect(r.status).toBe(200);
    expect(r.json.status).toBe('UP');
    expect(r.json.components.masterBizStartUp.status).toBe('UNKNOWN');
    expect(r.json.components.masterBizStartUp.details[BIZ1]).toEqual({ status: 'UNKNOWN' });
    await pending;
  });

  test.for(both)('37 S5-UP, %s: biz1 UP again after reinstall → 200, STARTUP UP', async ([, preset]) => {
    base = await startBase({ config: preset });
    await base.install('biz1');
    await base.runtime.uninstall('biz1', '0.0.1-SNAPSHOT');
    await base.install('biz1');
    const r = await base.get('/actuator/health');
    expect(r.status).toBe(200);
    expect(r.json.components.masterBizStartUp).toEqual({ status: 'UP', details: { [BASE_ID]: { status: 'UP' }, [BIZ1]: { status: 'UP' } } });
  });

  test('38 S5-DOWN (module startup failed), PR, before auto-uninstall removes it → 503, STARTUP DOWN', async () => {
    base = await startBase({ config: { ...PR, silenceSecondsBeforeUninstall: 1 } });
    await base.install('biz1');
    await base.runtime.uninstall('biz1', '0.0.1-SNAPSHOT');
    const err = await base.installBg('biz1', { START_FAIL: 'reinstall failed' });
    expect(err).toBeInstanceOf(Error);
    const r = await base.get('/actuator/health');
    expect(r.status).toBe(503);
    expect(r.json.components.masterBizStartUp.status).toBe('DOWN');
    expect(r.json.components.masterBizStartUp.details[BIZ1]).toEqual({ status: 'DOWN' });
  });

  test('38 S5-DOWN, PA: STARTUP UP with biz1 DOWN; root 503 while AGG still lists biz1 "haven\'t refreshed" (keepBrokenBiz), then 200 once it is removed (as case 22)', async () => {
    base = await startBase({ config: PA, runtime: { keepBrokenBiz: true } });
    await base.install('biz1');
    await base.runtime.uninstall('biz1', '0.0.1-SNAPSHOT');
    await base.installBg('biz1', { START_FAIL: 'reinstall failed' });
    const r = await base.get('/actuator/health');
    expect(r.status).toBe(503);
    expect(r.json.components.masterBizStartUp).toEqual({ status: 'UP', details: { [BASE_ID]: { status: 'UP' }, [BIZ1]: { status: 'DOWN' } } });
    expect(r.json.components.arkBizAggregate.details[BIZ1]).toEqual({ status: 'DOWN', details: { applicationContext: "haven't refreshed" } });
    await base.runtime.uninstall('biz1', '0.0.1-SNAPSHOT');
    const after = await base.get('/actuator/health');
    expect(after.status).toBe(200);
    expect(after.json.status).toBe('UP');
  });
});
