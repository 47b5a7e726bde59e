/**
 * SIMULATOR — the virtual-kubelet side of ModuleController v2 (`VK:vnode_controller/vnode_controller.go`,
 * `VK:provider/*`), as recorded in docs/reference/module-controller.md (sections named below). It is not the Go
 * code: it is a TypeScript port of the behaviours a base can observe, with the timers injectable
 * (§ Controller timers) so that tests run in seconds. Tunnels (HTTP: § What the controller calls on the base;
 * MQTT: § MQTT tunnel) plug in through {@link SimTunnel}, as in the real controller.
 *
 * Ported behaviours:
 * - base discovery (§ The virtual node): an `ACTIVATED` heartbeat (case-insensitive) creates the vnode (Node +
 *   Lease held by `CLIENT_ID`) if missing and refreshes liveness; any other state closes it at once;
 * - polling (§ Controller timers): `health` every 10 s and `queryAllBiz` every 15 s, each interval counted from the
 *   end of the previous call, starting immediately;
 * - liveness (§ Liveness of a vnode): refreshed by ACTIVATED heartbeats and by health replies whose master biz is
 *   ACTIVATED; a health reply with another non-empty state closes the vnode; checked every 3 s; > 25 s silent →
 *   unreachable (pod events ignored); ≥ 60 s → dead (Node and Lease deleted); a closed vnode is shut down at the
 *   next check;
 * - pods (§ Pods and modules): a module pod bound to the vnode → one `installBiz` per container; SUCCESS →
 *   ACTIVATED at once; non-SUCCESS with HTTP 200 → waiting{reason: code}, never retried; transport error or non-200
 *   → BROKEN and retried after n×100 ms…; a deleted running pod → `uninstallBiz` per container (with bizUrl) and
 *   force-removal after the grace period; a deleted pod that is not running → removed at once, then uninstalled;
 * - statuses (§ Container and pod status): per container, filtered by `CheckContainerStatusNeedSync` (the
 *   second-of-minute quirk by default); pod phase/Ready from the `.jar` containers; `podIP` = base `localIP`;
 * - orphans (§ Pods and modules): a biz that no `.jar` container of a pod on the vnode declares is uninstalled
 *   (without bizUrl) on every poll and after every install/uninstall callback; a failed uninstall of an undeclared
 *   biz re-uninstalls recursively (capped here at {@link MAX_ORPHAN_DEPTH} and recorded, so a test sees the loop
 *   instead of hanging);
 * - vnode start (§ The virtual node): every pod already bound to the node gets `installBiz` again (controller
 *   restart, vnode takeover, or the same base returning after its Node was deleted).
 *
 * Simplifications (not observable by a base, or inferred; see README.md): no pod-worker pool of 8; containers
 * missing from a `queryAllBiz` reply keep their last status; in-place pod updates are not modelled (use new pods,
 * as the docs recommend).
 */
import type { FakeApiServer, Pod } from './k8s.js';
import {
  bizKey,
  buildNode,
  containerToBizModel,
  formatNodeName,
  isJarContainer,
  isModulePod,
  memoryFromHealth,
  needSync,
  podStatusOf,
  retryDelayMs,
  type BizStatusData,
  type ChangeTimeFilter,
  type SimBaseMetadata,
  type SimBaseStatus,
  type SimBizModel,
  bizVersionOf,
  baselineOf,
} from './rules.js';
import type { SimTiming } from './timing.js';

/** Orphan-uninstall recursion depth at which the simulator stops and records `uninstall-loop`. */
export const MAX_ORPHAN_DEPTH = 10;

/** An arkctl `HealthResponse` (§ What the controller calls on the base). */
export interface SimHealthResponse {
  code?: string;
  message?: string;
  data?: { healthData?: { jvm?: Record<string, unknown>; masterBizInfo?: { bizState?: string } } };
}

/** What a tunnel calls back into the controller. */
export interface TunnelCallbacks {
  onBaseDiscovered(status: SimBaseStatus): void;
  onHealthDataArrived(nodeId: string, health: SimHealthResponse): void;
  onAllBizStatusArrived(nodeId: string, statuses: BizStatusData[]): Promise<void>;
  onSingleBizStatusArrived(nodeId: string, status: BizStatusData): Promise<void>;
  baseline(meta: SimBaseMetadata): SimBizModel[];
}

