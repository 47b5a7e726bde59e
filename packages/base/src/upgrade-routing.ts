/**
 * HTTP `Upgrade` requests (WebSocket) on the base's server: node:http emits them as `'upgrade'`, never
 * as requests, so fastify does not see them. Those under a module's context path go to the module; the
 * rest are answered 404 unless the host app has its own `'upgrade'` listener (for example
 * `@fastify/websocket`), which then handles them as before.
 */
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { ERR_ROUTE_NOT_FOUND, type BizRuntime } from '@nodeark/runtime';
import { sendRawEdgeError } from '@nodeark/runtime/internal/edge-errors';

/** Adds nodeark's `'upgrade'` listener to `server`. */
export function routeUpgrades(server: Server, runtime: BizRuntime): void {
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    if (runtime.handleUpgrade(req, socket, head)) return;
    // Not a module path: another listener (the host app's) answers it; without one, nobody would.
    if (server.listenerCount('upgrade') > 1) return;
    runtime.countEdgeError(ERR_ROUTE_NOT_FOUND.code);
    sendRawEdgeError(socket, 404, ERR_ROUTE_NOT_FOUND.code, `No module is served at "${(req.url ?? '').split('?')[0]}"`);
  });
}
