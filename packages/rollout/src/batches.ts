/**
 * Batch splitting (docs/kubernetes.md) with: the same number of
 * batches and step as v1, but every intermediate target is clamped to the final one (no overshoot, empty
 * batches skipped) and the beta batch moves the count by one from where it is (not to an absolute 1).
 */
import type { BatchPlan } from './types.js';

/** Inputs of {@link computeBatches}. */
export interface BatchInput {
  /** Bases with the desired version when the release started (v1: the new RS's `spec.replicas`). */
  current: number;
  /** The target replica count. */
  target: number;
  /** `operationStrategy.batchCount` (≤ 0 → one batch). */
  batchCount: number;
  useBeta: boolean;
  needConfirm: boolean;
  graySeconds: number;
  /** Bases holding other versions when the release started: they are removed as the new version arrives. */
  oldCurrent?: number;
}

/** v1's `realBatchCount` for a delta, before clamping. */
export function realBatchCount(delta: number, target: number, batchCount: number, useBeta: boolean): number {
  const abs = Math.abs(delta);
  if (batchCount <= 0) return 1;
  if (abs < batchCount) return abs;
  if (useBeta && target - 1 > 1) return batchCount + 1;
  return batchCount;
}

/**
 * The batches of a release: cumulative targets of the desired version (sizes in `size`), the number of
 * other-version bases allowed after each (`oldTarget`; 0 after the last), and the pause after each.
 *
 * - `R` and `step = ceil(delta / R)` as v1; batch k's target is `t(k-1) + step`, clamped to `target`
 *   (`min` scaling up, `max` scaling down); the last batch reaches `target`; empty batches are skipped.
 * - Beta (`useBeta` and R ≠ 1): batch 1 is `current ± 1`.
 * - A pause follows every batch but the last: confirmation when `needConfirm` or after the beta batch
 *   (even without `needConfirm`, as v1), and the gray time when it is > 0.
 * - No delta but other versions to remove: one batch.
 */
export function computeBatches(input: BatchInput): BatchPlan[] {
  const { current, target, batchCount, useBeta, needConfirm, graySeconds } = input;
  const oldCurrent = input.oldCurrent ?? 0;
  const delta = target - current;
  const targets: { target: number; beta: boolean }[] = [];
  if (delta === 0) {
    if (oldCurrent > 0) targets.push({ target, beta: false });
  } else {
    const r = realBatchCount(delta, target, batchCount, useBeta);
    const step = Math.ceil(delta / r);
    const up = delta > 0;
    let prev = current;
    for (let k = 1; k <= r; k++) {
      let t: number;
      const beta = useBeta && r !== 1 && k === 1;
      if (beta) t = current + Math.sign(delta);
      else if (k === r) t = target;
      else t = up ? Math.min(target, prev + step) : Math.max(target, prev + step);
      if (t === prev) continue;
      targets.push({ target: t, beta });
      prev = t;
      if (t === target) break;
    }
  }
  // A beta batch that already reaches the target is simply the only batch.
  if (targets.length === 1) targets[0]!.beta = false;
  return targets.map((t, i) => {
    const last = i === targets.length - 1;
    const moved = Math.max(0, t.target - current);
    return {
      index: i + 1,
      target: t.target,
      oldTarget: last ? 0 : Math.max(0, oldCurrent - moved),
      size: t.target - (i === 0 ? current : targets[i - 1]!.target),
      beta: t.beta,
      pauseAfter: last ? { confirm: false, graySeconds: 0 } : { confirm: needConfirm || t.beta, graySeconds },
    };
  });
}
