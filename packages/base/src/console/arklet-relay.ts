/**
 * The console's actions are Arklet commands, sent to the base's own Arklet API over HTTP exactly as a
 * `curl` would send them (docs/console.md § Actions): the same validation, limits, locking and answers, so
 * bad input gets the Arklet's error and changes nothing. The request body is passed on unparsed and the
 * answer is returned byte for byte.
 */
import { ERR_CONSOLE_ARKLET_UNAVAILABLE, ERR_CONSOLE_UNKNOWN_ACTION } from '../errors.js';

/** The commands the console sends. */
export const CONSOLE_ACTIONS = ['installBiz', 'switchBiz', 'uninstallBiz'] as const;

/** The Arklet's answer, as received. */
export interface RelayedAnswer {
  status: number;
  contentType: string;
  body: string;
}

/** Where the Arklet is (undefined before it started) and the token it needs. */
export interface RelayTarget {
  arkletUrl(): string | undefined;
  token: string | undefined;
}

/** Bound on one relayed command: an install downloads and starts a module, which the Arklet itself bounds. */
const RELAY_TIMEOUT_MS = 15 * 60_000;

/**
 * Sends `body` to the Arklet's `command`. Throws `NODEARK_ERR_CONSOLE_UNKNOWN_ACTION` for a command the
 * console does not send, `NODEARK_ERR_CONSOLE_ARKLET_UNAVAILABLE` when the Arklet cannot be reached.
 */
export async function relayToArklet(target: RelayTarget, command: string, body: Buffer): Promise<RelayedAnswer> {
  if (!(CONSOLE_ACTIONS as readonly string[]).includes(command)) throw new ERR_CONSOLE_UNKNOWN_ACTION(command);
  const base = target.arkletUrl();
  if (!base) throw new ERR_CONSOLE_ARKLET_UNAVAILABLE('it has not started yet');
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (target.token) headers['authorization'] = `Bearer ${target.token}`;
  let res: Response;
  try {
    res = await fetch(`${base}/${command}`, {
      method: 'POST',
      headers,
      body,
      signal: AbortSignal.timeout(RELAY_TIMEOUT_MS),
    });
  } catch (err) {
    throw new ERR_CONSOLE_ARKLET_UNAVAILABLE((err as Error).message, { cause: err });
  }
  return { status: res.status, contentType: res.headers.get('content-type') ?? 'text/plain', body: await res.text() };
}

/** The `code` and `message` of an Arklet envelope, for the activity list; the HTTP status when it is none. */
export function envelopeSummary(answer: RelayedAnswer): { outcome: string; message: string } {
  try {
    const env = JSON.parse(answer.body) as { code?: unknown; message?: unknown; data?: { message?: unknown } };
    if (typeof env.code === 'string') {
      const message = typeof env.message === 'string' ? env.message : typeof env.data?.message === 'string' ? env.data.message : '';
      return { outcome: env.code, message };
    }
  } catch {
    // Not JSON (a 413, a non-POST answer): the status says it.
  }
  return { outcome: `HTTP ${answer.status}`, message: answer.body.slice(0, 200) };
}
