/**
 * Two {@link VirtualSocket}s joined inside one thread: what one end writes, the other reads, with the
 * same credit window and `net.Socket` surface as across the worker link. The connection relay hands one
 * end to the base's own `node:http` server (`'connection'`), so requests for the base (actuator,
 * console, the host's routes) are served by it as if the client connection were its own, with the
 * client's address on `req.socket`.
 */
import type { SocketMessage, SocketPeer } from './messages.js';
import { VirtualSocket, type SocketLinkPort } from './virtual-socket.js';

/** One side's port: delivers to the other side's socket a microtask later, in order. */
class LoopPort implements SocketLinkPort {
  peer: VirtualSocket | undefined;

  post(msg: SocketMessage): void {
    queueMicrotask(() => this.peer?.receive(msg));
  }

  forget(): void {
    // The other side learns of a destroy through its message; nothing is registered here.
  }
}

/** Creates a joined pair; both ends report `peer` as their client. */
export function loopPair(peer: SocketPeer): [VirtualSocket, VirtualSocket] {
  const portA = new LoopPort();
  const portB = new LoopPort();
  const a = new VirtualSocket(portA, 0, peer);
  const b = new VirtualSocket(portB, 0, peer);
  portA.peer = b;
  portB.peer = a;
  return [a, b];
}
