/**
 * Credentials may ride in a bizUrl's userinfo (`https://user:token@host/biz.tgz`). Every message that
 * names a bizUrl goes through {@link redactUrl} so that they never reach logs, Arklet responses or records.
 */

const MAX_SHOWN = 300;

/** The URL with any `user:password@` removed, shortened for messages. Non-URLs are returned as they are. */
export function redactUrl(raw: string): string {
  let out: string;
  try {
    const u = new URL(raw);
    if (u.username !== '' || u.password !== '') {
      u.username = '';
      u.password = '';
    }
    out = u.href;
  } catch {
    // Not parseable: still strip anything that looks like userinfo after a scheme.
    out = raw.replace(/^([A-Za-z][A-Za-z0-9+.-]*:\/\/)[^/?#]*@/, '$1');
  }
  return out.length > MAX_SHOWN ? `${out.slice(0, MAX_SHOWN - 3)}...` : out;
}

/** A string safe to put in a message: control characters (NUL included) escaped, length bounded. */
export function printable(s: string, max = 200): string {
  const escaped = JSON.stringify(s).slice(1, -1);
  return escaped.length > max ? `${escaped.slice(0, max - 3)}...` : escaped;
}
