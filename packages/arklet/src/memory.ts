/**
 * `elapsedSpace` of installBiz / batchInstallBiz (`spec/arklet-protocol.md` §2.2). Java reports the JVM
 * Metaspace bytes used after the operation minus before; the Node counterpart is the base process's V8
 * `heapUsed` after minus before (an integer, possibly negative). Module heaps live in their own workers
 * and are not part of it.
 */

/** Starts a measurement; call the returned function after the operation to get the delta in bytes. */
export function measureHeap(): () => number {
  const before = process.memoryUsage().heapUsed;
  return () => Math.trunc(process.memoryUsage().heapUsed - before);
}
