/**
 * The HTTP heartbeat on its own (docs/reference/module-controller.md § HTTP tunnel: heartbeat), against a
 * recording HTTP server standing in for the controller's `/heartbeat`: payload, cadence, retries with backoff
 * and logs, the final `deactivated` heartbeat, queryBaseline, options and identity.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  baseStatus,
  dnsSafeIdentity,
  heartbeatOptionsFromConfig,
  mqttOptionsFromConfig,
  resolveBaseInfo,
  startHeartbeat,
  TUNNEL_CONFIG_KEYS,
  type ArkletLike,
  type HeartbeatTunnel,
} from '@nodeark/tunnels';
import { waitFor } from './simulator/index.js';
import { closeServer, freePort, listen, recordingLogger, sleep } from './harness.js';

interface Received {
  at: number;
  method: string;
  path: string;
  contentType: string | undefined;
  raw: string;
  json: any;
}

/** A fake controller endpoint: records requests, answers with `answer` (default 200 `SUCCESS`). */
async function fakeController(
  answer: (r: Received) => { status: number; body: string } | 'hang' = () => ({ status: 200, body: 'SUCCESS' }),
  port = 0,
): Promise<{ url: string; port: number; received: Received[]; server: Server; close(): Promise<void> }> {
  const received: Received[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      let json: unknown;
      try {
        json = JSON.parse(raw);
      } catch {
        json = undefined;
      }
      const r: Received = { at: Date.now(), method: req.method ?? '', path: req.url ?? '', contentType: req.headers['content-type'], raw, json };
      received.push(r);
      const a = answer(r);
      if (a === 'hang') return;
      res.writeHead(a.status, { 'content-type': 'text/plain' }).end(a.body);
    });
  });
  await listen(server, port);
  const p = (server.address() as AddressInfo).port;
  return { url: `http://127.0.0.1:${p}`, port: p, received, server, close: () => closeServer(server) };
}

const arklet: ArkletLike = {
  port: 41238,
  baseIdentity: '10.1.2.3',
  execute: async () => ({ code: 'SUCCESS', data: {} }),
};

const tunnels: HeartbeatTunnel[] = [];
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const t of tunnels.splice(0)) await t.stop({ graceful: false });
  for (const c of cleanups.splice(0)) await c();
});

function track(t: HeartbeatTunnel): HeartbeatTunnel {
  tunnels.push(t);
  return t;
}

