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
 */
import { setTimeout as delay } from 'node:timers/promises';
import { readFileSync } from 'node:fs';
import type { IClientOptions, IPublishPacket, MqttClient } from 'mqtt';
import { loadMqtt } from './load-mqtt.js';
import type { ArkletResponse } from '@nodeark/arklet';
import {
  baseStatus,
  mqttEnvelope,
  resolveBaseInfo,
  type BaseInfoOptions,
  type BaseMetadata,
  type BaseState,
  type BaseStatus,
} from './base-status.js';
import { ERR_TUNNEL_INVALID_OPTIONS } from './errors.js';
import type { ArkletLike, BizModel } from './heartbeat.js';
import { errInfo, silentLogger, type TunnelLogger } from './logger.js';

/** Options of {@link startMqttTunnel} (config keys `koupleless.arklet.mqtt.*`). */
export interface MqttTunnelOptions extends BaseInfoOptions {
  /** The Arklet that executes the commands (`execute`) and whose `baseIdentity` is the default identity. Required. */
  arklet: Pick<ArkletLike, 'baseIdentity' | 'execute'> & Partial<Pick<ArkletLike, 'port'>>;
  /** `koupleless.arklet.mqtt.broker`: host name or IP of the broker. Required. */
  broker: string;
  /** `koupleless.arklet.mqtt.port`. Default 1883. */
  port?: number;
  /** `koupleless.arklet.mqtt.username`. Default: none (anonymous). */
  username?: string;
  /** `koupleless.arklet.mqtt.password`. Default: none. */
  password?: string;
  /** `koupleless.arklet.mqtt.client.prefix`: client id `<prefix>@@@<identity>`. Default `koupleless`. */
  clientPrefix?: string;
  /** `koupleless.arklet.mqtt.ca_path`: a CA file; when set the connection is TLS (`mqtts://`). */
  caPath?: string;
  /** `koupleless.arklet.mqtt.client_crt_path`: client certificate (PEM) for mutual TLS. */
  clientCrtPath?: string;
  /** `koupleless.arklet.mqtt.client_key_path`: client key (PEM) for mutual TLS. */
  clientKeyPath?: string;
  /**
   * `koupleless.arklet.mqtt.env`: topics are `koupleless_<env lower-cased>/…`. Must equal the controller's `ENV`.
   * Default `dev`.
   */
  env?: string;
  /** `BaseStatus.port` in the MQTT heartbeat. Default 0 (Java's MQTT tunnel sends 0). */
  heartbeatPort?: number;
  /** Heartbeat period. Default 10 000 ms (Java `HeartBeatScheduledTask`). */
  heartbeatIntervalMs?: number;
  /** Publish `base/queryBaseline` on the first connect and install the `base/baseline` answer. Default true (Java). */
  queryBaseline?: boolean;
  /** Delay between reconnect attempts. Default 1 000 ms. */
  reconnectPeriodMs?: number;
  /** Bound on one connection attempt. Default 30 000 ms. */
  connectTimeoutMs?: number;
  /** MQTT keep-alive in seconds. Default 60 (Paho's default, which Java uses). */
  keepaliveSeconds?: number;
  /** Bound on publishing the final `deactivated` heartbeat on a graceful stop. Default 3 000 ms. */
  stopTimeoutMs?: number;
  /** Log sink (pino-compatible). Default: silent. */
  logger?: TunnelLogger;
}

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

/** Java `HeartBeatScheduledTask` period. */
export const DEFAULT_MQTT_HEARTBEAT_INTERVAL_MS = 10_000;

/**
 * The Java `StateChangeReason` enum name of each display text (docs/reference/arklet-protocol.md § Wire types;
 * docs/reference/module-controller.md § MQTT tunnel).
 */
export const REASON_ENUM_NAMES: Readonly<Record<string, string>> = {
  Created: 'CREATED',
  Started: 'STARTED',
  'Install Failed': 'INSTALL_FAILED',
  'Uninstall Failed': 'UN_INSTALL_FAILED',
  Switched: 'SWITCHED',
  Killing: 'KILLING',
  Stopped: 'STOPPED',
  Undefine: 'UNDEFINE',
};

