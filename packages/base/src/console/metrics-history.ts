/**
 * The console's chart data (docs/console.md § Charts): every {@link HISTORY_INTERVAL_MS} the runtime's
 * metrics snapshot is turned into one point per module version — request rate, p99 latency and heap used —
 * and the last {@link HISTORY_WINDOW_MS} are kept, so a page opened now shows the last minutes at once.
 * Everything is derived from `runtime.metrics()`, the same figures `/actuator/prometheus` serves.
 */
import type { ModuleMetricsSnapshot, RuntimeMetricsSnapshot } from '@nodeark/runtime';

/** Time between two chart points, ms. */
export const HISTORY_INTERVAL_MS = 2_000;
/** How far back the charts go, ms (five minutes). */
export const HISTORY_WINDOW_MS = 300_000;
const MAX_POINTS = HISTORY_WINDOW_MS / HISTORY_INTERVAL_MS;

/** One chart point of one module version. */
export interface HistoryPoint {
  /** Epoch ms. */
  t: number;
  /** Requests answered per second since the previous point. */
  rate: number;
  /** p99 latency of the requests answered since the previous point, seconds; null when there were none. */
  p99: number | null;
  /** V8 heap used by the worker, bytes (its latest report); null without a live worker. */
  heap: number | null;
}

interface Previous {
  at: number;
  count: number;
  buckets: number[];
}

/**
 * The `q` quantile of a histogram's increase, as Prometheus' `histogram_quantile` computes it: linear
 * interpolation inside the bucket holding the rank, the lower bound of the first bucket being 0, and the
 * largest finite bound when the rank falls in `+Inf`. `bounds` are the finite upper bounds; `cumulative` has
 * one more entry (`+Inf`).
 */
export function histogramQuantile(q: number, bounds: readonly number[], cumulative: readonly number[]): number | null {
  const total = cumulative[cumulative.length - 1] ?? 0;
  if (total <= 0) return null;
  const rank = q * total;
  for (let i = 0; i < cumulative.length; i++) {
    const c = cumulative[i]!;
    if (c >= rank) {
      if (i >= bounds.length) return bounds[bounds.length - 1] ?? null;
      const lower = i === 0 ? 0 : bounds[i - 1]!;
      const below = i === 0 ? 0 : cumulative[i - 1]!;
      const inBucket = c - below;
      return inBucket <= 0 ? bounds[i]! : lower + (bounds[i]! - lower) * ((rank - below) / inBucket);
    }
  }
  return bounds[bounds.length - 1] ?? null;
}

/** Cumulative buckets and count of all request series of one module version. */
function totalsOf(m: ModuleMetricsSnapshot, width: number): { count: number; buckets: number[] } {
  const buckets = new Array<number>(width).fill(0);
  let count = 0;
  for (const r of m.requests) {
    count += r.count;
    for (let i = 0; i < width; i++) buckets[i]! += r.buckets[i] ?? 0;
  }
  return { count, buckets };
}

/** Points per module version identity, oldest first. */
export class MetricsHistory {
  private readonly series = new Map<string, HistoryPoint[]>();
  private readonly previous = new Map<string, Previous>();

  /** Adds one point per module version of `snap`; versions no longer registered are dropped. */
  add(snap: RuntimeMetricsSnapshot): void {
    const width = snap.latencyBuckets.length + 1;
    const seen = new Set<string>();
    for (const m of snap.modules) {
      seen.add(m.identity);
      const now = totalsOf(m, width);
      const prev = this.previous.get(m.identity);
      this.previous.set(m.identity, { at: snap.timestamp, count: now.count, buckets: now.buckets });
      let points = this.series.get(m.identity);
      if (!points) {
        points = [];
        this.series.set(m.identity, points);
      }
      // The first sight of a version has no interval to measure over; a counter that went down (a reinstall
      // of the same version) starts a new one.
      if (!prev || now.count < prev.count) {
        points.push({ t: snap.timestamp, rate: 0, p99: null, heap: m.worker?.heap?.heapUsedBytes ?? null });
      } else {
        const seconds = Math.max((snap.timestamp - prev.at) / 1000, 0.001);
        const delta = now.buckets.map((b, i) => b - (prev.buckets[i] ?? 0));
        points.push({
          t: snap.timestamp,
          rate: (now.count - prev.count) / seconds,
          p99: histogramQuantile(0.99, snap.latencyBuckets, delta),
          heap: m.worker?.heap?.heapUsedBytes ?? null,
        });
      }
      if (points.length > MAX_POINTS) points.splice(0, points.length - MAX_POINTS);
    }
    for (const id of [...this.series.keys()]) {
      if (!seen.has(id)) {
        this.series.delete(id);
        this.previous.delete(id);
      }
    }
  }

  /** The points of one module version, oldest first (empty when none). */
  of(identity: string): readonly HistoryPoint[] {
    return this.series.get(identity) ?? [];
  }
}
