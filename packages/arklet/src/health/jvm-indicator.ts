/**
 * The `jvm` indicator (docs/reference/arklet-protocol.md § System indicators, Java `JvmIndicator`). The keys
 * keep their Java names (typed Go clients such as ModuleController and arkctl decode them), the values are the Node
 * process's figures. `(M)` values are MiB as floating-point numbers; counts and `java * metaspace` are
 * integers. Mapping:
 *
 * | key | Node figure |
 * |---|---|
 * | `java version` | `process.version` |
 * | `java home` | the Node installation prefix (two levels above `process.execPath`) |
 * | `total memory(M)` / `committed heap memory(M)` | V8 `heapTotal` |
 * | `max memory(M)` / `max heap memory(M)` | V8 `heap_size_limit` |
 * | `free memory(M)` | `heapTotal - heapUsed` |
 * | `used heap memory(M)` | V8 `heapUsed` |
 * | `init heap memory(M)`, `init non heap memory(M)`, `max non heap memory(M)` | undefined: -1 byte as MiB, like Java |
 * | `used non heap memory(M)` | `external` (C++ objects bound to JS, Buffers) |
 * | `committed non heap memory(M)` | `rss - heapTotal` |
 * | `loaded class count` | modules currently installed + 1 (the base) |
 * | `unload class count` | modules uninstalled (stopped) since the Arklet started |
 * | `total class count` | loaded + unloaded |
 * | `run time(s)` | `process.uptime()` |
 * | `java max metaspace` | the memory budget of the base (see below) |
 * | `java committed metaspace` | the process RSS (workers included) |
 * | `java used metaspace` | `heapUsed + external`, at most RSS |
 *
 * The memory budget of the base is option `memoryCapacityBytes`, else the cgroup limit
 * (`process.constrainedMemory()`), else `os.totalmem()`.
 *
 * ModuleController reads `java max metaspace` as the node's memory capacity and
 * `max - committed` as allocatable, so these three are bytes of the whole process.
 */
import { totalmem } from 'node:os';
import { dirname } from 'node:path';
import { getHeapStatistics } from 'node:v8';

const MiB = 1024 * 1024;
const UNDEFINED_MIB = -1 / MiB;

import type { ProcessSampler } from './process-sampler.js';
/** Counters of module loads and unloads, maintained by the Arklet from runtime events. */
export interface ModuleCounters {
  /** Modules currently installed. */
  loaded(): number;
  /** Modules stopped since the Arklet started. */
  unloaded(): number;
}

/** The memory budget reported as `java max metaspace`. */
export function memoryCapacity(explicit?: number): number {
  if (explicit !== undefined && Number.isFinite(explicit) && explicit > 0) return Math.trunc(explicit);
  const total = totalmem();
  const constrained = (process as { constrainedMemory?: () => number | undefined }).constrainedMemory?.();
  if (typeof constrained === 'number' && Number.isFinite(constrained) && constrained > 0 && constrained < total) {
    return Math.trunc(constrained);
  }
  return total;
}

/** Creates the `jvm` indicator function. */
export function createJvmIndicator(
  counters: ModuleCounters,
  sampler: ProcessSampler,
  capacityBytes?: number,
): () => Record<string, unknown> {
  const home = dirname(dirname(process.execPath));
  const capacity = memoryCapacity(capacityBytes);
  return () => {
    const m = sampler.latest.memory;
    const heap = getHeapStatistics();
    const loaded = counters.loaded() + 1;
    const unloaded = counters.unloaded();
    return {
      'java version': process.version,
      'java home': home,
      'total memory(M)': m.heapTotal / MiB,
      'max memory(M)': heap.heap_size_limit / MiB,
      'free memory(M)': (m.heapTotal - m.heapUsed) / MiB,
      'init heap memory(M)': UNDEFINED_MIB,
      'used heap memory(M)': m.heapUsed / MiB,
      'committed heap memory(M)': m.heapTotal / MiB,
      'max heap memory(M)': heap.heap_size_limit / MiB,
      'init non heap memory(M)': UNDEFINED_MIB,
      'used non heap memory(M)': m.external / MiB,
      'committed non heap memory(M)': Math.max(0, m.rss - m.heapTotal) / MiB,
      'max non heap memory(M)': UNDEFINED_MIB,
      'loaded class count': loaded,
      'unload class count': unloaded,
      'total class count': loaded + unloaded,
      'run time(s)': process.uptime(),
      'java used metaspace': Math.trunc(Math.min(m.heapUsed + m.external, m.rss)),
      'java committed metaspace': Math.trunc(m.rss),
      'java max metaspace': capacity,
    };
  };
}
