/**
 * End to end against real bases on loopback: the seed's operations through `runRollout` — install (§4.1),
 * confirmation pauses (§4.3 case 20), scale up and down (§4.4 cases 24-25), an in-place upgrade with a beta
 * batch and no dropped request (§4.5 case 30), rollback (case 31), deletion (§4.6 case 35), the per-base
 * status sequence (case 38), and an interrupted apply that is continued without installing twice.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  confirmRollout,
  MemoryStateStore,
  parseModuleDeployment,
  rolloutStatus,
  runRollout,
  type ModuleDeployment,
  type RolloutEvent,
} from '@nodeark/rollout';
import { fixture, startFleet, type TestFleet } from './fleet-harness.js';

let tf: TestFleet;
const state = new MemoryStateStore();

beforeAll(async () => {
  tf = await startFleet(['b1', 'b2', 'b3', 'b4'], { max: { b1: 2, b2: 2, b3: 2, b4: 2 } });
  // b1 already runs another module: scatter puts the first replicas elsewhere.
  await tf.install('b1', 'other', '1.0.0', 'other-1.0.0');
});
afterAll(async () => {
  await tf?.close();
});

function deployment(version: '1.0.0' | '2.0.0', replicas: number, ops: Record<string, unknown> = {}): ModuleDeployment {
  return parseModuleDeployment({
    apiVersion: 'koupleless.io/v1alpha1',
    kind: 'ModuleDeployment',
    metadata: { name: 'provider-md' },
    spec: {
      baseDeploymentName: 'test-fleet',
      replicas,
      template: { spec: { module: { name: 'provider', version, url: fixture(`provider-${version}`) } } },
      operationStrategy: { batchCount: 2, needConfirm: true, ...ops },
      schedulingStrategy: { schedulingPolicy: 'scatter' },
    },
  });
}

const fast = { activationTimeoutMs: 20_000, pollIntervalMs: 50, observeTimeoutMs: 5_000 };

function run(md: ModuleDeployment, extra: Partial<Parameters<typeof runRollout>[0]> = {}) {
  const events: RolloutEvent[] = [];
  const p = runRollout({ md, fleet: () => Promise.resolve(tf.fleet()), state, ...fast, onEvent: (e) => events.push(e), ...extra });
  return { events, result: p };
}

describe('rollouts against real bases', () => {
  it('4.1 + 4.3.20: install 3 replicas in 2 batches (2, 3) on the least-loaded bases, pausing for confirm(1)', async () => {
    const md = deployment('1.0.0', 3);
    const first = run(md);
    const r1 = await first.result;
    expect(r1.phase).toBe('Paused');
    expect(r1.pausedAfter).toBe(1);
    expect(r1.plan.batches.map((b) => b.target)).toEqual([2, 3]);
    // Scatter: b1 holds `other` (count 1), so b2 and b3 come first.
    expect(await tf.modules()).toEqual({ b1: [], b2: ['provider:1.0.0:activated'], b3: ['provider:1.0.0:activated'], b4: [] });
    expect((await tf.get('b2', '/provider/')).body).toBe('1.0.0');

    // Confirming another batch than the paused one is refused (v1: confirmBatchNum must equal currentBatch).
    await expect(confirmRollout({ md, fleet: tf.fleet(), state, batch: 2 })).rejects.toMatchObject({ code: 'NODEARK_ERR_ROLLOUT_NOT_PAUSED' });
    // apply again without confirming: still paused, nothing installed.
    expect((await run(md).result).phase).toBe('Paused');
    expect(await confirmRollout({ md, fleet: tf.fleet(), state })).toEqual({ batch: 1, kind: 'apply' });
    const second = run(md);
    const r2 = await second.result;
    expect(r2.phase).toBe('Completed');
    expect(r2.batchesRun).toEqual([2]);
    expect((await tf.modules()).b4).toEqual(['provider:1.0.0:activated']);
    expect((await tf.modules()).b1).toEqual([]);
    // 4.6.38: per-base status sequence of an install.
    const seq = second.events.filter((e): e is Extract<RolloutEvent, { type: 'base' }> => e.type === 'base' && e.base === 'b4').map((e) => e.status);
    expect(seq.filter((s, i) => s !== seq[i - 1])).toEqual(['Prepare', 'Upgrading', 'Completing', 'Available']);
    // The release is recorded as completed, with the version in the history.
    const saved = await state.load();
    expect(saved?.release?.completedAt).toBeTypeOf('number');
    expect(saved?.history.map((h) => h.version)).toEqual(['1.0.0']);
    // confirm now has nothing to confirm.
    await expect(confirmRollout({ md, fleet: tf.fleet(), state })).rejects.toThrow(/complete/);
  });

  it('4.4.24-25: scale up 3 → 4 (onto b1, which has room) and down 4 → 2 (scatter: busiest first)', async () => {
    const up = await run(deployment('1.0.0', 4), { autoConfirm: true }).result;
    expect(up.phase).toBe('Completed');
    expect((await tf.modules()).b1).toEqual(['provider:1.0.0:activated']);
    const downRun = run(deployment('1.0.0', 2), { autoConfirm: true });
    const down = await downRun.result;
    expect(down.phase).toBe('Completed');
    // 4 → 2 in 2 batches of one: b1 (count 2) goes first, then b2 (ties by name).
    expect(downRun.events.filter((e) => e.type === 'batch-start').map((e) => (e as { actions: { base: string }[] }).actions.map((a) => a.base))).toEqual([['b1'], ['b2']]);
    expect(downRun.events.some((e) => e.type === 'confirmed' && e.auto)).toBe(true);
    expect(await tf.modules()).toEqual({ b1: [], b2: [], b3: ['provider:1.0.0:activated'], b4: ['provider:1.0.0:activated'] });
    const seq = downRun.events.filter((e): e is Extract<RolloutEvent, { type: 'base' }> => e.type === 'base' && e.base === 'b1').map((e) => e.status);
    expect(seq).toEqual(['Prepare', 'Terminating', 'Terminated']);
  });

  it('4.5.30: in-place upgrade 1.0.0 → 2.0.0 (install_then_uninstall, beta batch + confirmation) with no failed request', async () => {
    const md = deployment('2.0.0', 2, { useBeta: true, upgradePolicy: 'installThenUninstall' });
    let polling = true;
    const seen: string[] = [];
    const poller = (async () => {
      while (polling) {
        const r = await tf.get('b3', '/provider/');
        seen.push(`${r.status}:${r.body}`);
        await new Promise((res) => setTimeout(res, 1));
      }
    })();
    try {
      // The old version has answered before the rollout starts.
      for (let i = 0; i < 500 && seen.length === 0; i++) await new Promise((res) => setTimeout(res, 2));
      const beta = await run(md).result;
      expect(beta.phase).toBe('Paused');
      expect(beta.plan.batches.map((b) => [b.target, b.beta])).toEqual([
        [1, true],
        [2, false],
      ]);
      // The beta batch upgraded b3 in place (removal order: scatter → count desc, then name; b3 and b4 tie).
      expect(await tf.modules()).toMatchObject({ b3: ['provider:2.0.0:activated'], b4: ['provider:1.0.0:activated'] });
      const status = await rolloutStatus({ md, fleet: tf.fleet(), state });
      expect(status.plan.phase).toBe('WaitingForConfirmation');
      expect(status.plan.bases.filter((b) => b.status !== 'none').map((b) => `${b.name}:${b.status}`)).toEqual(['b3:updated', 'b4:old']);
      await confirmRollout({ md, fleet: tf.fleet(), state, batch: 1 });
      expect((await run(md).result).phase).toBe('Completed');
    } finally {
      polling = false;
      await poller;
    }
    expect(await tf.modules()).toMatchObject({ b3: ['provider:2.0.0:activated'], b4: ['provider:2.0.0:activated'] });
    // The poller spanned the upgrade: answers from the old version, then the new, and none failed. (A count
    // of polls would depend on how long the rollout takes: 40-100 ms here, fewer polls on a loaded machine.)
    expect(seen).toContain('200:1.0.0');
    expect(seen).toContain('200:2.0.0');
    expect(seen.filter((s) => !/^200:(1|2)\.0\.0$/.test(s))).toEqual([]);
    expect((await state.load())?.history.map((h) => h.version)).toEqual(['1.0.0', '2.0.0']);
  });

  it('an interrupted apply is continued by the next one, and nothing is installed twice', async () => {
    // Scale 2 → 4 in 2 batches, aborted after the first install.
    const md = deployment('2.0.0', 4, { needConfirm: false });
    const ac = new AbortController();
    const interrupted = run(md, {
      signal: ac.signal,
      onEvent: (e) => {
        if (e.type === 'base' && e.status === 'Available') ac.abort();
      },
    });
    const r = await interrupted.result;
    expect(r.phase).toBe('Aborted');
    const mid = await tf.modules();
    const placed = Object.entries(mid).filter(([, v]) => v.length > 0).map(([k]) => k);
    expect(placed).toHaveLength(3);
    const before = await tf.modules();
    const cont = run(md);
    expect((await cont.result).phase).toBe('Completed');
    const after = await tf.modules();
    expect(Object.values(after).every((v) => v.length === 1 && v[0] === 'provider:2.0.0:activated')).toBe(true);
    // Only the missing base was installed by the second run.
    const installs = cont.events.filter((e) => e.type === 'base' && e.status === 'Upgrading').map((e) => (e as { base: string }).base);
    expect(installs).toHaveLength(1);
    expect(before[installs[0]!]).toEqual([]);
  });

  it('4.5.31: rollback to 1.0.0 is a new release with the fresh-deploy batch plan', async () => {
    const md = deployment('1.0.0', 4, { needConfirm: false });
    const back = run(md);
    const r = await back.result;
    expect(r.phase).toBe('Completed');
    expect(r.plan.batches.map((b) => b.target)).toEqual([2, 4]);
    expect(Object.values(await tf.modules()).every((v) => v.length === 1 && v[0] === 'provider:1.0.0:activated')).toBe(true);
    expect((await tf.get('b1', '/provider/')).body).toBe('1.0.0');
  });

  it('4.6.35: delete goes through the same batches (confirm after batch 1) and removes every version', async () => {
    const md = deployment('1.0.0', 4, { batchCount: 2, needConfirm: true });
    const d1 = await run(md, { kind: 'delete' }).result;
    expect(d1.phase).toBe('Paused');
    expect(d1.plan.batches.map((b) => b.target)).toEqual([2, 0]);
    expect(Object.values(await tf.modules()).filter((v) => v.length > 0)).toHaveLength(2);
    // confirm knows the release in progress is a deletion.
    expect(await confirmRollout({ md, fleet: tf.fleet(), state })).toEqual({ batch: 1, kind: 'delete' });
    const d2 = await run(md, { kind: 'delete' }).result;
    expect(d2.phase).toBe('Completed');
    expect(await tf.modules(true)).toEqual({ b1: ['other:1.0.0:activated'], b2: [], b3: [], b4: [] });
    expect((await tf.get('b1', '/provider/')).status).toBe(404);
  });
});
