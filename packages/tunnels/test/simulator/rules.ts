/**
 * SIMULATOR — the pure rules of ModuleController v2 and virtual-kubelet v0.3.10, ported from the behaviour recorded
 * in docs/reference/module-controller.md (sections named below). Each function names the Go function it stands in
 * for. Nothing here talks to a network.
 */
import type { Container, ContainerStatus, Deployment, Node, Pod, PodCondition, PodPhase, Taint } from './k8s.js';

/* ------------------------------------------------------- labels (§ The virtual node, § Pods and modules) */
export const LABEL_COMPONENT = 'virtual-kubelet.koupleless.io/component';
export const LABEL_ENV = 'virtual-kubelet.koupleless.io/env';
export const LABEL_BASE_NAME = 'base.koupleless.io/name';
export const LABEL_BASE_VERSION = 'base.koupleless.io/version';
export const LABEL_BASE_CLUSTER = 'base.koupleless.io/cluster-name';
export const LABEL_BASE_HOSTNAME = 'base.koupleless.io/host-name';
export const LABEL_TUNNEL_PORT = 'base.koupleless.io/tunnel-port';
export const LABEL_K8S_HOSTNAME = 'kubernetes.io/hostname';
export const TAINT_VIRTUAL_NODE = 'schedule.koupleless.io/virtual-node';
export const TAINT_NODE_ENV = 'schedule.koupleless.io/node-env';
export const COMPONENT_VNODE = 'vnode';
export const COMPONENT_MODULE = 'module';

/** The Go `model.BaseMetadata` / `model.BaseStatus` (§ BaseStatus and BaseMetadata). */
export interface SimBaseMetadata {
  identity: string;
  name: string;
  version: string;
  clusterName: string;
}
export interface SimBaseStatus {
  baseMetadata: SimBaseMetadata;
  localIP: string;
  localHostName: string;
  port: number;
  state: string;
}

/** arkctl `BizModel` (fields omitempty, § What the controller calls on the base). */
export interface SimBizModel {
  bizName?: string;
  bizVersion?: string;
  bizUrl?: string;
}

/**
 * vk `BizStatusData` / container status data: what a biz status from the base becomes
 * (§ What the controller calls on the base, § Container and pod status).
 */
export interface BizStatusData {
  /** `bizName:bizVersion`. */
  key: string;
  name: string;
  /** Upper-case state (`ACTIVATED`, `DEACTIVATED`, …) or `''`. */
  state: string;
  /** Epoch ms. */
  changeTime: number;
  reason: string;
  message: string;
}

/** vk `FormatNodeName`: `vnode.<identity>.<env>` (§ The virtual node). */
export function formatNodeName(identity: string, env: string): string {
  return `vnode.${identity}.${env}`;
}

/**
 * vk `ExtractNodeIDFromNodeName`: strips `vnode.` and the last `.<env>` segment, re-joining on `.`
 * (§ Base identity).
 */
export function extractNodeId(nodeName: string): string {
  const parts = nodeName.split('.');
  return parts.slice(1, -1).join('.');
}

/** MC `GetBizIdentity` (§ Pods and modules). */
export function bizKey(name: string, version: string): string {
  return `${name}:${version}`;
}

/** MC `GetBizVersionFromContainer`: only a literal `value` of `BIZ_VERSION` (§ Pods and modules). */
export function bizVersionOf(c: Container): string {
  return c.env?.find((e) => e.name === 'BIZ_VERSION')?.value ?? '';
}

/** MC `TranslateCoreV1ContainerToBizModel`: name → bizName, BIZ_VERSION → bizVersion, image → bizUrl; empty fields omitted. */
export function containerToBizModel(c: Container): SimBizModel {
  const m: SimBizModel = {};
  if (c.name) m.bizName = c.name;
  const v = bizVersionOf(c);
  if (v) m.bizVersion = v;
  if (c.image) m.bizUrl = c.image;
  return m;
}

/** vk `FillPodKey` / `GetPodStatus`: only containers whose image contains `.jar` count (§ Pods and modules). */
export function isJarContainer(c: Container): boolean {
  return c.image.includes('.jar');
}

