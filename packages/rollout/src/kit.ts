/**
 * The small helpers the rollout modules share, written once for the package: option checks, an abortable
 * sleep, a bounded concurrency pool, and the text of a transport error.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { ERR_ROLLOUT_INVALID_ARGUMENT } from './errors.js';

/**
 * `value` when it is a positive number (or zero, with `allowZero`), `fallback` when unset; anything else
 * throws `NODEARK_ERR_ROLLOUT_INVALID_ARGUMENT` naming the option, before the rollout touches a base.
 */
export function positiveOr(value: number | undefined, fallback: number, name: string, allowZero = false): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
    throw new ERR_ROLLOUT_INVALID_ARGUMENT(name, `must be a ${allowZero ? 'non-negative' : 'positive'} number, got ${String(value)}`);
  }
  return value;
}

/** Waits `ms`; an abort ends the wait early (the caller checks the signal), it does not throw. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return delay(Math.max(0, ms), undefined, signal ? { signal } : {}).catch(() => undefined);
}

/** Runs `fn` over `items` with at most `limit` at once; resolves with every outcome. */
export async function pool<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<PromiseSettledResult<R>[]> {
  const out: PromiseSettledResult<R>[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      try {
        out[i] = { status: 'fulfilled', value: await fn(items[i]!) };
      } catch (reason) {
        out[i] = { status: 'rejected', reason };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return out;
}

/** A transport error as one line: its message and, when it has one, its code (`connect ECONNREFUSED [CODE]`). */
export function errorText(err: unknown): string {
  const e = err as { message?: string; code?: string };
  return `${e.message ?? String(err)}${e.code ? ` [${e.code}]` : ''}`;
}
