/**
 * docs/reference/health-semantics.md § Availability: liveness and readiness (conformance cases 54-60), plus
 * graceful shutdown (readiness OUT_OF_SERVICE first) and the additional `/livez` `/readyz` paths.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { BIZ1, P0, PA, PK, PR, startBase, waitForState, type TestBase } from './harness.js';

let base: TestBase | undefined;
afterEach(async () => {
  await base?.close();
  base = undefined;
});

describe('Probes', () => {
  test('54 PA + PK, base READY, no modules: liveness 200 UP, readiness 200 UP; root adds groups + livenessState/readinessState; P0+PK body {"status":"UP","groups":[…]}', async () => {
    base = await startBase({ config: { ...PA, ...PK } });
    const live = await base.get('/actuator/health/liveness');
    expect(live.status).toBe(200);
    expect(live.text).toBe('{"status":"UP"}');
    const ready = await base.get('/actuator/health/readiness');
    expect(ready.status).toBe(200);
    expect(ready.text).toBe('{"status":"UP"}');
    const root = await base.get('/actuator/health');
    expect(root.json.groups).toEqual(['liveness', 'readiness']);
    expect(root.json.components.livenessState).toEqual({ status: 'UP' });
    expect(root.json.components.readinessState).toEqual({ status: 'UP' });
    // Probe groups never show components, whatever the endpoint's settings.
    expect((await base.get('/actuator/health/readiness/readinessState')).status).toBe(404);
    await base.close();

    base = await startBase({ config: { ...P0, ...PK } });
    expect((await base.get('/actuator/health')).text).toBe('{"status":"UP","groups":["liveness","readiness"]}');
  });

  test('55 PR + PK, base READY, biz1 installing: readiness 503 OUT_OF_SERVICE; root 503 OUT_OF_SERVICE (STARTUP UNKNOWN, readinessState OUT_OF_SERVICE); liveness 200', async () => {
    base = await startBase({ config: { ...PR, ...PK } });
    const pending = base.installBg('biz1', { START_DELAY_MS: '1200' });
    await waitForState(base, BIZ1, 'resolved');
    const ready = await base.get('/actuator/health/readiness');
    expect(ready.status).toBe(503);
    expect(ready.text).toBe('{"status":"OUT_OF_SERVICE"}');
    const root = await base.get('/actuator/health');
    expect(root.status).toBe(503);
    expect(root.json.status).toBe('OUT_OF_SERVICE');
    expect(root.json.components.masterBizStartUp.status).toBe('UNKNOWN');
    expect(root.json.components.readinessState.status).toBe('OUT_OF_SERVICE');
    expect(root.json.components.arkBizAggregate.status).not.toBe('DOWN');
    expect((await base.get('/actuator/health/liveness')).status).toBe(200);
    await pending;
  });

  test('56 PR + PK, biz1 started successfully → readiness 200 {"status":"UP"}', async () => {
    base = await startBase({ config: { ...PR, ...PK } });
    const pending = base.installBg('biz1', { START_DELAY_MS: '300' });
    await waitForState(base, BIZ1, 'resolved');
    expect((await base.get('/actuator/health/readiness')).status).toBe(503);
    expect(await pending).toMatchObject({ code: 'SUCCESS' });
    const r = await base.get('/actuator/health/readiness');
    expect(r.status).toBe(200);
    expect(r.text).toBe('{"status":"UP"}');
  });

  test('57 PR + PK, after uninstalling biz1 (Java-ref Q7): readiness stays 503 until another install succeeds; STARTUP UP but root 503 OUT_OF_SERVICE', async () => {
    base = await startBase({ config: { ...PR, ...PK } });
    await base.install('biz1');
    expect((await base.get('/actuator/health/readiness')).status).toBe(200);
    await base.runtime.uninstall('biz1', '0.0.1-SNAPSHOT');
    const r = await base.get('/actuator/health/readiness');
    expect(r.status).toBe(503);
    expect(r.text).toBe('{"status":"OUT_OF_SERVICE"}');
    const root = await base.get('/actuator/health');
    expect(root.status).toBe(503);
    expect(root.json.status).toBe('OUT_OF_SERVICE');
    expect(root.json.components.masterBizStartUp.status).toBe('UP');
    await base.install('biz2');
    expect((await base.get('/actuator/health/readiness')).status).toBe(200);
  });

  test('57 (option) reevaluate-on-stop: readiness re-opens after an uninstall when every remaining module is ready', async () => {
    base = await startBase({ config: { ...PR, ...PK, readinessReevaluateOnStop: true } });
    await base.install('biz1');
    await base.runtime.uninstall('biz1', '0.0.1-SNAPSHOT');
    expect((await base.get('/actuator/health/readiness')).status).toBe(200);
  });

  test('58 PA + PK (WAR=false), biz1 install failed → readiness stays 200 UP (handler inactive)', async () => {
    base = await startBase({ config: { ...PA, ...PK } });
    const err = await base.installBg('biz1', { START_FAIL: 'boom' });
    expect(err).toBeInstanceOf(Error);
    const r = await base.get('/actuator/health/readiness');
    expect(r.status).toBe(200);
    expect(r.text).toBe('{"status":"UP"}');
    // Under PR + PK the same failure refuses traffic.
    await base.close();
    base = await startBase({ config: { ...PR, ...PK } });
    await base.installBg('biz1', { START_FAIL: 'boom' });
    expect((await base.get('/actuator/health/readiness')).status).toBe(503);
  });

  test('59 PA + PK, base STARTING: readiness 503 OUT_OF_SERVICE, root 503; liveness 200 once started, 503 DOWN before', async () => {
    base = await startBase({ config: { ...PA, ...PK }, state: 'created' });
    const liveBefore = await base.get('/actuator/health/liveness');
    expect(liveBefore.status).toBe(503);
    expect(liveBefore.text).toBe('{"status":"DOWN"}');
    base.actuator.markBaseStarted();
    const ready = await base.get('/actuator/health/readiness');
    expect(ready.status).toBe(503);
    expect(ready.text).toBe('{"status":"OUT_OF_SERVICE"}');
    const root = await base.get('/actuator/health');
    expect(root.status).toBe(503);
    expect(root.json.status).toBe('OUT_OF_SERVICE');
    expect((await base.get('/actuator/health/liveness')).status).toBe(200);
    base.actuator.markBaseReady();
    expect((await base.get('/actuator/health/readiness')).status).toBe(200);
  });

  test('60 PA without probes: /actuator/health/readiness → 404', async () => {
    base = await startBase({ config: PA });
    const r = await base.get('/actuator/health/readiness');
    expect(r.status).toBe(404);
    expect(r.text).toBe('');
    expect((await base.get('/actuator/health/liveness')).status).toBe(404);
  });

  test('graceful shutdown: markShuttingDown turns readiness OUT_OF_SERVICE first and no module event re-opens it; liveness stays UP', async () => {
    base = await startBase({ config: { ...PR, ...PK } });
    expect((await base.get('/actuator/health/readiness')).status).toBe(200);
    base.actuator.markShuttingDown();
    expect(base.actuator.availability.readiness).toBe('REFUSING_TRAFFIC');
    const r = await base.get('/actuator/health/readiness');
    expect(r.status).toBe(503);
    expect(r.text).toBe('{"status":"OUT_OF_SERVICE"}');
    await base.install('biz1');
    expect((await base.get('/actuator/health/readiness')).status).toBe(503);
    expect((await base.get('/actuator/health/liveness')).status).toBe(200);
  });

  test('base startup failure: liveness DOWN (restart me), readiness OUT_OF_SERVICE', async () => {
    base = await startBase({ config: { ...PA, ...PK }, state: 'failed' });
    expect((await base.get('/actuator/health/liveness')).text).toBe('{"status":"DOWN"}');
    expect((await base.get('/actuator/health/readiness')).text).toBe('{"status":"OUT_OF_SERVICE"}');
    base.actuator.markBaseReady(); // a failed base stays failed
    expect((await base.get('/actuator/health')).json.components.masterBizStartUp.status).toBe('DOWN');
  });

  test('probes.add-additional-paths: /livez and /readyz answer like the probe groups', async () => {
    base = await startBase({ config: { ...PK, probesAddAdditionalPaths: true }, state: 'starting' });
    expect((await base.get('/livez')).text).toBe('{"status":"UP"}');
    const r = await base.get('/readyz');
    expect(r.status).toBe(503);
    expect(r.text).toBe('{"status":"OUT_OF_SERVICE"}');
  });

  test('a custom readiness group can include masterBizStartUp (spec §5.3)', async () => {
    base = await startBase({
      config: { ...PK, groups: { readiness: { include: ['readinessState', 'masterBizStartUp'], showComponents: 'always' } } },
      state: 'starting',
    });
    base.actuator.markBaseReady();
    const r = await base.get('/actuator/health/readiness');
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ status: 'UP', components: { masterBizStartUp: { status: 'UP' }, readinessState: { status: 'UP' } } });
    expect((await base.get('/actuator/health/readiness/masterBizStartUp')).json).toEqual({ status: 'UP' });
    expect((await base.get('/actuator/health/readiness/ping')).status).toBe(404);
  });
});
