/**
 * Who may read the console's data and run its actions (docs/console.md § Security). The static page,
 * script and style sheet hold no data and are served to anyone who reaches the path; everything under
 * `api/` goes through {@link consoleAccess}:
 *
 * - with `nodeark.arklet.auth.token` set, the same token as the Arklet, as `Authorization: Bearer <token>`
 *   (or `X-Arklet-Token`), compared in constant time, from any address;
 * - without it, loopback clients only, and only under a loopback `Host` name, so that a web page elsewhere
 *   cannot reach a local console by pointing its own host name at 127.0.0.1 (DNS rebinding);
 * - in both cases no request that a browser marks as coming from another origin: actions are state
 *   changes, and a page on another site must not be able to post them.
 */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { ERR_CONSOLE_FORBIDDEN, ERR_CONSOLE_UNAUTHORIZED } from '../errors.js';
import { isLoopbackAddress } from '../loopback.js';

/** Why a request is refused: the error to answer with. */
export type AccessDenial = InstanceType<typeof ERR_CONSOLE_FORBIDDEN> | InstanceType<typeof ERR_CONSOLE_UNAUTHORIZED>;


/** True for a `Host` header naming this machine: `localhost`, a 127.x address or `[::1]`, with any port. */
export function isLoopbackHost(host: string | undefined): boolean {
  if (!host) return false;
  const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.replace(/:\d+$/, '');
  return name === 'localhost' || name === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(name);
}

function givenToken(req: IncomingMessage): Buffer | undefined {
  const auth = req.headers.authorization;
  if (typeof auth === 'string' && /^bearer /i.test(auth)) return Buffer.from(auth.slice(7).trim());
  const x = req.headers['x-arklet-token'];
  return typeof x === 'string' ? Buffer.from(x.trim()) : undefined;
}

/**
 * The refusal for a request to the console's data or actions, or undefined when it may proceed.
 * `token` is the Arklet's (`nodeark.arklet.auth.token`), undefined when none is set.
 */
export function consoleAccess(req: IncomingMessage, token: string | undefined): AccessDenial | undefined {
  const origin = req.headers.origin;
  // `Origin: null` (a sandboxed frame, a form posted from a file) names no origin that could be this one.
  if (origin !== undefined) {
    let originHost: string | undefined;
    try {
      originHost = new URL(origin).host;
    } catch {
      originHost = undefined;
    }
    if (originHost !== req.headers.host) return new ERR_CONSOLE_FORBIDDEN(`the request comes from another origin (${origin})`);
  }
  if (req.headers['sec-fetch-site'] === 'cross-site') return new ERR_CONSOLE_FORBIDDEN('the request comes from another site');
  if (token) {
    const expected = Buffer.from(token);
    const given = givenToken(req);
    if (given !== undefined && given.length === expected.length && timingSafeEqual(given, expected)) return undefined;
    return new ERR_CONSOLE_UNAUTHORIZED();
  }
  if (!isLoopbackAddress(req.socket.remoteAddress)) {
    return new ERR_CONSOLE_FORBIDDEN(
      'without nodeark.arklet.auth.token the console answers clients on this machine only',
    );
  }
  if (!isLoopbackHost(req.headers.host)) {
    return new ERR_CONSOLE_FORBIDDEN(
      'without nodeark.arklet.auth.token the console answers only under a loopback host name (localhost, 127.0.0.1)',
    );
  }
  return undefined;
}
