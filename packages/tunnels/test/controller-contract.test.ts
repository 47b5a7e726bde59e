/**
 * Contract tests: a real nodeark base (`createBase`, its Arklet, the HTTP heartbeat of this package) driven by
 * the ModuleController v2 **simulator** in `./simulator` (a TypeScript port of the controller's HTTP tunnel and
 * virtual-kubelet rules — not the real controller, see simulator/README.md), for the contract cases 39-52 and
 * the base checklist of docs/reference/module-controller.md (§ Contract cases, § Base checklist; the `§` names
 * in comments below are sections of that page).
 *
 * Timers run at 1/20 of the real ones (health every 500 ms instead of 10 s, unreachable after 1.25 s
 * instead of 25 s, dead after 3 s instead of 60 s, heartbeat every 600 ms instead of 12 s).
 */
import { afterEach, beforeAll, afterAll, describe, expect, it } from 'vitest';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BizTransitionEvent } from '@nodeark/runtime';
import { startHeartbeat, type HeartbeatOptions, type HeartbeatTunnel } from '@nodeark/tunnels';
import {
  FakeApiServer,
  LABEL_BASE_CLUSTER,
  LABEL_BASE_HOSTNAME,
  LABEL_BASE_NAME,
  LABEL_BASE_VERSION,
  LABEL_COMPONENT,
  LABEL_ENV,
  LABEL_K8S_HOSTNAME,
  LABEL_TUNNEL_PORT,
  TAINT_NODE_ENV,
  TAINT_VIRTUAL_NODE,
  moduleContainer,
  modulePod,
  scaledTiming,
  startModuleController,
  waitFor,
  waitPod,
  type ArkCall,
  type ChangeTimeFilter,
  type SimModuleController,
} from './simulator/index.js';
import { arkletProxy, closeServer, fixtureUrl, listen, serveBundles, sleep, startBase, type BundleServer, type ProxyRule, type TestBase } from './harness.js';

const T = scaledTiming(0.05);
const HEARTBEAT_MS = 600; // 12 s × 0.05
const WAIT = 15_000; // bound on any single wait (generous: CI machines are shared)

let bundles: BundleServer;
beforeAll(async () => {
  bundles = await serveBundles(['biz1', 'biz1-v2', 'biz2', 'stray', 'boom']);
});
afterAll(async () => {
  await bundles?.close();
});

