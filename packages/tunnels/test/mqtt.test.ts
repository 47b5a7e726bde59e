/**
 * The MQTT tunnel against a real broker started by the test on a free 127.0.0.1 port: Mosquitto when it is
 * installed, otherwise Aedes from the npm registry (`NODEARK_MQTT_BROKER=mosquitto|aedes` forces one; CI
 * runs this file against both). Checks every topic, QoS, envelope and payload of the Arklet MQTT tunnel
 * (docs/reference/module-controller.md § MQTT tunnel) with a raw
 * MQTT client in the controller's seat, reconnects after a broker crash, and runs the simulated
 * ModuleController v2 MQTT tunnel end to end against a real base.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { connect, type MqttClient } from 'mqtt';
import { startMqttTunnel, type MqttTunnel, type MqttTunnelOptions } from '@nodeark/tunnels';
import { FakeApiServer, moduleContainer, modulePod, scaledTiming, startModuleController, waitFor, waitPod } from './simulator/index.js';
import { fixtureUrl, recordingLogger, serveBundles, sleep, startBase, startBroker, startMosquitto, type Broker, type BundleServer, type TestBase } from './harness.js';

const WAIT = 15_000; // bound on any single wait (generous: CI machines are shared)
let broker: Broker;
let bundles: BundleServer;

beforeAll(async () => {
  broker = await startBroker(); // Mosquitto, or Aedes when it is not installed: never a skip
  bundles = await serveBundles(['biz1']);
});
afterAll(async () => {
  await broker?.stop();
  await bundles?.close();
});

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

interface Msg {
  at: number;
  topic: string;
  qos: number;
  retain: boolean;
  text: string;
  json: any;
}

/** A raw client in the controller's seat: records everything under `filter`, publishes commands. */
async function observer(filter: string): Promise<{ client: MqttClient; msgs: Msg[]; on(topic: string): Msg[] }> {
  const client = connect(`mqtt://127.0.0.1:${broker.port}`, { clientId: `observer-${Math.random().toString(36).slice(2)}`, reconnectPeriod: 200 });
  client.on('error', () => undefined);
  const msgs: Msg[] = [];
  client.on('message', (topic, payload, packet) => {
    const text = payload.toString('utf8');
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    msgs.push({ at: Date.now(), topic, qos: packet.qos, retain: packet.retain, text, json });
  });
  await waitFor(() => client.connected, WAIT, 'observer connected');
  await client.subscribeAsync(filter, { qos: 2 }); // QoS 2 subscription: messages arrive with the publisher's QoS
  cleanups.push(() => client.endAsync(true));
  return { client, msgs, on: (topic) => msgs.filter((m) => m.topic === topic) };
}

async function baseWithTunnel(identity: string, o: Partial<MqttTunnelOptions> = {}): Promise<{ base: TestBase; tunnel: MqttTunnel; log: ReturnType<typeof recordingLogger> }> {
  const base = await startBase(identity);
  cleanups.push(() => base.close());
  const log = recordingLogger();
  const tunnel = startMqttTunnel({
    arklet: base.arklet,
    broker: '127.0.0.1',
    port: broker.port,
    localIP: '127.0.0.1',
    localHostName: `${identity}-pod`,
    name: 'base',
    heartbeatIntervalMs: 200,
    reconnectPeriodMs: 100,
    logger: log,
    ...o,
  });
  cleanups.push(() => tunnel.stop({ graceful: false }));
  expect(await tunnel.waitConnected(WAIT)).toBe(true);
  return { base, tunnel, log };
}

