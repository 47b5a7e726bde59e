/**
 * The pure planner against the acceptance scenarios of docs/kubernetes.md (numbered as
 * there). Where v1 is defective the §3.16 recommendation is asserted and the test name says "rec.".
 */
import { describe, expect, it } from 'vitest';
import {
  applyAction,
  computeBatches,
  planRollout,
  rankForPlacement,
  rankForRemoval,
  simulateRollout,
  type Action,
  type FleetObservation,
  type ModuleDeployment,
  type ReleaseRecord,
  type RolloutPlan,
} from '@nodeark/rollout';
import { md, obs } from './helpers.js';

const bases = (actions: Action[]): string[] => actions.map((a) => a.base);
const targets = (m: ModuleDeployment, o: FleetObservation): number[] => planRollout({ md: m, observation: o }).batches.map((b) => b.target);

/** Runs the current batch of a plan on the observation as if it succeeded. */
function execute(o: FleetObservation, plan: RolloutPlan): FleetObservation {
  let out = o;
  for (const a of [...plan.actions, ...plan.cleanup]) out = applyAction(out, a, plan.module.name);
  return out;
}

function holders(o: FleetObservation, version?: string): string[] {
  return o.bases.filter((b) => b.bizs.some((z) => z.bizName === 'provider' && (version === undefined || z.bizVersion === version))).map((b) => b.name);
}

