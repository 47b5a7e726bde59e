/**
 * `when-authorized`: a request is authorized when it carries a known credential (HTTP Basic for
 * `spring.security.user.*`, or `Authorization: Bearer <nodeark.actuator.security.token>`, or whatever the
 * base's own `authorize` hook accepts) and either no roles are configured or the principal has one of them.
 * Unknown or wrong credentials are treated as anonymous (health must stay answerable for probes).
 */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { ActuatorConfig, ShowMode } from './config.js';

/** An authenticated caller. */
export interface ActuatorPrincipal {
  name: string;
  roles: string[];
}

/** The base's own authentication hook: return a principal, or undefined for anonymous. */
export type ActuatorAuthorizer = (request: {
  headers: IncomingHttpHeaders;
  url: string;
  ip?: string;
}) => ActuatorPrincipal | undefined | Promise<ActuatorPrincipal | undefined>;

type AuthConfig = Pick<ActuatorConfig, 'securityUserName' | 'securityUserPassword' | 'securityUserRoles' | 'securityToken' | 'securityTokenRoles'>;

/** Resolves the principal of a request from the configured credentials, then the custom hook. */
export async function resolvePrincipal(
  headers: IncomingHttpHeaders,
  url: string,
  config: AuthConfig,
  authorize: ActuatorAuthorizer | undefined,
  ip?: string,
): Promise<ActuatorPrincipal | undefined> {
  const auth = headers.authorization;
  if (typeof auth === 'string') {
    const space = auth.indexOf(' ');
    const scheme = (space === -1 ? auth : auth.slice(0, space)).toLowerCase();
    const value = space === -1 ? '' : auth.slice(space + 1).trim();
    if (scheme === 'basic' && config.securityUserName !== undefined && config.securityUserPassword !== undefined) {
      const decoded = Buffer.from(value, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon !== -1) {
        const user = decoded.slice(0, colon);
        const pass = decoded.slice(colon + 1);
        if (safeEqual(user, config.securityUserName) && safeEqual(pass, config.securityUserPassword)) {
          return { name: user, roles: [...config.securityUserRoles] };
        }
      }
    } else if (scheme === 'bearer' && config.securityToken !== undefined && config.securityToken !== '') {
      if (safeEqual(value, config.securityToken)) return { name: 'token', roles: [...config.securityTokenRoles] };
    }
  }
  if (authorize) {
    try {
      return (await authorize({ headers, url, ...(ip !== undefined ? { ip } : {}) })) ?? undefined;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** Evaluates a show setting for a principal (`AutoConfiguredHealthEndpointGroup#isShown`). */
export function isShown(mode: ShowMode, principal: ActuatorPrincipal | undefined, roles: readonly string[]): boolean {
  if (mode === 'always') return true;
  if (mode === 'never') return false;
  if (!principal) return false;
  if (roles.length === 0) return true;
  const have = new Set(principal.roles.map(normalizeRole));
  return roles.some((r) => have.has(normalizeRole(r)));
}

function normalizeRole(r: string): string {
  return r.replace(/^ROLE_/, '');
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  if (x.length !== y.length) {
    timingSafeEqual(x, x);
    return false;
  }
  return timingSafeEqual(x, y);
}