describe('startHeartbeat', () => {
  it('POSTs the BaseStatus JSON to <endpoint>/heartbeat at once, then every interval', async () => {
    const mc = await fakeController();
    cleanups.push(mc.close);
    const started = Date.now();
    const hb = track(
      startHeartbeat({
        endpoint: `${mc.url}/`,
        arklet,
        intervalMs: 150,
        localIP: '10.0.0.12',
        localHostName: 'base-7f9c-1',
        name: 'base',
        version: '2.0.0',
      }),
    );
    await waitFor(() => mc.received.length >= 4, 3_000, '4 heartbeats');
    const first = mc.received[0]!;
    expect(first.at - started).toBeLessThan(500); // "starting at once"
    expect(first.method).toBe('POST');
    expect(first.path).toBe('/heartbeat'); // trailing slash of the endpoint stripped
    expect(first.contentType).toBe('application/json');
    // Java's fastjson order, and the exact field set of docs/reference/module-controller.md
    // § BaseStatus and BaseMetadata.
    expect(first.raw).toBe(
      JSON.stringify({
        baseMetadata: { clusterName: 'default', identity: '10.1.2.3', name: 'base', version: '2.0.0' },
        localHostName: 'base-7f9c-1',
        localIP: '10.0.0.12',
        port: 41238,
        state: 'activated',
      }),
    );
    // Fixed rate (Java scheduleAtFixedRate): starts are one interval apart; arrivals jitter with latency,
    // so the mean gap is checked, and that no heartbeat is skipped or doubled.
    const four = mc.received.slice(0, 4);
    const mean = (four[3]!.at - four[0]!.at) / 3;
    expect(mean).toBeGreaterThanOrEqual(90); // 150 ms interval, minus the latency of the first one (connection setup)
    expect(mean).toBeLessThan(600);
    expect(hb.stats.delivered).toBeGreaterThanOrEqual(3);
    expect(hb.url).toBe(`${mc.url}/heartbeat`);
  });

  it('keeps a path prefix of the endpoint and announces a port override (a proxy in front of the Arklet)', async () => {
    const mc = await fakeController();
    cleanups.push(mc.close);
    track(startHeartbeat({ endpoint: `${mc.url}/mc`, arklet, port: 1999, intervalMs: 10_000 }));
    await waitFor(() => mc.received.length >= 1, 3_000, 'a heartbeat');
    expect(mc.received[0]!.path).toBe('/mc/heartbeat');
    expect(mc.received[0]!.json.port).toBe(1999);
  });

  it('sends a final deactivated heartbeat on graceful stop, none after it, and none on a non-graceful stop', async () => {
    const mc = await fakeController();
    cleanups.push(mc.close);
    const log = recordingLogger();
    const hb = startHeartbeat({ endpoint: mc.url, arklet, intervalMs: 100, logger: log });
    await waitFor(() => mc.received.length >= 2, 3_000, '2 heartbeats');
    await hb.stop();
    const last = mc.received[mc.received.length - 1]!;
    expect(last.json.state).toBe('deactivated');
    expect(last.json.baseMetadata.identity).toBe('10.1.2.3');
    expect(mc.received.filter((r) => r.json.state === 'deactivated')).toHaveLength(1);
    const count = mc.received.length;
    await sleep(300);
    expect(mc.received.length).toBe(count);
    await hb.stop(); // idempotent
    expect(await hb.beat()).toBe(false);
    expect(log.find('info', 'deactivated heartbeat sent')).toBeDefined();

    const mc2 = await fakeController();
    cleanups.push(mc2.close);
    const hb2 = startHeartbeat({ endpoint: mc2.url, arklet, intervalMs: 100 });
    await waitFor(() => mc2.received.length >= 1, 3_000, 'a heartbeat');
    await hb2.stop({ graceful: false });
    expect(mc2.received.every((r) => r.json.state === 'activated')).toBe(true);
  });

  it('logs and retries with backoff while the controller is unreachable, never throws, and recovers', async () => {
    const port = await freePort(); // nothing listens there yet
    const log = recordingLogger();
    const hb = track(
      startHeartbeat({ endpoint: `http://127.0.0.1:${port}`, arklet, intervalMs: 2_000, retryInitialDelayMs: 50, retryMaxDelayMs: 400, logger: log }),
    );
    await waitFor(() => hb.stats.failed >= 4, 5_000, '4 failed heartbeats');
    const warn = log.find('warn', 'module-controller unreachable');
    expect(warn).toBeDefined();
    expect(warn!.obj).toMatchObject({ url: `http://127.0.0.1:${port}/heartbeat`, failures: 1, retryInMs: 50 });
    // One warning, then debug lines: the log is not flooded.
    expect(log.lines.filter((l) => l.level === 'warn')).toHaveLength(1);
    const delays = log.lines.filter((l) => l.msg.includes('heartbeat')).map((l) => (l.obj as { retryInMs?: number }).retryInMs);
    expect(delays.slice(0, 4)).toEqual([50, 100, 200, 400]);
    // Backoff, not the 2 s interval: the controller coming up is noticed within the max retry delay.
    const mc = await fakeController(undefined, port);
    cleanups.push(mc.close);
    await waitFor(() => mc.received.length >= 1, 2_000, 'the heartbeat after the controller came up');
    await waitFor(() => log.find('info', 'registered with module-controller'), 2_000, 'the registration log');
    expect(hb.stats.consecutiveFailures).toBe(0);
  });

  it('counts non-2xx answers as failures and logs the status; recovers with an info line', async () => {
    let fail = true;
    const mc = await fakeController(() => (fail ? { status: 500, body: 'oops' } : { status: 200, body: 'SUCCESS' }));
    cleanups.push(mc.close);
    const log = recordingLogger();
    const hb = track(startHeartbeat({ endpoint: mc.url, arklet, intervalMs: 1_000, retryInitialDelayMs: 30, logger: log }));
    await waitFor(() => hb.stats.failed >= 2, 3_000, '2 failures');
    expect((log.find('warn', 'unreachable')!.obj as { err: { message: string } }).err.message).toContain('HTTP 500: oops');
    fail = false;
    await waitFor(() => hb.stats.delivered >= 1, 3_000, 'a delivered heartbeat');
    expect(log.find('info', 'registered')).toBeDefined();
  });

  it('bounds a heartbeat that gets no answer by timeoutMs, and a graceful stop by stopTimeoutMs', async () => {
    const mc = await fakeController(() => 'hang');
    cleanups.push(mc.close);
    const log = recordingLogger();
    const hb = startHeartbeat({ endpoint: mc.url, arklet, intervalMs: 5_000, timeoutMs: 150, retryInitialDelayMs: 20, stopTimeoutMs: 200, logger: log });
    await waitFor(() => hb.stats.failed >= 1, 3_000, 'a timed-out heartbeat');
    const t0 = Date.now();
    await hb.stop();
    expect(Date.now() - t0).toBeLessThan(1_500);
    expect(log.find('warn', 'final deactivated heartbeat failed')).toBeDefined();
  });

  it('fetches the baseline with queryBaseline and installs it through batchInstallBiz', async () => {
    const baseline = [{ bizName: 'biz1', bizVersion: '0.0.1', bizUrl: 'http://x/biz1-0.0.1.jar' }];
    const mc = await fakeController((r) => (r.path === '/queryBaseline' ? { status: 200, body: JSON.stringify(baseline) } : { status: 200, body: 'SUCCESS' }));
    cleanups.push(mc.close);
    const executed: Array<[string, unknown]> = [];
    const a: ArkletLike = { ...arklet, execute: async (id, input) => (executed.push([id, input]), { code: 'SUCCESS', data: {} }) };
    const hb = track(startHeartbeat({ endpoint: mc.url, arklet: a, intervalMs: 100, queryBaseline: true, name: 'base' }));
    await waitFor(() => executed.length >= 1, 3_000, 'the baseline install');
    expect(executed[0]).toEqual(['batchInstallBiz', { bizList: baseline }]);
    const q = mc.received.filter((r) => r.path === '/queryBaseline');
    expect(q).toHaveLength(1); // once
    expect(q[0]!.json).toEqual({ clusterName: 'default', identity: '10.1.2.3', name: 'base', version: '1.0.0' });
    await waitFor(() => mc.received.length >= 4, 3_000, 'more heartbeats');
    expect(mc.received.filter((r) => r.path === '/queryBaseline')).toHaveLength(1);
    expect(hb.stats.baselineFetched).toBe(true);

    // Without the flag, no queryBaseline at all.
    const mc2 = await fakeController();
    cleanups.push(mc2.close);
    track(startHeartbeat({ endpoint: mc2.url, arklet, intervalMs: 100 }));
    await waitFor(() => mc2.received.length >= 3, 3_000, 'heartbeats');
    expect(mc2.received.every((r) => r.path === '/heartbeat')).toBe(true);
  });

  it('refuses bad options with NODEARK_ERR_TUNNEL_INVALID_OPTIONS naming the option', () => {
    const bad = (o: Record<string, unknown>, text: string): void => {
      expect(() => startHeartbeat({ endpoint: 'http://127.0.0.1:1', arklet, ...o } as never)).toThrow(
        expect.objectContaining({ code: 'NODEARK_ERR_TUNNEL_INVALID_OPTIONS', message: expect.stringContaining(text) }),
      );
    };
    bad({ endpoint: '' }, 'endpoint');
    bad({ endpoint: 'module-controller:7777' }, 'must start with http:// or https://');
    bad({ endpoint: '10.0.0.9:7777' }, 'include the scheme');
    bad({ intervalMs: 0 }, 'intervalMs');
    bad({ timeoutMs: -1 }, 'timeoutMs');
    bad({ arklet: undefined }, 'arklet');
    bad({ port: 70000 }, 'port');
  });

  it('announces a DNS-safe identity, warning when the configured one had to be rewritten', async () => {
    const mc = await fakeController();
    cleanups.push(mc.close);
    const log = recordingLogger();
    const hb = track(startHeartbeat({ endpoint: mc.url, arklet: { ...arklet, baseIdentity: 'My_Base.Example.COM' }, intervalMs: 10_000, logger: log }));
    expect(hb.identity).toBe('my-base.example.com');
    await waitFor(() => mc.received.length >= 1, 3_000, 'a heartbeat');
    expect(mc.received[0]!.json.baseMetadata.identity).toBe('my-base.example.com');
    expect(log.find('warn', 'not DNS-safe')!.obj).toEqual({ from: 'My_Base.Example.COM', to: 'my-base.example.com' });
  });
});