/** Java `Output<T>`: what the MQTT tunnel publishes as `response` (and as the `data` of `base/health`). */
export interface MqttOutput {
  code: string;
  data?: unknown;
  message?: string;
}

/** A `SimpleBizInfo` (reply to `queryAllBiz`). */
export interface SimpleBizInfo {
  latestStateRecord: { changeTime: number; message: string | null; reason: string | null; state: string | null } | null;
  name: string;
  state: string;
  version: string;
}

/** Starts the MQTT tunnel; connection happens in the background (retried forever). Throws only on bad options. */
export function startMqttTunnel(options: MqttTunnelOptions): MqttTunnel {
  if (!options.arklet || typeof options.arklet.execute !== 'function') {
    throw new ERR_TUNNEL_INVALID_OPTIONS('arklet', 'an Arklet (with execute and baseIdentity) is required');
  }
  if (typeof options.broker !== 'string' || options.broker.trim() === '') {
    throw new ERR_TUNNEL_INVALID_OPTIONS('broker', 'Invalid arklet mqtt broker: empty (koupleless.arklet.mqtt.broker)');
  }
  const brokerPort = options.port ?? 1883;
  if (!Number.isInteger(brokerPort) || brokerPort <= 0 || brokerPort > 65535) {
    throw new ERR_TUNNEL_INVALID_OPTIONS('port', `${String(options.port)} is not a broker port`);
  }
  const intervalMs = positive('heartbeatIntervalMs', options.heartbeatIntervalMs, DEFAULT_MQTT_HEARTBEAT_INTERVAL_MS);
  const reconnectPeriod = positive('reconnectPeriodMs', options.reconnectPeriodMs, 1_000);
  const connectTimeout = positive('connectTimeoutMs', options.connectTimeoutMs, 30_000);
  const stopTimeoutMs = positive('stopTimeoutMs', options.stopTimeoutMs, 3_000);
  const keepalive = options.keepaliveSeconds ?? 60;
  const env = (options.env ?? 'dev').trim().toLowerCase() || 'dev';
  if (!/^[a-z0-9._-]+$/.test(env)) throw new ERR_TUNNEL_INVALID_OPTIONS('env', `"${env}" must be made of letters, digits, ".", "_" and "-"`);
  const clientPrefix = (options.clientPrefix ?? 'koupleless').trim() || 'koupleless';
  const logger = options.logger ?? silentLogger;
  const arklet = options.arklet;

  const info = resolveBaseInfo(options, arklet.baseIdentity);
  if (info.identityRewritten) {
    logger.warn(info.identityRewritten, 'base identity is not DNS-safe; the MQTT tunnel uses the rewritten identity');
  }
  const meta = info.baseMetadata;
  const identity = meta.identity;
  const prefix = `koupleless_${env}`;
  const base = `${prefix}/${identity}`;
  const clientId = `${clientPrefix}@@@${identity}`;
  const hbPort = options.heartbeatPort ?? 0;
  const statusOf = (state: BaseState): BaseStatus =>
    baseStatus({ baseMetadata: meta, localIP: info.localIP, localHostName: info.localHostName, port: hbPort }, state);

  const tls = nonBlank(options.caPath) !== undefined;
  const clientOptions: IClientOptions = {
    clientId,
    clean: true,
    keepalive,
    reconnectPeriod,
    connectTimeout,
    resubscribe: false,
    protocolVersion: 4,
    queueQoSZero: false,
  };
  if (nonBlank(options.username) !== undefined) clientOptions.username = options.username!;
  if (nonBlank(options.password) !== undefined) clientOptions.password = options.password!;
  if (tls) {
    clientOptions.ca = readPem('caPath', options.caPath!);
    if (nonBlank(options.clientCrtPath)) clientOptions.cert = readPem('clientCrtPath', options.clientCrtPath!);
    if (nonBlank(options.clientKeyPath)) clientOptions.key = readPem('clientKeyPath', options.clientKeyPath!);
  }
  const url = `${tls ? 'mqtts' : 'mqtt'}://${options.broker.trim()}:${brokerPort}`;

  const stats: MqttTunnelStats = { connects: 0, heartbeats: 0, commands: 0 };
  let stopped = false;
  let heartbeatTimer: NodeJS.Timeout | undefined;
  let baselineAsked = false;
  let offlineLogged = false;
  /** Connected and subscribed to the command topics (what `waitConnected` waits for). */
  let listening = false;
  const pending = new Set<Promise<void>>();
  const chains = new Map<string, Promise<void>>();
  const connectWaiters = new Set<() => void>();

  const client: MqttClient = loadMqtt().connect(url, clientOptions);

  const publish = (suffix: string, data: unknown): Promise<void> =>
    new Promise((resolve) => {
      if (!client.connected) {
        logger.debug({ topic: `${base}/${suffix}` }, 'mqtt: not connected, message dropped');
        resolve();
        return;
      }
      client.publish(`${base}/${suffix}`, JSON.stringify(mqttEnvelope(data)), { qos: 1, retain: false }, (err) => {
        if (err) logger.warn({ topic: `${base}/${suffix}`, err: errInfo(err) }, 'mqtt: publish failed');
        resolve();
      });
    });

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
    if (options.queryBaseline !== false && !baselineAsked) {
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

  const handle = async (command: string, payload: Buffer, retained: boolean): Promise<void> => {
    logger.debug({ command, retained }, 'mqtt: command received');
    switch (command) {
      case 'health': {
        stats.commands++;
        const res = await arklet.execute('health', parseObject(payload) ?? {});
        await publish('base/health', toOutput(res));
        return;
      }
      case 'queryAllBiz': {
        stats.commands++;
        const res = await arklet.execute('queryAllBiz', {});
        if (res.code !== 'SUCCESS' || !Array.isArray(res.data)) {
          logger.warn({ code: res.code, message: res.message }, 'mqtt: queryAllBiz failed; nothing published');
          return;
        }
        await publish('base/simpleBiz', (res.data as BizInfoLike[]).map(simpleBizInfo));
        return;
      }
      case 'installBiz':
      case 'uninstallBiz': {
        stats.commands++;
        const input = parseObject(payload);
        const model = (input ?? {}) as BizModel;
        const key = `${String(model.bizName ?? '')}:${String(model.bizVersion ?? '')}`;
        const run = async (): Promise<void> => {
          const res: ArkletResponse | undefined = input
            ? await arklet.execute(command, input)
            : { code: 'CMD_PROCESS_INTERNAL_ERROR', message: `Internal Error: ${command} payload is not a JSON object`, errorStackTrace: '' };
          // fastjson omits null members: bizName/bizVersion only when the command carried them.
          const data: Record<string, unknown> = {};
          if (typeof model.bizName === 'string') data['bizName'] = model.bizName;
          if (typeof model.bizVersion === 'string') data['bizVersion'] = model.bizVersion;
          data['command'] = command;
          data['response'] = toOutput(res);
          await publish('base/bizOperation', data);
        };
        // One identity's commands run in arrival order (see the header comment).
        const prev = chains.get(key) ?? Promise.resolve();
        const next = prev.then(run, run);
        chains.set(key, next);
        try {
          await next;
        } finally {
          if (chains.get(key) === next) chains.delete(key);
        }
        return;
      }
      case 'base/baseline':
      case 'batchInstallBiz': {
        stats.commands++;
        const parsed = parseJson(payload);
        const input = Array.isArray(parsed) ? { bizList: parsed } : parsed;
        const res =
          input !== null && typeof input === 'object'
            ? await arklet.execute('batchInstallBiz', input)
            : ({ code: 'CMD_PROCESS_INTERNAL_ERROR', message: 'Internal Error: baseline payload is not JSON', errorStackTrace: '' } as ArkletResponse);
        await publish('base/batchInstallBizResponse', { command: 'batchInstallBiz', response: toOutput(res) });
        return;
      }
      default:
        logger.warn({ command }, `mqtt: unsupported command ${command}, ignored`);
    }
  };

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
            new Promise<boolean>((resolve) =>
              client.publish(`${base}/base/heart`, JSON.stringify(mqttEnvelope(statusOf('deactivated'))), { qos: 1 }, (err) => {
                if (err) logger.warn({ err: errInfo(err) }, 'mqtt: the final deactivated heartbeat failed');
                resolve(!err);
              }),
            ),
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

/** The queryAllBiz element fields the conversion reads. */
interface BizInfoLike {
  bizName: string;
  bizVersion: string;
  bizState: string;
  bizStateRecords?: Array<{ changeTime: number; state: string; reason: string; message: string }>;
}

/** A queryAllBiz element → Java `SimpleBizInfo` (latest record = the largest `changeTime`, the last on ties). */
export function simpleBizInfo(b: BizInfoLike): SimpleBizInfo {
  let latest: NonNullable<BizInfoLike['bizStateRecords']>[number] | undefined;
  for (const r of b.bizStateRecords ?? []) if (!latest || r.changeTime >= latest.changeTime) latest = r;
  return {
    latestStateRecord: latest
      ? {
          changeTime: Math.trunc(latest.changeTime),
          message: latest.message ?? null,
          reason:
            latest.reason === undefined || latest.reason === null
              ? null
              : (REASON_ENUM_NAMES[latest.reason] ?? latest.reason),
          state: latest.state ? latest.state.toUpperCase() : null,
        }
      : null,
    name: b.bizName,
    state: String(b.bizState).toLowerCase(),
    version: b.bizVersion,
  };
}

/**
 * An Arklet envelope → the Java `Output` the MQTT tunnel publishes: `{code, data, message}`, enum members as
 * Java enum names; an internal error or unknown command → Java's exception form
 * `{code: FAILED, data: {code: FAILED, message: <stack trace>}, message}`.
 */
export function toOutput(res: ArkletResponse): MqttOutput {
  if (res.code === 'SUCCESS' || res.code === 'FAILED') {
    const out: MqttOutput = { code: res.code };
    if (res.data !== undefined) out.data = javaEnumNames(res.data);
    if (res.message !== undefined) out.message = res.message;
    return out;
  }
  const message = res.message ?? res.code;
  return { code: 'FAILED', data: { code: 'FAILED', message: res.errorStackTrace || message }, message };
}

/** Rewrites `bizState` members and `bizStateRecords` elements to Java enum names (deep; returns a copy). */
export function javaEnumNames(value: unknown, depth = 0): unknown {
  if (depth > 12 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => javaEnumNames(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (k === 'bizState' && typeof v === 'string') out[k] = v.toUpperCase();
    else if (k === 'bizStateRecords' && Array.isArray(v)) {
      out[k] = v.map((r) => {
        if (r === null || typeof r !== 'object') return r;
        const rec = { ...(r as Record<string, unknown>) };
        if (typeof rec['state'] === 'string') rec['state'] = (rec['state'] as string).toUpperCase();
        if (typeof rec['reason'] === 'string') rec['reason'] = REASON_ENUM_NAMES[rec['reason'] as string] ?? rec['reason'];
        return rec;
      });
    } else out[k] = javaEnumNames(v, depth + 1);
  }
  return out;
}

function parseJson(payload: Buffer): unknown {
  const text = payload.toString('utf8').trim();
  if (text === '') return {};
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function parseObject(payload: Buffer): Record<string, unknown> | undefined {
  const v = parseJson(payload);
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

function readPem(name: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new ERR_TUNNEL_INVALID_OPTIONS(name, `cannot read ${path}: ${errInfo(err).message}`);
  }
}

function positive(name: string, value: number | undefined, dflt: number): number {
  if (value === undefined) return dflt;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new ERR_TUNNEL_INVALID_OPTIONS(name, `${String(value)} is not a positive number of milliseconds`);
  }
  return value;
}

function nonBlank(s: string | undefined): string | undefined {
  return typeof s === 'string' && s.trim() !== '' ? s : undefined;
}

/** A bound on shutdown steps: it never keeps the process alive by itself. */
function sleep(ms: number): Promise<void> {
  return delay(ms, undefined, { ref: false });
}
