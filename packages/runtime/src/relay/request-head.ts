/**
 * The relay's reading of a client's request head: just enough to route it (the request target), to
 * find where its body ends (`Content-Length` or chunked) and to rewrite it for the module (target without
 * the mount prefix, `x-forwarded-*`). Node's own parser in the module's worker reads the same bytes
 * again, so the relay refuses every framing it cannot read exactly as llhttp does (both `Content-Length`
 * and `Transfer-Encoding`, differing lengths, bare LF, folded lines, control bytes) instead of guessing:
 * a message boundary the two sides disagreed on would let a client slip a request past the relay's
 * rewriting (docs/module-contract.md § How requests reach a module).
 */

import { METHODS as NODE_METHODS } from 'node:http';

/** A parsed request head. */
export interface RequestHead {
  method: string;
  /** The request target as sent (`/app/x?y`). */
  target: string;
  /** `0` for HTTP/1.0, `1` for HTTP/1.1. */
  minor: number;
  /** Header lines as sent, `name: value`, without the line ends. */
  lines: string[];
  /** Index in `lines` of each header's colon (name = `line.slice(0, colon)`). */
  colons: number[];
  /** Declared body length (0 when none); ignored when `chunked`. */
  contentLength: number;
  chunked: boolean;
  /** `Connection: upgrade` with an `Upgrade` header, or `CONNECT`. */
  upgrade: boolean;
  /** The `Host` header, if any. */
  host: string | undefined;
}

/** Why a head was refused: the status to answer and a short reason. */
export interface HeadError {
  status: 400 | 431;
  reason: string;
}

/** The methods node:http's parser accepts; any other is refused by it, so by the relay too. */
const METHODS = new Set(NODE_METHODS);
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const REQUEST_LINE = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+) ([^\s\x00-\x1f\x7f]+) HTTP\/1\.([01])$/;
/** Control bytes other than HTAB are not allowed in a field value (RFC 9110 § 5.5). */
const BAD_VALUE = /[\x00-\x08\x0a-\x1f\x7f]/;
const DIGITS = /^\d{1,15}$/;
const UPGRADE_TOKEN = /(?:^|,)[ \t]*upgrade[ \t]*(?:,|$)/i;

/** Strips optional whitespace (SP and HTAB only, RFC 9110 § 5.6.3): any other byte stays and is judged. */
function trimOws(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && (s.charCodeAt(a) === 32 || s.charCodeAt(a) === 9)) a++;
  while (b > a && (s.charCodeAt(b - 1) === 32 || s.charCodeAt(b - 1) === 9)) b--;
  return a === 0 && b === s.length ? s : s.slice(a, b);
}

/**
 * Parses the head `text` (latin1, without the final empty line). Returns the head or why it is refused.
 */
export function parseRequestHead(text: string): RequestHead | HeadError {
  if (text.includes('\n') && hasBareLf(text)) return { status: 400, reason: 'bare LF in the request head' };
  const lines = text.split('\r\n');
  const m = REQUEST_LINE.exec(lines[0]!);
  if (!m) return { status: 400, reason: 'malformed request line' };
  if (!METHODS.has(m[1]!)) return { status: 400, reason: 'unknown method' };
  const head: RequestHead = {
    method: m[1]!,
    target: m[2]!,
    minor: m[3] === '1' ? 1 : 0,
    lines: lines.slice(1),
    colons: [],
    contentLength: 0,
    chunked: false,
    upgrade: false,
    host: undefined,
  };
  let lengthSeen: string | undefined;
  let transferEncoding: string | undefined;
  let connectionUpgrade = false;
  let upgradeHeader = false;
  for (const line of head.lines) {
    const colon = line.indexOf(':');
    if (colon <= 0) return { status: 400, reason: 'malformed header line' };
    const name = line.slice(0, colon);
    if (!TOKEN.test(name)) return { status: 400, reason: 'invalid header name' };
    const value = trimOws(line.slice(colon + 1));
    if (BAD_VALUE.test(value)) return { status: 400, reason: 'invalid header value' };
    head.colons.push(colon);
    switch (name.length) {
      case 4:
        if (name.toLowerCase() === 'host') head.host ??= value;
        break;
      case 7:
        if (name.toLowerCase() === 'upgrade') upgradeHeader = true;
        break;
      case 10:
      case 16:
        // node:http's parser reads `Proxy-Connection` as `Connection`.
        if (UPGRADE_TOKEN.test(value) && (name.toLowerCase() === 'connection' || name.toLowerCase() === 'proxy-connection')) {
          connectionUpgrade = true;
        }
        break;
      case 14:
        if (name.toLowerCase() === 'content-length') {
          if (lengthSeen !== undefined || !DIGITS.test(value)) return { status: 400, reason: 'invalid Content-Length' };
          lengthSeen = value;
        }
        break;
      case 17:
        if (name.toLowerCase() === 'transfer-encoding') {
          transferEncoding = transferEncoding === undefined ? value : `${transferEncoding},${value}`;
        }
        break;
    }
  }
  if (transferEncoding !== undefined) {
    if (lengthSeen !== undefined) return { status: 400, reason: 'both Content-Length and Transfer-Encoding' };
    const codings = transferEncoding.toLowerCase().split(',').map(trimOws);
    if (codings[codings.length - 1] !== 'chunked' || codings.indexOf('chunked') !== codings.length - 1) {
      return { status: 400, reason: 'Transfer-Encoding without a final chunked' };
    }
    head.chunked = true;
  } else if (lengthSeen !== undefined) {
    head.contentLength = Number(lengthSeen);
  }
  head.upgrade = head.method === 'CONNECT' || (connectionUpgrade && upgradeHeader);
  return head;
}

