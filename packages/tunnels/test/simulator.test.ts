/**
 * Unit tests of the ModuleController v2 simulator's rules (`simulator/rules.ts`) against the numbers and
 * tables of docs/reference/module-controller.md: if the simulator drifts from them, the contract tests would
 * prove nothing, so its rules are pinned here.
 */
import { describe, expect, it } from 'vitest';
import {
  REAL_TIMING,
  baselineOf,
  bizInfoToStatus,
  buildNode,
  containerToBizModel,
  extractNodeId,
  formatNodeName,
  isModulePod,
  memoryFromHealth,
  moduleContainer,
  needSync,
  podStatusOf,
  retryDelayMs,
  scaledTiming,
  toContainerStatus,
  type BizStatusData,
  type Pod,
} from './simulator/index.js';

const st = (state: string, changeTime: number, reason = 'r', message = 'm'): BizStatusData => ({ key: 'biz1:1', name: 'biz1', state, changeTime, reason, message });

function pod(containers: Pod['spec']['containers'], labels: Record<string, string> = { 'virtual-kubelet.koupleless.io/component': 'module' }): Pod {
  return {
    metadata: { name: 'p', namespace: 'default', labels },
    spec: { nodeName: 'vnode.b1.dev', containers },
    status: { phase: 'Pending', conditions: [], containerStatuses: [] },
  };
}

