/**
 * Puts the connection relay in front of a `node:http` server: every connection the server accepts is
 * read by a {@link ConnectionRelay}, which sends module requests straight to the modules' workers and
 * hands the server the rest over loop pairs (its original `'connection'` listeners get them). The
 * server's `maxHeaderSize`, `headersTimeout` and `keepAliveTimeout` apply to the relayed connections as
 * they would to its own.
 */
import { maxHeaderSize as defaultMaxHeaderSize, type Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { ConnectionRelay, type RelayRoute } from './connection-relay.js';

/** What the relay asks of the runtime: the module serving a request target, if it can be relayed. */
export interface RelayRouter {
  relayRoute(target: string, method: string, upgrade: boolean): RelayRoute | undefined;
}

/** A server's relay. */
export interface AttachedRelay {
  /** Connections currently relayed. */
  readonly connections: number;
  /** Closes idle connections now and the others once their responses in flight have ended. */
  shutdown(): void;
}

type ConnectionListener = (this: Server, socket: Duplex) => void;

/** Takes over `server`'s connections. Call before it listens. */
export function attachRelay(server: Server, router: RelayRouter): AttachedRelay {
  const original = server.listeners('connection') as ConnectionListener[];
  server.removeAllListeners('connection');
  const relays = new Set<ConnectionRelay>();
  let closing = false;
  const maxHeaderSize = (server as Server & { maxHeaderSize?: number }).maxHeaderSize ?? defaultMaxHeaderSize;
  const ctx = {
    route: (target: string, method: string, upgrade: boolean) => router.relayRoute(target, method, upgrade),
    serveLocally(socket: Duplex): void {
      for (const listener of original) listener.call(server, socket);
    },
    maxHeaderSize,
    headersTimeoutMs: () => server.headersTimeout,
    keepAliveTimeoutMs: () => server.keepAliveTimeout,
    onClose(relay: ConnectionRelay): void {
      relays.delete(relay);
    },
  };
  server.on('connection', (socket: Socket) => {
    const relay = new ConnectionRelay(socket, ctx);
    relays.add(relay);
    if (closing) relay.shutdown();
  });
  return {
    get connections() {
      return relays.size;
    },
    shutdown() {
      closing = true;
      for (const relay of relays) relay.shutdown();
    },
  };
}