/** The tunnel interface (MC `tunnel.Tunnel`). */
export interface SimTunnel {
  readonly kind: 'http' | 'mqtt';
  start(cb: TunnelCallbacks): Promise<void>;
  stop(): Promise<void>;
  /** A vnode started: remember its address / subscribe to its reply topics. */
  registerNode(nodeId: string, status: SimBaseStatus): void;
  /** A heartbeat refreshed the stored address. */
  updateNode(nodeId: string, status: SimBaseStatus): void;
  unregisterNode(nodeId: string): void;
  fetchHealthData(nodeId: string): Promise<void>;
  queryAllBizStatusData(nodeId: string): Promise<void>;
  /** Resolves with an error when vk must retry (transport error / non-200 over HTTP). */
  startBiz(nodeId: string, model: SimBizModel): Promise<Error | undefined>;
  stopBiz(nodeId: string, model: SimBizModel): Promise<void>;
}

/** One thing the controller did or saw, for assertions. */
export interface SimEvent {
  at: number;
  type:
    | 'vnode-created'
    | 'vnode-closed'
    | 'vnode-unreachable'
    | 'vnode-reachable'
    | 'vnode-deleted'
    | 'pod-event-ignored'
    | 'install'
    | 'install-retry'
    | 'uninstall'
    | 'orphan'
    | 'uninstall-loop'
    | 'status-dropped';
  nodeId?: string;
  pod?: string;
  key?: string;
  detail?: string;
}

interface VNode {
  nodeId: string;
  nodeName: string;
  status: SimBaseStatus;
  lastSeen: number;
  closed: boolean;
  unreachable: boolean;
  running: boolean;
  timers: Set<NodeJS.Timeout>;
  /** Per pod key: container name → last written status. */
  containers: Map<string, Map<string, BizStatusData>>;
}

export interface VNodeControllerOptions {
  api: FakeApiServer;
  tunnel: SimTunnel;
  env: string;
  clientId: string;
  timing: SimTiming;
  changeTimeFilter: ChangeTimeFilter;
}

export class VNodeController {
  readonly events: SimEvent[] = [];
  private readonly vnodes = new Map<string, VNode>();
  private checker: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly listeners: Array<() => void> = [];
  /** Depth of an orphan uninstall in progress, per key (the loop guard). */
  private readonly orphanDepth = new Map<string, number>();

  constructor(private readonly o: VNodeControllerOptions) {}

  async start(): Promise<void> {
    const { api } = this.o;
    const onAdd = (p: Pod): void => void this.podAdded(p);
    const onDel = (p: Pod): void => void this.podDeleting(p);
    api.on('podAdded', onAdd);
    api.on('podDeleting', onDel);
    this.listeners.push(() => api.off('podAdded', onAdd), () => api.off('podDeleting', onDel));
    await this.o.tunnel.start({
      onBaseDiscovered: (s) => this.onBaseDiscovered(s),
      onHealthDataArrived: (id, h) => this.onHealthDataArrived(id, h),
      onAllBizStatusArrived: (id, s) => this.onAllBizStatusArrived(id, s),
      // A reply that arrives while an orphan uninstall of the same key is in progress re-enters one level deeper.
      onSingleBizStatusArrived: (id, s) => this.onSingleBizStatusArrived(id, s, this.orphanDepth.get(s.key) ?? 0),
      baseline: (m) => this.baseline(m),
    });
    this.checker = setInterval(() => this.checkLiveness(), this.o.timing.livenessCheckMs);
  }

  /** Stops the controller process. Nodes, Leases and Pods stay in the apiserver (as when the real one restarts). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.checker) clearInterval(this.checker);
    for (const l of this.listeners) l();
    for (const v of this.vnodes.values()) this.stopVNode(v);
    this.vnodes.clear();
    await this.o.tunnel.stop();
  }

  /** The in-memory vnode of a base identity (undefined once shut down). */
  vnode(nodeId: string): { nodeName: string; lastSeen: number; closed: boolean; unreachable: boolean; status: SimBaseStatus } | undefined {
    const v = this.vnodes.get(nodeId);
    return v && { nodeName: v.nodeName, lastSeen: v.lastSeen, closed: v.closed, unreachable: v.unreachable, status: v.status };
  }