describe('MQTT tunnel against a real broker', () => {
  it('publishes heart every interval and queryBaseline once, QoS 1, enveloped, not retained; client id <prefix>@@@<identity>', async () => {
    const obs = await observer('koupleless_dev/#');
    const t0 = Date.now();
    const { tunnel } = await baseWithTunnel('m1');
    expect(tunnel.clientId).toBe('koupleless@@@m1');
    expect(tunnel.topicPrefix).toBe('koupleless_dev');
    await waitFor(() => obs.on('koupleless_dev/m1/base/heart').length >= 4, WAIT, '4 heartbeats');
    const hearts = obs.on('koupleless_dev/m1/base/heart');
    const first = hearts[0]!;
    expect(first.qos).toBe(1);
    expect(first.at - t0).toBeLessThan(3_000); // at once on connect
    expect(Object.keys(first.json)).toEqual(['data', 'publishTimestamp']);
    expect(Math.abs(first.json.publishTimestamp - first.at)).toBeLessThan(2_000); // fresh: MC drops ≥ 10 s old
    expect(first.json.data).toEqual({
      baseMetadata: { clusterName: 'default', identity: 'm1', name: 'base', version: '1.0.0' },
      localHostName: 'm1-pod',
      localIP: '127.0.0.1',
      port: 0, // Java's MQTT tunnel announces port 0
      state: 'activated',
    });
    const mean = (hearts[3]!.at - hearts[0]!.at) / 3; // arrivals jitter: check the mean period
    expect(mean).toBeGreaterThanOrEqual(120); // 200 ms interval, minus arrival jitter
    expect(mean).toBeLessThan(1_000);
    const baseline = obs.on('koupleless_dev/m1/base/queryBaseline');
    expect(baseline).toHaveLength(1);
    expect(baseline[0]!.qos).toBe(1);
    expect(baseline[0]!.json.data).toEqual({ clusterName: 'default', identity: 'm1', name: 'base', version: '1.0.0' });
    // Not retained: a subscriber arriving now gets nothing until the next live heartbeat.
    const late = await observer('koupleless_dev/m1/base/queryBaseline');
    await sleep(300);
    expect(late.msgs).toEqual([]);
    expect(broker.log).toContain('koupleless@@@m1');
  });

  it('executes health, queryAllBiz, installBiz and uninstallBiz through the Arklet and answers on base/* in the Java shapes', async () => {
    const obs = await observer('koupleless_dev/m2/base/#');
    const { log } = await baseWithTunnel('m2');
    const cmd = (name: string, body: unknown): void => {
      // The controller publishes its commands retained at QoS 0 (docs/reference/module-controller.md § MQTT tunnel).
      obs.client.publish(`koupleless_dev/m2/${name}`, typeof body === 'string' ? body : JSON.stringify(body), { qos: 0, retain: true });
    };
    const next = (suffix: string, n: number): Promise<Msg> =>
      waitFor(() => obs.on(`koupleless_dev/m2/base/${suffix}`)[n - 1], WAIT, `base/${suffix} #${n}`);

    cmd('health', {});
    const health = await next('health', 1);
    expect(health.qos).toBe(1);
    expect(health.json.data.code).toBe('SUCCESS');
    expect(health.json.data).not.toHaveProperty('baseIdentity'); // raw Output, not the HTTP envelope
    expect(health.json.data.data.healthData.masterBizInfo).toEqual({ bizName: 'base', bizState: 'ACTIVATED', bizVersion: '1.0.0', webContextPath: '/' });
    expect(Number.isInteger(health.json.data.data.healthData.jvm['java max metaspace'])).toBe(true);

    cmd('installBiz', { bizName: 'biz1', bizVersion: '0.0.1', bizUrl: bundles.at('biz1-0.0.1-ark-biz.jar') });
    const installed = await next('bizOperation', 1);
    expect(installed.qos).toBe(1);
    expect(Object.keys(installed.json.data)).toEqual(['bizName', 'bizVersion', 'command', 'response']);
    expect(installed.json.data).toMatchObject({ bizName: 'biz1', bizVersion: '0.0.1', command: 'installBiz', response: { code: 'SUCCESS', data: { code: 'SUCCESS' } } });
    const info = installed.json.data.response.data.bizInfos[0];
    expect(info.bizState).toBe('ACTIVATED'); // enum names on this tunnel
    expect(info.bizStateRecords.map((r: { state: string; reason: string }) => `${r.state}/${r.reason}`)).toEqual(['RESOLVED/CREATED', 'ACTIVATED/STARTED']);

    cmd('queryAllBiz', {});
    const simple = await next('simpleBiz', 1);
    expect(simple.qos).toBe(1);
    expect(simple.json.data).toHaveLength(1);
    const s = simple.json.data[0];
    expect(Object.keys(s)).toEqual(['latestStateRecord', 'name', 'state', 'version']);
    expect(s).toMatchObject({ name: 'biz1', state: 'activated', version: '0.0.1', latestStateRecord: { state: 'ACTIVATED', reason: 'STARTED', message: '' } });
    expect(Number.isInteger(s.latestStateRecord.changeTime)).toBe(true);

    cmd('uninstallBiz', { bizName: 'biz1', bizVersion: '0.0.1' });
    const removed = await next('bizOperation', 2);
    expect(removed.json.data).toMatchObject({ bizName: 'biz1', bizVersion: '0.0.1', command: 'uninstallBiz', response: { code: 'SUCCESS' } });
    cmd('uninstallBiz', { bizName: 'nothing', bizVersion: '1.0' });
    const unknown = await next('bizOperation', 3);
    expect(unknown.json.data.response).toMatchObject({ code: 'SUCCESS', data: { code: 'NOT_FOUND_BIZ' } }); // never FAILED: MC would loop

    cmd('installBiz', { bizName: 'biz1', bizVersion: '0.0.1' }); // no bizUrl: Java's exception form
    const bad = await next('bizOperation', 4);
    expect(bad.json.data.response.code).toBe('FAILED');
    expect(bad.json.data.response.data.code).toBe('FAILED');
    expect(bad.json.data.response.message).toContain('bizUrl should not be blank');

    // The baseline: a bare JSON array on base/baseline (retained, QoS 1), installed with batchInstallBiz.
    obs.client.publish('koupleless_dev/m2/base/baseline', JSON.stringify([{ bizName: 'stray', bizVersion: '9.9', bizUrl: fixtureUrl('stray') }]), {
      qos: 1,
      retain: true,
    });
    const batch = await next('batchInstallBizResponse', 1);
    expect(batch.json.data).toMatchObject({ command: 'batchInstallBiz', response: { code: 'SUCCESS', data: { code: 'SUCCESS' } } });
    expect(batch.json.data.response.data.bizUrlToResponse[fixtureUrl('stray')].bizInfos[0].bizState).toBe('ACTIVATED');

    cmd('switchBiz', { bizName: 'stray', bizVersion: '9.9' }); // not reachable over MQTT (docs/reference/module-controller.md § MQTT tunnel)
    await waitFor(() => log.find('warn', 'unsupported command switchBiz'), WAIT, 'the unsupported-command log');
    expect(obs.msgs.filter((m) => m.topic.endsWith('/switchBiz'))).toEqual([]);
  });

  it('runs the commands of one module in arrival order (a retained install and uninstall seen together)', async () => {
    const obs = await observer('koupleless_dev/m5/base/bizOperation');
    const { base } = await baseWithTunnel('m5');
    const url = bundles.at('biz1-0.0.1-ark-biz.jar');
    obs.client.publish('koupleless_dev/m5/installBiz', JSON.stringify({ bizName: 'biz1', bizVersion: '0.0.1', bizUrl: url }), { qos: 0 });
    obs.client.publish('koupleless_dev/m5/uninstallBiz', JSON.stringify({ bizName: 'biz1', bizVersion: '0.0.1' }), { qos: 0 });
    await waitFor(() => obs.msgs.length >= 2, WAIT, '2 answers');
    expect(obs.msgs.map((m) => `${m.json.data.command}:${m.json.data.response.code}:${m.json.data.response.data?.code}`)).toEqual([
      'installBiz:SUCCESS:SUCCESS',
      'uninstallBiz:SUCCESS:SUCCESS',
    ]);
    expect(base.base.runtime.list()).toEqual([]);
  });

  it('survives a broker crash: logs, reconnects, re-subscribes, heartbeats and answers again', async () => {
    const { tunnel, log } = await baseWithTunnel('m3');
    await waitFor(() => tunnel.stats.heartbeats >= 1, WAIT, 'a heartbeat');
    await broker.kill();
    await waitFor(() => !tunnel.connected, WAIT, 'the tunnel offline');
    await waitFor(() => log.find('warn', 'broker unreachable'), WAIT, 'the offline warning');
    await sleep(300); // a few failed reconnects: never thrown
    await broker.restart();
    await waitFor(() => tunnel.connected && tunnel.stats.connects >= 2, WAIT, 'reconnected');
    const obs = await observer('koupleless_dev/m3/base/#');
    obs.client.publish('koupleless_dev/m3/health', '{}', { qos: 0, retain: true });
    await waitFor(() => obs.on('koupleless_dev/m3/base/health')[0], WAIT, 'a health answer after the reconnect');
    await waitFor(() => obs.on('koupleless_dev/m3/base/heart')[0], WAIT, 'a heartbeat after the reconnect');
    expect(log.lines.filter((l) => l.level === 'info' && l.msg.includes('connected to broker'))).toHaveLength(2);
    expect(log.lines.filter((l) => l.level === 'error')).toEqual([]);
  });

  it('uses the configured env in every topic, and a graceful stop publishes a deactivated heartbeat', async () => {
    const obs = await observer('koupleless_prod/#');
    const { tunnel } = await baseWithTunnel('m4', { env: 'Prod', clientPrefix: 'kl', heartbeatIntervalMs: 10_000 });
    expect(tunnel.clientId).toBe('kl@@@m4');
    await waitFor(() => obs.on('koupleless_prod/m4/base/heart')[0], WAIT, 'the first heartbeat under koupleless_prod');
    obs.client.publish('koupleless_prod/m4/queryAllBiz', '{}', { qos: 0 });
    await waitFor(() => obs.on('koupleless_prod/m4/base/simpleBiz')[0], WAIT, 'simpleBiz under koupleless_prod');
    await tunnel.stop();
    const hearts = obs.on('koupleless_prod/m4/base/heart');
    await waitFor(() => obs.on('koupleless_prod/m4/base/heart').length >= 2, WAIT, 'the deactivated heartbeat');
    expect(obs.on('koupleless_prod/m4/base/heart').at(-1)!.json.data.state).toBe('deactivated');
    expect(hearts[0]!.json.data.state).toBe('activated');
    expect(tunnel.connected).toBe(false);
  });

  it('the broker helper fails loudly (no skip) when mosquitto is forced but not installed', async () => {
    await expect(startMosquitto({ candidates: ['/nonexistent/mosquitto'] })).rejects.toThrow(
      /mosquitto is required by the MQTT tunnel tests but was not found \(looked in \/nonexistent\/mosquitto\)\. Install it: `sudo apt-get install -y mosquitto`/,
    );
  });

  it('the broker helper falls back to Aedes when mosquitto is not installed', async () => {
    const fallback = await startBroker({ candidates: ['/nonexistent/mosquitto'], kind: 'auto' });
    const client = connect(`mqtt://127.0.0.1:${fallback.port}`, { clientId: 'fallback-probe', reconnectPeriod: 0 });
    try {
      await new Promise<void>((resolve, reject) => {
        client.once('connect', () => resolve());
        client.once('error', reject);
      });
      await waitFor(() => fallback.log.includes('fallback-probe'), WAIT, 'the Aedes log to show the client', () => fallback.log);
    } finally {
      client.end(true);
      await fallback.stop();
    }
  });

  it('refuses bad options', () => {
    const arklet = { baseIdentity: 'x', execute: async () => ({ code: 'SUCCESS' as const }) };
    expect(() => startMqttTunnel({ arklet, broker: ' ' })).toThrow(expect.objectContaining({ code: 'NODEARK_ERR_TUNNEL_INVALID_OPTIONS', message: expect.stringContaining('broker') }));
    expect(() => startMqttTunnel({ arklet, broker: 'b', port: 0 })).toThrow(expect.objectContaining({ message: expect.stringContaining('port') }));
    expect(() => startMqttTunnel({ arklet, broker: 'b', caPath: '/nonexistent/ca.pem' })).toThrow(
      expect.objectContaining({ message: expect.stringContaining('caPath') }),
    );
    expect(() => startMqttTunnel({ arklet, broker: 'b', env: 'a/b' })).toThrow(expect.objectContaining({ message: expect.stringContaining('env') }));
  });
});

