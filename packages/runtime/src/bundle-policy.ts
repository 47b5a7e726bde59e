/**
 * Where modules may come from: allow-lists for http(s) hosts and for local
 * directories, and an integrity-required mode. Checked before anything is downloaded or read. The scheme
 * allow-list is enforced by the bundle resolver itself (`allowedSchemes`).
 */
import { realpath } from 'node:fs/promises';
import { resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ERR_BUNDLE_NOT_ALLOWED } from './errors.js';
import { redactUrl } from './bundle/redact-url.js';

/** The policy. Empty or absent lists allow everything (the ModuleController-compatible default). */
export interface BundlePolicy {
  /** Host names (or `*.suffix` patterns) an http(s) bizUrl may point at. */
  allowedHosts?: string[];
  /** Directories a local bizUrl (file: or absolute path) must be inside, after resolving symlinks. */
  allowedRoots?: string[];
  /** Refuse installs without an `integrity` value. */
  requireIntegrity?: boolean;
}

/** Throws `NODEARK_ERR_BUNDLE_NOT_ALLOWED` when `bizUrl` breaks the policy. Malformed URLs pass through
 * (the resolver reports them with their own codes). */
export async function checkBundlePolicy(
  bizUrl: string,
  integrity: string | undefined,
  policy: BundlePolicy,
): Promise<void> {
  const label = redactUrl(bizUrl);
  if (policy.requireIntegrity && (integrity === undefined || integrity.trim() === '')) {
    throw new ERR_BUNDLE_NOT_ALLOWED(label, 'an integrity value (sha256-… or sha512-…) is required (nodeark.bundle.require-integrity)');
  }
  let path: string | undefined;
  let host: string | undefined;
  if (bizUrl.startsWith('/')) path = bizUrl;
  else {
    let url: URL;
    try {
      url = new URL(bizUrl);
    } catch {
      return;
    }
    if (url.protocol === 'file:') {
      try {
        path = fileURLToPath(url);
      } catch {
        return;
      }
    } else if (url.protocol === 'http:' || url.protocol === 'https:') host = url.hostname.toLowerCase();
  }
  if (host !== undefined && policy.allowedHosts && policy.allowedHosts.length > 0) {
    const ok = policy.allowedHosts.some((h) => {
      const p = h.toLowerCase();
      return p.startsWith('*.') ? host!.endsWith(p.slice(1)) : host === p;
    });
    if (!ok) throw new ERR_BUNDLE_NOT_ALLOWED(label, `host ${host} is not in nodeark.bundle.allowed-hosts`);
  }
  if (path !== undefined && policy.allowedRoots && policy.allowedRoots.length > 0) {
    // Resolve symlinks on both sides so a link inside a root cannot point the install outside it.
    const real = await realpath(resolve(path)).catch(() => resolve(path!));
    let inside = false;
    for (const root of policy.allowedRoots) {
      const r = await realpath(resolve(root)).catch(() => resolve(root));
      if (real === r || real.startsWith(r.endsWith(sep) ? r : r + sep)) inside = true;
    }
    if (!inside) throw new ERR_BUNDLE_NOT_ALLOWED(label, 'the path is outside nodeark.bundle.allowed-roots');
  }
}
