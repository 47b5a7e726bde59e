/**
 * The header lists that cross the proxy between the client connection and a module's server: hop-by-hop
 * headers are dropped (RFC 9110) and `x-forwarded-*` are set, as a reverse proxy does. With
 * `trustProxy` the client's own `x-forwarded-*` (from a proxy in front of the base) are extended instead
 * of replaced. See docs/module-contract.md § What a module sees of a request.
 */
import type { IncomingMessage } from 'node:http';
import { mountCookiePath, mountLocation } from './mount-rewrite.js';

const HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'proxy-authenticate',
  'proxy-authorization',
  'http2-settings',
]);

const FORWARDED = new Set(['x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'x-forwarded-prefix']);

function connectionTokens(raw: string[]): Set<string> | undefined {
  let named: Set<string> | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (name.length === 10 && name.toLowerCase() === 'connection') {
      named ??= new Set();
      for (const t of raw[i + 1]!.split(',')) named.add(t.trim().toLowerCase());
    }
  }
  return named;
}

/** Options of {@link requestHeaders}. */
export interface ForwardOptions {
  /** The mount point, e.g. `/biz1`. */
  prefix: string;
  /** Extend the client's `x-forwarded-*` rather than replace them. */
  trustProxy: boolean;
  /** `Upgrade` value for an upgrade request (kept, with `Connection: Upgrade`). */
  upgrade?: string;
}

/** The raw header list the module's server receives for `req`. */
export function requestHeaders(req: IncomingMessage, options: ForwardOptions): string[] {
  const raw = req.rawHeaders;
  const named = connectionTokens(raw);
  const out: string[] = [];
  let chunked = false;
  let keepAlive = req.httpVersionMajor === 1 && req.httpVersionMinor === 1;
  let xff: string | undefined;
  let xfProto: string | undefined;
  let xfHost: string | undefined;
  let xfPrefix: string | undefined;
  let host: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    const value = raw[i + 1]!;
    const lower = name.toLowerCase();
    if (HOP.has(lower) || named?.has(lower)) {
      if (lower === 'transfer-encoding') chunked = true;
      else if (lower === 'connection') {
        const v = value.toLowerCase();
        if (v.includes('close')) keepAlive = false;
        else if (v.includes('keep-alive')) keepAlive = true;
      }
      continue;
    }
    if (FORWARDED.has(lower)) {
      if (!options.trustProxy) continue;
      if (lower === 'x-forwarded-for') xff = xff === undefined ? value : `${xff}, ${value}`;
      else if (lower === 'x-forwarded-proto') xfProto ??= value;
      else if (lower === 'x-forwarded-host') xfHost ??= value;
      else xfPrefix ??= value;
      continue;
    }
    if (lower === 'host') host = value;
    out.push(name, value);
  }
  const socket = req.socket as IncomingMessage['socket'] & { encrypted?: boolean };
  // An HTTP/1.0 client may send no Host; the request goes on as HTTP/1.1, which needs one (node:http
  // answers 400 without it), so it names the base's own address.
  if (host === undefined) out.push('host', `${socket.localAddress ?? '127.0.0.1'}:${socket.localPort ?? 0}`);
  const remote = socket.remoteAddress ?? '';
  out.push('x-forwarded-for', xff === undefined ? remote : `${xff}, ${remote}`);
  out.push('x-forwarded-proto', xfProto ?? (socket.encrypted ? 'https' : 'http'));
  if (host !== undefined || xfHost !== undefined) out.push('x-forwarded-host', xfHost ?? host!);
  out.push('x-forwarded-prefix', xfPrefix === undefined ? options.prefix : `${xfPrefix.replace(/\/+$/, '')}${options.prefix}`);
  if (options.upgrade !== undefined) {
    out.push('connection', 'Upgrade', 'upgrade', options.upgrade);
  } else {
    out.push('connection', keepAlive ? 'keep-alive' : 'close');
    if (chunked) out.push('transfer-encoding', 'chunked');
  }
  return out;
}

/** Options of {@link responseHeaders}. */
export interface MountOptions {
  prefix: string;
  /** The request's `Host`, to recognise absolute URLs of the base's own origin. */
  host: string | undefined;
  /** Rewrite `Location`, `Content-Location` and cookie paths (the module did not opt out). */
  rewrite: boolean;
  /** Keep `Connection`/`Upgrade` (a 101 answer). */
  keepUpgrade?: boolean;
}

/** The raw header list the client receives for a module's response. */
export function responseHeaders(raw: string[], options: MountOptions): string[] {
  const named = options.keepUpgrade ? undefined : connectionTokens(raw);
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    let value = raw[i + 1]!;
    const lower = name.toLowerCase();
    if (options.keepUpgrade && (lower === 'connection' || lower === 'upgrade')) {
      out.push(name, value);
      continue;
    }
    if (HOP.has(lower) || named?.has(lower)) continue;
    if (options.rewrite) {
      if (lower === 'location' || lower === 'content-location') value = mountLocation(value, options.prefix, options.host);
      else if (lower === 'set-cookie') value = mountCookiePath(value, options.prefix);
    }
    out.push(name, value);
  }
  return out;
}