describe('the simulated ModuleController v2 MQTT tunnel drives a real base', () => {
  it('registers the vnode, installs a pod’s module (Running/Ready), uninstalls it on delete (terminated), and drops the vnode on stop', async () => {
    const T = scaledTiming(0.05);
    const api = new FakeApiServer();
    const mc = await startModuleController({ api, tunnel: { kind: 'mqtt', broker: '127.0.0.1', port: broker.port }, timing: T, clientId: 'sim-mqtt' });
    cleanups.push(() => mc.stop());
    const { base, tunnel } = await baseWithTunnel('mq1', { heartbeatIntervalMs: 500 });
    const nodeName = 'vnode.mq1.dev';
    await waitFor(() => api.nodes.get(nodeName), WAIT, 'the vnode');
    expect(api.nodes.get(nodeName)!.metadata.labels).not.toHaveProperty('base.koupleless.io/tunnel-port'); // port 0 over MQTT
    const url = bundles.at('biz1-0.0.1-ark-biz.jar');
    api.createPod(modulePod({ name: 'mp', nodeName, containers: [moduleContainer('biz1', '0.0.1', url)] }));
    const pod = await waitPod(api, 'mp', (p) => p.status.phase === 'Running' && p.status.conditions.some((c) => c.type === 'Ready' && c.status === 'True'), WAIT, 'Ready');
    expect(pod.status.podIP).toBe('127.0.0.1');
    expect(base.base.runtime.get('biz1', '0.0.1')!.bizState).toBe('activated');
    // The controller's commands were retained at QoS 0; nothing the base sent was dropped as stale.
    const install = mc.trace.find((m) => m.dir === 'out' && m.topic === 'koupleless_dev/mq1/installBiz')!;
    expect(install).toMatchObject({ qos: 0, retain: true, payload: JSON.stringify({ bizName: 'biz1', bizVersion: '0.0.1', bizUrl: url }) });
    await waitFor(() => mc.trace.some((m) => m.topic === 'koupleless_dev/mq1/base/simpleBiz'), WAIT, 'a simpleBiz answer');
    await waitFor(() => mc.trace.some((m) => m.topic === 'koupleless_dev/mq1/base/health'), WAIT, 'a health answer');
    expect(mc.trace.filter((m) => m.dropped)).toEqual([]);
    api.deletePod('mp');
    await waitPod(api, 'mp', (p) => !!p.status.containerStatuses[0]?.state.terminated, WAIT, 'terminated (uninstall SUCCESS → STOPPED)');
    expect(base.base.runtime.list()).toEqual([]);
    await tunnel.stop();
    await waitFor(() => !api.nodes.has(nodeName), WAIT, 'the vnode deleted after the deactivated heartbeat');
  });
});
