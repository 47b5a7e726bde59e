/**
 * queryAllBiz and health (docs/reference/arklet-protocol.md § queryAllBiz, § Health assembly; conformance
 * cases 26-35): listing, input handling, health types, metrics, biz/plugin lookups, the cpu/jvm maps and
 * custom indicators.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BASE_ID, expectInternalError, expectKeys, expectOutput, fixtureUrl, MASTER, startHarness, type Harness } from './harness.js';

const CPU_KEYS = ['count', 'type', 'total used (%)', 'user used (%)', 'system used (%)', 'free (%)'];
const JVM_KEYS = [
  'java version',
  'java home',
  'total memory(M)',
  'max memory(M)',
  'free memory(M)',
  'init heap memory(M)',
  'used heap memory(M)',
  'committed heap memory(M)',
  'max heap memory(M)',
  'init non heap memory(M)',
  'used non heap memory(M)',
  'committed non heap memory(M)',
  'max non heap memory(M)',
  'loaded class count',
  'unload class count',
  'total class count',
  'run time(s)',
  'java used metaspace',
  'java committed metaspace',
  'java max metaspace',
];
const CAPACITY = 8 * 1024 * 1024 * 1024;
const MASTER_META = { bizName: MASTER.bizName, bizState: 'activated', bizVersion: MASTER.bizVersion, webContextPath: '/' };

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ memoryCapacityBytes: CAPACITY, healthIndicatorTimeoutMs: 150 });
  h.arklet.registerHealthIndicator('custom', () => ({ key: 'value' }));
  h.arklet.registerHealthIndicator('flaky', async () => {
    throw new Error('db down');
  });
  h.arklet.registerHealthIndicator('stuck', () => new Promise(() => {}));
  const installs: [string, Record<string, unknown>][] = [
    ['hello', { bizName: 'hello', bizVersion: '1.0.0' }],
    ['hello-v2', { bizName: 'hello', bizVersion: '2.0.0' }],
    ['prio-high', { envs: { START_DELAY_MS: '0' } }],
    ['prio-low', { envs: { START_DELAY_MS: '0' } }],
  ];
  for (const [dir, extra] of installs) {
    const a = await h.post('installBiz', { bizUrl: fixtureUrl(dir), ...extra });
    expect(a.json.code, dir).toBe('SUCCESS');
  }
});
afterAll(async () => {
  await h.close();
});

describe('§9 queryAllBiz', () => {
  it('case 26: one entry per installed module, any state, by priority; the master biz is not listed', async () => {
    const a = await h.post('queryAllBiz', {});
    expectOutput(a, 'SUCCESS', { data: true });
    const list = a.json.data as Record<string, unknown>[];
    for (const b of list) expectKeys(b, ['bizName', 'bizState', 'bizStateRecords', 'bizVersion', 'mainClass', 'webContextPath']);
    expect(list.map((b) => `${String(b['bizName'])}:${String(b['bizVersion'])}:${String(b['bizState'])}`)).toEqual([
      'prio-low:1.0.0:activated',
      'hello:1.0.0:activated',
      'hello:2.0.0:deactivated',
      'prio-high:1.0.0:activated',
    ]);
    expect(list.some((b) => b['bizName'] === MASTER.bizName)).toBe(false);
    const hello = list[1] as { mainClass: string; webContextPath: string; bizStateRecords: { changeTime: number }[] };
    expect(hello.mainClass).toBe('index.mjs');
    expect(hello.webContextPath).toBe('hello');
    for (const r of hello.bizStateRecords) expect(Number.isInteger(r.changeTime)).toBe(true);
  });

  it('case 27: the input is ignored', async () => {
    const reference = (await h.post('queryAllBiz', {})).json;
    for (const body of [undefined, 'null', { x: 1 }, { bizName: 5, metrics: 'x' }]) {
      expect((await h.post('queryAllBiz', body)).json).toEqual(reference);
    }
  });
});

describe('§9 health', () => {
  it('case 28: an unknown type → validation error', async () => {
    expectInternalError(await h.post('health', { type: 'non type' }), 'Internal Error: type: non type can not be found');
    expectInternalError(await h.post('health', { type: 'SYSTEM' }), 'Internal Error: type: SYSTEM can not be found');
    expectInternalError(await h.post('health', { metrics: 'cpu' }), 'Internal Error: metrics must be an array (got string)');
    expectInternalError(await h.post('health', { type: 3 }), 'Internal Error: type must be a string (got number)');
  });

  it('case 29: {} → SUCCESS with masterBizInfo, cpu, jvm, bizListInfo and pluginListInfo', async () => {
    for (const body of [{}, undefined, { type: '' }]) {
      const a = await h.post('health', body);
      expectOutput(a, 'SUCCESS', { data: true });
      expectKeys(a.json.data, ['healthData']);
      const hd = a.json.data.healthData;
      expectKeys(hd, ['masterBizInfo', 'cpu', 'jvm', 'custom', 'flaky', 'stuck', 'bizListInfo', 'pluginListInfo']);
      expect(hd.masterBizInfo).toEqual(MASTER_META);
      expect(hd.pluginListInfo).toEqual([]);
      expect(hd.bizListInfo[0]).toEqual(MASTER_META);
      expect(hd.bizListInfo).toHaveLength(5);
      for (const b of hd.bizListInfo) expectKeys(b, ['bizName', 'bizState', 'bizVersion', 'webContextPath']);
    }
  });

  it('case 30: metrics empty or ["cpu","jvm"] → both maps; ["cpu"] → only cpu', async () => {
    const both = await h.post('health', { type: 'system', metrics: ['cpu', 'jvm'] });
    expectKeys(both.json.data.healthData, ['cpu', 'jvm']);
    const all = await h.post('health', { type: 'system', metrics: [] });
    expectKeys(all.json.data.healthData, ['cpu', 'jvm', 'custom', 'flaky', 'stuck']);
    const cpu = await h.post('health', { type: 'system', metrics: ['cpu'] });
    expectOutput(cpu, 'SUCCESS', { data: true });
    expectKeys(cpu.json.data.healthData, ['cpu']);
    const noType = await h.post('health', { metrics: ['jvm'] });
    expectKeys(noType.json.data.healthData, ['masterBizInfo', 'jvm', 'bizListInfo', 'pluginListInfo']);
  });

  it('case 31: an unknown metric → FAILED "indicator not registered" with no data', async () => {
    expect((await h.post('health', { metrics: ['nonMetrics'] })).json).toEqual({
      baseIdentity: BASE_ID,
      code: 'FAILED',
      message: 'indicator not registered',
    });
    expect((await h.post('health', { type: 'system', metrics: ['cpu', 'gpu'] })).json.message).toBe('indicator not registered');
  });

  it('case 32: type=biz by name, name+version, unknown', async () => {
    const all = await h.post('health', { type: 'biz' });
    expectKeys(all.json.data.healthData, ['bizListInfo']);
    expect(all.json.data.healthData.bizListInfo).toHaveLength(5);
    const byName = await h.post('health', { type: 'biz', bizName: 'hello' });
    expect(byName.json.data.healthData).toEqual({
      bizListInfo: [
        { bizName: 'hello', bizState: 'activated', bizVersion: '1.0.0', webContextPath: 'hello' },
        { bizName: 'hello', bizState: 'deactivated', bizVersion: '2.0.0', webContextPath: 'hello' },
      ],
    });
    const one = await h.post('health', { type: 'biz', bizName: 'hello', bizVersion: '2.0.0' });
    expect(one.json.data.healthData).toEqual({
      bizInfo: { bizName: 'hello', bizState: 'deactivated', bizVersion: '2.0.0', webContextPath: 'hello' },
    });
    const master = await h.post('health', { type: 'biz', bizName: MASTER.bizName, bizVersion: MASTER.bizVersion });
    expect(master.json.data.healthData).toEqual({ bizInfo: MASTER_META });
    expect((await h.post('health', { type: 'biz', bizName: 'nope', bizVersion: '1.0.0' })).json).toEqual({
      baseIdentity: BASE_ID,
      code: 'FAILED',
      message: 'can not find biz',
    });
    expect((await h.post('health', { type: 'biz', bizName: 'nope' })).json).toEqual({
      baseIdentity: BASE_ID,
      code: 'FAILED',
      message: 'can not find biz: nope',
    });
  });

  it('case 33: type=plugin: an empty list, a name is never found (Node has no Ark plugins)', async () => {
    const list = await h.post('health', { type: 'plugin' });
    expect(list.json.data).toEqual({ healthData: { pluginListInfo: [] } });
    expect((await h.post('health', { type: 'plugin', bizName: 'web-ark-plugin' })).json).toEqual({
      baseIdentity: BASE_ID,
      code: 'FAILED',
      message: 'can not find plugin',
    });
    // As in Java, a bizName without a type is also looked up as a plugin name
    // (docs/reference/arklet-protocol.md § Health assembly).
    expect((await h.post('health', { bizName: 'hello' })).json.message).toBe('can not find plugin');
    // Java runs the biz and the plugin lookups; the plugin error, set last, is the one answered.
    expect((await h.post('health', { bizName: 'no-such-biz' })).json).toEqual({ baseIdentity: BASE_ID, code: 'FAILED', message: 'can not find plugin' });
  });

  it('case 34: the cpu map has exactly the Java keys, the jvm map the 17 + 3 metaspace keys, typed for Go', async () => {
    const hd = (await h.post('health', { type: 'system', metrics: ['cpu', 'jvm'] })).json.data.healthData;
    expectKeys(hd.cpu, CPU_KEYS);
    expect(Number.isInteger(hd.cpu.count) && hd.cpu.count > 0).toBe(true);
    expect(hd.cpu.type).toBeTypeOf('string');
    for (const k of CPU_KEYS.slice(2)) expect(hd.cpu[k], k).toBeTypeOf('number');
    for (const k of ['user used (%)', 'system used (%)', 'free (%)']) {
      expect(hd.cpu[k], k).toBeGreaterThanOrEqual(0);
      expect(hd.cpu[k], k).toBeLessThanOrEqual(100);
    }
    expectKeys(hd.jvm, JVM_KEYS);
    expect(hd.jvm['java version']).toBe(process.version);
    expect(hd.jvm['java home']).toBeTypeOf('string');
    for (const k of JVM_KEYS.filter((k) => k.endsWith('(M)') || k === 'run time(s)')) expect(hd.jvm[k], k).toBeTypeOf('number');
    expect(hd.jvm['init heap memory(M)']).toBe(-1 / (1024 * 1024));
    expect(hd.jvm['used heap memory(M)']).toBeGreaterThan(0);
    for (const k of ['loaded class count', 'unload class count', 'total class count', 'java used metaspace', 'java committed metaspace', 'java max metaspace']) {
      expect(Number.isInteger(hd.jvm[k]), k).toBe(true);
    }
    expect(hd.jvm['loaded class count']).toBe(5);
    expect(hd.jvm['total class count']).toBe(hd.jvm['loaded class count'] + hd.jvm['unload class count']);
    expect(hd.jvm['java max metaspace']).toBe(CAPACITY);
    expect(hd.jvm['java committed metaspace']).toBeGreaterThan(0);
    expect(hd.jvm['java used metaspace']).toBeLessThanOrEqual(hd.jvm['java committed metaspace']);
  });

  it('case 35: a custom indicator appears under its id; failures and timeouts report an error', async () => {
    const hd = (await h.post('health', { type: 'system', metrics: ['custom', 'flaky', 'stuck'] })).json.data.healthData;
    expect(hd).toEqual({
      custom: { key: 'value' },
      flaky: { error: 'db down' },
      stuck: { error: 'indicator timed out after 150 ms' },
    });
    expect(() => h.arklet.registerHealthIndicator('custom', () => ({}))).toThrow(expect.objectContaining({ code: 'NODEARK_ERR_ARKLET_INVALID_INDICATOR' }));
    expect(() => h.arklet.registerHealthIndicator('cpu', () => ({}))).toThrow(/already registered/);
    expect(() => h.arklet.registerHealthIndicator(' ', () => ({}))).toThrow(expect.objectContaining({ code: 'NODEARK_ERR_ARKLET_INVALID_INDICATOR' }));
  });

  it('the unload count follows uninstalls', async () => {
    const before = (await h.post('health', { type: 'system', metrics: ['jvm'] })).json.data.healthData.jvm;
    expect((await h.post('uninstallBiz', { bizName: 'prio-high', bizVersion: '1.0.0' })).json.data.code).toBe('SUCCESS');
    const after = (await h.post('health', { type: 'system', metrics: ['jvm'] })).json.data.healthData.jvm;
    expect(after['unload class count']).toBe(before['unload class count'] + 1);
    expect(after['loaded class count']).toBe(before['loaded class count'] - 1);
  });
});