describe('BaseStatus builders and identity', () => {
  it('dnsSafeIdentity keeps IPs and pod names, rewrites the rest', () => {
    expect(dnsSafeIdentity('10.0.0.12')).toBe('10.0.0.12');
    expect(dnsSafeIdentity('base-7f9c-1')).toBe('base-7f9c-1');
    expect(dnsSafeIdentity('Base_Pod#1')).toBe('base-pod-1');
    expect(dnsSafeIdentity('-a..b-')).toBe('a.b');
    expect(dnsSafeIdentity('x'.repeat(70))).toBe('x'.repeat(63));
    expect(dnsSafeIdentity('___')).toBe('');
    expect(dnsSafeIdentity(`${'a'.repeat(60)}.`.repeat(5)).length).toBeLessThanOrEqual(200);
  });

  it('resolveBaseInfo: Arklet identity by default, an explicit identity wins, and a blank one falls back', () => {
    expect(resolveBaseInfo({ localIP: '10.0.0.5', localHostName: 'h' }, '10.0.0.5').baseMetadata).toEqual({
      clusterName: 'default',
      identity: '10.0.0.5',
      name: 'nodeark-base',
      version: '1.0.0',
    });
    expect(resolveBaseInfo({ identity: 'pod-a', clusterName: 'c1' }, '10.0.0.5').baseMetadata).toMatchObject({ identity: 'pod-a', clusterName: 'c1' });
    expect(resolveBaseInfo({ localIP: '10.0.0.5' }, '***').baseMetadata.identity).toBe('nodeark-10-0-0-5');
    const detected = resolveBaseInfo({}, undefined);
    expect(detected.localIP).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect(detected.localHostName.length).toBeGreaterThan(0);
  });

  it('baseStatus writes Java field order and an integer port', () => {
    const s = baseStatus(
      { baseMetadata: { clusterName: 'c', identity: 'i', name: 'n', version: 'v' }, localIP: '1.2.3.4', localHostName: 'h', port: 1238.7 },
      'deactivated',
    );
    expect(JSON.stringify(s)).toBe(
      '{"baseMetadata":{"clusterName":"c","identity":"i","name":"n","version":"v"},"localHostName":"h","localIP":"1.2.3.4","port":1238,"state":"deactivated"}',
    );
  });
});

