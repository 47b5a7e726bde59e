/**
 * The set of {@link VirtualSocket}s between the base and one module worker, and the dispatch of
 * socket-link messages to them. The base opens connections; the worker accepts them.
 */
import type { SocketMessage, SocketPeer } from './messages.js';
import { VirtualSocket, type SocketLinkPort } from './virtual-socket.js';

/** One side of the socket link. */
export class SocketLink implements SocketLinkPort {
  private readonly sockets = new Map<number, VirtualSocket>();
  private nextCid = 0;

  constructor(
    private readonly send: (msg: SocketMessage, transfer?: ArrayBuffer) => void,
    /** Worker side: a new connection from the base. */
    private readonly onAccept?: (socket: VirtualSocket) => void,
  ) {}

  /** Open connections. */
  get size(): number {
    return this.sockets.size;
  }

  /** Base side: opens a connection to the worker. */
  open(peer: SocketPeer): VirtualSocket {
    const cid = ++this.nextCid;
    const socket = new VirtualSocket(this, cid, peer);
    this.sockets.set(cid, socket);
    this.send({ t: 'open', cid, peer });
    return socket;
  }

  /** Dispatches one socket-link message. */
  handle(msg: SocketMessage): void {
    if (msg.t === 'open') {
      const socket = new VirtualSocket(this, msg.cid, msg.peer);
      this.sockets.set(msg.cid, socket);
      this.onAccept?.(socket);
      return;
    }
    const socket = this.sockets.get(msg.cid);
    if (!socket) {
      // The connection is gone on this side; tell the other side so it stops writing (not for acks).
      if (msg.t === 'data') this.send({ t: 'destroy', cid: msg.cid });
      return;
    }
    socket.receive(msg);
  }

  /** Destroys every connection (the other side is gone). */
  destroyAll(err?: Error): void {
    for (const socket of [...this.sockets.values()]) socket.onRemoteDestroy(err);
    this.sockets.clear();
  }

  /** @internal Called by a socket to send a message. */
  post(msg: SocketMessage, transfer?: ArrayBuffer): void {
    this.send(msg, transfer);
  }

  /** @internal Called by a socket when it is destroyed. */
  forget(cid: number): void {
    this.sockets.delete(cid);
  }
}
