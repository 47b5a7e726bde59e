/**
 * docs/reference/health-semantics.md § Endpoint mechanics (conformance cases 39-53): bodies, codes, component
 * paths and their 404s, content negotiation, when-authorized, http-mapping, exposure, the links index, info and
 * the module endpoint.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { BASE_ID, BIZ1, P0, PA, PK, startBase, type TestBase } from './harness.js';

const V3 = 'application/vnd.spring-boot.actuator.v3+json';
const V2 = 'application/vnd.spring-boot.actuator.v2+json';

let base: TestBase | undefined;
afterEach(async () => {
  await base?.close();
  base = undefined;
});

describe('Endpoint mechanics', () => {
  test('39 P0, base READY: GET /actuator/health → 200, body exactly {"status":"UP"}, Content-Type v3', async () => {
    base = await startBase({ config: P0 });
    const r = await base.get('/actuator/health');
    expect(r.status).toBe(200);
    expect(r.text).toBe('{"status":"UP"}');
    expect(r.headers['content-type']).toBe(V3);
  });

  test('40 P0, base FAILED → 503 {"status":"DOWN"}', async () => {
    base = await startBase({ config: P0, state: 'failed' });
    const r = await base.get('/actuator/health');
    expect(r.status).toBe(503);
    expect(r.text).toBe('{"status":"DOWN"}');
  });

  test('41 P0: GET /actuator/health/masterBizStartUp → 404, empty body (components hidden)', async () => {
    base = await startBase({ config: P0 });
    const r = await base.get('/actuator/health/masterBizStartUp');
    expect(r.status).toBe(404);
    expect(r.text).toBe('');
  });

  test('42 show-components=always, show-details=never, base READY → exact sorted components; component path → {"status":"UP"}', async () => {
    // The "minimal fixture": ping + the two Koupleless components (diskSpace switched off).
    base = await startBase({ config: { showComponents: 'always', showDetails: 'never', diskSpaceEnabled: false } });
    const r = await base.get('/actuator/health');
    expect(r.status).toBe(200);
    expect(r.text).toBe(
      '{"status":"UP","components":{"arkBizAggregate":{"status":"UP"},"masterBizStartUp":{"status":"UP"},"ping":{"status":"UP"}}}',
    );
    const c = await base.get('/actuator/health/masterBizStartUp');
    expect(c.status).toBe(200);
    expect(c.text).toBe('{"status":"UP"}');
    // With the default diskSpace it is listed too, in Java String order.
    await base.close();
    base = await startBase({ config: { showComponents: 'always' } });
    expect(Object.keys((await base.get('/actuator/health')).json.components)).toEqual(['arkBizAggregate', 'diskSpace', 'masterBizStartUp', 'ping']);
  });

  test('43 PA, base FAILED: GET /actuator/health/masterBizStartUp → 503 with the full STARTUP JSON', async () => {
    base = await startBase({ config: PA, state: 'failed' });
    const r = await base.get('/actuator/health/masterBizStartUp');
    expect(r.status).toBe(503);
    expect(r.json).toEqual({ status: 'DOWN', details: { [BASE_ID]: { status: 'DOWN' } } });
  });

  test('44 PA: GET /actuator/health/arkBizAggregate/biz1:0.0.1-SNAPSHOT → 404 (plain indicator, no instances)', async () => {
    base = await startBase({ config: PA });
    await base.install('biz1');
    const agg = await base.get('/actuator/health/arkBizAggregate');
    expect(agg.status).toBe(200);
    expect(agg.json.details).toHaveProperty(BIZ1);
    const r = await base.get(`/actuator/health/arkBizAggregate/${BIZ1}`);
    expect(r.status).toBe(404);
    expect(r.text).toBe('');
  });

  test('45 PA: GET /actuator/health/doesNotExist → 404, empty body', async () => {
    base = await startBase({ config: PA });
    const r = await base.get('/actuator/health/doesNotExist');
    expect(r.status).toBe(404);
    expect(r.text).toBe('');
  });

  test('46 PA, Accept v2 → 200, Content-Type v2, root uses "details" instead of "components"', async () => {
    base = await startBase({ config: PA });
    const r = await base.get('/actuator/health', { accept: V2 });
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe(V2);
    expect(r.json).not.toHaveProperty('components');
    expect(r.json.details.masterBizStartUp).toEqual({ status: 'UP', details: { [BASE_ID]: { status: 'UP' } } });
  });

  test('47 PA, Accept application/json → 200, Content-Type application/json, v3 body with "components"', async () => {
    base = await startBase({ config: PA });
    const r = await base.get('/actuator/health', { accept: 'application/json' });
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('application/json');
    expect(r.json.components.masterBizStartUp.status).toBe('UP');
    // No Accept and */* are v3; an Accept nothing matches is 406.
    expect((await base.get('/actuator/health', { accept: '*/*' })).headers['content-type']).toBe(V3);
    const na = await base.get('/actuator/health', { accept: 'text/plain' });
    expect(na.status).toBe(406);
    expect((await base.get('/actuator/info', { accept: 'text/html' })).status).toBe(406);
  });

  test('48 show-details=when-authorized: anonymous → as P0 (status only, component paths 404); authenticated with no roles configured → full details', async () => {
    base = await startBase({
      config: { showDetails: 'when-authorized', securityUserName: 'ops', securityUserPassword: 's3cret' },
    });
    const anon = await base.get('/actuator/health');
    expect(anon.status).toBe(200);
    expect(anon.text).toBe('{"status":"UP"}');
    expect((await base.get('/actuator/health/masterBizStartUp')).status).toBe(404);
    const wrong = await base.get('/actuator/health', { authorization: `Basic ${Buffer.from('ops:nope').toString('base64')}` });
    expect(wrong.text).toBe('{"status":"UP"}');
    const auth = { authorization: `Basic ${Buffer.from('ops:s3cret').toString('base64')}` };
    const r = await base.get('/actuator/health', auth);
    expect(r.status).toBe(200);
    expect(r.json.components.masterBizStartUp).toEqual({ status: 'UP', details: { [BASE_ID]: { status: 'UP' } } });
    expect(r.json.components.diskSpace.details).toHaveProperty('free');
    const c = await base.get('/actuator/health/masterBizStartUp', auth);
    expect(c.status).toBe(200);
    expect(c.json.details).toEqual({ [BASE_ID]: { status: 'UP' } });
  });

  test('49 PA + http-mapping.down=500, base FAILED → 500, body DOWN; the mapping replaces the defaults (OUT_OF_SERVICE → 200)', async () => {
    base = await startBase({ config: { ...PA, ...PK, statusHttpMapping: { down: 500 } }, state: 'failed' });
    const r = await base.get('/actuator/health');
    expect(r.status).toBe(500);
    expect(r.json.status).toBe('DOWN');
    const readiness = await base.get('/actuator/health/readiness');
    expect(readiness.json.status).toBe('OUT_OF_SERVICE');
    expect(readiness.status).toBe(200);
  });

  test('50 P0: GET /actuator/info → 404 (not exposed); GET /actuator → 200 with links self, health, health-path only', async () => {
    base = await startBase({ config: P0 });
    const info = await base.get('/actuator/info');
    expect(info.status).toBe(404);
    const r = await base.get('/actuator');
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe(V3);
    expect(Object.keys(r.json._links)).toEqual(['self', 'health', 'health-path']);
  });

  test('51 PA: GET /actuator/info → 200 {arkBizInfo: [...ACTIVATED..., master with "/"], arkPluginInfo: [...]}', async () => {
    base = await startBase({ config: PA });
    await base.install('biz1');
    const r = await base.get('/actuator/info');
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe(V3);
    expect(Object.keys(r.json).slice(-2)).toEqual(['arkBizInfo', 'arkPluginInfo']);
    expect(r.json.arkBizInfo).toEqual([
      { bizName: 'biz1', bizVersion: '0.0.1-SNAPSHOT', bizState: 'ACTIVATED', webContextPath: 'biz1' },
      { bizName: 'base', bizVersion: '1.0.0', bizState: 'ACTIVATED', webContextPath: '/' },
    ]);
    expect(Array.isArray(r.json.arkPluginInfo)).toBe(true);
    const runtime = r.json.arkPluginInfo.find((p: { pluginName: string }) => p.pluginName === '@nodeark/runtime');
    expect(runtime).toMatchObject({ groupId: '@nodeark', artifactId: 'runtime', pluginVersion: '0.1.0' });
    expect(Object.keys(runtime).slice(0, 4)).toEqual(['pluginName', 'groupId', 'artifactId', 'pluginVersion']);
  });

  test('52 PA: GET /actuator → 200 with the links body of §7.8 (self, health, health-path templated, info)', async () => {
    base = await startBase({ config: PA });
    const r = await base.get('/actuator');
    expect(r.status).toBe(200);
    const u = base.url;
    expect(r.text).toBe(
      JSON.stringify({
        _links: {
          self: { href: `${u}/actuator`, templated: false },
          health: { href: `${u}/actuator/health`, templated: false },
          'health-path': { href: `${u}/actuator/health/{*path}`, templated: true },
          info: { href: `${u}/actuator/info`, templated: false },
        },
      }),
    );
    // A trailing slash is stripped from the request URL.
    expect((await base.get('/actuator/')).json._links.self.href).toBe(`${u}/actuator`);
  });

  test('53 Module endpoint: GET /biz1/actuator/health → 200 with only the module\'s own indicators, independent of the base config', async () => {
    base = await startBase({ config: P0 });
    await base.install('biz1');
    const r = await base.get('/biz1/actuator/health');
    expect(r.status).toBe(200);
    expect(r.json).toEqual({
      status: 'UP',
      components: {
        diskSpace: { status: 'UP', details: { total: 494384795648, free: 272435396608, threshold: 10485760, exists: true } },
        ping: { status: 'UP' },
      },
    });
    expect(r.text).not.toContain('masterBizStartUp');
    expect(r.text).not.toContain('arkBizAggregate');
    // The base's own endpoint is still P0.
    expect((await base.get('/actuator/health')).text).toBe('{"status":"UP"}');
  });
});
