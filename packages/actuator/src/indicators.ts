/**
 * The base's own indicators: `ping`, `diskSpace` (Spring's `DiskSpaceHealthIndicator`), `metrics` (the Node
 * counterpart of Koupleless's metaspace check: V8 heap committed / heap limit), `livenessState` and
 * `readinessState`, plus the bounded evaluation every base indicator goes through.
 */
import { statfs } from 'node:fs/promises';
import { freemem, loadavg, totalmem } from 'node:os';
import { resolve } from 'node:path';
import { getHeapStatistics } from 'node:v8';
import type { HealthResult } from '@nodeark/biz';
import type { Availability } from './lifecycle.js';

/** A base indicator: sync or async, returning `{ status, details? }`. Throwing means DOWN with the error. */
export type BaseHealthIndicator = () => HealthResult | Promise<HealthResult>;

/** Spring's `PingHealthIndicator`: always UP. */
export const pingIndicator: BaseHealthIndicator = () => ({ status: 'UP' });

/** Spring's `DiskSpaceHealthIndicator`: DOWN when the free space of `path`'s filesystem is below `threshold`. */
export function diskSpaceIndicator(path: string, threshold: number): BaseHealthIndicator {
  const abs = resolve(path);
  return async () => {
    let s;
    try {
      s = await statfs(abs);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return { status: 'DOWN', details: { total: 0, free: 0, threshold, path: abs, exists: false } };
      throw err;
    }
    const total = s.blocks * s.bsize;
    const free = s.bavail * s.bsize;
    return { status: free >= threshold ? 'UP' : 'DOWN', details: { total, free, threshold, path: abs, exists: true } };
  };
}

/**
 * Koupleless's `MetricsHealthIndicator` for Node. `metaspaceMetrics` and `heapMetrics` report the V8 heap
 * (`used`, `committed` = total heap size, `max` = heap size limit); with the check on, the component is DOWN
 * when committed / max × 100 exceeds the threshold.
 */
export function metricsIndicator(check: boolean, thresholdPercent: number): BaseHealthIndicator {
  return () => {
    const h = getHeapStatistics();
    const mu = process.memoryUsage();
    const heap = { init: -1, used: h.used_heap_size, committed: h.total_heap_size, max: h.heap_size_limit };
    const percent = heap.max > 0 ? (heap.committed / heap.max) * 100 : 0;
    const down = check && heap.max > 0 && percent > thresholdPercent;
    const [load1] = loadavg();
    return {
      status: down ? 'DOWN' : 'UP',
      details: {
        metrics: {
          timestamp: formatTimestamp(new Date()),
          metaspaceMetrics: heap,
          heapMetrics: heap,
          noHeapMetrics: { init: -1, used: mu.external + mu.arrayBuffers, committed: mu.rss - mu.heapTotal, max: -1 },
          systemMetrics: {
            systemLoadAverage: load1,
            freePhysicalMemorySize: Math.floor(freemem() / 1024 / 1024),
            totalPhysicalMemorySize: Math.floor(totalmem() / 1024 / 1024),
          },
          heapUsagePercent: Math.round(percent * 100) / 100,
          metaspaceCheck: check,
          metaspaceThreshold: thresholdPercent,
        },
      },
    };
  };
}

/** Spring's `LivenessStateHealthIndicator`: CORRECT → UP, BROKEN → DOWN. */
export function livenessIndicator(a: Availability): BaseHealthIndicator {
  return () => ({ status: a.liveness === 'CORRECT' ? 'UP' : 'DOWN' });
}

/** Spring's `ReadinessStateHealthIndicator`: ACCEPTING_TRAFFIC → UP, REFUSING_TRAFFIC → OUT_OF_SERVICE. */
export function readinessIndicator(a: Availability): BaseHealthIndicator {
  return () => ({ status: a.readiness === 'ACCEPTING_TRAFFIC' ? 'UP' : 'OUT_OF_SERVICE' });
}

/**
 * Runs one base indicator bounded by `timeoutMs`: a throw is DOWN with `error: "<Name>: <message>"`, a timeout
 * is UNKNOWN with the reason, a malformed result is UNKNOWN (docs/reference/health-semantics.md § Base indicators).
 */
export async function runIndicator(fn: BaseHealthIndicator, timeoutMs: number): Promise<HealthResult> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<HealthResult>((resolve) => {
      timer = setTimeout(() => resolve({ status: 'UNKNOWN', details: { error: `indicator timed out after ${timeoutMs} ms` } }), timeoutMs);
    });
    return normalizeResult(await Promise.race([Promise.resolve().then(fn), timeout]));
  } catch (err) {
    const e = err as { name?: unknown; message?: unknown };
    const name = typeof e?.name === 'string' ? e.name : 'Error';
    const message = typeof e?.message === 'string' ? e.message : String(err);
    return { status: 'DOWN', details: { error: `${name}: ${message}` } };
  } finally {
    clearTimeout(timer);
  }
}

/** Normalises what an indicator returned (status upper-cased, details JSON-safe). */
export function normalizeResult(v: unknown): HealthResult {
  if (typeof v === 'object' && v !== null && typeof (v as HealthResult).status === 'string' && (v as HealthResult).status !== '') {
    const r = v as HealthResult;
    const status = r.status.toUpperCase();
    if (r.details === undefined || r.details === null || typeof r.details !== 'object' || Array.isArray(r.details)) return { status };
    try {
      return { status, details: JSON.parse(JSON.stringify(r.details)) as Record<string, unknown> };
    } catch {
      return { status, details: { error: 'details are not JSON-serialisable' } };
    }
  }
  if (typeof v === 'boolean') return { status: v ? 'UP' : 'DOWN' };
  return { status: 'UNKNOWN', details: { error: 'indicator returned no status' } };
}

/** `yyyy-MM-dd HH:mm:ss.SSS` (Koupleless `DateUtils`). */
function formatTimestamp(d: Date): string {
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}