describe('simulator rules (docs/kubernetes.md)', () => {
  it('§1.3 timers, and scaling keeps their ratios', () => {
    expect(REAL_TIMING).toMatchObject({ healthIntervalMs: 10_000, queryAllBizIntervalMs: 15_000, livenessCheckMs: 3_000, unreachableMs: 25_000, deadMs: 60_000 });
    const s = scaledTiming(0.05);
    expect(s).toMatchObject({ healthIntervalMs: 500, queryAllBizIntervalMs: 750, livenessCheckMs: 150, unreachableMs: 1_250, deadMs: 3_000, mqttStaleMs: 10_000 });
  });

  it('§1.2 node name and id extraction re-join dotted identities', () => {
    expect(formatNodeName('10.0.0.12', 'dev')).toBe('vnode.10.0.0.12.dev');
    expect(extractNodeId('vnode.10.0.0.12.dev')).toBe('10.0.0.12');
    expect(extractNodeId(formatNodeName('base-7f9c-1', 'prod'))).toBe('base-7f9c-1');
  });

  it('§1.2 buildNode: tunnel-port label only for a non-zero port; empty localIP falls back to 127.0.0.1 on the Node', () => {
    const n = buildNode(
      { baseMetadata: { identity: 'b1', name: 'n', version: 'v', clusterName: 'c' }, localIP: '', localHostName: 'h', port: 0, state: 'ACTIVATED' },
      'dev',
    );
    expect(n.metadata.labels).not.toHaveProperty('base.koupleless.io/tunnel-port');
    expect(n.status.addresses[0]).toEqual({ type: 'InternalIP', address: '127.0.0.1' });
    expect(n.status.capacity['pods']).toBe('65535');
  });

  it('§1.4 memory from health: bytes → Ki, allocatable = max − committed, -1 unset, absent = 0', () => {
    expect(memoryFromHealth({ 'java max metaspace': 268435456, 'java committed metaspace': 67108864 })).toEqual({ capacity: '262144Ki', allocatable: '196608Ki' });
    expect(memoryFromHealth({ 'java max metaspace': -1, 'java committed metaspace': 5 })).toEqual({});
    expect(memoryFromHealth(undefined)).toEqual({ capacity: '0Ki', allocatable: '0Ki' });
  });

  it('§1.4 retry delays of a failed StartBiz: n×100 ms, then n²×100 ms, then 1000 s', () => {
    expect([1, 2, 3, 29].map(retryDelayMs)).toEqual([100, 200, 300, 2_900]);
    expect(retryDelayMs(30)).toBe(90_000);
    expect(retryDelayMs(99)).toBe(980_100);
    expect(retryDelayMs(100)).toBe(1_000_000);
  });

  it('§1.4 queryAllBiz → status: the record with the largest changeTime wins; without records, the query time', () => {
    const s = bizInfoToStatus(
      {
        bizName: 'biz1',
        bizVersion: '1',
        bizState: 'deactivated',
        bizStateRecords: [
          { changeTime: 3, state: 'deactivated', reason: 'Switched', message: 'later' },
          { changeTime: 1, state: 'resolved', reason: 'Created', message: '' },
        ],
      },
      99,
    );
    expect(s).toEqual({ key: 'biz1:1', name: 'biz1', state: 'DEACTIVATED', changeTime: 3, reason: 'Switched', message: 'later' });
    expect(bizInfoToStatus({ bizName: 'a', bizVersion: '1', bizState: 'activated' }, 99).changeTime).toBe(99);
  });

  it('§1.5 pod → BizModel: container name, literal BIZ_VERSION only, image; empty fields omitted; the module label required', () => {
    expect(containerToBizModel(moduleContainer('biz1', '0.0.1', 'http://h/biz1.jar'))).toEqual({ bizName: 'biz1', bizVersion: '0.0.1', bizUrl: 'http://h/biz1.jar' });
    expect(containerToBizModel({ name: 'biz1', image: 'x.jar', env: [{ name: 'BIZ_VERSION', valueFrom: {} }] })).toEqual({ bizName: 'biz1', bizUrl: 'x.jar' });
    expect(isModulePod(pod([]))).toBe(true);
    expect(isModulePod(pod([], {}))).toBe(false);
  });

  it('§1.6 container states', () => {
    const c = moduleContainer('biz1', '1', 'x.jar');
    expect(toContainerStatus(c, st('ACTIVATED', 5))).toMatchObject({ ready: true, started: true, state: { running: { startedAt: 5 } } });
    for (const s of ['RESOLVED', 'BROKEN', 'DEACTIVATED']) {
      expect(toContainerStatus(c, st(s, 5))).toMatchObject({ ready: false, state: { waiting: { reason: 'r', message: 'm' } } });
    }
    expect(toContainerStatus(c, st('STOPPED', 5))).toMatchObject({ state: { terminated: { exitCode: 1, finishedAt: 5 } } });
    expect(toContainerStatus(c, st('UNRESOLVED', 5)).state).toEqual({});
    expect(toContainerStatus(c, undefined).state).toEqual({});
  });

  it('§1.6 pod phase and Ready from the .jar containers only', () => {
    const two = pod([moduleContainer('a', '1', 'a.jar'), moduleContainer('b', '1', 'b.jar')]);
    const phase = (m: Record<string, BizStatusData>): [string, string] => {
      const s = podStatusOf(two, new Map(Object.entries(m)), '10.0.0.1');
      return [s.phase, s.conditions.find((c) => c.type === 'Ready')!.status];
    };
    expect(phase({})).toEqual(['Pending', 'False']);
    expect(phase({ a: st('ACTIVATED', 1) })).toEqual(['Running', 'False']);
    expect(phase({ a: st('ACTIVATED', 1), b: st('ACTIVATED', 1) })).toEqual(['Running', 'True']);
    expect(phase({ a: st('ACTIVATED', 1), b: st('DEACTIVATED', 1) })).toEqual(['Running', 'False']);
    expect(phase({ a: st('STOPPED', 1), b: st('STOPPED', 1) })).toEqual(['Succeeded', 'False']);
    expect(podStatusOf(pod([moduleContainer('a', '1', 'a.tgz')]), new Map(), 'ip').phase).toBe('Succeeded'); // no .jar container
    expect(podStatusOf(two, new Map(), '10.0.0.1').podIP).toBe('10.0.0.1');
  });

  it('§1.6 CheckContainerStatusNeedSync: the second-of-minute quirk drops a later transition; monotonic does not', () => {
    const at = (iso: string): number => Date.parse(iso);
    const old = st('ACTIVATED', at('2025-01-01T10:00:59.000Z'));
    const next = st('DEACTIVATED', at('2025-01-01T10:01:02.000Z')); // 3 s later, but second 2 < 59
    expect(needSync(old, next, 'second-of-minute')).toBe(false);
    expect(needSync(old, next, 'monotonic')).toBe(true);
    const sameSecond = st('DEACTIVATED', at('2025-01-01T10:00:59.900Z'));
    expect(needSync(old, sameSecond, 'second-of-minute')).toBe(false);
    expect(needSync(st('ACTIVATED', at('2025-01-01T10:00:10Z')), st('DEACTIVATED', at('2025-01-01T10:00:11Z')), 'second-of-minute')).toBe(true);
    expect(needSync(undefined, next, 'second-of-minute')).toBe(true);
  });

  it('§1.9 baseline: env label, cluster from label → nodeSelector → node affinity, oldest Deployment first', () => {
    const d = (name: string, created: number, labels: Record<string, string>, extra: object = {}): any => ({
      metadata: { name, labels, creationTimestamp: created },
      spec: { template: { spec: { containers: [moduleContainer(name, '1', `${name}.jar`)], ...extra } } },
    });
    const env = 'virtual-kubelet.koupleless.io/env';
    const cluster = 'base.koupleless.io/cluster-name';
    const list = [
      d('by-affinity', 3, { [env]: 'dev' }, {
        affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: cluster, operator: 'In', values: ['c1'] }] }] } } },
      }),
      d('by-label', 2, { [env]: 'dev', [cluster]: 'c1' }),
      d('by-selector', 1, { [env]: 'dev' }, { nodeSelector: { [cluster]: 'c1' } }),
      d('other-env', 0, { [env]: 'prod', [cluster]: 'c1' }),
      d('other-cluster', 0, { [env]: 'dev', [cluster]: 'c2' }),
    ];
    expect(baselineOf(list, 'dev', 'c1').map((m) => m.bizName)).toEqual(['by-selector', 'by-label', 'by-affinity']);
  });
});
