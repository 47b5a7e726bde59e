/**
 * Mount semantics: a module's URL space is mounted at `/<webContextPath>`, so what the module aims at
 * its own root must be aimed at the mount point for the client. A path-absolute `Location` or
 * `Content-Location` (`/items`), an absolute URL of the base's own origin (`http://host/items`), and a
 * cookie's `Path=/x` are prefixed; a value already under the prefix (an app that honours
 * `x-forwarded-prefix`) and anything else are left alone. See docs/module-contract.md § Mount semantics.
 */

/** True when `path` is the prefix itself or lies under it. */
function underPrefix(path: string, prefix: string): boolean {
  if (!path.startsWith(prefix)) return false;
  if (path.length === prefix.length) return true;
  const c = path.charCodeAt(prefix.length);
  return c === 47 /* / */ || c === 63 /* ? */ || c === 35 /* # */;
}

/** Prefixes a path-absolute reference (`/x` → `/biz/x`) unless it is already under the prefix. */
function mountPath(path: string, prefix: string): string {
  return underPrefix(path, prefix) ? path : `${prefix}${path}`;
}

/**
 * Rewrites a `Location`/`Content-Location` value. `host` is the request's `Host` (absolute URLs of
 * another origin are left alone).
 */
export function mountLocation(value: string, prefix: string, host: string | undefined): string {
  if (value.length === 0) return value;
  if (value.charCodeAt(0) === 47 /* / */) {
    if (value.charCodeAt(1) !== 47) return mountPath(value, prefix);
    // Scheme-relative `//host/x`.
    return mountAbsolute(value, `http:${value}`, prefix, host, true);
  }
  if (/^https?:\/\//i.test(value)) return mountAbsolute(value, value, prefix, host, false);
  return value;
}

function mountAbsolute(
  original: string,
  absolute: string,
  prefix: string,
  host: string | undefined,
  schemeRelative: boolean,
): string {
  if (!host) return original;
  let url: URL;
  try {
    url = new URL(absolute);
  } catch {
    return original;
  }
  if (url.host.toLowerCase() !== host.toLowerCase()) return original;
  if (underPrefix(url.pathname, prefix)) return original;
  url.pathname = `${prefix}${url.pathname}`;
  const out = url.href;
  return schemeRelative ? out.slice(out.indexOf('//')) : out;
}

const COOKIE_PATH = /(;\s*path\s*=\s*)([^;]*)/i;

/** Rewrites the `Path` attribute of a `Set-Cookie` value. */
export function mountCookiePath(value: string, prefix: string): string {
  const m = COOKIE_PATH.exec(value);
  if (!m) return value;
  const path = m[2]!.trim();
  if (path.charCodeAt(0) !== 47 || underPrefix(path, prefix)) return value;
  const mounted = path === '/' ? prefix : `${prefix}${path}`;
  return `${value.slice(0, m.index)}${m[1]}${mounted}${value.slice(m.index + m[0].length)}`;
}
