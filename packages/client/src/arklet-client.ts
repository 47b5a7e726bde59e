/**
 * A typed client of the Arklet HTTP API (docs/reference/arklet-protocol.md) over undici. Each command is a
 * `POST /<command>` with a JSON body; the answer is always HTTP 200 with an envelope whose `code` says how
 * it went. The client therefore resolves with the envelope for every command outcome (SUCCESS,
 * FAILED, CMD_NOT_FOUND, CMD_PROCESS_INTERNAL_ERROR) and throws only when there is no envelope: the Arklet
 * cannot be reached, does not answer in time, answers another HTTP status, or answers something that is not
 * an envelope. Use {@link assertSuccess} to turn a non-SUCCESS envelope into an error.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { createRequire } from 'node:module';
import type { Dispatcher } from 'undici';

type Undici = typeof import('undici');
let undiciModule: Undici | undefined;

/**
 * undici, loaded when the first client is made: the `nodeark` CLI imports this package for its Arklet
 * commands, and `nodeark start` must not pay undici's load time (docs/benchmarks.md, base start-up).
 */
function undici(): Undici {
  undiciModule ??= createRequire(import.meta.url)('undici') as Undici;
  return undiciModule;
}
import {
  ERR_CLIENT_ABORTED,
  ERR_CLIENT_COMMAND_FAILED,
  ERR_CLIENT_CONNECT,
  ERR_CLIENT_HTTP_STATUS,
  ERR_CLIENT_INVALID_ARGUMENT,
  ERR_CLIENT_INVALID_RESPONSE,
  ERR_CLIENT_TIMEOUT,
  type ArkletClientError,
} from './errors.js';
import type {
  ArkletResponse,
  BatchInstallBizRequest,
  BatchInstallResponse,
  BizIdentityRequest,
  BizInfo,
  ClientResponse,
  CommandModel,
  HealthData,
  HealthRequest,
  InstallBizRequest,
  ProcessRecord,
  QueryBizOpsRequest,
} from './types.js';

/** The default Arklet address (`koupleless.arklet.http.port` 1238 on this machine). */
export const DEFAULT_ARKLET_URL = 'http://127.0.0.1:1238';

/** Options of {@link ArkletClient}. */
export interface ArkletClientOptions {
  /** Base URL of the Arklet. Default `http://127.0.0.1:1238`. A path prefix is kept (`http://gw/arklet/`). */
  baseUrl?: string;
  /** Bound on a whole call (connect, send, answer). Default 120 000 ms: an install waits for the module's start. */
  timeoutMs?: number;
  /** Bound on establishing the TCP connection. Default 10 000 ms. */
  connectTimeoutMs?: number;
  /** Largest answer accepted. Default 32 MiB. */
  maxResponseBytes?: number;
  /** A custom undici dispatcher (then `connectTimeoutMs` is the dispatcher's business and `close()` leaves it open). */
  dispatcher?: Dispatcher;
  /** Extra request headers (e.g. a gateway token). */
  headers?: Record<string, string>;
}

/** Per-call options. */
export interface CallOptions {
  /** Overrides the client's `timeoutMs`. */
  timeoutMs?: number;
  /** Aborts the call (`NODEARK_ERR_CLIENT_ABORTED`). */
  signal?: AbortSignal;
}

/** Options of {@link ArkletClient.waitForOperation}. */
export interface WaitOptions {
  /** Poll interval. Default 500 ms. */
  intervalMs?: number;
  /** Give up after this long (`NODEARK_ERR_CLIENT_TIMEOUT`). Default 300 000 ms. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

const TIMEOUT = Symbol('timeout');

/** A client of one Arklet. Reuses connections; call {@link close} when done. */
export class ArkletClient {
  /** The normalised base URL (ends with `/`). */
  readonly baseUrl: string;
  private readonly timeoutMs: number;
  private readonly maxResponseBytes: number;
  private readonly dispatcher: Dispatcher;
  private readonly ownsDispatcher: boolean;
  private readonly headers: Record<string, string>;

  constructor(options: ArkletClientOptions = {}) {
    const raw = options.baseUrl ?? DEFAULT_ARKLET_URL;
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new ERR_CLIENT_INVALID_ARGUMENT('baseUrl', `${JSON.stringify(raw)} is not an absolute URL`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new ERR_CLIENT_INVALID_ARGUMENT('baseUrl', `use http: or https:, got ${url.protocol}`);
    }
    url.search = '';
    url.hash = '';
    if (!url.pathname.endsWith('/')) url.pathname += '/';
    this.baseUrl = url.href;
    this.timeoutMs = positive(options.timeoutMs, 120_000, 'timeoutMs');
    this.maxResponseBytes = positive(options.maxResponseBytes, 32 * 1024 * 1024, 'maxResponseBytes');
    const connectTimeout = positive(options.connectTimeoutMs, 10_000, 'connectTimeoutMs');
    this.headers = { ...(options.headers ?? {}) };
    if (options.dispatcher) {
      this.dispatcher = options.dispatcher;
      this.ownsDispatcher = false;
    } else {
      this.dispatcher = new (undici().Agent)({ connect: { timeout: connectTimeout }, keepAliveTimeout: 4_000 });
      this.ownsDispatcher = true;
    }
  }

