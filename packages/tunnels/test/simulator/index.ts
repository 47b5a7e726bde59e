/**
 * SIMULATOR of Koupleless ModuleController v2 — a test double of the real peer, not the controller itself. See
 * README.md in this directory for what is ported, from which sections of docs/reference/module-controller.md, and
 * what is not.
 *
 *   const api = new FakeApiServer();
 *   const mc = await startModuleController({ api, tunnel: { kind: 'http' }, timing: scaledTiming(0.05) });
 *   // base: startHeartbeat({ endpoint: mc.url, arklet, … })
 *   api.createPod(modulePod({ name: 'biz1-pod', nodeName: 'vnode.b1.dev', containers: [...] }));
 */
import type { Container, Pod, Toleration } from './k8s.js';
import { FakeApiServer, waitFor } from './k8s.js';
import { SimHttpTunnel } from './http-tunnel.js';
import { SimMqttTunnel } from './mqtt-tunnel.js';
import { COMPONENT_MODULE, LABEL_COMPONENT, TAINT_NODE_ENV, TAINT_VIRTUAL_NODE, type ChangeTimeFilter } from './rules.js';
import { REAL_TIMING, type SimTiming } from './timing.js';
import { VNodeController, type SimEvent } from './vnode-controller.js';

export { FakeApiServer, waitFor } from './k8s.js';
export type { Pod, Node, Deployment, Container } from './k8s.js';
export { REAL_TIMING, scaledTiming, type SimTiming } from './timing.js';
export * from './rules.js';
export type { SimEvent } from './vnode-controller.js';
export { MAX_ORPHAN_DEPTH } from './vnode-controller.js';
export type { ArkCall, TunnelRequest } from './http-tunnel.js';
export type { MqttTrace } from './mqtt-tunnel.js';

export interface ModuleControllerOptions {
  api: FakeApiServer;
  /** `http` (port 0 = ephemeral, host 127.0.0.1) or `mqtt` (a broker to connect to). */
  tunnel: { kind: 'http'; port?: number; host?: string } | { kind: 'mqtt'; broker: string; port: number; clientPrefix?: string };
  /** `ENV`. Default `dev`. */
  env?: string;
  /** `CLIENT_ID` (the Lease holder). Default `sim-module-controller`. */
  clientId?: string;
  /** Timers (docs/reference/module-controller.md § Controller timers). Default: the real ones. */
  timing?: SimTiming;
  /**
   * `CheckContainerStatusNeedSync` (docs/reference/module-controller.md § Container and pod status). Default the
   * faithful `second-of-minute`.
   */
  changeTimeFilter?: ChangeTimeFilter;
}

export interface SimModuleController {
  readonly env: string;
  readonly clientId: string;
  /** HTTP tunnel base URL (`http://127.0.0.1:<port>`): the base's heartbeat endpoint. */
  readonly url: string;
  readonly port: number;
  readonly api: FakeApiServer;
  readonly events: SimEvent[];
  /** HTTP: every call made to a base. */
  readonly calls: import('./http-tunnel.js').ArkCall[];
  /** HTTP: every request received on the tunnel server. */
  readonly received: import('./http-tunnel.js').TunnelRequest[];
  /** MQTT: every message in and out. */
  readonly trace: import('./mqtt-tunnel.js').MqttTrace[];
  vnode(identity: string): ReturnType<VNodeController['vnode']>;
  /** `vnode.<identity>.<env>`. */
  nodeName(identity: string): string;
  stop(): Promise<void>;
}

/** Starts a simulated ModuleController v2 process against `api`. */
export async function startModuleController(o: ModuleControllerOptions): Promise<SimModuleController> {
  const env = o.env ?? 'dev';
  const clientId = o.clientId ?? 'sim-module-controller';
  const timing = o.timing ?? REAL_TIMING;
  const tunnel =
    o.tunnel.kind === 'http'
      ? new SimHttpTunnel({ port: o.tunnel.port ?? 0, host: o.tunnel.host ?? '127.0.0.1' })
      : new SimMqttTunnel({
          broker: o.tunnel.broker,
          port: o.tunnel.port,
          env,
          clientId,
          staleMs: timing.mqttStaleMs,
          ...(o.tunnel.clientPrefix ? { clientPrefix: o.tunnel.clientPrefix } : {}),
        });
  const controller = new VNodeController({ api: o.api, tunnel, env, clientId, timing, changeTimeFilter: o.changeTimeFilter ?? 'second-of-minute' });
  await controller.start();
  const http = tunnel instanceof SimHttpTunnel ? tunnel : undefined;
  return {
    env,
    clientId,
    url: http?.url ?? '',
    port: http?.port ?? 0,
    api: o.api,
    events: controller.events,
    calls: http?.calls ?? [],
    received: http?.received ?? [],
    trace: tunnel instanceof SimMqttTunnel ? tunnel.trace : [],
    vnode: (id) => controller.vnode(id),
    nodeName: (id) => `vnode.${id}.${env}`,
    stop: () => controller.stop(),
  };
}

/** The tolerations every module pod needs (docs/reference/module-controller.md § The virtual node). */
export function moduleTolerations(env = 'dev'): Toleration[] {
  return [
    { key: TAINT_VIRTUAL_NODE, operator: 'Equal', value: 'True', effect: 'NoExecute' },
    { key: TAINT_NODE_ENV, operator: 'Equal', value: env, effect: 'NoExecute' },
  ];
}

/** A bare module pod bound to a vnode, as ModuleController's suites create them (`prepareModulePod`). */
export function modulePod(input: { name: string; nodeName: string; containers: Container[]; env?: string; labels?: Record<string, string> }): {
  metadata: Pod['metadata'];
  spec: Pod['spec'];
} {
  return {
    metadata: { name: input.name, namespace: 'default', labels: { [LABEL_COMPONENT]: COMPONENT_MODULE, ...input.labels } },
    spec: { nodeName: input.nodeName, containers: input.containers, tolerations: moduleTolerations(input.env) },
  };
}

/** A module container: name = bizName, image = bizUrl, env BIZ_VERSION. */
export function moduleContainer(bizName: string, bizVersion: string, bizUrl: string): Container {
  return { name: bizName, image: bizUrl, env: [{ name: 'BIZ_VERSION', value: bizVersion }] };
}

/** Waits for a pod to satisfy `pred` (bounded). */
export function waitPod(api: FakeApiServer, name: string, pred: (p: Pod) => boolean, timeoutMs: number, what: string): Promise<Pod> {
  return waitFor(
    () => {
      const p = api.getPod(name);
      return p && pred(p) ? p : undefined;
    },
    timeoutMs,
    `pod ${name}: ${what}`,
    () => api.getPod(name)?.status,
  );
}
