/**
 * Port selection (docs/reference/arklet-protocol.md § Transport, `koupleless.arklet.http.port`): an
 * explicitly configured port is used as is (busy → the Arklet does not start); otherwise the first free port
 * of `[port, port + 100)`, i.e. 1238..1337 by default, probed by binding it on the same host.
 */
import { createServer } from 'node:net';
import { ERR_ARKLET_INVALID_PORT, ERR_ARKLET_PORT_UNAVAILABLE } from './errors.js';

/** Java `DEFAULT_HTTP_PORT`. */
export const DEFAULT_ARKLET_PORT = 1238;
/** Java `DEFAULT_SELECT_PORT_SIZE`. */
export const PORT_SELECT_SIZE = 100;

/** Throws unless `port` is an integer in 0..65535. */
export function assertPort(port: unknown): asserts port is number {
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ERR_ARKLET_INVALID_PORT(JSON.stringify(port) ?? String(port), 'use an integer from 0 to 65535');
  }
}

/** True when `port` can be bound on `host` right now. */
export function isPortFree(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', () => resolve(false));
    srv.listen({ port, host, exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

/** The port to listen on: `port` when explicit (or 0), else the first free one of the range. */
export async function selectPort(port: number, explicit: boolean, host: string): Promise<number> {
  assertPort(port);
  if (explicit || port === 0) return port;
  const end = Math.min(65536, port + PORT_SELECT_SIZE);
  for (let p = port; p < end; p++) if (await isPortFree(p, host)) return p;
  throw new ERR_ARKLET_PORT_UNAVAILABLE(`no free port in ${port}..${end - 1} on ${host}`);
}