  /** `help`: every command id and description. */
  help(options?: CallOptions): Promise<ArkletResponse<CommandModel[]>> {
    return this.command('help', {}, options);
  }

  /** `installBiz`. With `async: true` the data is the operation record. */
  installBiz(req: InstallBizRequest & { async: true }, options?: CallOptions): Promise<ArkletResponse<ProcessRecord>>;
  installBiz(req: InstallBizRequest, options?: CallOptions): Promise<ArkletResponse<ClientResponse>>;
  installBiz(req: InstallBizRequest, options?: CallOptions): Promise<ArkletResponse<ClientResponse | ProcessRecord>> {
    return this.command('installBiz', req, options);
  }

  /** `uninstallBiz`. Not installed → SUCCESS with `data.code` `NOT_FOUND_BIZ` (nodeark deviation). */
  uninstallBiz(
    req: BizIdentityRequest & { async: true },
    options?: CallOptions,
  ): Promise<ArkletResponse<ProcessRecord>>;
  uninstallBiz(req: BizIdentityRequest, options?: CallOptions): Promise<ArkletResponse<ClientResponse>>;
  uninstallBiz(
    req: BizIdentityRequest,
    options?: CallOptions,
  ): Promise<ArkletResponse<ClientResponse | ProcessRecord>> {
    return this.command('uninstallBiz', req, options);
  }

  /** `switchBiz`. */
  switchBiz(req: BizIdentityRequest & { async: true }, options?: CallOptions): Promise<ArkletResponse<ProcessRecord>>;
  switchBiz(req: BizIdentityRequest, options?: CallOptions): Promise<ArkletResponse<ClientResponse>>;
  switchBiz(req: BizIdentityRequest, options?: CallOptions): Promise<ArkletResponse<ClientResponse | ProcessRecord>> {
    return this.command('switchBiz', req, options);
  }

  /** `batchInstallBiz`: results keyed by bizUrl. */
  batchInstallBiz(
    req: BatchInstallBizRequest & { async: true },
    options?: CallOptions,
  ): Promise<ArkletResponse<ProcessRecord>>;
  batchInstallBiz(req: BatchInstallBizRequest, options?: CallOptions): Promise<ArkletResponse<BatchInstallResponse>>;
  batchInstallBiz(
    req: BatchInstallBizRequest,
    options?: CallOptions,
  ): Promise<ArkletResponse<BatchInstallResponse | ProcessRecord>> {
    return this.command('batchInstallBiz', req, options);
  }

  /** `queryAllBiz`: every installed module version (the base itself excluded). */
  queryAllBiz(options?: CallOptions): Promise<ArkletResponse<BizInfo[]>> {
    return this.command('queryAllBiz', {}, options);
  }

  /** `health`. */
  health(req: HealthRequest = {}, options?: CallOptions): Promise<ArkletResponse<HealthData>> {
    return this.command('health', req, options);
  }

  /** `queryBizOps`: the record of an async operation. */
  queryBizOps(req: QueryBizOpsRequest, options?: CallOptions): Promise<ArkletResponse<ProcessRecord>> {
    return this.command('queryBizOps', req, options);
  }

  /**
   * Polls `queryBizOps` until the operation is SUCCEEDED or FAILED and returns the final record. Throws the
   * envelope as `NODEARK_ERR_CLIENT_COMMAND_FAILED` when the record is unknown, `NODEARK_ERR_CLIENT_TIMEOUT`
   * when it does not finish in time.
   */
  async waitForOperation(requestId: string, options: WaitOptions = {}): Promise<ProcessRecord> {
    const interval = positive(options.intervalMs, 500, 'intervalMs');
    const timeout = positive(options.timeoutMs, 300_000, 'timeoutMs');
    const deadline = Date.now() + timeout;
    for (;;) {
      const res = await this.queryBizOps({ requestId }, options.signal ? { signal: options.signal } : {});
      const record = assertSuccess(res, 'queryBizOps');
      if (record.status === 'SUCCEEDED' || record.status === 'FAILED') return record;
      if (Date.now() + interval > deadline) throw new ERR_CLIENT_TIMEOUT(`queryBizOps(${requestId}) to finish`, timeout);
      await sleep(interval, options.signal);
      if (options.signal?.aborted) throw new ERR_CLIENT_ABORTED(`${this.baseUrl}queryBizOps`);
    }
  }

