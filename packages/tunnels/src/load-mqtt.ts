/**
 * The `mqtt` client is an optional peer dependency: most bases never configure the MQTT tunnel, and it
 * brings a large dependency tree. It is loaded the first time a tunnel starts, synchronously (so
 * `startMqttTunnel` keeps throwing option errors at once), from wherever the application installed it.
 */
import { createRequire } from 'node:module';
import type * as Mqtt from 'mqtt';
import { ERR_TUNNEL_PACKAGE_MISSING } from './errors.js';

let loaded: typeof Mqtt | undefined;

/** The `mqtt` module; throws `NODEARK_ERR_TUNNEL_PACKAGE_MISSING` naming the install command when absent. */
export function loadMqtt(): typeof Mqtt {
  if (loaded) return loaded;
  try {
    loaded = createRequire(import.meta.url)('mqtt') as typeof Mqtt;
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'MODULE_NOT_FOUND' && /['"]mqtt['"]/.test(e.message)) {
      throw new ERR_TUNNEL_PACKAGE_MISSING('mqtt', 'the MQTT tunnel (koupleless.arklet.mqtt.*)', 'npm install mqtt@^5.16.0', { cause: err });
    }
    throw err;
  }
  return loaded;
}
