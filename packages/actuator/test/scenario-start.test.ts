/**
 * Scenario 1 of docs/reference/health-semantics.md § Conformance cases (start base) and case 21: a real base,
 * no modules or a hot module arriving while the base is still starting.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { BASE_ID, BIZ1, PA, PR, startBase, type TestBase } from './harness.js';

let base: TestBase | undefined;
afterEach(async () => {
  await base?.close();
  base = undefined;
});

const presets = [
  ['PA', PA],
  ['PR', PR],
] as const;

describe('Scenario 1: start base', () => {
  test('1 S1-UNKNOWN, PA (WAR=false): base STARTING, no modules → 200, root UP (Q2), STARTUP UNKNOWN, AGG {"status":"UP"}', async () => {
    base = await startBase({ config: PA, state: 'starting' });
    const r = await base.get('/actuator/health');
    expect(r.status).toBe(200);
    expect(r.json.status).toBe('UP');
    expect(r.json.components.masterBizStartUp).toEqual({ status: 'UNKNOWN', details: { [BASE_ID]: { status: 'UNKNOWN' } } });
    expect(JSON.stringify(r.json.components.arkBizAggregate)).toBe('{"status":"UP"}');
  });

  test('2 S1-UNKNOWN, PR (WAR=true): identical to case 1', async () => {
    base = await startBase({ config: PR, state: 'starting' });
    const r = await base.get('/actuator/health');
    expect(r.status).toBe(200);
    expect(r.json.status).toBe('UP');
    expect(r.json.components.masterBizStartUp).toEqual({ status: 'UNKNOWN', details: { [BASE_ID]: { status: 'UNKNOWN' } } });
    expect(r.json.components.arkBizAggregate).toEqual({ status: 'UP' });
  });

  test.for([
    ['3', 'PA', PA],
    ['4', 'PR', PR],
  ] as const)('%s S1-UP, %s: base READY → 200 UP, STARTUP UP with base UP', async ([, , preset]) => {
    base = await startBase({ config: preset, state: 'ready' });
    const r = await base.get('/actuator/health');
    expect(r.status).toBe(200);
    expect(r.json.status).toBe('UP');
    expect(r.json.components.masterBizStartUp).toEqual({ status: 'UP', details: { [BASE_ID]: { status: 'UP' } } });
  });

  test.for([
    ['5', 'PA', PA],
    ['6', 'PR', PR],
  ] as const)('%s S1-DOWN (base startup failed), %s → 503 DOWN, STARTUP DOWN with base DOWN', async ([, , preset]) => {
    base = await startBase({ config: preset, state: 'failed' });
    const r = await base.get('/actuator/health');
    expect(r.status).toBe(503);
    expect(r.json.status).toBe('DOWN');
    expect(r.json.components.masterBizStartUp).toEqual({ status: 'DOWN', details: { [BASE_ID]: { status: 'DOWN' } } });
  });

  test.for(presets)('7 S1-DOWN (base unhealthy), %s: base READY, diskSpace DOWN → 503 DOWN, STARTUP UP', async ([, preset]) => {
    base = await startBase({ config: { ...preset, diskSpaceThreshold: Number.MAX_SAFE_INTEGER }, state: 'ready' });
    const r = await base.get('/actuator/health');
    expect(r.status).toBe(503);
    expect(r.json.status).toBe('DOWN');
    expect(r.json.components.masterBizStartUp.status).toBe('UP');
    expect(r.json.components.diskSpace.status).toBe('DOWN');
    expect(r.json.components.diskSpace.details).toMatchObject({ threshold: Number.MAX_SAFE_INTEGER, exists: true });
  });

  test('21 S3-UNKNOWN (base is starting), PA: a module hot-installed while the base starts → as case 1 (STARTUP UNKNOWN, root UP/200)', async () => {
    base = await startBase({ config: PA, state: 'starting' });
    await base.install('biz1');
    const r = await base.get('/actuator/health');
    expect(r.status).toBe(200);
    expect(r.json.status).toBe('UP');
    expect(r.json.components.masterBizStartUp).toEqual({
      status: 'UNKNOWN',
      details: { [BASE_ID]: { status: 'UNKNOWN' }, [BIZ1]: { status: 'UP' } },
    });
    base.actuator.markBaseReady();
    const after = await base.get('/actuator/health');
    expect(after.json.components.masterBizStartUp.status).toBe('UP');
  });
});
