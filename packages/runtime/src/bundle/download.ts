/**
 * Downloads an http(s) bundle to a file with undici: streamed to disk while counting bytes, with connect,
 * idle-body and total timeouts, redirects followed by hand (bounded, loop-detected, credentials kept to
 * the origin they were given for), and credentials never appearing in an error message.
 */
import { open } from 'node:fs/promises';
// undici is loaded on the first http(s) download: most bases install from files, and it is the largest
// module a base would otherwise load at start (docs/benchmarks.md § Footprint).
import type { Dispatcher } from 'undici';
import { ERR_BUNDLE_DOWNLOAD, ERR_BUNDLE_INVALID_URL, ERR_BUNDLE_TOO_LARGE } from '../errors.js';
import { redactUrl } from './redact-url.js';

/** How downloads behave. */
export interface DownloadOptions {
  /** Time to establish the TCP/TLS connection, ms (default 10 000). */
  connectTimeoutMs: number;
  /** Longest idle time waiting for response headers or between body chunks, ms (default 30 000). */
  bodyTimeoutMs: number;
  /** Whole download, redirects included, ms (default 300 000). */
  totalTimeoutMs: number;
  /** Redirects followed (default 5); more hops, or a loop, fail with `ERR_BUNDLE_DOWNLOAD`. */
  maxRedirections: number;
  /** Basic auth used when the URL carries no userinfo. */
  basicAuth?: { username: string; password: string };
  /** Extra request headers. */
  headers?: Record<string, string>;
}

/** 10 s connect, 30 s idle, 5 min total, 5 redirects. */
export const DEFAULT_DOWNLOAD_OPTIONS: DownloadOptions = Object.freeze({
  connectTimeoutMs: 10_000,
  bodyTimeoutMs: 30_000,
  totalTimeoutMs: 300_000,
  maxRedirections: 5,
});

/** What a finished download produced. */
export interface DownloadResult {
  /** Bytes written to the destination file. */
  bytes: number;
  /** The URL finally served (credential-free). */
  finalUrl: string;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

interface Credentials {
  username: string;
  password: string;
  /** Only sent to this origin: a redirect to another host must not receive them. */
  origin: string;
}

/** Basic credentials from a URL's userinfo (percent-decoded), if any; strips them from `url` in place. */
function takeUserinfo(url: URL, label: string): Credentials | undefined {
  if (url.username === '' && url.password === '') return undefined;
  let creds: Credentials;
  try {
    creds = {
      username: decodeURIComponent(url.username),
      password: decodeURIComponent(url.password),
      origin: url.origin,
    };
  } catch {
    throw new ERR_BUNDLE_INVALID_URL(label, 'malformed percent-encoding in the userinfo');
  }
  url.username = '';
  url.password = '';
  return creds;
}

/**
 * Downloads `url` into the new file `dest` (created exclusively). Throws `ERR_BUNDLE_DOWNLOAD` for
 * statuses >= 400, network errors, timeouts and redirect problems, `ERR_BUNDLE_TOO_LARGE` as soon as more
 * than `maxBytes` arrive (or `Content-Length` announces it), and the caller's abort reason when `signal`
 * aborts. A partial file may be left at `dest`: the caller owns its cleanup.
 */
export async function downloadToFile(
  url: URL,
  dest: string,
  options: DownloadOptions,
  maxBytes: number,
  signal?: AbortSignal,
): Promise<DownloadResult> {
  let current = new URL(url.href);
  const label = (u: URL): string => redactUrl(u.href);
  const startLabel = label(current);
  let creds = takeUserinfo(current, startLabel);
  if (!creds && options.basicAuth) creds = { ...options.basicAuth, origin: current.origin };
  current.hash = '';
  const firstHref = current.href;
  const at = (u: URL): string => (u.href === firstHref ? '' : ` (at ${label(u)})`);

  const total = AbortSignal.timeout(options.totalTimeoutMs);
  const combined = signal ? AbortSignal.any([signal, total]) : total;
  const { Agent, request } = await import('undici');
  const agent: Dispatcher = new Agent({
    connect: { timeout: options.connectTimeoutMs },
    headersTimeout: options.bodyTimeoutMs,
    bodyTimeout: options.bodyTimeoutMs,
  });

  const fail = (err: unknown, where: URL): Error => {
    if (signal?.aborted) return signal.reason as Error;
    if (total.aborted) return new ERR_BUNDLE_DOWNLOAD(startLabel, `timed out after ${options.totalTimeoutMs} ms`, { cause: err });
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('NODEARK_')) return err as Error;
    let why: string;
    switch (code) {
      case 'UND_ERR_CONNECT_TIMEOUT':
        why = `connect timeout after ${options.connectTimeoutMs} ms`;
        break;
      case 'UND_ERR_HEADERS_TIMEOUT':
        why = `no response headers within ${options.bodyTimeoutMs} ms`;
        break;
      case 'UND_ERR_BODY_TIMEOUT':
        why = `body stalled for more than ${options.bodyTimeoutMs} ms`;
        break;
      default:
        why = `${typeof code === 'string' ? `${code}: ` : ''}${(err as Error).message ?? String(err)}`;
    }
    return new ERR_BUNDLE_DOWNLOAD(startLabel, why + at(where), { cause: err });
  };

