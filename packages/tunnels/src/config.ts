/**
 * The configuration keys of the tunnels (Java Arklet names where one exists;
 * docs/reference/module-controller.md § HTTP tunnel: heartbeat and § MQTT tunnel) and their mapping to
 * {@link HeartbeatOptions} / {@link MqttTunnelOptions}. The base's config schema declares these keys;
 * {@link heartbeatOptionsFromConfig} and {@link mqttOptionsFromConfig} turn resolved values into options, so
 * the wiring in the base is two calls.
 */
import type { HeartbeatOptions, ArkletLike } from './heartbeat.js';
import type { TunnelLogger } from './logger.js';
import type { MqttTunnelOptions } from './mqtt-options.js';

/** One key: the same shape as the base's `ConfigKeyDef`. */
export interface TunnelConfigKeyDef {
  kind: 'string' | 'int' | 'port' | 'bool' | 'duration';
  default: string | number | boolean | undefined;
  description: string;
  /** Inclusive minimum for numbers. */
  min?: number;
}

/**
 * Every key the tunnels read. `koupleless.arklet.http.heartbeat.endpoint` and `koupleless.arklet.base.identity`
 * already exist in the base schema; the base name and version come from `spring.application.name` and
 * `nodeark.base.version`.
 */
export const TUNNEL_CONFIG_KEYS = {
  'koupleless.arklet.http.heartbeat.endpoint': {
    kind: 'string',
    default: undefined,
    description:
      'ModuleController v2 HTTP tunnel URL, scheme included (`http://module-controller:7777`). When set, BaseStatus heartbeats are POSTed to `<endpoint>/heartbeat` (docs/kubernetes.md).',
  },
  'koupleless.arklet.http.heartbeat.interval': {
    kind: 'duration',
    default: 12_000,
    min: 1,
    description: 'Period of the HTTP heartbeat (Java: 12 s). Keep it well under the controller\'s 25 s unreachable window.',
  },
  'koupleless.arklet.http.heartbeat.timeout': {
    kind: 'duration',
    default: 10_000,
    min: 1,
    description: 'Bound on one heartbeat request (Java read timeout: 10 s). Failures are retried with backoff.',
  },
  'koupleless.arklet.http.heartbeat.query-baseline': {
    kind: 'bool',
    default: false,
    description: 'At startup, POST `<endpoint>/queryBaseline` and install the returned modules through batchInstallBiz.',
  },
  'koupleless.arklet.base.cluster-name': {
    kind: 'string',
    default: 'default',
    description: 'baseMetadata.clusterName (node label `base.koupleless.io/cluster-name`).',
  },
  'koupleless.arklet.base.local-ip': {
    kind: 'string',
    default: undefined,
    description:
      'localIP announced to ModuleController (it calls the Arklet back there). Default: the first non-internal IPv4 address. In Kubernetes: `status.podIP`.',
  },
  'koupleless.arklet.base.local-hostname': {
    kind: 'string',
    default: undefined,
    description: 'localHostName announced to ModuleController. Default: `os.hostname()`. In Kubernetes: the pod name.',
  },
  'koupleless.arklet.mqtt.enable': { kind: 'bool', default: false, description: 'Start the MQTT tunnel to ModuleController v2.' },
  'koupleless.arklet.mqtt.broker': { kind: 'string', default: undefined, description: 'MQTT broker host (required when the MQTT tunnel is enabled).' },
  'koupleless.arklet.mqtt.port': { kind: 'port', default: 1883, description: 'MQTT broker port.' },
  'koupleless.arklet.mqtt.username': { kind: 'string', default: undefined, description: 'MQTT user name (empty: anonymous).' },
  'koupleless.arklet.mqtt.password': { kind: 'string', default: undefined, description: 'MQTT password.' },
  'koupleless.arklet.mqtt.client.prefix': {
    kind: 'string',
    default: 'koupleless',
    description: 'MQTT client id prefix: the client id is `<prefix>@@@<identity>`.',
  },
  'koupleless.arklet.mqtt.ca_path': { kind: 'string', default: undefined, description: 'CA file (PEM); when set the connection uses TLS (`mqtts://`).' },
  'koupleless.arklet.mqtt.client_crt_path': { kind: 'string', default: undefined, description: 'Client certificate (PEM) for mutual TLS.' },
  'koupleless.arklet.mqtt.client_key_path': { kind: 'string', default: undefined, description: 'Client private key (PEM) for mutual TLS.' },
  'koupleless.arklet.mqtt.env': {
    kind: 'string',
    default: 'dev',
    description: 'Topic env: topics are `koupleless_<env>/<identity>/…`. Must equal the controller\'s `ENV` (default `dev`).',
  },
  'koupleless.arklet.mqtt.heartbeat.interval': { kind: 'duration', default: 10_000, min: 1, description: 'Period of the MQTT heartbeat (Java: 10 s).' },
  'koupleless.arklet.mqtt.query-baseline': {
    kind: 'bool',
    default: true,
    description: 'On the first connect, publish `base/queryBaseline` and install the `base/baseline` answer (Java does).',
  },
} as const satisfies Record<string, TunnelConfigKeyDef>;

