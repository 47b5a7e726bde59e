/**
 * The `cpu` indicator (docs/reference/arklet-protocol.md § System indicators, Java `CpuIndicator`), from
 * `os.cpus()` ticks of the whole machine. Like Java, the baseline is taken once when the indicator is created,
 * so the figures are cumulative since the Arklet started. Keys and types exactly as Java:
 * - `count` (integer): logical processors;
 * - `type` (string): the CPU model name;
 * - `total used (%)`: like Java, the raw sum of all tick deltas (here in milliseconds), not a percentage;
 * - `user used (%)`, `system used (%)`, `free (%)`: percent of the total ticks (user+nice, sys+irq, idle);
 *   0 while the total is 0.
 */
import type { CpuInfo } from 'node:os';
import type { ProcessSampler } from './process-sampler.js';

interface Ticks {
  user: number;
  sys: number;
  idle: number;
  total: number;
}

function readTicks(list: CpuInfo[]): Ticks {
  const t: Ticks = { user: 0, sys: 0, idle: 0, total: 0 };
  for (const c of list) {
    t.user += c.times.user + c.times.nice;
    t.sys += c.times.sys + c.times.irq;
    t.idle += c.times.idle;
  }
  t.total = t.user + t.sys + t.idle;
  return t;
}

/** Creates the `cpu` indicator function. */
export function createCpuIndicator(sampler: ProcessSampler): () => Record<string, unknown> {
  const list = sampler.latest.cpus;
  const baseline = readTicks(list);
  const model = list[0]?.model?.trim() || 'unknown';
  return () => {
    const current = sampler.latest.cpus;
    const now = readTicks(current);
    const total = now.total - baseline.total;
    const pct = (v: number): number => (total > 0 ? (100 * v) / total : 0);
    return {
      count: current.length || list.length,
      type: model,
      'total used (%)': total,
      'user used (%)': pct(now.user - baseline.user),
      'system used (%)': pct(now.sys - baseline.sys),
      'free (%)': pct(now.idle - baseline.idle),
    };
  };
}
