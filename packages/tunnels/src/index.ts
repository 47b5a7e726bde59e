/**
 * `@nodeark/tunnels`: the ModuleController v2 tunnels of a nodeark base (docs/reference/module-controller.md):
 * the HTTP heartbeat (`startHeartbeat`) and the MQTT tunnel (`startMqttTunnel`), the `BaseStatus` builders, and
 * the configuration keys. See `docs/kubernetes.md`.
 * @packageDocumentation
 */
export {
  startHeartbeat,
  DEFAULT_HEARTBEAT_INTERVAL_MS,
  type HeartbeatOptions,
  type HeartbeatTunnel,
  type HeartbeatStats,
  type ArkletLike,
  type BizModel,
} from './heartbeat.js';
export { startMqttTunnel, type MqttTunnel, type MqttTunnelStats } from './mqtt-tunnel.js';
export { DEFAULT_MQTT_HEARTBEAT_INTERVAL_MS, type MqttTunnelOptions } from './mqtt-options.js';
// The MQTT wire builders (toOutput, simpleBizInfo, the Java enum names) and the identity probes are internal:
// their results are what the tunnels publish (docs/reference/module-controller.md).
export type { SimpleBizInfo } from './mqtt-wire.js';
export {
  baseStatus,
  baseMetadata,
  resolveBaseInfo,
  dnsSafeIdentity,
  DEFAULT_BASE_NAME,
  DEFAULT_BASE_VERSION,
  DEFAULT_CLUSTER_NAME,
  MAX_IDENTITY_LENGTH,
  type BaseMetadata,
  type BaseStatus,
  type BaseState,
  type BaseInfoOptions,
  type BaseStatusInput,
  type ResolvedBaseInfo,
} from './base-status.js';
export {
  TUNNEL_CONFIG_KEYS,
  heartbeatOptionsFromConfig,
  mqttOptionsFromConfig,
  type TunnelConfigKey,
  type TunnelConfigKeyDef,
  type ConfigGetter,
  type TunnelWiring,
} from './config.js';
export { ERR_TUNNEL_INVALID_OPTIONS } from './errors.js';
export type { TunnelLogger } from './logger.js';
