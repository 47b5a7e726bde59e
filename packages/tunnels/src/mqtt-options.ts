/**
 * The MQTT tunnel's options (config keys `koupleless.arklet.mqtt.*`) and their resolution: validated once at
 * start, so a bad option throws `NODEARK_ERR_TUNNEL_INVALID_OPTIONS` from `startMqttTunnel` instead of
 * surfacing later in the background connection. Defaults follow the Java Arklet
 * (docs/reference/module-controller.md § MQTT tunnel).
 */
import { readFileSync } from 'node:fs';
import type { IClientOptions } from 'mqtt';
import {
  announcedBase,
  type BaseInfoOptions,
  type BaseMetadata,
  type BaseState,
  type BaseStatus,
} from './base-status.js';
import { ERR_TUNNEL_INVALID_OPTIONS } from './errors.js';
import type { ArkletLike } from './heartbeat.js';
import { nonBlank, positiveMs } from './kit.js';
import { errInfo, silentLogger, type TunnelLogger } from './logger.js';

/** Options of `startMqttTunnel` (config keys `koupleless.arklet.mqtt.*`). */
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

/** Java `HeartBeatScheduledTask` period. */
export const DEFAULT_MQTT_HEARTBEAT_INTERVAL_MS = 10_000;

/** {@link MqttTunnelOptions} checked, defaulted and turned into what the tunnel runs with. */
export interface ResolvedMqttOptions {
  arklet: MqttTunnelOptions['arklet'];
  logger: TunnelLogger;
  /** The metadata announced; its `identity` is the DNS-safe identity. */
  meta: BaseMetadata;
  /** `koupleless_<env>`. */
  prefix: string;
  /** `<prefix>/<identity>`: every topic of this base starts with it. */
  base: string;
  clientId: string;
  /** `mqtt[s]://<broker>:<port>`. */
  url: string;
  /** What `mqtt.connect` is given (TLS files already read). */
  clientOptions: IClientOptions;
  intervalMs: number;
  reconnectPeriod: number;
  stopTimeoutMs: number;
  queryBaseline: boolean;
  /** The heartbeat payload in `state`. */
  statusOf: (state: BaseState) => BaseStatus;
}

/**
 * Validates `options` (in a fixed order, so the first bad option is the one reported), resolves the base
 * identity (logging a warning when it had to be rewritten to be DNS-safe) and reads the TLS files.
 */
export function resolveMqttOptions(options: MqttTunnelOptions): ResolvedMqttOptions {
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
  const intervalMs = positiveMs('heartbeatIntervalMs', options.heartbeatIntervalMs, DEFAULT_MQTT_HEARTBEAT_INTERVAL_MS);
  const reconnectPeriod = positiveMs('reconnectPeriodMs', options.reconnectPeriodMs, 1_000);
  const connectTimeout = positiveMs('connectTimeoutMs', options.connectTimeoutMs, 30_000);
  const stopTimeoutMs = positiveMs('stopTimeoutMs', options.stopTimeoutMs, 3_000);
  const keepalive = options.keepaliveSeconds ?? 60;
  const env = (options.env ?? 'dev').trim().toLowerCase() || 'dev';
  if (!/^[a-z0-9._-]+$/.test(env)) {
    throw new ERR_TUNNEL_INVALID_OPTIONS('env', `"${env}" must be made of letters, digits, ".", "_" and "-"`);
  }
  const clientPrefix = (options.clientPrefix ?? 'koupleless').trim() || 'koupleless';
  const logger = options.logger ?? silentLogger;
  const arklet = options.arklet;

  const hbPort = options.heartbeatPort ?? 0;
  const { meta, statusOf } = announcedBase(options, arklet.baseIdentity, hbPort, logger, 'the MQTT tunnel uses');
  const identity = meta.identity;
  const prefix = `koupleless_${env}`;
  const clientId = `${clientPrefix}@@@${identity}`;

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
  // Credentials and file paths are used as given (untrimmed); blank ones only count as unset.
  if (nonBlank(options.username) !== undefined) clientOptions.username = options.username!;
  if (nonBlank(options.password) !== undefined) clientOptions.password = options.password!;
  if (tls) {
    clientOptions.ca = readPem('caPath', options.caPath!);
    if (nonBlank(options.clientCrtPath)) clientOptions.cert = readPem('clientCrtPath', options.clientCrtPath!);
    if (nonBlank(options.clientKeyPath)) clientOptions.key = readPem('clientKeyPath', options.clientKeyPath!);
  }
  const url = `${tls ? 'mqtts' : 'mqtt'}://${options.broker.trim()}:${brokerPort}`;

  return {
    arklet,
    logger,
    meta,
    prefix,
    base: `${prefix}/${identity}`,
    clientId,
    url,
    clientOptions,
    intervalMs,
    reconnectPeriod,
    stopTimeoutMs,
    queryBaseline: options.queryBaseline !== false,
    statusOf,
  };
}

function readPem(name: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new ERR_TUNNEL_INVALID_OPTIONS(name, `cannot read ${path}: ${errInfo(err).message}`);
  }
}
