/**
 * JSON errors at the HTTP edge (docs/module-contract.md): unknown context → 404, module starting → 503
 * with `Retry-After`, worker died mid-request → 502, per-request timeout → 504. The body has fastify's
 * error shape plus our stable `code`.
 */
import { STATUS_CODES, type ServerResponse } from 'node:http';

/** Writes `{statusCode, code, error, message}` unless the response has already started. */
export function sendEdgeError(
  res: ServerResponse,
  statusCode: number,
  code: string,
  message: string,
  extraHeaders?: Record<string, string>,
): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify({ statusCode, code, error: STATUS_CODES[statusCode] ?? 'Error', message });
  res.writeHead(statusCode, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    ...extraHeaders,
  });
  res.end(body);
}
