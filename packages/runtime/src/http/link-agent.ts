/**
 * The connection pool between the base and one module worker: Node's own HTTP agent, whose connections
 * are opened over the socket link instead of TCP, pooled per client connection.
 */
import { Agent, type IncomingMessage, type RequestOptions } from 'node:http';
import type { Duplex } from 'node:stream';
import type { SocketPeer } from '../channel/messages.js';
import type { SocketLink } from '../channel/socket-link.js';

/** The client connection's addresses, as the module's `req.socket` reports them. */
export function peerOf(socket: IncomingMessage['socket']): SocketPeer {
  return {
    remoteAddress: socket.remoteAddress ?? '',
    remotePort: socket.remotePort ?? 0,
    remoteFamily: socket.remoteFamily ?? 'IPv4',
    localAddress: socket.localAddress ?? '',
    localPort: socket.localPort ?? 0,
    encrypted: (socket as { encrypted?: boolean }).encrypted === true,
  };
}

/**
 * Connections into the worker are kept alive and reused, one pool per client connection: a keep-alive
 * client's requests reuse one module connection, so the module sees the same connection semantics
 * (`req.socket` per client connection, its address and port) as on its own server, and a request costs
 * no connection setup on either side. Only the base closes idle module connections (when their client
 * connection closes, or after {@link FREE_SOCKET_TIMEOUT_MS}); the worker's server never times them out,
 * so a request can never meet a connection the module just closed.
 */
const FREE_SOCKET_TIMEOUT_MS = 30_000;

/** Request options carrying the pool key and the client connection to {@link LinkAgent}. */
export interface ProxyRequestOptions extends RequestOptions {
  /** The pool key and the client connection (its address is read only when a module connection is opened). */
  nodeark: { key: string; client: IncomingMessage['socket'] };
}

let clientSeq = 0;

/** Node's HTTP agent over the socket link: one pool of module connections per client connection. */
export class LinkAgent extends Agent {
  /** Pool keys of the client connections this module has served (each releases its pool on close). */
  private readonly clientKeys = new WeakMap<object, string>();

  constructor(private readonly link: SocketLink) {
    super({ keepAlive: true, maxSockets: Infinity, maxFreeSockets: 1024, timeout: FREE_SOCKET_TIMEOUT_MS, scheduling: 'lifo' });
  }

  /** The pool a request's connection comes from: its client connection's key. */
  override getName(options?: ProxyRequestOptions): string {
    return options?.nodeark.key ?? '';
  }

  /** A new module connection over the link, carrying the client connection's addresses. */
  // Node's Agent calls createConnection(options, callback); returning the socket is enough.
  override createConnection(options: ProxyRequestOptions): Duplex {
    return this.link.open(peerOf(options.nodeark.client));
  }

  /** The pool key of a client connection (its pool is released when it closes). */
  keyOf(socket: IncomingMessage['socket']): string {
    let key = this.clientKeys.get(socket);
    if (key === undefined) {
      key = `c${++clientSeq}`;
      this.clientKeys.set(socket, key);
      const k = key;
      socket.once('close', () => this.release(k));
    }
    return key;
  }

  /** Closes the idle module connections of a client connection that has closed. */
  private release(key: string): void {
    const free = (this.freeSockets as NodeJS.ReadOnlyDict<Duplex[]>)[key];
    if (free) for (const socket of [...free]) socket.destroy();
  }
}
