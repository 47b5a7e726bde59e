/**
 * SIMULATOR — not Kubernetes. A tiny in-memory stand-in for the kube-apiserver objects ModuleController v2 touches
 * (Nodes, Leases, Pods, Deployments), with the semantics of an **envtest** apiserver, which is what
 * ModuleController's own suites run against (docs/reference/module-controller.md § The simulator): no scheduler, no
 * controller-manager, no kubelet. So: bare Pods are bound by `spec.nodeName`; Deployments never produce Pods (they
 * only feed `/queryBaseline`, docs/reference/module-controller.md § Baseline); Pods left on a deleted Node stay.
 */
import { EventEmitter } from 'node:events';

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: unknown;
}

export interface Container {
  name: string;
  image: string;
  env?: EnvVar[];
}

export interface Toleration {
  key: string;
  operator?: string;
  value?: string;
  effect?: string;
}

export interface ObjectMeta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  uid?: string;
  creationTimestamp?: number;
  deletionTimestamp?: number;
  deletionGracePeriodSeconds?: number;
}

export interface ContainerState {
  running?: { startedAt: number };
  waiting?: { reason: string; message: string };
  terminated?: { exitCode: number; reason: string; message: string; finishedAt: number };
}

export interface ContainerStatus {
  name: string;
  image: string;
  ready: boolean;
  started: boolean;
  state: ContainerState;
}

export interface PodCondition {
  type: 'PodScheduled' | 'Initialized' | 'ContainersReady' | 'Ready';
  status: 'True' | 'False';
}

export type PodPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed';

export interface Pod {
  metadata: ObjectMeta;
  spec: {
    nodeName?: string;
    containers: Container[];
    tolerations?: Toleration[];
    nodeSelector?: Record<string, string>;
  };
  status: {
    phase: PodPhase;
    conditions: PodCondition[];
    containerStatuses: ContainerStatus[];
    podIP?: string;
  };
}

export interface Taint {
  key: string;
  value: string;
  effect: 'NoExecute' | 'NoSchedule';
}

export interface Node {
  metadata: ObjectMeta;
  spec: { taints: Taint[] };
  status: {
    conditions: Array<{ type: string; status: 'True' | 'False' }>;
    addresses: Array<{ type: 'InternalIP' | 'Hostname'; address: string }>;
    capacity: Record<string, string>;
    allocatable: Record<string, string>;
  };
}

export interface Lease {
  metadata: { name: string; namespace: 'kube-node-lease' };
  spec: { holderIdentity: string; leaseDurationSeconds: number; renewTime: number };
}

export interface Deployment {
  metadata: ObjectMeta;
  spec: {
    replicas?: number;
    template: {
      metadata?: { labels?: Record<string, string> };
      spec: {
        containers: Container[];
        nodeSelector?: Record<string, string>;
        affinity?: {
          nodeAffinity?: {
            requiredDuringSchedulingIgnoredDuringExecution?: {
              nodeSelectorTerms?: Array<{ matchExpressions?: Array<{ key: string; operator: string; values?: string[] }> }>;
            };
          };
        };
      };
    };
  };
}

/** What {@link FakeApiServer} emits. */
export interface ApiEvents {
  podAdded: [Pod];
  podDeleting: [Pod];
  podRemoved: [Pod];
  podStatus: [Pod];
  nodeUpserted: [Node];
  nodeDeleted: [Node];
  leaseDeleted: [Lease];
}

let uidCounter = 0;

/** The in-memory apiserver. Objects are live references: read them, do not mutate them from tests. */
export class FakeApiServer extends EventEmitter<ApiEvents> {
  readonly nodes = new Map<string, Node>();
  readonly leases = new Map<string, Lease>();
  readonly pods = new Map<string, Pod>();
  readonly deployments = new Map<string, Deployment>();

  /** Creates a Pod (status Pending), like `kubectl apply` of a bare pod with `spec.nodeName`. */
  createPod(input: { metadata: ObjectMeta; spec: Pod['spec'] }): Pod {
    const ns = input.metadata.namespace ?? 'default';
    const key = `${ns}/${input.metadata.name}`;
    if (this.pods.has(key)) throw new Error(`pod ${key} already exists`);
    const pod: Pod = {
      metadata: { ...input.metadata, namespace: ns, uid: `uid-${++uidCounter}`, creationTimestamp: Date.now() },
      spec: structuredClone(input.spec),
      status: { phase: 'Pending', conditions: [], containerStatuses: [] },
    };
    this.pods.set(key, pod);
    this.emit('podAdded', pod);
    return pod;
  }

  /** A graceful delete: sets `deletionTimestamp`; the controller removes the Pod (see {@link removePod}). */
  deletePod(name: string, namespace = 'default'): void {
    const pod = this.pods.get(`${namespace}/${name}`);
    if (!pod || pod.metadata.deletionTimestamp !== undefined) return;
    pod.metadata.deletionTimestamp = Date.now();
    pod.metadata.deletionGracePeriodSeconds ??= 30;
    this.emit('podDeleting', pod);
  }

  /** Removes a Pod from the store (the final, forced delete). */
  removePod(pod: Pod): void {
    const key = `${pod.metadata.namespace ?? 'default'}/${pod.metadata.name}`;
    if (this.pods.get(key) !== pod) return;
    this.pods.delete(key);
    this.emit('podRemoved', pod);
  }

  getPod(name: string, namespace = 'default'): Pod | undefined {
    return this.pods.get(`${namespace}/${name}`);
  }

  /** Pods bound to a node. */
  podsOnNode(nodeName: string): Pod[] {
    return [...this.pods.values()].filter((p) => p.spec.nodeName === nodeName);
  }

  patchPodStatus(pod: Pod, status: Pod['status']): void {
    if (this.getPod(pod.metadata.name, pod.metadata.namespace) !== pod) return;
    // Status patches only go through while the pod is not Succeeded/Failed (vk `shouldSkipPodStatusUpdate`;
    // docs/reference/module-controller.md § Container and pod status).
    if (pod.status.phase === 'Succeeded' || pod.status.phase === 'Failed') return;
    pod.status = status;
    this.emit('podStatus', pod);
  }

  upsertNode(node: Node): void {
    this.nodes.set(node.metadata.name, node);
    this.emit('nodeUpserted', node);
  }

  deleteNode(name: string): void {
    const node = this.nodes.get(name);
    if (!node) return;
    this.nodes.delete(name);
    this.emit('nodeDeleted', node);
  }

  upsertLease(lease: Lease): void {
    this.leases.set(lease.metadata.name, lease);
  }

  deleteLease(name: string): void {
    const lease = this.leases.get(name);
    if (!lease) return;
    this.leases.delete(name);
    this.emit('leaseDeleted', lease);
  }

  createDeployment(d: Deployment): void {
    const ns = d.metadata.namespace ?? 'default';
    this.deployments.set(`${ns}/${d.metadata.name}`, {
      ...structuredClone(d),
      metadata: { ...d.metadata, namespace: ns, uid: `uid-${++uidCounter}`, creationTimestamp: Date.now() + uidCounter / 1000 },
    });
  }
}

/**
 * Polls `probe` until it returns a value other than `undefined`/`false` (resolved with it), or fails after
 * `timeoutMs` with `what` and the last observed detail. Every wait in the tests goes through this.
 */
export async function waitFor<T>(
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs: number,
  what: string,
  detail?: () => unknown,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() >= deadline) {
      const d = detail ? ` (last: ${JSON.stringify(detail())})` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${d}`);
    }
    await new Promise((r) => setTimeout(r, 15));
  }
}