describe('§4.1 placement', () => {
  it('4.1.1 5 empty bases, M=2, target 4, scatter, batchCount 1 → b1..b4 in one batch, then Completed', () => {
    const o = obs({ b1: { max: 2 }, b2: { max: 2 }, b3: { max: 2 }, b4: { max: 2 }, b5: { max: 2 } });
    const plan = planRollout({ md: md({ replicas: 4 }), observation: o });
    expect(plan.batches.map((b) => b.target)).toEqual([4]);
    expect(plan.phase).toBe('Executing');
    expect(bases(plan.actions)).toEqual(['b1', 'b2', 'b3', 'b4']);
    expect(plan.actions.every((a) => a.kind === 'install')).toBe(true);
    const after = execute(o, plan);
    const done = planRollout({ md: md({ replicas: 4 }), observation: after, release: plan.release });
    expect(done.phase).toBe('Completed');
    expect(done.conditions).toContainEqual(expect.objectContaining({ type: 'Available', message: 'deployment release progress completed' }));
  });

  const counts = { b1: { count: 2, max: 2 }, b2: { count: 1, max: 2 }, b3: { count: 0, max: 2 }, b4: { count: 0, max: 2 }, b5: { count: 1, max: 2 } };

  it('4.1.2 counts 2,1,0,0,1, M=2, target 4, scatter → {b3, b4, b2, b5} (b1 full)', () => {
    expect(bases(planRollout({ md: md({ replicas: 4 }), observation: obs(counts) }).actions)).toEqual(['b3', 'b4', 'b2', 'b5']);
  });

  it('4.1.3 same, stacking, target 2 → {b2, b5}', () => {
    expect(bases(planRollout({ md: md({ replicas: 2, schedulingPolicy: 'stacking' }), observation: obs(counts) }).actions)).toEqual(['b2', 'b5']);
  });

  it('4.1.4 same, scatter, target 2 → {b3, b4}', () => {
    expect(bases(planRollout({ md: md({ replicas: 2 }), observation: obs(counts) }).actions)).toEqual(['b3', 'b4']);
  });

  it('4.1.5 v1 unit test: scatter adds pod-01, stacking adds pod-03 (pod-04 full, pod-02 has it)', () => {
    const o = obs({
      'pod-01': { count: 0, max: 3 },
      'pod-02': { count: 0, module: 'module-01', provider: '1.0.0', max: 3 },
      'pod-03': { count: 2, max: 3 },
      'pod-04': { count: 3, max: 3 },
    });
    const m = (p: string) => md({ name: 'module-01', replicas: 2, schedulingPolicy: p });
    expect(bases(planRollout({ md: m('scatter'), observation: o }).actions)).toEqual(['pod-01']);
    expect(bases(planRollout({ md: m('stacking'), observation: o }).actions)).toEqual(['pod-03']);
    // Both spellings of the policy are accepted.
    expect(bases(planRollout({ md: m('Stacking'), observation: o }).actions)).toEqual(['pod-03']);
  });

  it('4.1.6 rec.: one replica per base; 3 bases, target 4 → 3 installs, then Blocked InsufficientCapacity; completes when a 4th base joins', () => {
    const o = obs({ b1: {}, b2: {}, b3: {} });
    const m = md({ replicas: 4 });
    const plan = planRollout({ md: m, observation: o });
    expect(bases(plan.actions)).toEqual(['b1', 'b2', 'b3']);
    expect(plan.blocked?.reason).toBe('InsufficientCapacity');
    const after = execute(o, plan);
    const stuck = planRollout({ md: m, observation: after, release: plan.release });
    expect(stuck.phase).toBe('Blocked');
    expect(stuck.actions).toEqual([]);
    expect(stuck.blocked?.message).toMatch(/needs 1 more base .*already holding provider \(one replica per base\): b1, b2, b3/);
    expect(stuck.conditions).toContainEqual(expect.objectContaining({ type: 'ReplicaFailure', reason: 'InsufficientCapacity' }));
    const joined: FleetObservation = { ...after, bases: [...after.bases, { name: 'b4', arkletUrl: 'http://10.0.0.4:1238/', labels: {}, reachable: true, bizs: [] }] };
    const resumed = planRollout({ md: m, observation: joined, release: plan.release });
    expect(resumed.phase).toBe('Executing');
    expect(bases(resumed.actions)).toEqual(['b4']);
    expect(planRollout({ md: m, observation: execute(joined, resumed), release: plan.release }).phase).toBe('Completed');
  });

  it('4.1.7 rec.: no capacity at all (count = M = 1 everywhere), target 2 → Blocked, no installs', () => {
    const plan = planRollout({ md: md({ replicas: 2 }), observation: obs({ b1: { count: 1, max: 1 }, b2: { count: 1, max: 1 }, b3: { count: 1, max: 1 } }) });
    expect(plan.phase).toBe('Blocked');
    expect(plan.actions).toEqual([]);
    expect(plan.blocked).toMatchObject({ reason: 'InsufficientCapacity' });
    expect(plan.blocked!.message).toContain('full: b1 (1/1 modules), b2 (1/1 modules), b3 (1/1 modules)');
  });

  it('4.1.8 no max-module-count: counts 5, 7, 9, stacking, target 2 → {b3, b2}', () => {
    const plan = planRollout({ md: md({ replicas: 2, schedulingPolicy: 'stacking' }), observation: obs({ b1: { count: 5 }, b2: { count: 7 }, b3: { count: 9 } }) });
    expect(bases(plan.actions)).toEqual(['b3', 'b2']);
  });

  it('4.1.9 a base already holding the module (any version) is not a placement candidate → {b1, b3}', () => {
    // scaleup_then_scaledown places like v1: only on bases without the module; the old version on b2 is
    // then removed as part of the release (the ModuleDeployment owns the module name on its bases).
    const o = obs({ b1: {}, b2: { provider: '0.9.0' }, b3: {}, b4: {} });
    const plan = planRollout({ md: md({ replicas: 2, upgradePolicy: 'scaleup_then_scaledown' }), observation: o });
    expect(bases(plan.actions)).toEqual(['b1', 'b3']);
    expect(plan.cleanup.map((a) => [a.base, a.versions])).toEqual([['b2', ['0.9.0']]]);
    // rec. default install_then_uninstall: the base with the old version is upgraded in place first.
    const inPlace = planRollout({ md: md({ replicas: 2 }), observation: o });
    expect(inPlace.actions.map((a) => `${a.kind}:${a.base}`)).toEqual(['upgrade:b2', 'install:b1']);
    // The same version already there counts as a replica.
    const same = planRollout({ md: md({ replicas: 2 }), observation: obs({ b1: {}, b2: { provider: '1.0.0' }, b3: {} }) });
    expect(bases(same.actions)).toEqual(['b1']);
  });

  it('4.1 ranking helpers: scatter/stacking with name tie-breaks, removal in reverse', () => {
    const list = [
      { name: 'b2', count: 1 },
      { name: 'b1', count: 1 },
      { name: 'b3', count: 0 },
    ];
    expect(rankForPlacement(list, 'scatter').map((b) => b.name)).toEqual(['b3', 'b1', 'b2']);
    expect(rankForPlacement(list, 'stacking').map((b) => b.name)).toEqual(['b1', 'b2', 'b3']);
    expect(rankForRemoval(list, 'scatter').map((b) => b.name)).toEqual(['b1', 'b2', 'b3']);
    expect(rankForRemoval(list, 'stacking').map((b) => b.name)).toEqual(['b3', 'b1', 'b2']);
  });
});

