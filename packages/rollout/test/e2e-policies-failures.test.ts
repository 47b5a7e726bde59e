/**
 * End to end against real bases on loopback: the other upgrade policies (uninstall_then_install,
 * scaleup_then_scaledown §4.5 case 29), gray pauses (§4.3 case 21), no capacity (§4.1 cases 6-7), an install
 * that fails (§4.6 case 36) and a base that fails in the middle of a rollout (case 37).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryStateStore, parseModuleDeployment, runRollout, type ModuleDeployment, type RolloutEvent } from '@nodeark/rollout';
import { fixture, startFleet, type TestFleet } from './fleet-harness.js';

let tf: TestFleet | undefined;
afterEach(async () => {
  await tf?.close();
  tf = undefined;
});

function deployment(version: string, replicas: number, ops: Record<string, unknown> = {}, dir = `provider-${version}`): ModuleDeployment {
  return parseModuleDeployment({
    spec: {
      replicas,
      template: { spec: { module: { name: 'provider', version, url: fixture(dir) } } },
      operationStrategy: { batchCount: 1, ...ops },
    },
  });
}

const fast = { activationTimeoutMs: 20_000, pollIntervalMs: 50, observeTimeoutMs: 3_000 };

function run(fleet: TestFleet, md: ModuleDeployment, state: MemoryStateStore, extra: Partial<Parameters<typeof runRollout>[0]> = {}) {
  const events: RolloutEvent[] = [];
  const result = runRollout({ md, fleet: () => Promise.resolve(fleet.fleet()), state, ...fast, onEvent: (e) => events.push(e), ...extra });
  return { events, result };
}

const only = (v: string) => (mods: Record<string, string[]>) => Object.entries(mods).filter(([, m]) => m.includes(`provider:${v}:activated`)).map(([k]) => k);

describe('upgrade policies', () => {
  it('uninstall_then_install upgrades in place: the old version is gone before the new one is installed', async () => {
    tf = await startFleet(['b1', 'b2']);
    const state = new MemoryStateStore();
    expect((await run(tf, deployment('1.0.0', 2), state).result).phase).toBe('Completed');
    const up = run(tf, deployment('2.0.0', 2, { upgradePolicy: 'UninstallThenInstall', batchCount: 2 }), state, { autoConfirm: true });
    expect((await up.result).phase).toBe('Completed');
    expect(await tf.modules()).toEqual({ b1: ['provider:2.0.0:activated'], b2: ['provider:2.0.0:activated'] });
    const b1 = up.events.filter((e): e is Extract<RolloutEvent, { type: 'base' }> => e.type === 'base' && e.base === 'b1').map((e) => `${e.status}${e.message ? ` ${e.message}` : ''}`);
    expect(b1.indexOf('Terminating uninstallBiz provider:1.0.0')).toBeLessThan(b1.indexOf('Upgrading installBiz provider:2.0.0'));
    expect(b1.indexOf('Terminating uninstallBiz provider:1.0.0')).toBeGreaterThanOrEqual(0);
  });

  it('4.5.29 scaleup_then_scaledown with spare bases: v2 surges onto b3 then b1, v1 leaves b1 then b2; end {b1, b3}', async () => {
    tf = await startFleet(['b1', 'b2', 'b3', 'b4']);
    const state = new MemoryStateStore();
    expect((await run(tf, deployment('1.0.0', 2), state).result).phase).toBe('Completed');
    expect(only('1.0.0')(await tf.modules())).toEqual(['b1', 'b2']);
    const up = run(tf, deployment('2.0.0', 2, { upgradePolicy: 'scaleup_then_scaledown', batchCount: 2, needConfirm: true }), state, { autoConfirm: true });
    expect((await up.result).phase).toBe('Completed');
    const starts = up.events.filter((e): e is Extract<RolloutEvent, { type: 'batch-start' }> => e.type === 'batch-start');
    expect(starts.map((s) => [s.actions.map((a) => `${a.kind}:${a.base}`), s.cleanup.map((a) => `${a.kind}:${a.base}`)])).toEqual([
      [['install:b3'], ['remove:b1']],
      [['install:b1'], ['remove:b2']],
    ]);
    expect(await tf.modules()).toEqual({ b1: ['provider:2.0.0:activated'], b2: [], b3: ['provider:2.0.0:activated'], b4: [] });
  });
});

describe('replacement', () => {
  it('cordoning a base moves its replica: installed on another base (strategy ranking) first, then uninstalled', async () => {
    tf = await startFleet(['b1', 'b2', 'b3']);
    const state = new MemoryStateStore();
    expect((await run(tf, deployment('1.0.0', 2), state).result).phase).toBe('Completed');
    expect(only('1.0.0')(await tf.modules())).toEqual(['b1', 'b2']);
    tf.cordoned.add('b1');
    const r = run(tf, deployment('1.0.0', 2), state);
    expect((await r.result).phase).toBe('Completed');
    expect(await tf.modules()).toEqual({ b1: [], b2: ['provider:1.0.0:activated'], b3: ['provider:1.0.0:activated'] });
    const order = r.events.filter((e): e is Extract<RolloutEvent, { type: 'base' }> => e.type === 'base' && (e.status === 'Available' || e.status === 'Terminated')).map((e) => `${e.base}:${e.status}`);
    expect(order).toEqual(['b3:Available', 'b1:Terminated']);
  });
});

describe('pauses', () => {
  it('4.3.21 rec.: gray time without needConfirm continues by itself, counted from the batch completion', async () => {
    tf = await startFleet(['b1', 'b2']);
    const r = run(tf, deployment('1.0.0', 2, { batchCount: 2, grayTimeBetweenBatchSeconds: 0.4 }), new MemoryStateStore());
    const result = await r.result;
    expect(result.phase).toBe('Completed');
    const at = (pred: (e: RolloutEvent) => boolean) => r.events.findIndex(pred);
    const gray = r.events[at((e) => e.type === 'gray')] as Extract<RolloutEvent, { type: 'gray' }>;
    expect(gray.afterBatch).toBe(1);
    expect(r.events.filter((e) => e.type === 'gray')).toHaveLength(1);
    expect(at((e) => e.type === 'batch-complete')).toBeLessThan(at((e) => e.type === 'gray'));
    expect(r.events.some((e) => e.type === 'paused')).toBe(false);
    // The second batch started no earlier than the gray time after batch 1 completed.
    const released = (result.plan.release.batchCompletedAt['1'] ?? 0) + 400;
    expect(gray.until).toBe(released);
    expect(result.plan.release.completedAt! - released).toBeGreaterThanOrEqual(0);
  });
});

describe('blocked rollouts', () => {
  it('4.1.7 + 4.1.6 rec.: no capacity → Blocked InsufficientCapacity (exit reason), then completes when a base with room joins', async () => {
    tf = await startFleet(['b1', 'b2'], { max: { b1: 1, b2: 1 } });
    await tf.install('b1', 'other', '1.0.0', 'other-1.0.0');
    const state = new MemoryStateStore();
    const md = deployment('1.0.0', 2);
    const first = await run(tf, md, state).result;
    expect(first.phase).toBe('Blocked');
    expect(first.blocked?.reason).toBe('InsufficientCapacity');
    expect(first.blocked?.message).toMatch(/needs 1 more base .*full: b1 \(1\/1 modules\)/);
    expect((await tf.modules()).b2).toEqual(['provider:1.0.0:activated']);
    // With waitBlockedMs the same run keeps looking and completes once b3 joins the fleet.
    const second = run(tf, md, state, { waitBlockedMs: 10_000, blockedRetryIntervalMs: 100 });
    setTimeout(() => void tf!.add('b3'), 300);
    expect((await second.result).phase).toBe('Completed');
    expect(second.events.some((e) => e.type === 'blocked' && e.willRetryUntil !== undefined)).toBe(true);
    expect((await tf.modules()).b3).toEqual(['provider:1.0.0:activated']);
  });

  it('4.6.36 rec.: an install that fails blocks the batch with the error; the old version keeps serving; rollback works', async () => {
    tf = await startFleet(['b1', 'b2', 'b3']);
    const state = new MemoryStateStore();
    expect((await run(tf, deployment('1.0.0', 3), state).result).phase).toBe('Completed');
    const bad = deployment('3.0.0', 3, { batchCount: 3 }, 'provider-3.0.0-broken');
    const r = await run(tf, bad, state).result;
    expect(r.phase).toBe('Blocked');
    expect(r.blocked?.reason).toBe('InstallFailed');
    expect(r.blocked?.bases).toEqual(['b1']);
    expect(r.blocked?.message).toContain('refuses to start');
    expect(r.batchesRun).toEqual([1]);
    // Nothing else was touched; b1 still serves 1.0.0 (the failed new version never activated).
    expect(await tf.modules()).toEqual({ b1: ['provider:1.0.0:activated'], b2: ['provider:1.0.0:activated'], b3: ['provider:1.0.0:activated'] });
    expect((await tf.get('b1', '/provider/')).body).toBe('1.0.0');
    // Retries are bounded.
    const retried = run(tf, bad, state, { retries: 1 });
    expect((await retried.result).phase).toBe('Blocked');
    expect(retried.events.filter((e) => e.type === 'base' && e.status === 'Upgrading')).toHaveLength(2);
    // Rolling back (re-applying 1.0.0) is immediately complete.
    expect((await run(tf, deployment('1.0.0', 3), state).result).phase).toBe('Completed');
  });

  it('4.6.37: a base that goes away mid-rollout blocks with its name; --ignore-unreachable places its replica elsewhere', async () => {
    tf = await startFleet(['b1', 'b2', 'b3', 'b4']);
    const state = new MemoryStateStore();
    const md = deployment('1.0.0', 3, { batchCount: 3, grayTimeBetweenBatchSeconds: 0.2 });
    // b2 dies during the gray time after batch 1 (which installed on b1).
    const r = run(tf, md, state, {
      onEvent: (e) => {
        if (e.type === 'gray' && e.afterBatch === 1) void tf!.stop('b2');
      },
    });
    const result = await r.result;
    expect(result.phase).toBe('Blocked');
    expect(result.blocked?.reason).toBe('BaseUnreachable');
    expect(result.blocked?.bases).toEqual(['b2']);
    expect(result.blocked?.message).toMatch(/b2 \(http:\/\/127\.0\.0\.1:\d+\/\): .*NODEARK_ERR_CLIENT_CONNECT/);
    const cont = run(tf, md, state, { ignoreUnreachable: true });
    expect((await cont.result).phase).toBe('Completed');
    expect(await tf.modules()).toEqual({ b1: ['provider:1.0.0:activated'], b3: ['provider:1.0.0:activated'], b4: ['provider:1.0.0:activated'] });
  });

  it('4.6.37: a base that dies while being operated on fails the batch with BaseUnreachable', async () => {
    tf = await startFleet(['b1', 'b2']);
    const state = new MemoryStateStore();
    const md = deployment('1.0.0', 2);
    const r = run(tf, md, state, {
      onEvent: (e) => {
        if (e.type === 'batch-start') void tf!.stop('b2');
      },
    });
    const result = await r.result;
    expect(result.phase).toBe('Blocked');
    expect(result.blocked?.bases).toContain('b2');
    expect(result.blocked?.reason).toBe('BaseUnreachable');
  });
});
