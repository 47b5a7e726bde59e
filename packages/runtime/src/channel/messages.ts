/**
 * Messages of the socket link: byte streams between the base and a module worker, one per client
 * request or upgraded connection, identified by a connection id (`cid`) the base allocates. Bodies
 * travel as transferred ArrayBuffers with a credit window: the receiver `ack`s bytes its reader has
 * taken, and a writer with more than {@link SOCKET_WINDOW} bytes unacknowledged waits, so a slow reader
 * on either side bounds memory on the other (the MessagePortWritable design of undici-thread-interceptor).
 */

/** Unacknowledged bytes allowed in flight per connection and direction. */
export const SOCKET_WINDOW = 1024 * 1024;

/** What the worker's socket reports about the client connection (`req.socket.remoteAddress`, …). */
export interface SocketPeer {
  remoteAddress: string;
  remotePort: number;
  remoteFamily: string;
  localAddress: string;
  localPort: number;
  /** True when the client reached the base over TLS (`req.socket.encrypted`). */
  encrypted: boolean;
}

/** A socket-link message; `open` only travels base → worker. */
export type SocketMessage =
  | { t: 'open'; cid: number; peer: SocketPeer }
  | { t: 'data'; cid: number; data: ArrayBuffer }
  | { t: 'end'; cid: number }
  | { t: 'destroy'; cid: number }
  | { t: 'ack'; cid: number; bytes: number };

/** True for the message kinds the socket link handles. */
export function isSocketMessage(msg: { t: string }): msg is SocketMessage {
  const t = msg.t;
  return t === 'data' || t === 'ack' || t === 'end' || t === 'open' || t === 'destroy';
}