/** vpod predicate: the module label and a non-empty `spec.nodeName` (§ Pods and modules). */
export function isModulePod(p: Pod): boolean {
  return p.metadata.labels?.[LABEL_COMPONENT] === COMPONENT_MODULE && !!p.spec.nodeName;
}

/** vk `buildNode` (§ The virtual node): labels, taints, addresses, `pods: 65535`, healthy conditions. */
export function buildNode(status: SimBaseStatus, env: string): Node {
  const m = status.baseMetadata;
  const labels: Record<string, string> = {
    [LABEL_COMPONENT]: COMPONENT_VNODE,
    [LABEL_ENV]: env,
    [LABEL_BASE_NAME]: m.name,
    [LABEL_BASE_VERSION]: m.version,
    [LABEL_BASE_CLUSTER]: m.clusterName,
    [LABEL_K8S_HOSTNAME]: status.localHostName,
    [LABEL_BASE_HOSTNAME]: status.localHostName,
  };
  if (status.port) labels[LABEL_TUNNEL_PORT] = String(status.port);
  const taints: Taint[] = [
    { key: TAINT_VIRTUAL_NODE, value: 'True', effect: 'NoExecute' },
    { key: TAINT_NODE_ENV, value: env, effect: 'NoExecute' },
  ];
  return {
    metadata: { name: formatNodeName(m.identity, env), labels },
    spec: { taints },
    status: {
      conditions: [
        { type: 'Ready', status: 'True' },
        { type: 'MemoryPressure', status: 'False' },
        { type: 'DiskPressure', status: 'False' },
        { type: 'PIDPressure', status: 'False' },
        { type: 'NetworkUnavailable', status: 'False' },
      ],
      addresses: [
        { type: 'InternalIP', address: status.localIP || '127.0.0.1' },
        { type: 'Hostname', address: status.localHostName },
      ],
      capacity: { pods: '65535' },
      allocatable: { pods: '65535' },
    },
  };
}

/**
 * MC `ConvertHealthDataToNodeStatus` (§ What the controller calls on the base): memory capacity =
 * `java max metaspace` (bytes → `Ki`), allocatable = max − committed; `-1` leaves a figure unset; absent keys
 * decode as 0.
 */
export function memoryFromHealth(jvm: Record<string, unknown> | undefined): { capacity?: string; allocatable?: string } {
  const int = (k: string): number => {
    const v = jvm?.[k];
    return typeof v === 'number' ? v : 0;
  };
  const max = int('java max metaspace');
  const committed = int('java committed metaspace');
  const out: { capacity?: string; allocatable?: string } = {};
  if (max !== -1) out.capacity = `${Math.trunc(max / 1024)}Ki`;
  if (max !== -1 && committed !== -1) out.allocatable = `${Math.trunc((max - committed) / 1024)}Ki`;
  return out;
}

/** arkctl `ArkBizInfo` as queryAllBiz returns it. */
export interface SimArkBizInfo {
  bizName: string;
  bizVersion: string;
  bizState: string;
  bizStateRecords?: Array<{ changeTime: number; state: string; reason: string; message: string }>;
}

/**
 * MC `TranslateBizInfosToContainerStatuses` (§ What the controller calls on the base): the record with the largest
 * `changeTime` supplies the change time, reason and message; without records, the query time.
 */
export function bizInfoToStatus(b: SimArkBizInfo, now: number): BizStatusData {
  let latest: { changeTime: number; reason: string; message: string } | undefined;
  for (const r of b.bizStateRecords ?? []) if (!latest || r.changeTime > latest.changeTime) latest = r;
  return {
    key: bizKey(b.bizName, b.bizVersion),
    name: b.bizName,
    state: String(b.bizState ?? '').toUpperCase(),
    changeTime: latest?.changeTime ?? now,
    reason: latest?.reason ?? '',
    message: latest?.message ?? '',
  };
}

/** vk `ConvertBizStatusToContainerStatus` (§ Container and pod status). */
export function toContainerStatus(c: Container, s: BizStatusData | undefined): ContainerStatus {
  const base = { name: c.name, image: c.image };
  switch (s?.state) {
    case 'ACTIVATED':
      return { ...base, ready: true, started: true, state: { running: { startedAt: s.changeTime } } };
    case 'RESOLVED':
    case 'BROKEN':
    case 'DEACTIVATED':
      return { ...base, ready: false, started: false, state: { waiting: { reason: s.reason, message: s.message } } };
    case 'STOPPED':
      return {
        ...base,
        ready: false,
        started: false,
        state: { terminated: { exitCode: 1, reason: s.reason, message: s.message, finishedAt: s.changeTime } },
      };
    default:
      return { ...base, ready: false, started: false, state: {} };
  }
}

