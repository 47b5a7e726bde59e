/**
 * Messages of the socket link: byte streams between the base and a module worker, one per client
 * request or upgraded connection, identified by a connection id (`cid`) the base allocates. Bytes
 * travel as transferred ArrayBuffers, or, up to {@link SMALL_CHUNK}, as one-byte (latin1) strings, which
 * `postMessage` carries for about a third of the CPU (measured: 2.6 µs against 7.4 µs for 200 bytes),
 * with a credit window: the receiver `ack`s bytes its reader has
 * taken, and a writer with more than {@link SOCKET_WINDOW} bytes unacknowledged waits, so a slow reader
 * on either side bounds memory on the other (the MessagePortWritable design of undici-thread-interceptor).
 */

/** Chunks up to this size cross as latin1 strings (request heads, small bodies), larger ones as buffers. */
export const SMALL_CHUNK = 16 * 1024;

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
  | { t: 'data'; cid: number; data: ArrayBuffer | string }
  | { t: 'end'; cid: number }
  | { t: 'destroy'; cid: number }
  | { t: 'ack'; cid: number; bytes: number };

/** True for the message kinds the socket link handles. */
export function isSocketMessage(msg: { t: string }): msg is SocketMessage {
  const t = msg.t;
  return t === 'data' || t === 'ack' || t === 'end' || t === 'open' || t === 'destroy';
}
