/**
 * Answers written straight onto a client socket, for `Upgrade` requests: after node:http emits
 * `'upgrade'` there is no `ServerResponse`, only the connection.
 */
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';

/** Serialises a status line and raw header list. */
export function rawHead(status: number, message: string | undefined, raw: readonly string[]): string {
  let head = `HTTP/1.1 ${status} ${message || STATUS_CODES[status] || ''}\r\n`;
  for (let i = 0; i < raw.length; i += 2) head += `${raw[i]}: ${raw[i + 1]}\r\n`;
  return `${head}\r\n`;
}

/** Writes an edge error (same JSON body as `sendEdgeError`) and closes the connection. */
export function sendRawEdgeError(
  socket: Duplex,
  statusCode: number,
  code: string,
  message: string,
  extraHeaders: readonly string[] = [],
): void {
  if (socket.destroyed || !socket.writable) {
    socket.destroy();
    return;
  }
  const body = JSON.stringify({ statusCode, code, error: STATUS_CODES[statusCode] ?? 'Error', message });
  const head = rawHead(statusCode, undefined, [
    'content-type',
    'application/json; charset=utf-8',
    'content-length',
    String(Buffer.byteLength(body)),
    'connection',
    'close',
    ...extraHeaders,
  ]);
  socket.end(head + body);
}