/**
 * vk `GetPodStatus` (§ Container and pod status): phase and Ready from the `.jar` containers; `podIP` is the
 * base `localIP`.
 */
export function podStatusOf(pod: Pod, statuses: Map<string, BizStatusData>, localIP: string): Pod['status'] {
  const jars = pod.spec.containers.filter(isJarContainer);
  const cs = jars.map((c) => toContainerStatus(c, statuses.get(c.name)));
  const initialised = (x: ContainerStatus): boolean => Object.keys(x.state).length > 0;
  let phase: PodPhase;
  let ready = false;
  if (jars.length === 0 || cs.every((x) => x.state.terminated)) phase = 'Succeeded';
  else if (cs.every((x) => !initialised(x))) phase = 'Pending';
  else if (cs.every((x) => x.ready)) {
    phase = 'Running';
    ready = true;
  } else if (cs.some((x) => x.state.waiting || x.state.running)) phase = 'Running';
  else phase = 'Pending';
  const cond = (type: PodCondition['type'], ok: boolean): PodCondition => ({ type, status: ok ? 'True' : 'False' });
  return {
    phase,
    conditions: [cond('PodScheduled', true), cond('Initialized', true), cond('ContainersReady', ready), cond('Ready', ready)],
    containerStatuses: cs,
    podIP: localIP,
  };
}

/** How a polled status is filtered before it is written (§ Container and pod status). */
export type ChangeTimeFilter = 'second-of-minute' | 'monotonic';

/**
 * vk `CheckContainerStatusNeedSync` (§ Container and pod status): with the faithful `second-of-minute` filter a new
 * status is written only if `newChangeTime.Second() > oldChangeTime.Second()` (seconds field of the minute, 0-59) —
 * the quirk that drops some real transitions. `monotonic` compares full times (what the code means to do).
 */
export function needSync(old: BizStatusData | undefined, next: BizStatusData, filter: ChangeTimeFilter): boolean {
  if (!old) return true;
  if (filter === 'monotonic') return next.changeTime > old.changeTime;
  return new Date(next.changeTime).getUTCSeconds() > new Date(old.changeTime).getUTCSeconds();
}

/**
 * vk `CallWithRetry` + `DefaultRateLimiter` (§ What the controller calls on the base): the delay before retry `n`
 * (n ≥ 1) of a failed `StartBiz`: `n×100 ms` for n < 30, `n²×100 ms` for n < 100, then 1000 s.
 */
export function retryDelayMs(n: number): number {
  if (n < 30) return n * 100;
  if (n < 100) return n * n * 100;
  return 1_000_000;
}

/**
 * MC `QueryContainerBaseline` (§ Baseline): every container of every Deployment labelled `env=<ENV>` whose
 * cluster name (label, then template nodeSelector, then the first value of a required node-affinity term)
 * equals `clusterName`, oldest Deployment first.
 */
export function baselineOf(deployments: Iterable<Deployment>, env: string, clusterName: string): SimBizModel[] {
  const clusterOf = (d: Deployment): string | undefined => {
    const fromLabel = d.metadata.labels?.[LABEL_BASE_CLUSTER];
    if (fromLabel) return fromLabel;
    const fromSelector = d.spec.template.spec.nodeSelector?.[LABEL_BASE_CLUSTER];
    if (fromSelector) return fromSelector;
    for (const t of d.spec.template.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? []) {
      for (const e of t.matchExpressions ?? []) if (e.key === LABEL_BASE_CLUSTER && e.values?.[0]) return e.values[0];
    }
    return undefined;
  };
  return [...deployments]
    .filter((d) => d.metadata.labels?.[LABEL_ENV] === env && clusterOf(d) === clusterName)
    .sort((a, b) => (a.metadata.creationTimestamp ?? 0) - (b.metadata.creationTimestamp ?? 0))
    .flatMap((d) => d.spec.template.spec.containers.map(containerToBizModel));
}
