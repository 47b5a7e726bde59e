/**
 * The tunnels' error registry (`NODEARK_ERR_TUNNEL_*`). Only startup (option) errors are thrown: once a
 * tunnel runs, an unreachable controller or broker is logged and retried, never thrown.
 */
import { createError } from '@nodeark/runtime';

/**
 * Invalid `startHeartbeat` / `startMqttTunnel` option: a heartbeat endpoint without an `http:`/`https:`
 * scheme, a non-positive interval, an MQTT broker that is blank, a TLS file that cannot be read, …
 */
export const ERR_TUNNEL_INVALID_OPTIONS = createError('NODEARK_ERR_TUNNEL_INVALID_OPTIONS', 'Invalid tunnel option %s: %s', 500);

/** A tunnel is configured but its optional peer package (`mqtt`) is not installed. */
export const ERR_TUNNEL_PACKAGE_MISSING = createError(
  'NODEARK_ERR_TUNNEL_PACKAGE_MISSING',
  'The "%s" package is needed by %s but is not installed: %s',
  500,
);