  /**
   * Sends any command (built-in or custom) and resolves with its envelope. `body` must be a JSON object
   * (or undefined for `{}`).
   */
  async command<T = unknown>(commandId: string, body?: object, options: CallOptions = {}): Promise<ArkletResponse<T>> {
    if (typeof commandId !== 'string' || commandId === '') throw new ERR_CLIENT_INVALID_ARGUMENT('commandId', 'must be a non-empty string');
    if (body !== undefined && (typeof body !== 'object' || body === null || Array.isArray(body))) {
      throw new ERR_CLIENT_INVALID_ARGUMENT('body', 'must be a JSON object');
    }
    const url = new URL(encodeURIComponent(commandId), this.baseUrl).href;
    const timeout = positive(options.timeoutMs, this.timeoutMs, 'timeoutMs');
    const ac = new AbortController();
    const timer = setTimeout(() => ac.abort(TIMEOUT), timeout);
    const onAbort = (): void => ac.abort(options.signal?.reason);
    if (options.signal?.aborted) onAbort();
    else options.signal?.addEventListener('abort', onAbort, { once: true });
    let status: number;
    let text: string;
    try {
      const res = await undici().request(url, {
        method: 'POST',
        dispatcher: this.dispatcher,
        headers: { ...this.headers, 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify(body ?? {}),
        signal: ac.signal,
        headersTimeout: timeout,
        bodyTimeout: timeout,
      });
      status = res.statusCode;
      text = await readCapped(res.body, this.maxResponseBytes, url);
    } catch (err) {
      throw this.transportError(err, url, timeout, ac.signal);
    } finally {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
    }
    if (status !== 200) throw Object.assign(new ERR_CLIENT_HTTP_STATUS(url, status, text.slice(0, 200) || '(empty body)'), { statusCode: status });
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      throw new ERR_CLIENT_INVALID_RESPONSE(url, `not JSON (${(err as Error).message})`, { cause: err });
    }
    if (typeof parsed !== 'object' || parsed === null || typeof (parsed as { code?: unknown }).code !== 'string' || (parsed as { code: string }).code === '') {
      throw new ERR_CLIENT_INVALID_RESPONSE(url, 'not an Arklet envelope (no "code")');
    }
    return parsed as ArkletResponse<T>;
  }

  /** Closes the connections of the client's own dispatcher. */
  async close(): Promise<void> {
    if (this.ownsDispatcher) await this.dispatcher.close();
  }

  private transportError(err: unknown, url: string, timeout: number, signal: AbortSignal): ArkletClientError {
    if ((err as { code?: unknown })?.code === ERR_CLIENT_INVALID_RESPONSE.code) return err as ArkletClientError;
    if (signal.aborted) {
      return signal.reason === TIMEOUT
        ? new ERR_CLIENT_TIMEOUT(url, timeout, { cause: err })
        : new ERR_CLIENT_ABORTED(url, { cause: err });
    }
    const code = (err as { code?: unknown })?.code;
    if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') return new ERR_CLIENT_TIMEOUT(url, timeout, { cause: err });
    const detail = `${typeof code === 'string' ? `${code}: ` : ''}${(err as Error)?.message ?? String(err)}`;
    return new ERR_CLIENT_CONNECT(new URL(this.baseUrl).origin, detail, { cause: err });
  }
}

/**
 * Returns the envelope's data when its code is SUCCESS; otherwise throws `NODEARK_ERR_CLIENT_COMMAND_FAILED`
 * with the envelope as `response` (its message, and `data.message` when the data carries one).
 */
export function assertSuccess<T>(res: ArkletResponse<T>, commandId = 'the command'): T {
  if (res.code === 'SUCCESS') return res.data as T;
  const dataMessage = (res.data as { message?: unknown } | undefined)?.message;
  const detail = [res.message, typeof dataMessage === 'string' && dataMessage !== res.message ? dataMessage : undefined]
    .filter((m): m is string => typeof m === 'string' && m !== '')
    .join(' — ');
  throw Object.assign(new ERR_CLIENT_COMMAND_FAILED(commandId, res.code, detail || '(no message)'), { response: res });
}

async function readCapped(
  body: AsyncIterable<Buffer> & { destroy?: (err?: Error) => void },
  max: number,
  url: string,
): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > max) {
      body.destroy?.();
      throw new ERR_CLIENT_INVALID_RESPONSE(url, `the answer exceeds ${max} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new ERR_CLIENT_INVALID_ARGUMENT(name, `must be a positive number, got ${String(value)}`);
  }
  return value;
}

/** Waits `ms`; an abort ends the wait early (the caller checks the signal), it does not throw. */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return delay(ms, undefined, signal ? { signal } : {}).catch(() => undefined);
}
