/**
 * Evaluates a module's health indicators inside its worker, all concurrently, each bounded by a timeout
 * (docs/reference/health-semantics.md § Module health indicators: a slow or hanging indicator yields a defined
 * status with the reason, never a hung request). Aggregation order is Spring's default
 * `DOWN, OUT_OF_SERVICE, UP, UNKNOWN`.
 */
import type { HealthIndicator, HealthResult } from '@nodeark/biz';
import type { BizHealth } from '../types.js';

const ORDER = ['DOWN', 'OUT_OF_SERVICE', 'UP', 'UNKNOWN'];

/** Aggregates statuses with Spring's default order; unknown custom statuses rank after UNKNOWN. */
export function aggregateStatus(statuses: string[]): string {
  if (statuses.length === 0) return 'UNKNOWN';
  let best = statuses[0]!;
  for (const s of statuses) {
    const a = rank(s);
    if (a < rank(best)) best = s;
  }
  return best;
}

function rank(s: string): number {
  const i = ORDER.indexOf(s);
  return i === -1 ? ORDER.length : i;
}

/** Runs every indicator with a timeout and aggregates. A module without indicators is `UP`. */
export async function evaluateHealth(
  indicators: Record<string, HealthIndicator> | undefined,
  timeoutMs: number,
): Promise<BizHealth> {
  const names = indicators ? Object.keys(indicators) : [];
  if (names.length === 0) return { status: 'UP', components: {} };
  const results = await Promise.all(names.map((n) => runOne(indicators![n]!, timeoutMs)));
  const components: Record<string, HealthResult> = {};
  names.forEach((n, i) => {
    components[n] = results[i]!;
  });
  return { status: aggregateStatus(results.map((r) => r.status)), components };
}

async function runOne(indicator: HealthIndicator, timeoutMs: number): Promise<HealthResult> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<HealthResult>((resolve) => {
      timer = setTimeout(
        () => resolve({ status: 'UNKNOWN', details: { error: `indicator timed out after ${timeoutMs} ms` } }),
        timeoutMs,
      );
    });
    const value = await Promise.race([Promise.resolve().then(indicator), timeout]);
    return normalize(value);
  } catch (err) {
    const e = err as { name?: string; message?: string };
    return { status: 'DOWN', details: { error: `${e?.name ?? 'Error'}: ${e?.message ?? String(err)}` } };
  } finally {
    clearTimeout(timer);
  }
}

function normalize(v: unknown): HealthResult {
  if (typeof v === 'object' && v !== null && typeof (v as HealthResult).status === 'string') {
    const r = v as HealthResult;
    const status = r.status.toUpperCase();
    const details = r.details;
    if (details !== undefined && (typeof details !== 'object' || details === null)) return { status };
    return details === undefined ? { status } : { status, details: jsonSafe(details) };
  }
  if (typeof v === 'boolean') return { status: v ? 'UP' : 'DOWN' };
  return { status: 'UNKNOWN', details: { error: 'indicator returned no status' } };
}

// Details cross a MessagePort and end up in JSON: drop what cannot (functions, cycles).
function jsonSafe(details: Record<string, unknown>): Record<string, unknown> {
  try {
    return JSON.parse(JSON.stringify(details)) as Record<string, unknown>;
  } catch {
    return { error: 'details are not JSON-serialisable' };
  }
}