  const seen = new Set<string>([current.href]);
  let hops = 0;
  try {
    for (;;) {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(options.headers ?? {})) headers[k.toLowerCase()] = v;
      if (creds && creds.origin === current.origin && headers['authorization'] === undefined) {
        headers['authorization'] = `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}`;
      }
      let res: Awaited<ReturnType<typeof request>>;
      try {
        res = await request(current, { method: 'GET', headers, dispatcher: agent, signal: combined });
      } catch (err) {
        throw fail(err, current);
      }
      // undici reports a body destroyed before its end as an 'error' event; we destroy bodies on purpose
      // (redirects, errors, limits), and real read errors still reach the `for await` below.
      res.body.on('error', () => undefined);

      if (REDIRECTS.has(res.statusCode)) {
        res.body.destroy();
        const location = res.headers['location'];
        if (typeof location !== 'string' || location === '') {
          throw new ERR_BUNDLE_DOWNLOAD(startLabel, `HTTP ${res.statusCode} redirect without a Location${at(current)}`);
        }
        let next: URL;
        try {
          next = new URL(location, current);
        } catch {
          throw new ERR_BUNDLE_DOWNLOAD(startLabel, `invalid redirect Location${at(current)}`);
        }
        if (next.protocol !== 'http:' && next.protocol !== 'https:') {
          throw new ERR_BUNDLE_DOWNLOAD(startLabel, `redirect to unsupported scheme ${next.protocol}`);
        }
        const nextLabel = label(next);
        creds = takeUserinfo(next, nextLabel) ?? creds;
        next.hash = '';
        hops++;
        if (seen.has(next.href)) throw new ERR_BUNDLE_DOWNLOAD(startLabel, `redirect loop at ${nextLabel}`);
        if (hops > options.maxRedirections) {
          throw new ERR_BUNDLE_DOWNLOAD(startLabel, `more than ${options.maxRedirections} redirects`);
        }
        seen.add(next.href);
        current = next;
        continue;
      }
      if (res.statusCode < 200 || res.statusCode >= 300) {
        res.body.destroy();
        throw new ERR_BUNDLE_DOWNLOAD(startLabel, `HTTP ${res.statusCode}${at(current)}`);
      }

      const announced = Number(res.headers['content-length']);
      if (Number.isFinite(announced) && announced > maxBytes) {
        res.body.destroy();
        throw new ERR_BUNDLE_TOO_LARGE(startLabel, `Content-Length ${announced} is over ${maxBytes} bytes`);
      }
      const fh = await open(dest, 'wx', 0o600);
      let bytes = 0;
      try {
        for await (const chunk of res.body) {
          const buf = chunk as Buffer;
          bytes += buf.length;
          if (bytes > maxBytes) throw new ERR_BUNDLE_TOO_LARGE(startLabel, `more than ${maxBytes} bytes downloaded`);
          for (let off = 0; off < buf.length; ) off += (await fh.write(buf, off)).bytesWritten;
        }
      } catch (err) {
        throw fail(err, current);
      } finally {
        await fh.close();
      }
      return { bytes, finalUrl: label(current) };
    }
  } finally {
    await agent.destroy().catch(() => undefined);
  }
}
