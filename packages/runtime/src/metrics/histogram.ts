/**
 * A fixed-bucket latency histogram for per-module request accounting (docs/observability.md): the bucket
 * bounds never change, so one series is one preallocated `Float64Array` and recording a request is a short
 * scan and two additions, with no allocation on the request path.
 */

/**
 * Upper bounds, in seconds, of the request latency buckets (`le`), ascending; `+Inf` is implied. The
 * Prometheus client defaults (0.005 … 10 s, as Micrometer's SLO-style buckets) with 1 ms and 2.5 ms in
 * front, because a request routed into a module worker usually takes about a millisecond.
 */
export const LATENCY_BUCKETS_SECONDS: readonly number[] = Object.freeze([
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
]);

const BOUNDS = Float64Array.from(LATENCY_BUCKETS_SECONDS);
const N = BOUNDS.length;

/**
 * Micrometer's timers report `MAX` as a maximum over a sliding window (two minutes by default), so that one
 * slow request long ago does not stay in the figure: two back-to-back windows of this length approximate it.
 */
const MAX_WINDOW_MS = 60_000;

/** One histogram: counts per bucket (not cumulative; the last slot is above the top bound), sum, windowed max. */
export class LatencyHistogram {
  /** `counts[i]` = observations in bucket `i` only; `counts[N]` = above the top bound. */
  readonly counts = new Float64Array(N + 1);
  /** Sum of observations, seconds. */
  sum = 0;
  private curMax = 0;
  private prevMax = 0;
  private windowStart = -Infinity;

  /** Records one observation of `seconds`, made at `nowMs` (`performance.now()`). */
  observe(seconds: number, nowMs: number): void {
    let i = 0;
    while (i < N && seconds > BOUNDS[i]!) i++;
    this.counts[i]!++;
    this.sum += seconds;
    if (nowMs - this.windowStart >= MAX_WINDOW_MS) {
      // A window with no observation at all leaves no trace in the previous one.
      this.prevMax = nowMs - this.windowStart >= 2 * MAX_WINDOW_MS ? 0 : this.curMax;
      this.curMax = 0;
      this.windowStart = nowMs;
    }
    if (seconds > this.curMax) this.curMax = seconds;
  }

  /** Number of observations. */
  get count(): number {
    let n = 0;
    for (let i = 0; i <= N; i++) n += this.counts[i]!;
    return n;
  }

  /** Largest observation of the current and previous window (0 when both are empty), as of `nowMs`. */
  max(nowMs: number): number {
    const age = nowMs - this.windowStart;
    if (age >= 2 * MAX_WINDOW_MS) return 0;
    if (age >= MAX_WINDOW_MS) return this.curMax;
    return Math.max(this.curMax, this.prevMax);
  }

  /** Cumulative counts aligned with {@link LATENCY_BUCKETS_SECONDS}, then the `+Inf` count (= {@link count}). */
  cumulative(): number[] {
    const out = new Array<number>(N + 1);
    let acc = 0;
    for (let i = 0; i <= N; i++) {
      acc += this.counts[i]!;
      out[i] = acc;
    }
    return out;
  }
}
