/**
 * The relay's reading of a response head coming back from a module's server (or the base's own): its
 * status, where its body ends, and, when mount rewriting is on, `Location`, `Content-Location` and
 * `Set-Cookie` paths aimed into the mount point (mount-rewrite.ts). The head is forwarded byte for byte
 * unless one of those values changes.
 */
import { mountCookiePath, mountLocation } from '../http/mount-rewrite.js';

/** How a response body is delimited. */
export type BodyFraming = 'none' | 'length' | 'chunked' | 'close';

/** A parsed response head. */
export interface ResponseHead {
  status: number;
  framing: BodyFraming;
  /** Body length when `framing` is `length`. */
  contentLength: number;
  /** The rewritten head with its final empty line, or undefined when the original goes out as is. */
  text: string | undefined;
  /** The server closes the connection after this response (`Connection: close`, or HTTP/1.0 without keep-alive). */
  close: boolean;
}

const STATUS_LINE = /^HTTP\/1\.([01]) (\d{3})(?: |$)/;
const DIGITS = /^\d{1,15}$/;
const CLOSE_TOKEN = /(?:^|,)\s*close\s*(?:,|$)/;
const KEEP_ALIVE_TOKEN = /(?:^|,)\s*keep-alive\s*(?:,|$)/;

/** Mount rewriting of one response, or undefined when off. */
export interface ResponseRewrite {
  prefix: string;
  /** The request's `Host`, to recognise absolute URLs of the base's own origin. */
  host: string | undefined;
}

/**
 * Parses a response head (`text` without its final empty line) to a request of `method`. Returns
 * undefined when it is not a readable HTTP/1.x head (the connection is then relayed until it closes).
 */
export function parseResponseHead(
  text: string,
  method: string,
  rewrite: ResponseRewrite | undefined,
): ResponseHead | undefined {
  const firstEnd = text.indexOf('\r\n');
  const m = STATUS_LINE.exec(firstEnd === -1 ? text : text.slice(0, firstEnd));
  if (!m) return undefined;
  const status = Number(m[2]);
  let close = m[1] === '0';
  let length: number | undefined;
  let chunked = false;
  let rewritten: string | undefined;
  if (firstEnd !== -1) {
    // Line by line in place: only the names that matter here are looked at (most of a head is not).
    let out: string[] | undefined;
    let copied = 0;
    for (let i = firstEnd + 2; i < text.length; ) {
      let e = text.indexOf('\r\n', i);
      if (e === -1) e = text.length;
      const c = text.charCodeAt(i) | 0x20;
      const named = c === 99 /* c */ || c === 116; /* t */
      if (named || (rewrite !== undefined && (c === 108 /* l */ || c === 115) /* s */)) {
        const colon = text.indexOf(':', i);
        if (colon > i && colon < e) {
          const lower = text.slice(i, colon).toLowerCase();
          if (lower === 'content-length') {
            const v = text.slice(colon + 1, e).trim();
            if (DIGITS.test(v)) length = Number(v);
          } else if (lower === 'connection') {
            const v = text.slice(colon + 1, e).toLowerCase();
            if (CLOSE_TOKEN.test(v)) close = true;
            else if (KEEP_ALIVE_TOKEN.test(v)) close = false;
          } else if (lower === 'transfer-encoding') {
            const codings = text.slice(colon + 1, e).toLowerCase().split(',');
            chunked = codings[codings.length - 1]!.trim() === 'chunked';
          } else if (
            rewrite !== undefined &&
            (lower === 'location' || lower === 'content-location' || lower === 'set-cookie')
          ) {
            const value = text.slice(colon + 1, e).trim();
            const mounted =
              lower === 'set-cookie' ? mountCookiePath(value, rewrite.prefix) : mountLocation(value, rewrite.prefix, rewrite.host);
            if (mounted !== value) {
              out ??= [];
              out.push(text.slice(copied, colon), ': ', mounted);
              copied = e;
            }
          }
        }
      }
      i = e + 2;
    }
    if (out !== undefined) rewritten = `${out.join('')}${text.slice(copied)}\r\n\r\n`;
  }
  let framing: BodyFraming;
  if (method === 'HEAD' || (status >= 100 && status < 200) || status === 204 || status === 304) framing = 'none';
  else if (chunked) framing = 'chunked';
  else if (length !== undefined) framing = 'length';
  else framing = 'close';
  return { status, framing, contentLength: length ?? 0, text: rewritten, close };
}
