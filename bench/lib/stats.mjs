// Small statistics helpers. Percentiles use the nearest-rank method on a sorted copy.

/** Median of a list of numbers (NaN for an empty list). */
export function median(xs) {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Nearest-rank percentile, p in [0, 100]. */
export function percentile(xs, p) {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const rank = Math.min(s.length, Math.max(1, Math.ceil((p / 100) * s.length)));
  return s[rank - 1];
}

/** Percentiles of an already sorted Float64Array (fast path for large latency samples). */
export function sortedPercentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1];
}

/** Rounds to `d` decimals. */
export function round(x, d = 2) {
  if (!Number.isFinite(x)) return x;
  const f = 10 ** d;
  return Math.round(x * f) / f;
}

/** `12,345` style integer. */
export function int(x) {
  return Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : String(x);
}

/** Bytes as MB with one decimal (1 MB = 1,000,000 bytes would mislead; we use MiB and say so). */
export function mib(bytes, d = 1) {
  return Number.isFinite(bytes) ? `${(bytes / 1048576).toFixed(d)} MiB` : String(bytes);
}

/** Milliseconds with sensible precision. */
export function ms(x) {
  if (!Number.isFinite(x)) return String(x);
  if (x < 1) return `${x.toFixed(2)} ms`;
  if (x < 10) return `${x.toFixed(1)} ms`;
  return `${Math.round(x)} ms`;
}
