/**
 * webContextPath → the module version that serves it (docs/module-contract.md). A switch replaces the
 * entry in one `Map.set`: requests that already picked the old entry finish on the old worker, every
 * later request sees the new one.
 */
import type { WorkerHost } from '../worker/worker-host.js';

/** One routing entry. `host` is undefined while the first version of a name is still starting. */
export interface RouteEntry {
  identity: string;
  bizName: string;
  host: WorkerHost | undefined;
  /** `starting`: first version not up yet (503); `serving`; `broken`: the worker crashed (502). */
  status: 'starting' | 'serving' | 'broken';
}

/** The routing table. */
export class RoutingTable {
  private readonly routes = new Map<string, RouteEntry>();

  /** The entry for a context path (no slashes). */
  get(path: string): RouteEntry | undefined {
    return this.routes.get(path);
  }

  /** Points a context path at a module version (atomic). */
  set(path: string, entry: RouteEntry): void {
    this.routes.set(path, entry);
  }

  /** Removes the entry, only if it still belongs to `identity` (a newer switch may own it already). */
  delete(path: string, identity: string): void {
    if (this.routes.get(path)?.identity === identity) this.routes.delete(path);
  }

  /** Every routed context path. */
  paths(): string[] {
    return [...this.routes.keys()];
  }
}