/** A tunnel configuration key. */
export type TunnelConfigKey = keyof typeof TUNNEL_CONFIG_KEYS;

/** Reads one resolved configuration value (undefined when unset and without default). */
export type ConfigGetter = (key: string) => unknown;

/** What both mappings need beside the configuration. */
export interface TunnelWiring {
  arklet: ArkletLike;
  logger?: TunnelLogger;
}

/**
 * `startHeartbeat` options from configuration, or undefined when `koupleless.arklet.http.heartbeat.endpoint`
 * is unset. Identity: the Arklet's `baseIdentity` (`koupleless.arklet.base.identity`); name/version:
 * `spring.application.name` / `nodeark.base.version`.
 */
export function heartbeatOptionsFromConfig(get: ConfigGetter, wiring: TunnelWiring): HeartbeatOptions | undefined {
  const endpoint = str(get('koupleless.arklet.http.heartbeat.endpoint'));
  if (endpoint === undefined) return undefined;
  const opts: HeartbeatOptions = { endpoint, arklet: wiring.arklet, ...baseInfo(get) };
  const interval = num(get('koupleless.arklet.http.heartbeat.interval'));
  if (interval !== undefined) opts.intervalMs = interval;
  const timeout = num(get('koupleless.arklet.http.heartbeat.timeout'));
  if (timeout !== undefined) opts.timeoutMs = timeout;
  if (get('koupleless.arklet.http.heartbeat.query-baseline') === true) opts.queryBaseline = true;
  if (wiring.logger) opts.logger = wiring.logger;
  return opts;
}

/** `startMqttTunnel` options from configuration, or undefined unless `koupleless.arklet.mqtt.enable` is true. */
export function mqttOptionsFromConfig(get: ConfigGetter, wiring: TunnelWiring): MqttTunnelOptions | undefined {
  if (get('koupleless.arklet.mqtt.enable') !== true) return undefined;
  const opts: MqttTunnelOptions = { arklet: wiring.arklet, broker: str(get('koupleless.arklet.mqtt.broker')) ?? '', ...baseInfo(get) };
  const port = num(get('koupleless.arklet.mqtt.port'));
  if (port !== undefined) opts.port = port;
  const set = <K extends keyof MqttTunnelOptions>(k: K, key: string): void => {
    const v = str(get(key));
    if (v !== undefined) (opts as unknown as Record<string, unknown>)[k] = v;
  };
  set('username', 'koupleless.arklet.mqtt.username');
  set('password', 'koupleless.arklet.mqtt.password');
  set('clientPrefix', 'koupleless.arklet.mqtt.client.prefix');
  set('caPath', 'koupleless.arklet.mqtt.ca_path');
  set('clientCrtPath', 'koupleless.arklet.mqtt.client_crt_path');
  set('clientKeyPath', 'koupleless.arklet.mqtt.client_key_path');
  set('env', 'koupleless.arklet.mqtt.env');
  const interval = num(get('koupleless.arklet.mqtt.heartbeat.interval'));
  if (interval !== undefined) opts.heartbeatIntervalMs = interval;
  if (get('koupleless.arklet.mqtt.query-baseline') === false) opts.queryBaseline = false;
  if (wiring.logger) opts.logger = wiring.logger;
  return opts;
}

function baseInfo(get: ConfigGetter): {
  name?: string;
  version?: string;
  clusterName?: string;
  localIP?: string;
  localHostName?: string;
} {
  const out: { name?: string; version?: string; clusterName?: string; localIP?: string; localHostName?: string } = {};
  const name = str(get('spring.application.name'));
  if (name !== undefined) out.name = name;
  const version = str(get('nodeark.base.version'));
  if (version !== undefined) out.version = version;
  const cluster = str(get('koupleless.arklet.base.cluster-name'));
  if (cluster !== undefined) out.clusterName = cluster;
  const ip = str(get('koupleless.arklet.base.local-ip'));
  if (ip !== undefined) out.localIP = ip;
  const host = str(get('koupleless.arklet.base.local-hostname'));
  if (host !== undefined) out.localHostName = host;
  return out;
}

function str(v: unknown): string | undefined {
  if (typeof v === 'number') return String(v);
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}