describe('§4.2 batch planning (cumulative targets)', () => {
  const batch = (target: number, batchCount: number, useBeta = false, current = 0) =>
    computeBatches({ current, target, batchCount, useBeta, needConfirm: true, graySeconds: 0 });
  const t = (b: ReturnType<typeof batch>) => b.map((x) => x.target);
  const sizes = (b: ReturnType<typeof batch>) => b.map((x) => x.size);

  it('4.2.10 target 4, batchCount 2 → 2, 4 [2, 2], confirm(1) needed', () => {
    const b = batch(4, 2);
    expect(t(b)).toEqual([2, 4]);
    expect(sizes(b)).toEqual([2, 2]);
    expect(b.map((x) => x.pauseAfter.confirm)).toEqual([true, false]);
  });

  it('4.2.11 target 4, batchCount 2, useBeta → 1, 3, 4 [1, 2, 1], confirm(1) and confirm(2), v1 condition messages', () => {
    const b = batch(4, 2, true);
    expect(t(b)).toEqual([1, 3, 4]);
    expect(sizes(b)).toEqual([1, 2, 1]);
    expect(b.map((x) => x.beta)).toEqual([true, false, false]);
    expect(b.map((x) => x.pauseAfter.confirm)).toEqual([true, true, false]);
    // The conditions along the release.
    const m = md({ replicas: 4, batchCount: 2, useBeta: true, needConfirm: true });
    let o = obs({ b1: {}, b2: {}, b3: {}, b4: {} });
    let release: ReleaseRecord | undefined;
    const messages: string[] = [];
    for (let i = 0; i < 10; i++) {
      const plan = planRollout({ md: m, observation: o, ...(release ? { release } : {}) });
      release = plan.release;
      messages.push(...plan.conditions.map((c) => `${c.type}: ${c.message}`));
      if (plan.phase === 'Completed') break;
      if (plan.phase === 'WaitingForConfirmation') release.confirmed.push(plan.pause!.afterBatch);
      else o = execute(o, plan);
    }
    expect(messages.filter((x) => !x.includes('waiting for confirmation'))).toEqual([
      'Progressing: deployment release: beta deployment',
      'Progressing: deployment release: curbatch 2, batchCount 3',
      'Progressing: deployment release: curbatch 3, batchCount 3',
      'Available: deployment release progress completed',
    ]);
    expect(release!.confirmed).toEqual([1, 2]);
  });

  it('4.2.12 target 5, batchCount 2 → 3, 5', () => expect(t(batch(5, 2))).toEqual([3, 5]));
  it('4.2.13 target 5, batchCount 3 → 2, 4, 5 [2, 2, 1]', () => expect(sizes(batch(5, 3))).toEqual([2, 2, 1]));
  it('4.2.14 target 10, batchCount 3, useBeta → 1, 4, 7, 10', () => expect(t(batch(10, 3, true))).toEqual([1, 4, 7, 10]));

  it('4.2.15 target 2, batchCount 2, useBeta → 1, 2, with a confirmation after the beta batch even without needConfirm', () => {
    const b = computeBatches({ current: 0, target: 2, batchCount: 2, useBeta: true, needConfirm: false, graySeconds: 0 });
    expect(t(b)).toEqual([1, 2]);
    expect(b[0]).toMatchObject({ beta: true, pauseAfter: { confirm: true } });
    // Also when |delta| < batchCount makes R = 2 (3.5: beta applies whenever R ≠ 1).
    expect(computeBatches({ current: 0, target: 2, batchCount: 5, useBeta: true, needConfirm: false, graySeconds: 0 })[0]).toMatchObject({ beta: true });
  });

  it('4.2.16 target 2, batchCount 5 → R = |delta| = 2 → 1, 2', () => expect(t(batch(2, 5))).toEqual([1, 2]));

  it('4.2.17 target 1, batchCount 3, useBeta → 1, no beta, no pause', () => {
    const b = computeBatches({ current: 0, target: 1, batchCount: 3, useBeta: true, needConfirm: false, graySeconds: 0 });
    expect(b).toEqual([{ index: 1, target: 1, oldTarget: 0, size: 1, beta: false, pauseAfter: { confirm: false, graySeconds: 0 } }]);
  });

  it('4.2.18 batchCount 0 (or unset), target 7 → one batch of 7', () => {
    expect(t(batch(7, 0))).toEqual([7]);
    expect(targets(md({ replicas: 7 }), obs(Object.fromEntries(Array.from({ length: 7 }, (_, i) => [`b${i + 1}`, {}]))))).toEqual([7]);
  });

  it('4.2.19 rec. (clamped): target 5, batchCount 4 → 2, 4, 5 (no overshoot to 6; empty 4th batch skipped)', () => {
    expect(t(batch(5, 4))).toEqual([2, 4, 5]);
    expect(batch(5, 4).map((b) => b.index)).toEqual([1, 2, 3]);
  });
});