describe('configuration mapping', () => {
  const arkletStub: ArkletLike = { port: 1238, baseIdentity: 'b1', execute: async () => ({ code: 'SUCCESS' }) };

  it('declares every key with a kind, a description and the Java names', () => {
    for (const [key, def] of Object.entries(TUNNEL_CONFIG_KEYS)) {
      expect(key).toMatch(/^koupleless\.arklet\./);
      expect(['string', 'int', 'port', 'bool', 'duration']).toContain(def.kind);
      expect(def.description.length).toBeGreaterThan(10);
    }
    expect(Object.keys(TUNNEL_CONFIG_KEYS)).toEqual(
      expect.arrayContaining([
        'koupleless.arklet.http.heartbeat.endpoint',
        'koupleless.arklet.mqtt.enable',
        'koupleless.arklet.mqtt.broker',
        'koupleless.arklet.mqtt.port',
        'koupleless.arklet.mqtt.username',
        'koupleless.arklet.mqtt.password',
        'koupleless.arklet.mqtt.client.prefix',
        'koupleless.arklet.mqtt.ca_path',
        'koupleless.arklet.mqtt.client_crt_path',
        'koupleless.arklet.mqtt.client_key_path',
      ]),
    );
  });

  it('maps resolved values to startHeartbeat / startMqttTunnel options', () => {
    const values: Record<string, unknown> = {
      'spring.application.name': 'shop-base',
      'nodeark.base.version': '3.1.0',
      'koupleless.arklet.http.heartbeat.endpoint': 'http://mc:7777',
      'koupleless.arklet.http.heartbeat.interval': 5_000,
      'koupleless.arklet.http.heartbeat.timeout': 2_000,
      'koupleless.arklet.http.heartbeat.query-baseline': true,
      'koupleless.arklet.base.cluster-name': 'c1',
      'koupleless.arklet.base.local-ip': '10.0.0.7',
      'koupleless.arklet.base.local-hostname': 'shop-base-0',
      'koupleless.arklet.mqtt.enable': true,
      'koupleless.arklet.mqtt.broker': 'emqx',
      'koupleless.arklet.mqtt.port': 8883,
      'koupleless.arklet.mqtt.username': 'u',
      'koupleless.arklet.mqtt.password': 'p',
      'koupleless.arklet.mqtt.client.prefix': 'kl',
      'koupleless.arklet.mqtt.env': 'prod',
      'koupleless.arklet.mqtt.heartbeat.interval': 7_000,
      'koupleless.arklet.mqtt.query-baseline': false,
    };
    const get = (k: string): unknown => values[k];
    const hb = heartbeatOptionsFromConfig(get, { arklet: arkletStub })!;
    expect(hb).toMatchObject({
      endpoint: 'http://mc:7777',
      intervalMs: 5_000,
      timeoutMs: 2_000,
      queryBaseline: true,
      name: 'shop-base',
      version: '3.1.0',
      clusterName: 'c1',
      localIP: '10.0.0.7',
      localHostName: 'shop-base-0',
    });
    const mq = mqttOptionsFromConfig(get, { arklet: arkletStub })!;
    expect(mq).toMatchObject({
      broker: 'emqx',
      port: 8883,
      username: 'u',
      password: 'p',
      clientPrefix: 'kl',
      env: 'prod',
      heartbeatIntervalMs: 7_000,
      queryBaseline: false,
      name: 'shop-base',
      clusterName: 'c1',
    });
    expect(heartbeatOptionsFromConfig(() => undefined, { arklet: arkletStub })).toBeUndefined();
    expect(mqttOptionsFromConfig(() => undefined, { arklet: arkletStub })).toBeUndefined();
  });
});
