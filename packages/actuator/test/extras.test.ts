/**
 * Behaviour beyond the numbered cases of docs/reference/health-semantics.md § Conformance cases: slow and
 * hanging indicators (bounded, with the reason), concurrent module evaluation, the base's own indicators / info
 * contributors / plugins and their stable error codes, the component-name switch, when-authorized with roles
 * and tokens, exposure, paths, methods, build/git info, prepareUninstall and close().
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { BASE_ID, BIZ1, PA, PR, startBase, waitFor, type TestBase } from './harness.js';

let base: TestBase | undefined;
afterEach(async () => {
  await base?.close();
  base = undefined;
});

describe('slow, hanging and blocking indicators', () => {
  test('a module indicator that never settles → UNKNOWN with the reason, within the per-indicator timeout', async () => {
    base = await startBase({ config: PA, runtime: { healthTimeoutMs: 300 } });
    await base.install('hang');
    const t0 = Date.now();
    const r = await base.get('/actuator/health');
    const elapsed = Date.now() - t0;
    expect(elapsed).toBeLessThan(1500);
    expect(r.status).toBe(200); // UNKNOWN ranks below UP
    const entry = r.json.components.arkBizAggregate.details['hang:1.0.0'];
    expect(entry.status).toBe('UNKNOWN');
    expect(entry.details.ping).toEqual({ status: 'UP', details: {} });
    expect(entry.details.stuck).toEqual({ status: 'UNKNOWN', details: { error: 'indicator timed out after 300 ms' } });
    expect(r.json.components.arkBizAggregate.status).toBe('UNKNOWN');
  });

  test('modules are evaluated concurrently: two hanging modules cost one timeout, not two', async () => {
    base = await startBase({ config: PA, runtime: { healthTimeoutMs: 700 } });
    await Promise.all([base.install('hang'), base.install('hang2')]);
    const t0 = Date.now();
    const r = await base.get('/actuator/health');
    const elapsed = Date.now() - t0;
    expect(Object.keys(r.json.components.arkBizAggregate.details).sort()).toEqual(['hang2:1.0.0', 'hang:1.0.0']);
    expect(elapsed).toBeGreaterThanOrEqual(680);
    expect(elapsed).toBeLessThan(1350); // evaluated one after the other it would take at least 1400 ms
  });

  test('a module whose indicator blocks its worker → DOWN with the reason (runtime bound), request not hung', async () => {
    base = await startBase({ config: PA, runtime: { healthTimeoutMs: 300, stopTimeoutMs: 300 } });
    await base.install('busy', { SPIN_MS: '3000' });
    const t0 = Date.now();
    const r = await base.get('/actuator/health');
    expect(Date.now() - t0).toBeLessThan(2800);
    const entry = r.json.components.arkBizAggregate.details['busy:1.0.0'];
    expect(entry.status).toBe('DOWN');
    expect(entry.details.worker.details.error).toMatch(/did not answer within 1300 ms/);
    expect(r.status).toBe(503);
  });

  test('nodeark.actuator.health.biz-timeout bounds a module from the base side too', async () => {
    base = await startBase({ config: { ...PA, bizHealthTimeoutMs: 250 }, runtime: { healthTimeoutMs: 5000, stopTimeoutMs: 300 } });
    await base.install('busy', { SPIN_MS: '1200' });
    const t0 = Date.now();
    const r = await base.get('/actuator/health/arkBizAggregate');
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(r.json.details['busy:1.0.0']).toEqual({
      status: 'DOWN',
      details: { worker: { status: 'DOWN', details: { error: 'module health did not answer within 250 ms' } } },
    });
  });

  test('a base indicator that hangs → UNKNOWN after indicator-timeout; one that throws → DOWN "Name: message"', async () => {
    base = await startBase({ config: { ...PA, indicatorTimeoutMs: 150 } });
    base.actuator.registerHealthIndicator('slowDb', () => new Promise(() => {}));
    base.actuator.registerHealthIndicator('cache', () => {
      throw new TypeError('cache offline');
    });
    const t0 = Date.now();
    const r = await base.get('/actuator/health');
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(r.json.components.slowDb).toEqual({ status: 'UNKNOWN', details: { error: 'indicator timed out after 150 ms' } });
    expect(r.json.components.cache).toEqual({ status: 'DOWN', details: { error: 'TypeError: cache offline' } });
    expect(r.status).toBe(503);
  });
});

describe('module health evaluation cost', () => {
  const calls = (h: Awaited<ReturnType<TestBase['actuator']['health']>>): number =>
    ((h.body.components!.arkBizAggregate!.details!['counter:1.0.0'] as { details: { calls: { details: { n: number } } } }).details.calls.details.n);

  test('concurrent requests share one in-flight evaluation per module; sequential ones re-evaluate (cache off by default)', async () => {
    base = await startBase({ config: PA });
    await base.install('counter');
    const [a, b] = await Promise.all([base.actuator.health(), base.actuator.health()]);
    expect(calls(a)).toBe(calls(b));
    const c = await base.actuator.health();
    expect(calls(c)).toBe(calls(a) + 1);
  });

  test('management.endpoint.health.cache.time-to-live reuses a module result for the TTL', async () => {
    base = await startBase({ config: { ...PA, healthCacheTtlMs: 300 } });
    await base.install('counter');
    const a = await base.actuator.health();
    const b = await base.actuator.health();
    expect(calls(b)).toBe(calls(a));
    await new Promise((r) => setTimeout(r, 350));
    expect(calls(await base.actuator.health())).toBe(calls(a) + 1);
  });
});

describe('base indicators, info contributors, plugins', () => {
  test('registerHealthIndicator adds a component; duplicates and bad names are rejected with stable codes; unregister removes it', async () => {
    base = await startBase({ config: PA });
    base.actuator.registerHealthIndicator('db', async () => ({ status: 'up', details: { pool: 3 } }));
    const r = await base.get('/actuator/health/db');
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ status: 'UP', details: { pool: 3 } });
    expect(() => base!.actuator.registerHealthIndicator('db', () => ({ status: 'UP' }))).toThrow(
      expect.objectContaining({ code: 'NODEARK_ERR_ACTUATOR_DUPLICATE_INDICATOR' }),
    );
    expect(() => base!.actuator.registerHealthIndicator('ping', () => ({ status: 'UP' }))).toThrow(
      expect.objectContaining({ code: 'NODEARK_ERR_ACTUATOR_DUPLICATE_INDICATOR' }),
    );
    expect(() => base!.actuator.registerHealthIndicator('masterBizStartUp', () => ({ status: 'UP' }))).toThrow(
      expect.objectContaining({ code: 'NODEARK_ERR_ACTUATOR_DUPLICATE_INDICATOR' }),
    );
    expect(() => base!.actuator.registerHealthIndicator('a/b', () => ({ status: 'UP' }))).toThrow(
      expect.objectContaining({ code: 'NODEARK_ERR_ACTUATOR_INVALID_NAME' }),
    );
    expect(() => base!.actuator.registerHealthIndicator('x', 42 as never)).toThrow(expect.objectContaining({ code: 'NODEARK_ERR_ACTUATOR_NOT_A_FUNCTION' }));
    base.actuator.registerHealthIndicator('down', () => ({ status: 'DOWN' }));
    expect((await base.get('/actuator/health')).status).toBe(503);
    expect(base.actuator.unregisterHealthIndicator('down')).toBe(true);
    expect(base.actuator.unregisterHealthIndicator('ping')).toBe(false);
    expect((await base.get('/actuator/health')).status).toBe(200);
  });

  test('registerInfoContributor and registerPlugin extend /actuator/info; duplicates rejected', async () => {
    base = await startBase({ config: PA });
    base.actuator.registerInfoContributor('app', () => ({ region: 'eu' }));
    base.actuator.registerInfoContributor('broken', () => {
      throw new Error('nope');
    });
    base.actuator.registerPlugin({ name: 'tracing-plugin', version: '2.0.0', activator: 'tracing.start' });
    expect(() => base!.actuator.registerInfoContributor('app', () => 1)).toThrow(
      expect.objectContaining({ code: 'NODEARK_ERR_ACTUATOR_DUPLICATE_INFO_CONTRIBUTOR' }),
    );
    expect(() => base!.actuator.registerInfoContributor('arkBizInfo', () => 1)).toThrow(
      expect.objectContaining({ code: 'NODEARK_ERR_ACTUATOR_DUPLICATE_INFO_CONTRIBUTOR' }),
    );
    expect(() => base!.actuator.registerPlugin({ name: 'tracing-plugin', version: '3' })).toThrow(
      expect.objectContaining({ code: 'NODEARK_ERR_ACTUATOR_DUPLICATE_PLUGIN' }),
    );
    expect(() => base!.actuator.registerPlugin({ name: '@nodeark/runtime', version: '3' })).toThrow(
      expect.objectContaining({ code: 'NODEARK_ERR_ACTUATOR_DUPLICATE_PLUGIN' }),
    );
    const r = await base.get('/actuator/info');
    expect(r.json.app).toEqual({ region: 'eu' });
    expect(r.json.broken).toEqual({ error: 'Error: nope' });
    expect(r.json.arkPluginInfo).toContainEqual({ pluginName: 'tracing-plugin', artifactId: 'tracing-plugin', pluginVersion: '2.0.0', pluginActivator: 'tracing.start' });
    expect(r.json.arkPluginInfo.map((p: { pluginName: string }) => p.pluginName)).toEqual(
      expect.arrayContaining(['@nodeark/runtime', '@nodeark/actuator', 'tracing-plugin']),
    );
  });

  test('build and git info are read from spring.info.*.location when present; info.* with management.info.env.enabled', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'nodeark-info-'));
    try {
      await writeFile(join(dir, 'build-info.json'), JSON.stringify({ artifact: 'demo-base', version: '1.2.3', time: '2026-01-01T00:00:00Z' }));
      await writeFile(
        join(dir, 'git.properties'),
        'git.branch=main\ngit.commit.id=0123456789abcdef\ngit.commit.time=2026-01-01T00:00:00Z\ngit.dirty=false\n',
      );
      base = await startBase({
        config: {
          ...PA,
          buildInfoLocation: join(dir, 'build-info.json'),
          gitInfoLocation: join(dir, 'git.properties'),
          infoEnvEnabled: true,
          infoEnv: { app: { owner: 'team-a' } },
        },
      });
      const r = await base.get('/actuator/info');
      expect(r.json.build).toEqual({ artifact: 'demo-base', version: '1.2.3', time: '2026-01-01T00:00:00Z' });
      expect(r.json.git).toEqual({ branch: 'main', commit: { id: '0123456', time: '2026-01-01T00:00:00Z' } });
      expect(r.json.app).toEqual({ owner: 'team-a' });
      expect(Object.keys(r.json)).toEqual(['app', 'git', 'build', 'arkBizInfo', 'arkPluginInfo']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('naming, format and access', () => {
  test('component-names=runtime emits baseStartUp/compositeAllBiz only; aggregate indicator-format=nested gives Java\'s nested status', async () => {
    base = await startBase({ config: { ...PA, componentNames: 'runtime', aggregateIndicatorFormat: 'nested' } });
    await base.install('biz1');
    const r = await base.get('/actuator/health');
    expect(r.json.components).toHaveProperty('baseStartUp');
    expect(r.json.components).toHaveProperty('compositeAllBiz');
    expect(r.json.components).not.toHaveProperty('masterBizStartUp');
    expect(r.json.components).not.toHaveProperty('arkBizAggregate');
    expect(r.json.components.compositeAllBiz.details[BIZ1].details.ping).toEqual({ details: {}, status: { status: 'UP' } });
    expect(base.actuator.componentNames).toEqual({ startup: 'baseStartUp', aggregate: 'compositeAllBiz' });
    expect((await base.get('/actuator/health/masterBizStartUp')).status).toBe(404);
    expect((await base.get('/actuator/health/baseStartUp')).status).toBe(200);
  });

  test('explicit component names win over the switch', async () => {
    base = await startBase({ config: { ...PA, startupComponentName: 'startup', aggregateComponentName: 'modules' } });
    const r = await base.get('/actuator/health');
    expect(Object.keys(r.json.components)).toEqual(['diskSpace', 'modules', 'ping', 'startup']);
  });

  test('when-authorized with roles: a principal without the role sees status only; bearer token and the authorize hook work', async () => {
    base = await startBase({
      config: {
        showDetails: 'when-authorized',
        roles: ['ACTUATOR'],
        securityUserName: 'viewer',
        securityUserPassword: 'pw',
        securityUserRoles: ['USER'],
        securityToken: 'tok-123',
        securityTokenRoles: ['ROLE_ACTUATOR'],
      },
      authorize: (req) => (req.headers['x-test-user'] === 'admin' ? { name: 'admin', roles: ['ACTUATOR'] } : undefined),
    });
    const basic = await base.get('/actuator/health', { authorization: `Basic ${Buffer.from('viewer:pw').toString('base64')}` });
    expect(basic.text).toBe('{"status":"UP"}');
    const bearer = await base.get('/actuator/health', { authorization: 'Bearer tok-123' });
    expect(bearer.json.components.masterBizStartUp.details).toEqual({ [BASE_ID]: { status: 'UP' } });
    expect((await base.get('/actuator/health', { authorization: 'Bearer wrong' })).text).toBe('{"status":"UP"}');
    const hook = await base.get('/actuator/health', { 'x-test-user': 'admin' });
    expect(hook.json.components).toHaveProperty('ping');
  });

  test('exposure: exclude wins over include, "*" exposes all; base-path and path-mapping move the routes', async () => {
    base = await startBase({ config: { exposureInclude: ['*'], exposureExclude: ['info'] } });
    expect((await base.get('/actuator/info')).status).toBe(404);
    expect((await base.get('/actuator/health')).status).toBe(200);
    await base.close();
    base = await startBase({ config: { exposureInclude: ['info'] } });
    expect((await base.get('/actuator/health')).status).toBe(404);
    expect((await base.get('/actuator/info')).status).toBe(200);
    expect(Object.keys((await base.get('/actuator')).json._links)).toEqual(['self', 'info']);
    await base.close();
    base = await startBase({ config: { basePath: '/manage', pathMapping: { health: 'healthcheck' } } });
    expect((await base.get('/actuator/health')).status).toBe(404);
    expect((await base.get('/manage/healthcheck')).text).toBe('{"status":"UP"}');
    expect((await base.get('/manage')).json._links['health-path'].href).toBe(`${base.url}/manage/healthcheck/{*path}`);
  });

  test('only GET/HEAD are mapped: POST → 405; HEAD → headers only', async () => {
    base = await startBase({ config: PA });
    const post = await base.get('/actuator/health', {}, 'POST');
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('GET, HEAD');
    const head = await base.get('/actuator/health', {}, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.text).toBe('');
  });
});

describe('lifecycle API', () => {
  test('prepareUninstall (the beforeUninstall hook): out of AGG, STARTUP DOWN and readiness refused during the silence while the module still serves; removed at once after the stop', async () => {
    base = await startBase({ config: { ...PR, probesEnabled: true, silenceSecondsBeforeUninstall: 1 } });
    await base.install('biz1');
    const t0 = Date.now();
    const pending = base.runtime.uninstall('biz1', '0.0.1-SNAPSHOT');
    await waitFor(() => base!.actuator.availability.readiness === 'REFUSING_TRAFFIC', 800, 'readiness to drop');
    const during = await base.get('/actuator/health');
    expect(during.json.components.masterBizStartUp.details[BIZ1]).toEqual({ status: 'DOWN' });
    expect(during.json.components.readinessState.status).toBe('OUT_OF_SERVICE');
    expect(during.json.components.arkBizAggregate).toEqual({ status: 'UP' });
    const served = await base.get('/biz1/hello');
    expect(served.status).toBe(200);
    expect(served.text).toBe('hello from biz1:0.0.1-SNAPSHOT');
    expect(await pending).toMatchObject({ code: 'SUCCESS' });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(980);
    const after = await base.get('/actuator/health');
    expect(after.json.components.masterBizStartUp.details).not.toHaveProperty(BIZ1);
  });

  test('close() detaches the runtime listener: later transitions no longer reach STARTUP', async () => {
    base = await startBase({ config: PA });
    base.actuator.close();
    base.actuator.close(); // idempotent
    expect(base.runtime.listenerCount('transition')).toBe(0);
    expect(() => base!.actuator.registerHealthIndicator('late', () => ({ status: 'UP' }))).toThrow(
      expect.objectContaining({ code: 'NODEARK_ERR_ACTUATOR_CLOSED' }),
    );
  });

  test('modules installed before createActuator are seeded into STARTUP', async () => {
    const { createActuator } = await import('@nodeark/actuator');
    base = await startBase({ config: PA });
    await base.install('biz1');
    const late = createActuator({ runtime: base.runtime, masterBiz: { bizName: 'base', bizVersion: '1.0.0' }, config: PA });
    late.markBaseReady();
    const h = await late.health();
    expect(h.statusCode).toBe(200);
    expect(h.body.components!.masterBizStartUp!.details).toEqual({ [BASE_ID]: { status: 'UP' }, [BIZ1]: { status: 'UP' } });
    late.close();
  });
});