describe('§4.3 confirmation and gray time', () => {
  it('4.3.20 needConfirm, target 4, batchCount 2: paused after batch 1; confirm(0) or (2) does nothing; confirm(1) → batch 2; then Completed', () => {
    const m = md({ replicas: 4, batchCount: 2, needConfirm: true });
    const o0 = obs({ b1: {}, b2: {}, b3: {}, b4: {} });
    const p1 = planRollout({ md: m, observation: o0 });
    expect([p1.phase, p1.currentBatch, bases(p1.actions)]).toEqual(['Executing', 1, ['b1', 'b2']]);
    const o1 = execute(o0, p1);
    const release = p1.release;
    const paused = planRollout({ md: m, observation: o1, release });
    expect(paused.phase).toBe('WaitingForConfirmation');
    expect(paused.pause).toMatchObject({ afterBatch: 1, kind: 'confirm' });
    expect(paused.actions).toEqual([]);
    for (const wrong of [0, 2]) {
      expect(planRollout({ md: m, observation: o1, release: { ...release, confirmed: [wrong] } }).phase).toBe('WaitingForConfirmation');
    }
    const go = planRollout({ md: m, observation: o1, release: { ...release, confirmed: [1] } });
    expect([go.phase, go.currentBatch, bases(go.actions)]).toEqual(['Executing', 2, ['b3', 'b4']]);
    // Batch 2 does not start while batch 1 is not complete (one of its replicas vanished).
    const regressed = applyAction(o1, { kind: 'remove', base: 'b2', arkletUrl: '', versions: ['1.0.0'], summary: '' }, 'provider');
    const again = planRollout({ md: m, observation: regressed, release: { ...release, confirmed: [1] } });
    expect([again.currentBatch, bases(again.actions)]).toEqual([1, ['b2']]);
    const done = planRollout({ md: m, observation: execute(o1, go), release: { ...release, confirmed: [1] } });
    expect(done.phase).toBe('Completed');
    // A completed release is not continued: the next one starts with no confirmations.
    const next = planRollout({ md: m, observation: execute(o1, go), release: { ...release, confirmed: [1], completedAt: 5 } });
    expect(next.newRelease).toBe(true);
    expect(next.release.confirmed).toEqual([]);
  });

  it('4.3.21 rec.: needConfirm=false, gray 60 s → continues by itself 60 s after batch 1 *completed* (not launched)', () => {
    const m = md({ replicas: 4, batchCount: 2, gray: 60 });
    const o0 = obs({ b1: {}, b2: {}, b3: {}, b4: {} });
    const p1 = planRollout({ md: m, observation: o0, now: 0 });
    const o1 = execute(o0, p1);
    // Completion not yet recorded: the gray clock has not started.
    const unstamped = planRollout({ md: m, observation: o1, release: p1.release, now: 1_000_000 });
    expect(unstamped.phase).toBe('GrayPause');
    expect(unstamped.pause).toEqual({ afterBatch: 1, kind: 'gray' });
    const completedAt = 500_000; // the batch completed long after it was launched (at 0)
    const release = { ...p1.release, batchCompletedAt: { '1': completedAt } };
    const waiting = planRollout({ md: m, observation: o1, release, now: completedAt + 59_999 });
    expect(waiting.phase).toBe('GrayPause');
    expect(waiting.pause).toEqual({ afterBatch: 1, kind: 'gray', until: completedAt + 60_000 });
    const going = planRollout({ md: m, observation: o1, release, now: completedAt + 60_000 });
    expect(going.phase).toBe('Executing');
    expect(going.currentBatch).toBe(2);
    // No confirmation is asked for.
    expect(m.operationStrategy.needConfirm).toBe(false);
  });

  it('4.3.21 rec.: with needConfirm and gray, both are needed: the confirmation and the gray time since completion', () => {
    const m = md({ replicas: 4, batchCount: 2, gray: 10, needConfirm: true });
    const o0 = obs({ b1: {}, b2: {}, b3: {}, b4: {} });
    const p1 = planRollout({ md: m, observation: o0, now: 0 });
    const o1 = execute(o0, p1);
    const release = { ...p1.release, batchCompletedAt: { '1': 100 } };
    expect(planRollout({ md: m, observation: o1, release, now: 50_000 }).phase).toBe('WaitingForConfirmation');
    expect(planRollout({ md: m, observation: o1, release: { ...release, confirmed: [1] }, now: 5_000 }).phase).toBe('GrayPause');
    expect(planRollout({ md: m, observation: o1, release: { ...release, confirmed: [1] }, now: 10_100 }).phase).toBe('Executing');
  });

  it('4.3.22 rec.: needConfirm=false, gray 0, target 5, batchCount 2 → 3, 5 with no pause (no overshoot)', () => {
    const sim = simulateRollout({ md: md({ replicas: 5, batchCount: 2 }), observation: obs({ b1: {}, b2: {}, b3: {}, b4: {}, b5: {}, b6: {}, b7: {} }) });
    expect(sim.outcome).toBe('Completed');
    expect(sim.batches.map((b) => [b.batch.target, b.actions.length, b.pause?.confirm ?? false, b.pause?.graySeconds ?? 0])).toEqual([
      [3, 3, false, 0],
      [5, 2, false, 0],
    ]);
    expect(holders(sim.final)).toHaveLength(5);
  });

  it('4.3.23 needConfirm=false, gray 0, target 4, batchCount 2 → 2, 4, no pause, Completed', () => {
    const sim = simulateRollout({ md: md({ replicas: 4, batchCount: 2 }), observation: obs({ b1: {}, b2: {}, b3: {}, b4: {} }) });
    expect(sim.batches.map((b) => b.batch.target)).toEqual([2, 4]);
    expect(sim.batches[0]!.pause).toEqual({ confirm: false, graySeconds: 0 });
    expect(sim.outcome).toBe('Completed');
  });
});