  private log(e: Omit<SimEvent, 'at'>): void {
    this.events.push({ at: Date.now(), ...e });
  }

  /* --------------------------------------------------------------------------------- discovery, liveness */

  private onBaseDiscovered(status: SimBaseStatus): void {
    if (this.stopped) return;
    const nodeId = status.baseMetadata?.identity;
    if (!nodeId) return;
    const activated = String(status.state ?? '').toUpperCase() === 'ACTIVATED';
    let v = this.vnodes.get(nodeId);
    if (!activated) {
      if (v && !v.closed) {
        v.closed = true;
        this.log({ type: 'vnode-closed', nodeId, detail: `heartbeat state ${status.state}` });
      }
      return;
    }
    if (!v) v = this.createVNode(nodeId, status);
    else {
      v.status = status;
      this.o.tunnel.updateNode(nodeId, status);
    }
    this.refresh(v);
  }

  private refresh(v: VNode): void {
    v.lastSeen = Date.now();
    if (v.unreachable) {
      v.unreachable = false;
      this.log({ type: 'vnode-reachable', nodeId: v.nodeId });
    }
  }

  private createVNode(nodeId: string, status: SimBaseStatus): VNode {
    const { api, env, clientId, timing, tunnel } = this.o;
    const nodeName = formatNodeName(nodeId, env);
    const v: VNode = {
      nodeId,
      nodeName,
      status,
      lastSeen: Date.now(),
      closed: false,
      unreachable: false,
      running: true,
      timers: new Set(),
      containers: new Map(),
    };
    this.vnodes.set(nodeId, v);
    // createVNode: the Node (kept if it already exists: takeover), and the Lease held by CLIENT_ID.
    const node = buildNode(status, env);
    const existing = api.nodes.get(nodeName);
    if (existing) node.status.capacity = { ...existing.status.capacity, ...node.status.capacity };
    api.upsertNode(node);
    const renew = (): void => {
      api.upsertLease({
        metadata: { name: nodeName, namespace: 'kube-node-lease' },
        spec: { holderIdentity: clientId, leaseDurationSeconds: timing.leaseDurationSeconds, renewTime: Date.now() },
      });
    };
    renew();
    this.every(v, timing.leaseRenewMs, async () => renew());
    tunnel.registerNode(nodeId, status);
    this.log({ type: 'vnode-created', nodeId, detail: nodeName });
    // Pollers: start immediately; each interval counted from the end of the previous call.
    this.every(v, timing.healthIntervalMs, () => tunnel.fetchHealthData(nodeId), true);
    this.every(v, timing.queryAllBizIntervalMs, () => tunnel.queryAllBizStatusData(nodeId), true);
    // discoveryPreviousPods: every pod already bound to this node is (re)created in the provider.
    for (const pod of api.podsOnNode(nodeName)) {
      if (isModulePod(pod) && pod.metadata.deletionTimestamp === undefined) void this.createPodInProvider(v, pod);
    }
    return v;
  }

  /** `wait.UntilWithContext`: run `fn`, then wait `ms` after it ends; `now` runs the first call at once. */
  private every(v: VNode, ms: number, fn: () => Promise<void>, now = false): void {
    const loop = async (): Promise<void> => {
      if (!v.running || this.stopped) return;
      try {
        await fn();
      } catch {
        /* errors are only logged by the real pollers */
      }
      if (!v.running || this.stopped) return;
      const t = setTimeout(() => {
        v.timers.delete(t);
        void loop();
      }, ms);
      v.timers.add(t);
    };
    if (now) void loop();
    else {
      const t = setTimeout(() => {
        v.timers.delete(t);
        void loop();
      }, ms);
      v.timers.add(t);
    }
  }

  private checkLiveness(): void {
    const { timing } = this.o;
    const now = Date.now();
    for (const v of [...this.vnodes.values()]) {
      const silent = now - v.lastSeen;
      if (v.closed) this.shutdownVNode(v, 'closed');
      else if (silent >= timing.deadMs) this.shutdownVNode(v, `dead: no liveness signal for ${silent} ms`);
      else if (silent > timing.unreachableMs && !v.unreachable) {
        v.unreachable = true;
        this.log({ type: 'vnode-unreachable', nodeId: v.nodeId, detail: `silent for ${silent} ms` });
      }
    }
  }

