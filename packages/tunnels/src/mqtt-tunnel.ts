/**
 * The MQTT tunnel to ModuleController v2, wire-compatible with the Java Arklet's `arklet-tunnel-mqtt`
 * (docs/reference/module-controller.md § MQTT tunnel). Topics (`<p>` = `koupleless_<env>`,
 * `<id>` = the base identity), by direction, with their QoS and payload:
 *
 * - base subscribes (QoS 1): `<p>/<id>/+` and `<p>/<id>/base/baseline`; the command is the last segment
 * - base → MC (QoS 1): `<p>/<id>/base/heart`; payload: `{data: BaseStatus (port 0, state activated), publishTimestamp}`
 *   every 10 s from the first connect
 * - base → MC (QoS 1): `<p>/<id>/base/queryBaseline`; payload: `{data: BaseMetadata, publishTimestamp}`, once, on the
 *   first connect
 * - MC → base (QoS 1): `<p>/<id>/health` → base `<p>/<id>/base/health`; payload:
 *   `{data: {code, data: {healthData}, message?}, …}`
 * - MC → base (QoS 1): `<p>/<id>/queryAllBiz` → `<p>/<id>/base/simpleBiz`; payload:
 *   `{data: [{latestStateRecord, name, state, version}], …}`
 * - MC → base (QoS 1): `<p>/<id>/installBiz`, `uninstallBiz` → `<p>/<id>/base/bizOperation`; payload:
 *   `{data: {bizName, bizVersion, command, response: Output}, …}`
 * - MC → base (QoS 1): `<p>/<id>/base/baseline` (bare `BizModel[]`) → `<p>/<id>/base/batchInstallBizResponse`; payload:
 *   `{data: {command: "batchInstallBiz", response: Output}, …}`
 *
 * `Output` is the Java handler result `{code, data, message}` (no baseIdentity, no errorStackTrace); an
 * internal error becomes `{code: FAILED, data: {code: FAILED, message: <stack trace>}, message}` as Java's
 * exception path. Enum-typed members are written as Java enum *names* (fastjson default on this tunnel):
 * `bizState` upper-case, record `reason` `STARTED`/`INSTALL_FAILED`/…; `SimpleBizInfo.state` stays
 * lower-case (Java calls `getBizState()`), and its nulls are written (`WriteMapNullValue`).
 *
 * Differences from Java, all deliberate: the env defaults to `dev` (ModuleController's default `ENV`; Java's
 * default hook yields `default` and never meets it); username/password may be empty (anonymous
 * brokers); commands for one `bizName:bizVersion` run in arrival order instead of racing on the Arklet's
 * per-identity lock (the controller publishes commands *retained*, so a reconnecting base can see an install
 * and an uninstall of the same module at once); unknown command segments are logged and ignored (Java
 * throws). A graceful stop publishes a `deactivated` heartbeat, which ModuleController turns into an
 * immediate vnode shutdown.
 *
 * This file runs the connection (subscriptions, heartbeats, stop); `mqtt-options.ts` resolves the options,
 * `mqtt-commands.ts` runs the commands, and `mqtt-wire.ts` converts Arklet envelopes to what Java writes.
 */
import type { MqttClient, IPublishPacket } from 'mqtt';
import { mqttEnvelope, type BaseMetadata, type BaseState, type BaseStatus } from './base-status.js';
import { sleep } from './kit.js';
import { loadMqtt } from './load-mqtt.js';
import { errInfo } from './logger.js';
import { createCommandHandler } from './mqtt-commands.js';
import { resolveMqttOptions, type MqttTunnelOptions } from './mqtt-options.js';

/** Counters of a running MQTT tunnel. */
export interface MqttTunnelStats {
  /** Successful connections (the first one and every reconnect). */
  connects: number;
  /** Heartbeats published. */
  heartbeats: number;
  /** Commands received and executed. */
  commands: number;
}

/** A running MQTT tunnel. */
export interface MqttTunnel {
  /** The identity announced (DNS-safe). */
  readonly identity: string;
  /** `koupleless_<env>`. */
  readonly topicPrefix: string;
  /** The client id `<prefix>@@@<identity>`. */
  readonly clientId: string;
  /** The metadata announced. */
  readonly baseMetadata: BaseMetadata;
  /** True while connected to the broker. */
  readonly connected: boolean;
  /** Counters. */
  readonly stats: Readonly<MqttTunnelStats>;
  /** The heartbeat payload in `state`. */
  status(state?: BaseState): BaseStatus;
  /** Resolves once connected and subscribed to the command topics (at once if so), false after `timeoutMs`. */
  waitConnected(timeoutMs: number): Promise<boolean>;
  /** Resolves when every command received so far has been answered (or after `timeoutMs`, default 10 s). */
  idle(timeoutMs?: number): Promise<void>;
  /**
   * Stops heartbeats and disconnects. Graceful (default): publishes a `deactivated` heartbeat first (when
   * connected; bounded by `stopTimeoutMs`). Never rejects; idempotent.
   */
  stop(options?: { graceful?: boolean }): Promise<void>;
}