describe('§4.4 scaling an existing deployment', () => {
  it('4.4.24 scale up 2 → 4, batchCount 2, needConfirm → 3, 4 on bases without the module', () => {
    const o = obs({ b1: { provider: '1.0.0' }, b2: { provider: '1.0.0' }, b3: {}, b4: {}, b5: { count: 1 } });
    const m = md({ replicas: 4, batchCount: 2, needConfirm: true });
    const sim = simulateRollout({ md: m, observation: o });
    expect(sim.batches.map((b) => [b.batch.target, bases(b.actions)])).toEqual([
      [3, ['b3']],
      [4, ['b4']],
    ]);
    expect(sim.batches[0]!.pause?.confirm).toBe(true);
  });

  it('4.4.25 scale down 6 → 2, batchCount 2 → 4, 2; scatter removes from the busiest bases first, stacking from the least busy', () => {
    const spec = { b1: { provider: '1.0.0', count: 0 }, b2: { provider: '1.0.0', count: 3 }, b3: { provider: '1.0.0', count: 1 }, b4: { provider: '1.0.0', count: 2 }, b5: { provider: '1.0.0', count: 5 }, b6: { provider: '1.0.0', count: 4 } };
    const scatter = simulateRollout({ md: md({ replicas: 2, batchCount: 2, needConfirm: true }), observation: obs(spec) });
    expect(scatter.batches.map((b) => [b.batch.target, bases(b.actions)])).toEqual([
      [4, ['b5', 'b6']],
      [2, ['b2', 'b4']],
    ]);
    expect(scatter.batches[0]!.actions[0]).toMatchObject({ kind: 'remove', versions: ['1.0.0'] });
    const stacking = simulateRollout({ md: md({ replicas: 2, batchCount: 2, schedulingPolicy: 'stacking' }), observation: obs(spec) });
    expect(stacking.batches.map((b) => bases(b.actions))).toEqual([
      ['b1', 'b3'],
      ['b4', 'b2'],
    ]);
  });

  it('4.4.26 scale down 10 → 5, batchCount 2 → 8, 5 (step ceil(-2.5) = -2)', () => {
    expect(computeBatches({ current: 10, target: 5, batchCount: 2, useBeta: false, needConfirm: false, graySeconds: 0 }).map((b) => [b.target, b.size])).toEqual([
      [8, -2],
      [5, -3],
    ]);
  });

  it('4.4.27 v1 unit test: module-03 on pod-03 (count 2) and pod-04 (count 3), target 1 → scatter removes pod-04, stacking pod-03', () => {
    const o = obs({ 'pod-03': { module: 'module-03', provider: '1.0.0', count: 1 }, 'pod-04': { module: 'module-03', provider: '1.0.0', count: 2 } });
    expect(bases(planRollout({ md: md({ name: 'module-03', replicas: 1 }), observation: o }).actions)).toEqual(['pod-04']);
    expect(bases(planRollout({ md: md({ name: 'module-03', replicas: 1, schedulingPolicy: 'stacking' }), observation: o }).actions)).toEqual(['pod-03']);
  });

  it('4.4.28 rec.: scale up 4 → 8 with useBeta, batchCount 2 → 5, 7, 8 (beta is +1, never a reset to 1)', () => {
    expect(computeBatches({ current: 4, target: 8, batchCount: 2, useBeta: true, needConfirm: false, graySeconds: 0 }).map((b) => b.target)).toEqual([5, 7, 8]);
    const o = obs(Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`b${i + 1}`, i < 4 ? { provider: '1.0.0' } : {}])));
    const plan = planRollout({ md: md({ replicas: 8, batchCount: 2, useBeta: true }), observation: o });
    expect(plan.actions.map((a) => `${a.kind}:${a.base}`)).toEqual(['install:b5']);
  });
});

