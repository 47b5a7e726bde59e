import { join } from 'node:path';

/**
 * Configuration of a test base on loopback only: free ports for the base and the Arklet, the store under
 * `dir`, no log output. `extra` is applied on top.
 */
export function loopbackConfig(dir: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    'server.port': 0,
    'server.address': '127.0.0.1',
    'koupleless.arklet.http.port': 0,
    'koupleless.arklet.http.host': '127.0.0.1',
    'nodeark.store.dir': join(dir, 'store'),
    'logging.level.root': 'silent',
    ...extra,
  };
}