  private stopVNode(v: VNode): void {
    v.running = false;
    for (const t of v.timers) clearTimeout(t);
    v.timers.clear();
    this.o.tunnel.unregisterNode(v.nodeId);
  }

  private shutdownVNode(v: VNode, why: string): void {
    this.stopVNode(v);
    this.vnodes.delete(v.nodeId);
    this.o.api.deleteNode(v.nodeName);
    this.o.api.deleteLease(v.nodeName);
    this.log({ type: 'vnode-deleted', nodeId: v.nodeId, detail: why });
  }

  private onHealthDataArrived(nodeId: string, health: SimHealthResponse): void {
    const v = this.vnodes.get(nodeId);
    if (!v || health.code !== 'SUCCESS') return;
    const hd = health.data?.healthData;
    const mem = memoryFromHealth(hd?.jvm);
    const node = this.o.api.nodes.get(v.nodeName);
    if (node) {
      if (mem.capacity) node.status.capacity['memory'] = mem.capacity;
      if (mem.allocatable) node.status.allocatable['memory'] = mem.allocatable;
    }
    const state = String(hd?.masterBizInfo?.bizState ?? '').toUpperCase();
    if (state === 'ACTIVATED') this.refresh(v);
    else if (state !== '' && !v.closed) {
      v.closed = true;
      this.log({ type: 'vnode-closed', nodeId, detail: `health masterBizInfo.bizState ${state}` });
    }
  }

  /* -------------------------------------------------------------------------------------------- pods */

  private nodeIdOf(pod: Pod): string | undefined {
    for (const v of this.vnodes.values()) if (v.nodeName === pod.spec.nodeName) return v.nodeId;
    return undefined;
  }

  private podAdded(pod: Pod): void {
    if (!isModulePod(pod)) return;
    const id = this.nodeIdOf(pod);
    if (!id) return; // not a node this controller runs (yet): handled by discoveryPreviousPods
    const v = this.vnodes.get(id)!;
    if (v.unreachable) {
      this.log({ type: 'pod-event-ignored', nodeId: id, pod: pod.metadata.name, detail: 'add while unreachable' });
      return;
    }
    void this.createPodInProvider(v, pod);
  }

  private async createPodInProvider(v: VNode, pod: Pod): Promise<void> {
    v.containers.set(podKey(pod), v.containers.get(podKey(pod)) ?? new Map());
    await Promise.all(
      pod.spec.containers.map(async (c) => {
        const model = containerToBizModel(c);
        for (let n = 0; v.running && !this.stopped; ) {
          this.log({ type: n === 0 ? 'install' : 'install-retry', nodeId: v.nodeId, pod: pod.metadata.name, key: bizKey(c.name, bizVersionOf(c)) });
          const err = await this.o.tunnel.startBiz(v.nodeId, model);
          if (!err) return;
          n++;
          await this.sleep(v, retryDelayMs(n));
        }
      }),
    );
  }

  private podDeleting(pod: Pod): void {
    if (!isModulePod(pod)) return;
    const id = this.nodeIdOf(pod);
    if (!id) return;
    const v = this.vnodes.get(id)!;
    if (v.unreachable) {
      this.log({ type: 'pod-event-ignored', nodeId: id, pod: pod.metadata.name, detail: 'delete while unreachable' });
      return;
    }
    const uninstallAll = async (): Promise<void> => {
      for (const c of pod.spec.containers) {
        this.log({ type: 'uninstall', nodeId: id, pod: pod.metadata.name, key: bizKey(c.name, bizVersionOf(c)) });
        await this.o.tunnel.stopBiz(id, containerToBizModel(c));
      }
    };
    if (pod.status.phase === 'Running') {
      // syncPodInProvider: DeletePod uninstalls each container, the pod is force-deleted after the grace period.
      void uninstallAll();
      const t = setTimeout(() => {
        v.timers.delete(t);
        this.forgetPod(v, pod);
      }, this.o.timing.podDeleteGraceMs);
      v.timers.add(t);
    } else {
      this.forgetPod(v, pod);
      void uninstallAll();
    }
  }