describe('§4.5 version upgrade and rollback', () => {
  it('4.5.29 upgrade with spare bases, scaleup_then_scaledown: batch 1 v2 → b3 and v1 off b1; batch 2 v2 → b1 and v1 off b2; end {b1, b3}', () => {
    const o = obs({ b1: { provider: '1.0.0' }, b2: { provider: '1.0.0' }, b3: {}, b4: {} });
    const m = md({ replicas: 2, version: '2.0.0', batchCount: 2, needConfirm: true, upgradePolicy: 'scaleup_then_scaledown' });
    const sim = simulateRollout({ md: m, observation: o });
    expect(sim.batches.map((b) => [b.actions.map((a) => `${a.kind}:${a.base}`), b.cleanup.map((a) => `${a.kind}:${a.base}:${a.versions.join()}`)])).toEqual([
      [['install:b3'], ['remove:b1:1.0.0']],
      [['install:b1'], ['remove:b2:1.0.0']],
    ]);
    expect(holders(sim.final, '2.0.0')).toEqual(['b1', 'b3']);
    expect(holders(sim.final, '1.0.0')).toEqual([]);
  });

  it('4.5.29 rec. default install_then_uninstall upgrades in place instead: {b1}, then {b2}', () => {
    const o = obs({ b1: { provider: '1.0.0' }, b2: { provider: '1.0.0' }, b3: {}, b4: {} });
    const sim = simulateRollout({ md: md({ replicas: 2, version: '2.0.0', batchCount: 2, needConfirm: true, upgradePolicy: 'installThenUninstall' }), observation: o });
    expect(sim.batches.map((b) => b.actions.map((a) => `${a.kind}:${a.base}:${a.policy}`))).toEqual([['upgrade:b1:install_then_uninstall'], ['upgrade:b2:install_then_uninstall']]);
    expect(sim.batches.every((b) => b.cleanup.length === 0)).toBe(true);
  });

  it('4.5.30 rec.: no spare base: install_then_uninstall → batch 1 {b1}, batch 2 {b2}; uninstall_then_install likewise; scaleup_then_scaledown → Blocked with a hint', () => {
    const o = obs({ b1: { provider: '1.0.0' }, b2: { provider: '1.0.0' } });
    for (const policy of ['install_then_uninstall', 'uninstall_then_install']) {
      const sim = simulateRollout({ md: md({ replicas: 2, version: '2.0.0', batchCount: 2, needConfirm: true, upgradePolicy: policy }), observation: o });
      expect(sim.outcome).toBe('Completed');
      expect(sim.batches.map((b) => b.actions.map((a) => `${a.kind}:${a.base}:${a.versions.join()}→${a.version}`))).toEqual([['upgrade:b1:1.0.0→2.0.0'], ['upgrade:b2:1.0.0→2.0.0']]);
      expect(sim.batches[0]!.actions[0]!.policy).toBe(policy);
    }
    const surge = planRollout({ md: md({ replicas: 2, version: '2.0.0', batchCount: 2, upgradePolicy: 'scaleup_then_scaledown' }), observation: o });
    expect(surge.phase).toBe('Blocked');
    expect(surge.blocked?.message).toContain('use install_then_uninstall to upgrade in place');
  });

  it('4.5.30 an interrupted in-place upgrade is continued from what the base shows', () => {
    const m = md({ replicas: 2, version: '2.0.0', batchCount: 1 });
    // b1: new installed but not yet switched; b2: switched but the old one not yet uninstalled.
    const o = obs({ b1: { provider: [['1.0.0', 'activated'], ['2.0.0', 'deactivated']] }, b2: { provider: [['1.0.0', 'deactivated'], ['2.0.0', 'activated']] } });
    const plan = planRollout({ md: m, observation: o });
    expect(plan.actions.map((a) => `${a.kind}:${a.base}:${a.versions.join()}`).sort()).toEqual(['finish:b1:1.0.0', 'remove:b2:1.0.0']);
    expect(plan.actions.find((a) => a.kind === 'finish')!.summary).toBe('activate provider:2.0.0, then uninstall 1.0.0');
    // A broken new version is reinstalled.
    const broken = planRollout({ md: m, observation: obs({ b1: { provider: [['2.0.0', 'broken']] }, b2: { provider: '2.0.0' } }) });
    expect(broken.actions).toEqual([expect.objectContaining({ kind: 'finish', base: 'b1', state: 'broken', summary: 'reinstall provider:2.0.0' })]);
  });

  it('4.5.31 rollback v2 → v1 is a new release with the same batch plan as a fresh deploy (delta = target)', () => {
    const o = obs({ b1: { provider: '2.0.0' }, b2: { provider: '2.0.0' }, b3: { provider: '2.0.0' }, b4: { provider: '2.0.0' } });
    const forward = planRollout({ md: md({ replicas: 4, version: '2.0.0', batchCount: 2, needConfirm: true }), observation: o });
    expect(forward.phase).toBe('Completed');
    const back = planRollout({ md: md({ replicas: 4, version: '1.0.0', batchCount: 2, needConfirm: true }), observation: o, release: { ...forward.release, completedAt: 1 } });
    expect(back.newRelease).toBe(true);
    expect(back.release.origin).toEqual({ updated: 0, old: 4 });
    expect(back.batches.map((b) => b.target)).toEqual(computeBatches({ current: 0, target: 4, batchCount: 2, useBeta: false, needConfirm: true, graySeconds: 0 }).map((b) => b.target));
    expect(back.actions.map((a) => `${a.kind}:${a.base}:${a.version}`)).toEqual(['upgrade:b1:1.0.0', 'upgrade:b2:1.0.0']);
  });

  it('4.5.31 rolling back a paused beta: the one upgraded base goes back, in one batch', () => {
    const o = obs({ b1: { provider: '2.0.0' }, b2: { provider: '1.0.0' }, b3: { provider: '1.0.0' } });
    const plan = planRollout({ md: md({ replicas: 3, version: '1.0.0', batchCount: 2, useBeta: true }), observation: o });
    expect(plan.batches.map((b) => [b.target, b.beta])).toEqual([[3, false]]);
    expect(plan.actions.map((a) => `${a.kind}:${a.base}`)).toEqual(['upgrade:b1']);
  });

  it('4.5.32 URL-only change: same release key, no reinstall, Completed', () => {
    const o = obs({ b1: { provider: '1.0.0' }, b2: { provider: '1.0.0' } });
    const a = md({ replicas: 2, url: 'http://repo/a.tgz' });
    const b = md({ replicas: 2, url: 'http://repo/b.tgz' });
    const p = planRollout({ md: b, observation: o });
    expect(p.phase).toBe('Completed');
    expect(p.actions).toEqual([]);
    expect(planRollout({ md: a, observation: o }).releaseKey).toBe(p.releaseKey);
  });
});

