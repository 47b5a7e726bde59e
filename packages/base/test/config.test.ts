import { describe, expect, it } from 'vitest';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ACTUATOR_CONFIG_SCHEMA, loadConfig } from 'nodeark';

describe('loadConfig', () => {
  it('has the documented defaults', () => {
    const c = loadConfig({ env: {} });
    expect(c.get('server.port')).toBe(8080);
    expect(c.get('koupleless.arklet.http.port')).toBe(1238);
    expect(c.get('koupleless.healthcheck.base.readiness.withAllBizReadiness')).toBe(false);
    // Actuator keys have no loader default: the actuator applies its own (documented as docDefault).
    expect(c.explicitEntries()).toEqual([]);
    expect(ACTUATOR_CONFIG_SCHEMA['management.endpoint.health.show-details']!.docDefault).toBe('never');
    expect(c.get('nodeark.biz.start-timeout')).toBe(60_000);
    expect(c.isExplicit('server.port')).toBe(false);
  });

  it('applies file < options < environment < arguments, later wins', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'nodeark-config-'));
    const file = join(dir, 'base.json');
    await writeFile(
      file,
      JSON.stringify({ server: { port: 1000 }, 'spring.application.name': 'from-file', koupleless: { arklet: { http: { port: 2000 } } } }),
    );
    const c = loadConfig({
      argv: ['--config', file, '--server.port=4000', '--json'],
      values: { 'spring.application.name': 'from-options' },
      env: { SERVER_PORT: '3000', KOUPLELESS_ARKLET_HTTP_PORT: '2001', MANAGEMENT_ENDPOINT_HEALTH_SHOWDETAILS: 'always', UNRELATED: 'x' },
    });
    expect(c.get('server.port')).toBe(4000);
    expect(c.get('koupleless.arklet.http.port')).toBe(2001);
    expect(c.get('spring.application.name')).toBe('from-options');
    expect(Object.fromEntries(c.explicitEntries())['management.endpoint.health.show-details']).toBe('always');
    expect(c.isExplicit('koupleless.arklet.http.port')).toBe(true);
  });

  it('reads relaxed env names with dashes as underscores too, and camelCase keys', () => {
    const c = loadConfig({
      env: {
        MANAGEMENT_ENDPOINT_HEALTH_SHOW_DETAILS: 'when-authorized',
        KOUPLELESS_HEALTHCHECK_BASE_READINESS_WITHALLBIZREADINESS: 'true',
        MANAGEMENT_ENDPOINT_HEALTH_STATUS_HTTPMAPPING_DOWN: '500',
      },
    });
    expect(Object.fromEntries(c.explicitEntries())['management.endpoint.health.show-details']).toBe('when-authorized');
    expect(c.get('koupleless.healthcheck.base.readiness.withAllBizReadiness')).toBe(true);
    // Pattern keys are declared too (an HTTP status here) and coerced by the loader like every other key.
    expect(c.byPrefix('management.endpoint.health.status.http-mapping.')).toEqual({ DOWN: 500 });
  });

  it('parses durations, sizes and lists', () => {
    const c = loadConfig({
      env: {},
      argv: ['--nodeark.biz.start-timeout=30s', '--nodeark.bundle.max-archive-size=10mb', '--management.endpoints.web.exposure.include=health, info'],
    });
    expect(c.get('nodeark.biz.start-timeout')).toBe(30_000);
    expect(c.get('nodeark.bundle.max-archive-size')).toBe(10 * 1024 * 1024);
    expect(Object.fromEntries(c.explicitEntries())['management.endpoints.web.exposure.include']).toEqual(['health', 'info']);
  });

  it.each([
    [['--server.port=eighty'], 'NODEARK_ERR_CONFIG_INVALID_VALUE', /"server\.port" \(from argument --server\.port\): expected an integer/],
    [['--server.port=70000'], 'NODEARK_ERR_CONFIG_INVALID_VALUE', /expected a port number/],
    [['--management.endpoint.health.show-details=sometimes'], 'NODEARK_ERR_CONFIG_INVALID_VALUE', /expected one of never, when-authorized, always/],
    [['--nodeark.biz.stop-timeout=soon'], 'NODEARK_ERR_CONFIG_INVALID_VALUE', /expected a duration/],
    [['--server.prot=1'], 'NODEARK_ERR_CONFIG_UNKNOWN_KEY', /Unknown configuration key "server\.prot"/],
    [['--koupleless.healthcheck.base.readiness.withAllBizReadiness=yes'], 'NODEARK_ERR_CONFIG_INVALID_VALUE', /expected true or false/],
  ])('fails on %j naming the key', (argv, code, message) => {
    let err: { code?: string; message?: string } | undefined;
    try {
      loadConfig({ env: {}, argv });
    } catch (e) {
      err = e as { code: string; message: string };
    }
    expect(err?.code).toBe(code);
    expect(err?.message).toMatch(message);
  });

  it('refuses an unknown key with the closest known one, on the whole key', () => {
    const refused = (argv: string[]): string | undefined => {
      try {
        loadConfig({ env: {}, argv });
        return undefined;
      } catch (err) {
        return (err as Error).message;
      }
    };
    expect(refused(['--server.prot=1'])).toMatch(/did you mean "server\.port"\?$/);
    expect(refused(['--management.endpoints.web.exposure.inclde=health'])).toMatch(/did you mean "management\.endpoints\.web\.exposure\.include"\?$/);
    expect(refused(['--zzz.qqq=1'])).toMatch(/see docs\/configuration\.md$/);
    // `--config.x` is a key, not the config file option: refused, not silently dropped.
    expect(refused(['--config.x=1'])).toBe('Unknown configuration key "config.x" (from argument --config.x); see docs/configuration.md');
  });

  it('fails on a bad environment value naming the variable', () => {
    expect(() => loadConfig({ env: { SERVER_PORT: 'abc' } })).toThrow(/environment variable SERVER_PORT/);
  });

  it('fails on an unreadable or non-object config file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'nodeark-config-'));
    await writeFile(join(dir, 'bad.json'), '{ nope');
    await writeFile(join(dir, 'arr.json'), '[1]');
    expect(() => loadConfig({ env: {}, file: join(dir, 'bad.json') })).toThrow(expect.objectContaining({ code: 'NODEARK_ERR_CONFIG_FILE' }));
    expect(() => loadConfig({ env: {}, file: join(dir, 'arr.json') })).toThrow(/must contain a JSON object/);
    expect(() => loadConfig({ env: {}, file: join(dir, 'missing.json') })).toThrow(expect.objectContaining({ code: 'NODEARK_ERR_CONFIG_FILE' }));
  });

  it('redacts secrets in toJSON', () => {
    const c = loadConfig({ env: {}, argv: ['--nodeark.download.basic-auth.password=hunter2'] });
    expect(c.toJSON()['nodeark.download.basic-auth.password']).toBe('***');
  });
});