  private forgetPod(v: VNode, pod: Pod): void {
    v.containers.delete(podKey(pod));
    this.o.api.removePod(pod);
  }

  /* ---------------------------------------------------------------------------------------- statuses */

  /** Pods on the vnode whose `.jar` containers declare `key`, with that container's name. */
  private declaring(v: VNode, key: string): Array<{ pod: Pod; container: string }> {
    const out: Array<{ pod: Pod; container: string }> = [];
    for (const pod of this.o.api.podsOnNode(v.nodeName)) {
      if (!isModulePod(pod)) continue;
      for (const c of pod.spec.containers) {
        if (isJarContainer(c) && bizKey(c.name, bizVersionOf(c)) === key) out.push({ pod, container: c.name });
      }
    }
    return out;
  }

  /**
   * Writes a status to the containers that declare its key. Polled statuses (`filtered`) go through
   * `CheckContainerStatusNeedSync` (§ Container and pod status: "a polled status replaces the stored one only
   * when …"); install/uninstall callbacks are written as they come [inferred: the filter is stated for polled
   * statuses only].
   */
  private apply(v: VNode, status: BizStatusData, filtered: boolean): boolean {
    const targets = this.declaring(v, status.key);
    for (const { pod, container } of targets) {
      const store = v.containers.get(podKey(pod)) ?? new Map<string, BizStatusData>();
      v.containers.set(podKey(pod), store);
      if (filtered && !needSync(store.get(container), status, this.o.changeTimeFilter)) {
        if (store.get(container)?.state !== status.state) {
          this.log({ type: 'status-dropped', nodeId: v.nodeId, pod: pod.metadata.name, key: status.key, detail: status.state });
        }
        continue;
      }
      store.set(container, status);
      this.o.api.patchPodStatus(pod, podStatusOf(pod, store, v.status.localIP));
    }
    return targets.length > 0;
  }

  private async onSingleBizStatusArrived(nodeId: string, status: BizStatusData, depth: number): Promise<void> {
    const v = this.vnodes.get(nodeId);
    if (!v) return;
    if (this.apply(v, status, false)) return;
    // syncNotExistBizPodToProvider: no pod declares it → orphan → uninstall (STOPPED needs no more work).
    if (status.state === 'STOPPED') return;
    await this.uninstallOrphan(v, status, depth);
  }

  private async onAllBizStatusArrived(nodeId: string, statuses: BizStatusData[]): Promise<void> {
    const v = this.vnodes.get(nodeId);
    if (!v) return;
    for (const s of statuses) {
      if (!this.apply(v, s, true) && s.state !== 'STOPPED') await this.uninstallOrphan(v, s, 0);
    }
  }

  private async uninstallOrphan(v: VNode, status: BizStatusData, depth: number): Promise<void> {
    if (depth >= MAX_ORPHAN_DEPTH) {
      this.log({ type: 'uninstall-loop', nodeId: v.nodeId, key: status.key, detail: `depth ${depth}` });
      return;
    }
    const [name, ...rest] = status.key.split(':');
    const version = rest.join(':');
    this.log({ type: 'orphan', nodeId: v.nodeId, key: status.key, detail: status.state });
    const model: SimBizModel = {};
    if (name) model.bizName = name;
    if (version) model.bizVersion = version;
    this.orphanDepth.set(status.key, depth + 1);
    try {
      await this.o.tunnel.stopBiz(v.nodeId, model);
    } finally {
      this.orphanDepth.delete(status.key);
    }
  }

  private baseline(meta: SimBaseMetadata): SimBizModel[] {
    return baselineFor(this.o.api, this.o.env, meta.clusterName);
  }

  private sleep(v: VNode, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        v.timers.delete(t);
        resolve();
      }, ms);
      v.timers.add(t);
      if (!v.running) resolve();
    });
  }
}

function baselineFor(api: FakeApiServer, env: string, clusterName: string): SimBizModel[] {
  return baselineOf(api.deployments.values(), env, clusterName);
}

function podKey(p: Pod): string {
  return `${p.metadata.namespace ?? 'default'}/${p.metadata.name}`;
}