/** Starts the MQTT tunnel; connection happens in the background (retried forever). Throws only on bad options. */
export function startMqttTunnel(options: MqttTunnelOptions): MqttTunnel {
  const resolved = resolveMqttOptions(options);
  const { logger, meta, prefix, base, clientId, url, intervalMs, reconnectPeriod, stopTimeoutMs, statusOf } = resolved;
  const identity = meta.identity;

  const stats: MqttTunnelStats = { connects: 0, heartbeats: 0, commands: 0 };
  let stopped = false;
  let heartbeatTimer: NodeJS.Timeout | undefined;
  let baselineAsked = false;
  let offlineLogged = false;
  /** Connected and subscribed to the command topics (what `waitConnected` waits for). */
  let listening = false;
  const pending = new Set<Promise<void>>();
  const connectWaiters = new Set<() => void>();

  const client: MqttClient = loadMqtt().connect(url, resolved.clientOptions);

  /** Publishes under the base's topic prefix; resolves true once the broker took it (never rejects). */
  const publish = (suffix: string, data: unknown): Promise<boolean> =>
    new Promise((resolve) => {
      if (!client.connected) {
        logger.debug({ topic: `${base}/${suffix}` }, 'mqtt: not connected, message dropped');
        resolve(false);
        return;
      }
      client.publish(`${base}/${suffix}`, JSON.stringify(mqttEnvelope(data)), { qos: 1, retain: false }, (err) => {
        if (err) logger.warn({ topic: `${base}/${suffix}`, err: errInfo(err) }, 'mqtt: publish failed');
        resolve(!err);
      });
    });

  const handle = createCommandHandler({ arklet: resolved.arklet, logger, publish, stats });

  const heartbeat = (): void => {
    if (stopped || !client.connected) return;
    stats.heartbeats++;
    void publish('base/heart', statusOf('activated'));
  };

  client.on('connect', () => {
    stats.connects++;
    offlineLogged = false;
    logger.info({ url, clientId, topics: `${base}/+`, reconnect: stats.connects > 1 }, 'mqtt: connected to broker');
    listening = false;
    client.subscribe({ [`${base}/+`]: { qos: 1 }, [`${base}/base/baseline`]: { qos: 1 } }, (err) => {
      if (err) logger.warn({ err: errInfo(err) }, 'mqtt: subscribe failed; retried on the next reconnect');
      // Waiters learn of the connection once commands can arrive (a command published between CONNACK and
      // SUBACK would be lost), or with the failure, which the next reconnect retries.
      listening = !err;
      for (const w of connectWaiters) w();
      connectWaiters.clear();
    });
    // Heartbeat at once on every (re)connect, then on the period (Java: initial delay 0 after the first connect).
    heartbeat();
    if (!heartbeatTimer && !stopped) {
      heartbeatTimer = setInterval(heartbeat, intervalMs);
      heartbeatTimer.unref();
    }
    if (resolved.queryBaseline && !baselineAsked) {
      baselineAsked = true;
      void publish('base/queryBaseline', { ...meta });
    }
  });
  client.on('close', () => {
    listening = false;
  });
  client.on('offline', () => {
    if (!stopped && !offlineLogged) {
      offlineLogged = true;
      logger.warn({ url, reconnectPeriodMs: reconnectPeriod }, 'mqtt: broker unreachable, reconnecting');
    }
  });
  client.on('reconnect', () => logger.debug({ url }, 'mqtt: reconnecting'));
  client.on('error', (err) => {
    // mqtt.js emits connection errors here; without a listener they would crash the process.
    logger.warn({ url, err: errInfo(err) }, 'mqtt: client error');
  });
  client.on('message', (topic: string, payload: Buffer, packet: IPublishPacket) => {
    if (stopped) return;
    const command = topic.startsWith(`${base}/`) ? topic.slice(base.length + 1) : undefined;
    if (command === undefined) return;
    const job = handle(command, payload, packet.retain === true).catch((err: unknown) => {
      logger.error({ topic, err: errInfo(err) }, 'mqtt: command handling failed');
    });
    pending.add(job);
    void job.finally(() => pending.delete(job));
  });

  let stopping: Promise<void> | undefined;
  return {
    identity,
    topicPrefix: prefix,
    clientId,
    baseMetadata: { ...meta },
    get connected() {
      return client.connected;
    },
    get stats() {
      return { ...stats };
    },
    status: (state = 'activated') => statusOf(state),
    waitConnected(timeoutMs) {
      if (client.connected && listening) return Promise.resolve(true);
      return new Promise((resolve) => {
        const done = (): void => {
          clearTimeout(t);
          resolve(true);
        };
        const t = setTimeout(() => {
          connectWaiters.delete(done);
          resolve(false);
        }, timeoutMs);
        connectWaiters.add(done);
      });
    },
    async idle(timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (pending.size > 0 && Date.now() < deadline) {
        await Promise.race([Promise.allSettled([...pending]), sleep(Math.max(1, deadline - Date.now()))]);
      }
    },
    stop(opts = {}) {
      stopping ??= (async () => {
        stopped = true;
        if (heartbeatTimer) clearInterval(heartbeatTimer);
        heartbeatTimer = undefined;
        if ((opts.graceful ?? true) && client.connected) {
          const sent = await Promise.race([
            publish('base/heart', statusOf('deactivated')),
            sleep(stopTimeoutMs).then(() => false),
          ]);
          if (sent) logger.info({ identity }, 'mqtt: deactivated heartbeat sent');
        }
        await Promise.race([client.endAsync(!client.connected).catch(() => undefined), sleep(stopTimeoutMs)]);
        if (!client.disconnected) client.end(true);
        logger.info({ url }, 'mqtt: tunnel stopped');
      })();
      return stopping;
    },
  };
}

