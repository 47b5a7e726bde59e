/**
 * `elapsedSpace` of installBiz / batchInstallBiz (docs/reference/arklet-protocol.md § Wire types). Java
 * reports the JVM Metaspace bytes used after the operation minus before; the Node counterpart is the base
 * process's V8 `heapUsed` after minus before (an integer, possibly negative). Module heaps live in their own
 * workers and are not part of it.
 */

import { getHeapStatistics } from 'node:v8';

/** Starts a measurement; call the returned function after the operation to get the delta in bytes. */
export function measureHeap(): () => number {
  // V8's own counters: unlike process.memoryUsage() this never reads /proc (which stalls during installs).
  const before = getHeapStatistics().used_heap_size;
  return () => Math.trunc(getHeapStatistics().used_heap_size - before);
}
