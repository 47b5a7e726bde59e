/**
 * The small helpers both tunnels use, written once for the package: option checks that name the offending
 * option, and a sleep that bounds shutdown steps without keeping the process alive.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { ERR_TUNNEL_INVALID_OPTIONS } from './errors.js';

/**
 * `value` when it is a positive finite number of milliseconds, `dflt` when it is unset; anything else throws
 * `NODEARK_ERR_TUNNEL_INVALID_OPTIONS` naming the option, so a bad period fails at start, not on the first tick.
 */
export function positiveMs(name: string, value: number | undefined, dflt: number): number {
  if (value === undefined) return dflt;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new ERR_TUNNEL_INVALID_OPTIONS(name, `${String(value)} is not a positive number of milliseconds`);
  }
  return value;
}

/** `s` trimmed when it holds some non-blank text, else undefined (an empty config value means "unset"). */
export function nonBlank(s: string | undefined): string | undefined {
  return typeof s === 'string' && s.trim() !== '' ? s.trim() : undefined;
}

/** Waits `ms`; the timer is unref'd, so a bound on a shutdown step never keeps the process alive by itself. */
export function sleep(ms: number): Promise<void> {
  return delay(ms, undefined, { ref: false });
}