describe('§4.6 peer mode, service, deletion, failures', () => {
  it('4.6.33 peer (replicas -1): 3 live bases, batchCount 1 → target 3 in one batch; batchCount 2 + needConfirm with 2 live bases → 1, 2', () => {
    const p = planRollout({ md: md({ replicas: -1 }), observation: obs({ b1: {}, b2: {}, b3: {} }) });
    expect([p.target, p.batches.map((b) => b.target), bases(p.actions)]).toEqual([3, [3], ['b1', 'b2', 'b3']]);
    const two = planRollout({ md: md({ replicas: -1, batchCount: 2, needConfirm: true }), observation: obs({ b1: {}, b2: {} }) });
    expect(two.batches.map((b) => b.target)).toEqual([1, 2]);
    // Only eligible bases (selector) count; unreachable ones are left out when ignored.
    const mixed = obs({ b1: { labels: { zone: 'a' } }, b2: { labels: { zone: 'b' } }, b3: { labels: { zone: 'a' }, down: true }, b4: { labels: { zone: 'a' } } });
    const sel = planRollout({ md: md({ replicas: -1, selector: { zone: 'a' } }), observation: mixed, ignoreUnreachable: true });
    expect([sel.target, bases(sel.actions)]).toEqual([2, ['b1', 'b4']]);
    expect(sel.bases.find((b) => b.name === 'b2')!.status).toBe('ineligible');
    expect(sel.warnings.join()).toContain('ignoring unreachable base b3');
  });

  it('4.6.34 service strategy → endpoint set "provider-service" of the bases holding the module', () => {
    const o = obs({ b1: { provider: '1.0.0' }, b2: {}, b3: { provider: '1.0.0' } });
    const p = planRollout({ md: md({ replicas: 2, service: { enableModuleService: true, port: 8080, targetPort: 8080 } }), observation: o });
    expect(p.service).toEqual({ name: 'provider-service', port: 8080, targetPort: 8080, endpoints: ['10.0.0.1:8080', '10.0.0.3:8080'] });
  });

  it('service endpoints of IPv6 bases keep one pair of brackets', () => {
    const o = obs({ b1: { provider: '1.0.0' } });
    o.bases[0]!.arkletUrl = 'http://[::1]:1238/';
    const p = planRollout({ md: md({ replicas: 1, service: { enableModuleService: true, port: 8080, targetPort: 8080 } }), observation: o });
    expect(p.service?.endpoints).toEqual(['[::1]:8080']);
  });

  it('4.6.35 delete with 2 replicas, batchCount 2, needConfirm → 1 (confirm(1)), 0; every version removed', () => {
    const m = md({ replicas: 2, batchCount: 2, needConfirm: true });
    const o = obs({ b1: { provider: '1.0.0', count: 1 }, b2: { provider: [['1.0.0', 'activated'], ['0.9.0', 'deactivated']] }, b3: {} });
    const sim = simulateRollout({ md: m, observation: o, kind: 'delete' });
    expect(sim.plan.releaseKey).toBe('delete:provider');
    expect(sim.batches.map((b) => [b.batch.target, b.actions.map((a) => `${a.base}:${a.versions.join('+')}`), b.pause?.confirm ?? false])).toEqual([
      [1, ['b1:1.0.0'], true],
      [0, ['b2:1.0.0+0.9.0'], false],
    ]);
    expect(holders(sim.final)).toEqual([]);
    const p = planRollout({ md: m, observation: sim.final, kind: 'delete' });
    expect(p.phase).toBe('Completed');
    expect(p.conditions[0]!.message).toBe('deployment deleted');
  });

  it('4.6.36 a base with an unreachable Arklet blocks the plan with its name and reason (nothing is done blindly)', () => {
    const p = planRollout({ md: md({ replicas: 2 }), observation: obs({ b1: {}, b2: { down: true }, b3: {} }) });
    expect(p.phase).toBe('Blocked');
    expect(p.blocked).toMatchObject({ reason: 'BaseUnreachable', bases: ['b2'] });
    expect(p.blocked!.message).toMatch(/b2 \(http:\/\/10\.0\.0\.2:1238\/\): Cannot reach .*--ignore-unreachable/);
  });

  it('4.6.37 rec.: a base gone during a deploy (ignored) → its replica is replaced using the strategy ranking, not list order', () => {
    const o = obs({ b1: { provider: '1.0.0', down: true }, b2: { count: 3 }, b3: { count: 1 }, b4: { provider: '1.0.0' } });
    const scatter = planRollout({ md: md({ replicas: 2 }), observation: o, ignoreUnreachable: true });
    expect(bases(scatter.actions)).toEqual(['b3']);
    const stacking = planRollout({ md: md({ replicas: 2, schedulingPolicy: 'stacking' }), observation: o, ignoreUnreachable: true });
    expect(bases(stacking.actions)).toEqual(['b2']);
  });
});