/** True when `r` is a {@link HeadError}. */
export function isHeadError(r: RequestHead | HeadError): r is HeadError {
  return (r as HeadError).status !== undefined;
}

function hasBareLf(text: string): boolean {
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) {
    if (i === 0 || text.charCodeAt(i - 1) !== 13) return true;
  }
  return false;
}

/** What the module's server is told about the client (docs/module-contract.md § What a module sees). */
export interface ForwardedFor {
  /** The client's address. */
  remoteAddress: string;
  /** The client reached the base over TLS. */
  encrypted: boolean;
  /** The mount point, e.g. `/biz1`. */
  prefix: string;
  /** Extend the client's `x-forwarded-*` instead of replacing them. */
  trustProxy: boolean;
}

/**
 * The head the module's server receives: the target without the mount prefix (`rest`), the client's
 * header lines as sent except its `x-forwarded-*` (kept and extended only with `trustProxy`), and the
 * base's `x-forwarded-for`, `-proto`, `-host` and `-prefix`. Connection and framing headers are left as
 * the client sent them: the module's server speaks to the client's connection as it would on its own.
 */
export function moduleHead(head: RequestHead, rest: string, fwd: ForwardedFor): string {
  let out = `${head.method} ${rest} HTTP/1.${head.minor}\r\n`;
  let xff: string | undefined;
  let xfProto: string | undefined;
  let xfHost: string | undefined;
  let xfPrefix: string | undefined;
  const { lines, colons } = head;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const colon = colons[i]!;
    // x-forwarded-for (15), -host (16), -proto (17), -prefix (18): only those lengths need a closer look.
    if (colon >= 15 && colon <= 18 && (line.charCodeAt(0) | 0x20) === 120 /* x */) {
      const lower = line.slice(0, colon).toLowerCase();
      if (lower === 'x-forwarded-for' || lower === 'x-forwarded-proto' || lower === 'x-forwarded-host' || lower === 'x-forwarded-prefix') {
        if (!fwd.trustProxy) continue;
        const value = trimOws(line.slice(colon + 1));
        if (lower === 'x-forwarded-for') xff = xff === undefined ? value : `${xff}, ${value}`;
        else if (lower === 'x-forwarded-proto') xfProto ??= value;
        else if (lower === 'x-forwarded-host') xfHost ??= value;
        else xfPrefix ??= value;
        continue;
      }
    }
    out += `${line}\r\n`;
  }
  const remote = fwd.remoteAddress;
  out += `x-forwarded-for: ${xff === undefined ? remote : `${xff}, ${remote}`}\r\n`;
  out += `x-forwarded-proto: ${xfProto ?? (fwd.encrypted ? 'https' : 'http')}\r\n`;
  const host = xfHost ?? head.host;
  if (host !== undefined) out += `x-forwarded-host: ${host}\r\n`;
  out += `x-forwarded-prefix: ${xfPrefix === undefined ? fwd.prefix : `${xfPrefix.replace(/\/+$/, '')}${fwd.prefix}`}\r\n\r\n`;
  return out;
}