interface World {
  api: FakeApiServer;
  mc: SimModuleController;
  base: TestBase;
  hb: HeartbeatTunnel;
  nodeName: string;
  transitions: BizTransitionEvent[];
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

async function world(
  identity: string,
  o: { changeTimeFilter?: ChangeTimeFilter; proxy?: ProxyRule; heartbeat?: Partial<HeartbeatOptions>; register?: boolean } = {},
): Promise<World> {
  const api = new FakeApiServer();
  const mc = await startModuleController({ api, tunnel: { kind: 'http' }, timing: T, clientId: 'sim-mc', changeTimeFilter: o.changeTimeFilter ?? 'second-of-minute' });
  cleanups.push(() => mc.stop());
  const base = await startBase(identity);
  cleanups.push(() => base.close());
  const transitions: BizTransitionEvent[] = [];
  base.base.runtime.on('transition', (e) => transitions.push(e));
  let port = base.arklet.port;
  if (o.proxy) {
    const proxy = await arkletProxy(base.arklet.url, o.proxy);
    cleanups.push(() => proxy.close());
    port = proxy.port;
  }
  const hb = startHeartbeat({
    endpoint: mc.url,
    arklet: base.arklet,
    port,
    localIP: '127.0.0.1',
    localHostName: `${identity}-pod`,
    name: 'base',
    version: '1.0.0',
    clusterName: 'default',
    intervalMs: HEARTBEAT_MS,
    retryInitialDelayMs: 100,
    ...o.heartbeat,
  });
  cleanups.push(() => hb.stop({ graceful: false }));
  const nodeName = mc.nodeName(identity);
  if (o.register !== false) await waitFor(() => api.nodes.get(nodeName), WAIT, `node ${nodeName}`);
  return { api, mc, base, hb, nodeName, transitions };
}

const callsOf = (mc: SimModuleController, command: string): ArkCall[] => mc.calls.filter((c) => c.command === command);
/** Calls that got an answer (a call in flight has no response yet). */
const answered = (mc: SimModuleController, command: string): ArkCall[] => callsOf(mc, command).filter((c) => c.response !== undefined);
const ready = (p: { status: { conditions: Array<{ type: string; status: string }> } }): boolean =>
  p.status.conditions.some((c) => c.type === 'Ready' && c.status === 'True');
const runningReady = (p: Parameters<typeof ready>[0] & { status: { phase: string } }): boolean => p.status.phase === 'Running' && ready(p);

describe('ModuleController v2 (simulated) drives a nodeark base over the HTTP tunnel', () => {
  it('case 39: the heartbeat registers vnode.<identity>.<env> with the v2 labels, taints, addresses and Lease', async () => {
    const w = await world('b1');
    const node = w.api.nodes.get('vnode.b1.dev')!;
    expect(node.metadata.labels).toEqual({
      [LABEL_COMPONENT]: 'vnode',
      [LABEL_ENV]: 'dev',
      [LABEL_BASE_NAME]: 'base',
      [LABEL_BASE_VERSION]: '1.0.0',
      [LABEL_BASE_CLUSTER]: 'default',
      [LABEL_K8S_HOSTNAME]: 'b1-pod',
      [LABEL_BASE_HOSTNAME]: 'b1-pod',
      [LABEL_TUNNEL_PORT]: String(w.base.arklet.port),
    });
    expect(node.spec.taints).toEqual([
      { key: TAINT_VIRTUAL_NODE, value: 'True', effect: 'NoExecute' },
      { key: TAINT_NODE_ENV, value: 'dev', effect: 'NoExecute' },
    ]);
    expect(node.status.addresses).toEqual([
      { type: 'InternalIP', address: '127.0.0.1' },
      { type: 'Hostname', address: 'b1-pod' },
    ]);
    expect(node.status.conditions.find((c) => c.type === 'Ready')!.status).toBe('True');
    expect(w.api.leases.get('vnode.b1.dev')!.spec.holderIdentity).toBe('sim-mc');
    const hb = w.mc.received.find((r) => r.path === '/heartbeat')!;
    expect(hb.status).toBe(200);
    expect(JSON.parse(hb.body)).toEqual({
      baseMetadata: { clusterName: 'default', identity: 'b1', name: 'base', version: '1.0.0' },
      localHostName: 'b1-pod',
      localIP: '127.0.0.1',
      port: w.base.arklet.port,
      state: 'activated',
    });
    // The heartbeat identity is the Arklet's baseIdentity (docs/reference/arklet-protocol.md § Base identity,
    // conformance case 7).
    expect((await w.base.arklet.execute('queryAllBiz', {})).baseIdentity).toBe('b1');
  });

  it('case 40 + §2.1: polls health and queryAllBiz on their cadence; health is activated with integer memory, queryAllBiz fast and modules only', async () => {
    const w = await world('b40');
    await waitFor(() => answered(w.mc, 'health').length >= 4 && answered(w.mc, 'queryAllBiz').length >= 3, WAIT, '4 health and 3 queryAllBiz polls');
    const health = answered(w.mc, 'health');
    const query = answered(w.mc, 'queryAllBiz');
    for (const c of [...health, ...query]) {
      expect(c.url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${w.base.arklet.port}/(health|queryAllBiz)$`));
      expect(c.body).toBe('{}');
      expect(c.contentType).toContain('text/plain'); // the base does not insist on JSON (§ What the controller calls on the base)
    }
    // Each interval counted from the end of the previous call: gaps ≈ 500 ms (health) / 750 ms (queryAllBiz).
    const gaps = (cs: ArkCall[]): number[] => cs.slice(1).map((c, i) => c.at - cs[i]!.at);
    for (const g of gaps(health.slice(0, 4))) expect(g).toBeGreaterThanOrEqual(T.healthIntervalMs - 20);
    for (const g of gaps(health.slice(0, 4))) expect(g).toBeLessThan(T.healthIntervalMs * 6);
    for (const g of gaps(query.slice(0, 3))) expect(g).toBeGreaterThanOrEqual(T.queryAllBizIntervalMs - 20);
    for (const g of gaps(query.slice(0, 3))) expect(g).toBeLessThan(T.queryAllBizIntervalMs * 6);
    const h = health[0]!.response;
    expect(health[0]!.status).toBe(200);
    expect(h.code).toBe('SUCCESS');
    expect(h.data.healthData.masterBizInfo).toEqual({ bizName: 'base', bizState: 'activated', bizVersion: '1.0.0', webContextPath: '/' });
    for (const k of ['java max metaspace', 'java committed metaspace', 'java used metaspace']) {
      expect(Number.isInteger(h.data.healthData.jvm[k])).toBe(true);
      expect(h.data.healthData.jvm[k]).toBeGreaterThan(0);
    }
    expect(Number.isInteger(h.data.healthData.cpu.count)).toBe(true);
    // Memory capacity/allocatable on the Node, as ConvertHealthDataToNodeStatus computes them.
    const node = w.api.nodes.get(w.nodeName)!;
    expect(node.status.capacity['memory']).toBe(`${Math.trunc(h.data.healthData.jvm['java max metaspace'] / 1024)}Ki`);
    expect(node.status.allocatable['memory']).toMatch(/^\d+Ki$/);
    const q = query[0]!.response;
    expect(q).toMatchObject({ code: 'SUCCESS', data: [] }); // the master biz is not listed
  });

  it('case 41 + §2.1: a pod with .jar images (a zip and a tgz) installs both modules; the pod becomes Running/Ready with podIP = localIP', async () => {
    const w = await world('b41');
    const jarZip = bundles.at('biz1-0.0.1-ark-biz.jar');
    const jarTgz = bundles.at('biz2-0.0.1-tgz.jar');
    w.api.createPod(
      modulePod({ name: 'mods', nodeName: w.nodeName, containers: [moduleContainer('biz1', '0.0.1', jarZip), moduleContainer('biz2', '0.0.1', jarTgz)] }),
    );
    const pod = await waitPod(w.api, 'mods', runningReady, WAIT, 'Running and Ready');
    expect(pod.status.podIP).toBe('127.0.0.1');
    expect(pod.status.containerStatuses.map((c) => [c.name, c.ready, !!c.state.running])).toEqual([
      ['biz1', true, true],
      ['biz2', true, true],
    ]);
    const installs = callsOf(w.mc, 'installBiz');
    expect(installs.map((c) => c.body).sort()).toEqual(
      [
        JSON.stringify({ bizName: 'biz1', bizVersion: '0.0.1', bizUrl: jarZip }),
        JSON.stringify({ bizName: 'biz2', bizVersion: '0.0.1', bizUrl: jarTgz }),
      ].sort(),
    );
    // SUCCESS came back only once the modules were really serving (§ What the controller calls on the base).
    for (const c of installs) expect(c.response).toMatchObject({ code: 'SUCCESS', baseIdentity: 'b41', data: { code: 'SUCCESS' } });
    expect(await (await fetch(`${w.base.url}/biz1/hello`)).json()).toEqual({ biz: 'biz1:0.0.1', path: '/hello' });
    expect(await (await fetch(`${w.base.url}/biz2/`)).json()).toEqual({ biz: 'biz2:0.0.1', path: '/' });
    // Later polls keep it Ready and install nothing else (no orphan uninstall of declared modules).
    const n = answered(w.mc, 'queryAllBiz').length;
    await waitFor(() => answered(w.mc, 'queryAllBiz').length >= n + 2, WAIT, '2 more polls');
    expect(ready(w.api.getPod('mods')!)).toBe(true);
    expect(callsOf(w.mc, 'uninstallBiz')).toHaveLength(0);
    expect(callsOf(w.mc, 'installBiz')).toHaveLength(2);
  });

  it('case 42: an install the base answers with a non-SUCCESS code leaves the container waiting{reason: code} and is never retried', async () => {
    const w = await world('b42');
    w.api.createPod(modulePod({ name: 'boom', nodeName: w.nodeName, containers: [moduleContainer('boom', '0.0.1', bundles.at('boom-0.0.1-ark-biz.jar'))] }));
    const pod = await waitPod(w.api, 'boom', (p) => !!p.status.containerStatuses[0]?.state.waiting, WAIT, 'waiting');
    const install = callsOf(w.mc, 'installBiz')[0]!;
    expect(install.status).toBe(200); // HTTP 200: a business failure, not a transport error
    expect(install.response.code).not.toBe('SUCCESS');
    expect(install.response.message).toContain('boom');
    expect(pod.status.phase).toBe('Running');
    expect(ready(pod)).toBe(false);
    expect(pod.status.containerStatuses[0]!.state.waiting).toEqual({ reason: install.response.code, message: install.response.message });
    const n = answered(w.mc, 'queryAllBiz').length;
    await waitFor(() => answered(w.mc, 'queryAllBiz').length >= n + 2, WAIT, '2 more polls');
    expect(callsOf(w.mc, 'installBiz')).toHaveLength(1);
    expect(w.base.base.runtime.list()).toEqual([]); // the failed module was removed by the base
  });

  it('case 43: an install answered HTTP 503 is retried after ~100, 200, 300 ms until it succeeds', async () => {
    let rejections = 3;
    const w = await world('b43', {
      proxy: (command) => (command === 'installBiz' && rejections-- > 0 ? { status: 503, body: 'busy' } : undefined),
    });
    w.api.createPod(modulePod({ name: 'p43', nodeName: w.nodeName, containers: [moduleContainer('biz1', '0.0.1', bundles.at('biz1-0.0.1-ark-biz.jar'))] }));
    await waitPod(w.api, 'p43', runningReady, WAIT, 'Running and Ready after the retries');
    const installs = callsOf(w.mc, 'installBiz');
    expect(installs.map((c) => c.status)).toEqual([503, 503, 503, 200]);
    const gaps = installs.slice(1).map((c, i) => c.at - (installs[i]!.at + (installs[i]!.durationMs ?? 0)));
    expect(gaps[0]).toBeGreaterThanOrEqual(90);
    expect(gaps[1]).toBeGreaterThanOrEqual(190);
    expect(gaps[2]).toBeGreaterThanOrEqual(290);
    expect(w.mc.events.filter((e) => e.type === 'install-retry')).toHaveLength(3);
    expect(w.base.base.runtime.list().map((b) => b.identity)).toEqual(['biz1:0.0.1']);
  });

  it('case 44: a module the base reports DEACTIVATED with a newer changeTime turns its pod Running/Ready=False', async () => {
    // The faithful second-of-minute filter (§ Container and pod status) can drop this transition near a minute
    // boundary; the monotonic filter makes the test deterministic. The filter itself is unit-tested in
    // simulator.test.ts.
    const w = await world('b44', { changeTimeFilter: 'monotonic' });
    w.api.createPod(modulePod({ name: 'v1', nodeName: w.nodeName, containers: [moduleContainer('biz1', '0.0.1', bundles.at('biz1-0.0.1-ark-biz.jar'))] }));
    await waitPod(w.api, 'v1', runningReady, WAIT, 'v1 Ready');
    w.api.createPod(modulePod({ name: 'v2', nodeName: w.nodeName, containers: [moduleContainer('biz1', '0.0.2', bundles.at('biz1-0.0.2-ark-biz.jar'))] }));
    // Java default: the new version runs deactivated and waits for a switch.
    await waitFor(() => w.base.base.runtime.get('biz1', '0.0.2')?.bizState === 'deactivated', WAIT, 'biz1:0.0.2 deactivated');
    // Another platform switches versions through the Arklet: 0.0.1 becomes deactivated now.
    await sleep(20);
    expect((await w.base.arklet.execute('switchBiz', { bizName: 'biz1', bizVersion: '0.0.2' })).code).toBe('SUCCESS');
    const v1 = await waitPod(w.api, 'v1', (p) => !ready(p), WAIT, 'v1 not Ready');
    expect(v1.status.phase).toBe('Running');
    expect(v1.status.containerStatuses[0]!.state.waiting).toMatchObject({ reason: 'Switched' });
    expect(ready(w.api.getPod('v2')!)).toBe(true);
  });

  it('case 45: a module no pod declares (installed out of band) is uninstalled by the next queryAllBiz poll', async () => {
    const w = await world('b45');
    expect((await w.base.arklet.execute('installBiz', { bizName: 'stray', bizVersion: '9.9', bizUrl: fixtureUrl('stray') })).code).toBe('SUCCESS');
    const installedAt = Date.now();
    await waitFor(() => callsOf(w.mc, 'uninstallBiz')[0]?.response, WAIT, 'an orphan uninstall');
    const un = callsOf(w.mc, 'uninstallBiz')[0]!;
    expect(un.body).toBe(JSON.stringify({ bizName: 'stray', bizVersion: '9.9' })); // no bizUrl for orphans
    expect(un.response).toMatchObject({ code: 'SUCCESS' });
    expect(un.at - installedAt).toBeLessThan(T.queryAllBizIntervalMs * 2 + 2_000); // "within 15 s" (scaled), plus slack
    await waitFor(() => w.base.base.runtime.list().length === 0, WAIT, 'stray removed from the base');
    expect(w.mc.events.some((e) => e.type === 'orphan' && e.key === 'stray:9.9')).toBe(true);
  });

  it('case 46: a pod whose image has no .jar is installed, then uninstalled at once, and never becomes Ready', async () => {
    const w = await world('b46');
    const url = bundles.at('biz2-0.0.1.tgz');
    w.api.createPod(modulePod({ name: 'nojar', nodeName: w.nodeName, containers: [moduleContainer('biz2', '0.0.1', url)] }));
    await waitFor(() => callsOf(w.mc, 'installBiz')[0]?.response, WAIT, 'the install answer');
    expect(callsOf(w.mc, 'installBiz')[0]!.response.code).toBe('SUCCESS');
    // The SUCCESS cannot be matched to a .jar container, so the module is an orphan: uninstalled (no bizUrl).
    // (A poll that lands mid-install may try first and get a lock conflict; the controller just tries again.)
    const orphanUninstall = JSON.stringify({ bizName: 'biz2', bizVersion: '0.0.1' });
    await waitFor(
      () => callsOf(w.mc, 'uninstallBiz').find((c) => c.body === orphanUninstall && c.response?.code === 'SUCCESS'),
      WAIT,
      'a successful orphan uninstall',
    );
    await waitFor(() => w.base.base.runtime.list().length === 0, WAIT, 'the module gone');
    const n = answered(w.mc, 'queryAllBiz').length;
    await waitFor(() => answered(w.mc, 'queryAllBiz').length >= n + 1, WAIT, 'one more poll');
    expect(ready(w.api.getPod('nojar')!)).toBe(false);
  });

  it('case 47: deleting the pod sends uninstallBiz with bizUrl; the module stops and the pod disappears after the grace period', async () => {
    const w = await world('b47');
    const url = bundles.at('biz1-0.0.1-ark-biz.jar');
    w.api.createPod(modulePod({ name: 'p47', nodeName: w.nodeName, containers: [moduleContainer('biz1', '0.0.1', url)] }));
    await waitPod(w.api, 'p47', runningReady, WAIT, 'Ready');
    const deletedAt = Date.now();
    w.api.deletePod('p47');
    await waitFor(() => callsOf(w.mc, 'uninstallBiz')[0]?.response, WAIT, 'uninstallBiz');
    const un = callsOf(w.mc, 'uninstallBiz')[0]!;
    expect(un.body).toBe(JSON.stringify({ bizName: 'biz1', bizVersion: '0.0.1', bizUrl: url }));
    expect(un.response).toMatchObject({ code: 'SUCCESS', data: { code: 'SUCCESS' } });
    expect(w.base.base.runtime.list()).toEqual([]);
    expect((await fetch(`${w.base.url}/biz1/`)).status).toBe(404);
    await waitFor(() => w.api.getPod('p47') === undefined, WAIT, 'the pod removed');
    expect(Date.now() - deletedAt).toBeGreaterThanOrEqual(T.podDeleteGraceMs - 50);
    // Not re-listed, so never treated as an orphan afterwards.
    expect(w.mc.events.filter((e) => e.type === 'orphan')).toEqual([]);
  });

  it('case 48: a graceful stop sends state deactivated and the Node and its Lease are deleted within a few seconds', async () => {
    const w = await world('b48');
    const t0 = Date.now();
    await w.hb.stop();
    expect(JSON.parse(w.mc.received[w.mc.received.length - 1]!.body).state).toBe('deactivated');
    await waitFor(() => !w.api.nodes.has(w.nodeName), WAIT, 'the Node deleted');
    expect(Date.now() - t0).toBeLessThan(T.deadMs); // at the next liveness check, not after the dead timeout
    expect(w.api.leases.has(w.nodeName)).toBe(false);
    expect(w.mc.events.find((e) => e.type === 'vnode-deleted')!.detail).toBe('closed');
  });

  it('case 49: silence (no heartbeat, /health failing) → pod events ignored after 25 s, Node deleted at 60 s (scaled)', async () => {
    const w = await world('b49');
    await w.hb.stop({ graceful: false });
    await w.base.close(); // /health now fails: connection refused
    const lastSignal = (): number => w.mc.vnode('b49')?.lastSeen ?? 0;
    await waitFor(() => w.mc.events.find((e) => e.type === 'vnode-unreachable'), WAIT, 'unreachable');
    const last = lastSignal();
    const unreachableAt = w.mc.events.find((e) => e.type === 'vnode-unreachable')!.at;
    expect(unreachableAt - last).toBeGreaterThan(T.unreachableMs);
    w.api.createPod(modulePod({ name: 'late', nodeName: w.nodeName, containers: [moduleContainer('biz1', '0.0.1', bundles.at('biz1-0.0.1-ark-biz.jar'))] }));
    expect(w.mc.events.find((e) => e.type === 'pod-event-ignored')).toMatchObject({ pod: 'late', detail: 'add while unreachable' });
    await waitFor(() => !w.api.nodes.has(w.nodeName), WAIT, 'the Node deleted');
    const deletedAt = w.mc.events.find((e) => e.type === 'vnode-deleted')!.at;
    expect(deletedAt - last).toBeGreaterThanOrEqual(T.deadMs);
    expect(deletedAt - last).toBeLessThan(T.deadMs + 1_500);
    expect(callsOf(w.mc, 'installBiz')).toHaveLength(0);
    expect(w.api.getPod('late')!.status.phase).toBe('Pending'); // envtest: nothing re-queues it
  });

  it('case 49: when only heartbeats stop and /health still answers ACTIVATED, the Node stays', async () => {
    const w = await world('b49b');
    await w.hb.stop({ graceful: false });
    await sleep(T.deadMs + T.livenessCheckMs * 3);
    expect(w.api.nodes.has(w.nodeName)).toBe(true);
    expect(w.mc.events.filter((e) => e.type === 'vnode-unreachable' || e.type === 'vnode-deleted')).toEqual([]);
  });

  it('case 50: a /health answering masterBizInfo.bizState RESOLVED closes the vnode (so the base never does)', async () => {
    let tamper = false;
    const w = await world('b50', {
      proxy: (command) =>
        tamper && command === 'health'
          ? {
              rewrite: (j) => {
                j.data.healthData.masterBizInfo.bizState = 'resolved';
                return j;
              },
            }
          : undefined,
    });
    // Control: the real base answers activated on every poll.
    await waitFor(() => answered(w.mc, 'health').length >= 2, WAIT, '2 health polls');
    for (const c of answered(w.mc, 'health')) expect(c.response.data.healthData.masterBizInfo.bizState).toBe('activated');
    expect(w.mc.events.filter((e) => e.type === 'vnode-closed')).toEqual([]);
    tamper = true;
    await waitFor(() => w.mc.events.find((e) => e.type === 'vnode-deleted'), WAIT, 'the vnode deleted');
    expect(w.mc.events.find((e) => e.type === 'vnode-closed')!.detail).toBe('health masterBizInfo.bizState RESOLVED');
  });

  it('case 51: after a controller restart every pod is re-installed; the base answers SUCCESS without reinstalling', async () => {
    const w = await world('b51');
    const url = bundles.at('biz1-0.0.1-ark-biz.jar');
    w.api.createPod(modulePod({ name: 'p51', nodeName: w.nodeName, containers: [moduleContainer('biz1', '0.0.1', url)] }));
    await waitPod(w.api, 'p51', runningReady, WAIT, 'Ready');
    const before = w.base.base.runtime.get('biz1', '0.0.1')!;
    const transitions = w.transitions.length;
    await w.mc.stop();
    const mc2 = await startModuleController({ api: w.api, tunnel: { kind: 'http', port: w.mc.port }, timing: T, clientId: 'sim-mc-2' });
    cleanups.push(() => mc2.stop());
    await waitFor(() => callsOf(mc2, 'installBiz').length > 0 && callsOf(mc2, 'installBiz')[0]!.response, WAIT, 'the re-sent install');
    const again = callsOf(mc2, 'installBiz')[0]!;
    expect(again.body).toBe(JSON.stringify({ bizName: 'biz1', bizVersion: '0.0.1', bizUrl: url }));
    expect(again.response).toMatchObject({ code: 'SUCCESS' });
    expect(w.transitions.length).toBe(transitions); // no new lifecycle transition: not reinstalled
    expect(w.base.base.runtime.get('biz1', '0.0.1')!.bizStateRecords).toEqual(before.bizStateRecords);
    expect(w.api.leases.get(w.nodeName)!.spec.holderIdentity).toBe('sim-mc-2');
    expect(ready(w.api.getPod('p51')!)).toBe(true);
  });

  it('case 52: uninstalling a module that is not installed answers SUCCESS, so the controller does not loop', async () => {
    const w = await world('b52');
    const url = bundles.at('biz1-0.0.1-ark-biz.jar');
    w.api.createPod(modulePod({ name: 'p52', nodeName: w.nodeName, containers: [moduleContainer('biz1', '0.0.1', url)] }));
    await waitPod(w.api, 'p52', runningReady, WAIT, 'Ready');
    // Someone removes it behind the controller's back, then the pod is deleted.
    expect((await w.base.arklet.execute('uninstallBiz', { bizName: 'biz1', bizVersion: '0.0.1' })).code).toBe('SUCCESS');
    w.api.deletePod('p52');
    await waitFor(() => callsOf(w.mc, 'uninstallBiz')[0]?.response, WAIT, 'the uninstall answer');
    expect(callsOf(w.mc, 'uninstallBiz')[0]!.response).toMatchObject({ code: 'SUCCESS', data: { code: 'NOT_FOUND_BIZ' } });
    await sleep(T.queryAllBizIntervalMs * 2);
    expect(callsOf(w.mc, 'uninstallBiz')).toHaveLength(1);
    expect(w.mc.events.filter((e) => e.type === 'uninstall-loop' || e.type === 'orphan')).toEqual([]);
  });

  it('§2.1: installs are idempotent and health stays activated and queryAllBiz fast while modules install', async () => {
    const w = await world('b21');
    w.api.createPod(modulePod({ name: 'a', nodeName: w.nodeName, containers: [moduleContainer('biz1', '0.0.1', bundles.at('biz1-0.0.1-ark-biz.jar'))] }));
    w.api.createPod(modulePod({ name: 'b', nodeName: w.nodeName, containers: [moduleContainer('biz2', '0.0.1', bundles.at('biz2-0.0.1-tgz.jar'))] }));
    w.api.createPod(modulePod({ name: 'c', nodeName: w.nodeName, containers: [moduleContainer('stray', '9.9', bundles.at('stray-9.9-ark-biz.jar'))] }));
    for (const p of ['a', 'b', 'c']) await waitPod(w.api, p, runningReady, WAIT, 'Ready');
    const allReadyAt = Date.now();
    const after = (cmd: string): ArkCall[] => answered(w.mc, cmd).filter((c) => c.at > allReadyAt);
    await waitFor(() => after('health').length >= 1 && after('queryAllBiz').length >= 1, WAIT, 'polls after the installs');
    // Every health answer, during the installs and after, reported the master biz activated.
    for (const c of answered(w.mc, 'health')) expect(c.response.data.healthData.masterBizInfo.bizState).toBe('activated');
    const durations = answered(w.mc, 'queryAllBiz').map((c) => c.durationMs!).sort((x, y) => x - y);
    expect(durations[Math.floor(durations.length / 2)]).toBeLessThan(200);
    const last = after('queryAllBiz')[0]!.response.data as Array<{ bizName: string }>;
    expect(last.map((b) => b.bizName).sort()).toEqual(['biz1', 'biz2', 'stray']); // modules only, no master biz
    // Idempotent install of an activated identity (the controller re-sends installs, § The virtual node).
    const again = await w.base.arklet.execute('installBiz', { bizName: 'biz1', bizVersion: '0.0.1', bizUrl: bundles.at('biz1-0.0.1-ark-biz.jar') });
    expect(again.code).toBe('SUCCESS');
    expect(w.base.base.runtime.list()).toHaveLength(3);
  });

  it('§2.1 / §1.9: with queryBaseline the base asks at startup and installs the baseline; a module without a pod is then an orphan', async () => {
    const api = new FakeApiServer();
    api.createDeployment({
      metadata: { name: 'biz1-deploy', labels: { [LABEL_ENV]: 'dev', [LABEL_COMPONENT]: 'module-deployment' } },
      spec: {
        replicas: 1,
        template: {
          spec: { containers: [moduleContainer('biz1', '0.0.1', bundles.at('biz1-0.0.1-ark-biz.jar'))], nodeSelector: { [LABEL_BASE_CLUSTER]: 'default' } },
        },
      },
    });
    api.createDeployment({
      metadata: { name: 'other-cluster', labels: { [LABEL_ENV]: 'dev', [LABEL_BASE_CLUSTER]: 'elsewhere' } },
      spec: { template: { spec: { containers: [moduleContainer('biz2', '0.0.1', bundles.at('biz2-0.0.1-ark-biz.jar'))] } } },
    });
    const mc = await startModuleController({ api, tunnel: { kind: 'http' }, timing: T });
    cleanups.push(() => mc.stop());
    const base = await startBase('b19');
    cleanups.push(() => base.close());
    const installed: string[] = [];
    base.base.runtime.on('transition', (e) => e.to === 'activated' && installed.push(e.identity));
    const hb = startHeartbeat({ endpoint: mc.url, arklet: base.arklet, localIP: '127.0.0.1', intervalMs: HEARTBEAT_MS, queryBaseline: true, name: 'base' });
    cleanups.push(() => hb.stop({ graceful: false }));
    await waitFor(() => installed.length > 0, WAIT, 'the baseline installed');
    expect(installed).toEqual(['biz1:0.0.1']);
    const q = mc.received.find((r) => r.path === '/queryBaseline')!;
    expect(JSON.parse(q.body)).toEqual({ clusterName: 'default', identity: 'b19', name: 'base', version: '1.0.0' });
    // The orphan rule (§ Pods and modules), as § Baseline warns: no pod declares biz1 on this node, so the
    // controller removes it.
    await waitFor(() => callsOf(mc, 'uninstallBiz').length > 0, WAIT, 'the orphan uninstall');
    await waitFor(() => base.base.runtime.list().length === 0, WAIT, 'biz1 removed');
  });
});

describe('the simulator catches a base that breaks the contract (negative controls)', () => {
  it('a base answering FAILED to uninstalls of a listed module makes the controller loop (§1.4)', async () => {
    // A fake base, not nodeark: lists `ghost:1.0` forever and refuses to uninstall it.
    const server = createServer((req, res) => {
      const cmd = (req.url ?? '').slice(1);
      req.resume();
      req.on('end', () => {
        const body =
          cmd === 'health'
            ? { code: 'SUCCESS', data: { healthData: { masterBizInfo: { bizState: 'ACTIVATED' }, jvm: {} } } }
            : cmd === 'queryAllBiz'
              ? { code: 'SUCCESS', data: [{ bizName: 'ghost', bizVersion: '1.0', bizState: 'ACTIVATED', bizStateRecords: [] }] }
              : { code: 'FAILED', message: 'biz not found', data: { code: 'NOT_FOUND_BIZ', message: 'not found' } };
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      });
    });
    await listen(server);
    cleanups.push(() => closeServer(server));
    const api = new FakeApiServer();
    const mc = await startModuleController({ api, tunnel: { kind: 'http' }, timing: T });
    cleanups.push(() => mc.stop());
    const hb = startHeartbeat({
      endpoint: mc.url,
      arklet: { port: (server.address() as AddressInfo).port, baseIdentity: 'ghost-base', execute: async () => ({ code: 'SUCCESS' }) },
      localIP: '127.0.0.1',
      intervalMs: HEARTBEAT_MS,
    });
    cleanups.push(() => hb.stop({ graceful: false }));
    await waitFor(() => mc.events.find((e) => e.type === 'uninstall-loop'), WAIT, 'the uninstall loop');
    expect(callsOf(mc, 'uninstallBiz').length).toBeGreaterThanOrEqual(10);
  });
});