describe('replacement (v1: delete the Module CR)', () => {
  it('a cordoned base gets its replica replaced on another base by the strategy ranking, then removed; never a new one', () => {
    const o = obs({ b1: { provider: '1.0.0', cordon: true }, b2: { provider: '1.0.0' }, b3: { count: 2 }, b4: { count: 1 } });
    const m = md({ replicas: 2 });
    const plan = planRollout({ md: m, observation: o });
    expect(plan.bases.find((b) => b.name === 'b1')!.status).toBe('cordoned');
    expect(plan.batches.map((b) => b.target)).toEqual([2]);
    expect(plan.actions.map((a) => `${a.kind}:${a.base}`)).toEqual(['install:b4']);
    expect(plan.cleanup.map((a) => `${a.kind}:${a.base}:${a.versions.join()}`)).toEqual(['remove:b1:1.0.0']);
    const after = execute(o, plan);
    expect(planRollout({ md: m, observation: after, release: plan.release }).phase).toBe('Completed');
    expect(holders(after)).toEqual(['b2', 'b4']);
    // An upgrade never happens in place on a cordoned base, and peer mode does not count it.
    const up = planRollout({ md: md({ replicas: 2, version: '2.0.0' }), observation: o });
    expect(up.actions.map((a) => `${a.kind}:${a.base}`)).toEqual(['upgrade:b2', 'install:b4']);
    expect(planRollout({ md: md({ replicas: -1 }), observation: o }).target).toBe(3);
    // With nowhere to go, the replica stays where it is and the plan says why.
    const stuck = planRollout({ md: m, observation: obs({ b1: { provider: '1.0.0', cordon: true }, b2: { provider: '1.0.0' } }) });
    expect(stuck.phase).toBe('Blocked');
    expect(stuck.cleanup).toEqual([]);
    expect(stuck.blocked!.message).toContain('cordoned: b1');
  });
});

describe('release continuation', () => {
  it('a recorded release keeps its batch plan while the fleet moves through it; another key starts a new one', () => {
    const m = md({ replicas: 10, batchCount: 3 });
    const o = obs(Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`b${String(i).padStart(2, '0')}`, i < 2 ? { provider: '1.0.0' } : {}])));
    const p = planRollout({ md: m, observation: o });
    expect(p.batches.map((b) => b.target)).toEqual([5, 8, 10]);
    const mid = execute(o, p);
    // Re-planned from scratch the remaining 5 would be split 7, 9, 10; the recorded release continues 8, 10.
    expect(planRollout({ md: m, observation: mid }).batches.map((b) => b.target)).toEqual([7, 9, 10]);
    const cont = planRollout({ md: m, observation: mid, release: p.release });
    expect([cont.currentBatch, cont.actions.length]).toEqual([2, 3]);
    const other = planRollout({ md: md({ replicas: 9, batchCount: 3 }), observation: mid, release: p.release });
    expect(other.newRelease).toBe(true);
  });
});
