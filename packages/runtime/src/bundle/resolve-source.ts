/**
 * Turns a bizUrl into a source to stage: a local path or an http(s) URL. Nothing is touched on disk or
 * on the network here, so a bad URL fails fast and cheaply.
 */
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ERR_BUNDLE_INVALID_URL, ERR_BUNDLE_UNSUPPORTED_SCHEME } from '../errors.js';
import { redactUrl } from './redact-url.js';

/** The schemes nodeark can stage from at all; configuration may narrow them. */
export const SUPPORTED_SCHEMES: readonly string[] = Object.freeze(['file:', 'http:', 'https:']);

/** Where a bundle comes from. `label` is the credential-free text used in messages. */
export type BundleSource =
  | { kind: 'file'; path: string; label: string }
  | { kind: 'http'; url: URL; label: string };

/**
 * Parses `bizUrl`: a `file:` URL, an `http:`/`https:` URL, or (for convenience) a plain absolute path.
 * Throws `ERR_BUNDLE_INVALID_URL` for blank or unparseable values and `ERR_BUNDLE_UNSUPPORTED_SCHEME` for a
 * scheme that is not supported or not in `allowedSchemes`.
 */
export function resolveBundleSource(
  bizUrl: unknown,
  allowedSchemes: readonly string[] = SUPPORTED_SCHEMES,
): BundleSource {
  if (typeof bizUrl !== 'string' || bizUrl.trim() === '') {
    throw new ERR_BUNDLE_INVALID_URL(typeof bizUrl === 'string' ? bizUrl : String(bizUrl), 'bizUrl is empty');
  }
  const raw = bizUrl.trim();
  const label = redactUrl(raw);
  if (raw.includes('\0')) throw new ERR_BUNDLE_INVALID_URL(label, 'contains a NUL byte');
  const allowed = new Set(allowedSchemes.map((s) => normalizeScheme(s)));

  if (raw.startsWith('/') && isAbsolute(raw)) {
    if (!allowed.has('file:')) throw new ERR_BUNDLE_UNSUPPORTED_SCHEME('file:');
    return { kind: 'file', path: resolve(raw), label };
  }

  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ERR_BUNDLE_INVALID_URL(label, 'not an absolute URL (file:, http:, https:) or an absolute path');
  }
  const scheme = url.protocol.toLowerCase();
  if (!SUPPORTED_SCHEMES.includes(scheme) || !allowed.has(scheme)) {
    throw new ERR_BUNDLE_UNSUPPORTED_SCHEME(scheme);
  }
  if (scheme === 'file:') {
    let path: string;
    try {
      path = fileURLToPath(url);
    } catch (err) {
      throw new ERR_BUNDLE_INVALID_URL(label, (err as Error).message, { cause: err });
    }
    return { kind: 'file', path: resolve(path), label };
  }
  if (url.hostname === '') throw new ERR_BUNDLE_INVALID_URL(label, 'no host');
  return { kind: 'http', url, label };
}

function normalizeScheme(s: string): string {
  const lower = s.toLowerCase();
  return lower.endsWith(':') ? lower : `${lower}:`;
}
