/**
 * The HTTP heartbeat tunnel to ModuleController v2 (docs/reference/module-controller.md § HTTP tunnel: heartbeat):
 * `POST <endpoint>/heartbeat` with the `BaseStatus` JSON, at once
 * and then every 12 s (Java `HeartBeatScheduledMission`), with state `activated`; a final `deactivated`
 * heartbeat on graceful stop (Java never sends one; ModuleController's own mock base does, and it turns a
 * ~60 s teardown into ~3 s). The controller then calls the Arklet back at `http://<localIP>:<port>`.
 *
 * Never crashes the base: a controller that is unreachable or answers non-2xx is logged (a warning on the
 * first failure and at most once a minute after, an info line on recovery) and retried with exponential
 * backoff (1 s, 2 s, 4 s, … capped at the interval) instead of waiting a whole interval.
 *
 * Optional (`queryBaseline`, docs/reference/module-controller.md § Baseline): `POST <endpoint>/queryBaseline`
 * with the `BaseMetadata` once the controller is reachable; the returned `BizModel[]` is installed through the
 * Arklet's `batchInstallBiz`. Mind the orphan rule (§ Pods and modules): modules that no pod declares are
 * uninstalled by the controller's next `queryAllBiz` poll.
 */
import { createRequire } from 'node:module';
// undici is loaded when a heartbeat starts: a base without ModuleController never needs it at start.
import type * as Undici from 'undici';
import type { Arklet } from '@nodeark/arklet';
import { announcedBase, type BaseInfoOptions, type BaseMetadata, type BaseState, type BaseStatus } from './base-status.js';
import { ERR_TUNNEL_INVALID_OPTIONS } from './errors.js';
import { positiveMs, sleep } from './kit.js';
import { errInfo, silentLogger, type TunnelLogger } from './logger.js';

/** The part of an {@link Arklet} the tunnels use (a real Arklet satisfies it). */
export type ArkletLike = Pick<Arklet, 'baseIdentity' | 'port' | 'execute'>;

/** A `BizModel` as ModuleController sends it (`{"bizName","bizVersion","bizUrl"}`, empty members omitted). */
export interface BizModel {
  bizName?: string;
  bizVersion?: string;
  bizUrl?: string;
}

/** Options of {@link startHeartbeat}. */
export interface HeartbeatOptions extends BaseInfoOptions {
  /**
   * `koupleless.arklet.http.heartbeat.endpoint`: the controller's HTTP tunnel base URL, scheme included
   * (`http://module-controller:7777`); `/heartbeat` is appended. Required.
   */
  endpoint: string;
  /** The Arklet: its `port` and `baseIdentity` are announced; `execute` installs the baseline. Required. */
  arklet: ArkletLike;
  /** `BaseStatus.port`. Default: `arklet.port`. */
  port?: number;
  /** Period between heartbeats (from the start of one to the start of the next). Default 12 000 ms (Java). */
  intervalMs?: number;
  /** Bound on the response of one heartbeat (Java read timeout). Default 10 000 ms. */
  timeoutMs?: number;
  /** Bound on connecting to the controller (Java: 30 000 ms). Default 30 000 ms, at most `timeoutMs` × 3. */
  connectTimeoutMs?: number;
  /** First retry delay after a failed heartbeat; doubles on each further failure. Default 1 000 ms. */
  retryInitialDelayMs?: number;
  /** Largest retry delay. Default: `intervalMs`. */
  retryMaxDelayMs?: number;
  /** While failing, repeat the warning at most this often (otherwise debug). Default 60 000 ms. */
  warnEveryMs?: number;
  /** `POST <endpoint>/queryBaseline` once the controller answers, and install the result. Default false. */
  queryBaseline?: boolean;
  /**
   * What to do with the baseline. Default: `arklet.execute('batchInstallBiz', {bizList})` when non-empty
   * (Java's MQTT tunnel does the same with the `base/baseline` message).
   */
  onBaseline?: (models: BizModel[]) => void | Promise<void>;
  /** Bound on the final `deactivated` heartbeat sent by a graceful {@link HeartbeatTunnel.stop}. Default 3 000 ms. */
  stopTimeoutMs?: number;
  /** Log sink (pino-compatible). Default: silent. */
  logger?: TunnelLogger;
}

/** Counters of a running heartbeat. */
export interface HeartbeatStats {
  /** Heartbeats the controller accepted (HTTP 2xx). */
  delivered: number;
  /** Heartbeats that failed (transport error, timeout, non-2xx). */
  failed: number;
  /** Failures since the last delivered heartbeat. */
  consecutiveFailures: number;
  /** Epoch ms of the last delivered heartbeat, or undefined. */
  lastDeliveredAt: number | undefined;
  /** True once the baseline was fetched (with `queryBaseline`). */
  baselineFetched: boolean;
}

/** A running heartbeat tunnel. */
export interface HeartbeatTunnel {
  /** `<endpoint>/heartbeat`. */
  readonly url: string;
  /** The identity announced (DNS-safe, fixed for the life of the tunnel). */
  readonly identity: string;
  /** The metadata announced. */
  readonly baseMetadata: BaseMetadata;
  /** The payload that a heartbeat in `state` carries now. */
  status(state?: BaseState): BaseStatus;
  /** Counters. */
  readonly stats: Readonly<HeartbeatStats>;
  /** Sends one `activated` heartbeat now (outside the schedule); resolves true when delivered. Never rejects. */
  beat(): Promise<boolean>;
  /**
   * Stops the schedule. Graceful (default): waits for a heartbeat in flight, then sends the final
   * `deactivated` heartbeat (bounded by `stopTimeoutMs`; a failure is logged). Never rejects; idempotent.
   */
  stop(options?: { graceful?: boolean }): Promise<void>;
}

/** Java `HeartBeatScheduledMission` period. */
export const DEFAULT_HEARTBEAT_INTERVAL_MS = 12_000;

/** Starts the heartbeat: the first one is sent at once. Throws `NODEARK_ERR_TUNNEL_INVALID_OPTIONS` on bad options. */
export function startHeartbeat(options: HeartbeatOptions): HeartbeatTunnel {
  const endpoint = checkEndpoint(options.endpoint);
  if (!options.arklet || typeof options.arklet.port !== 'number') {
    throw new ERR_TUNNEL_INVALID_OPTIONS('arklet', 'a started Arklet (with its port and baseIdentity) is required');
  }
  const intervalMs = positiveMs('intervalMs', options.intervalMs, DEFAULT_HEARTBEAT_INTERVAL_MS);
  const timeoutMs = positiveMs('timeoutMs', options.timeoutMs, 10_000);
  const connectTimeoutMs = positiveMs('connectTimeoutMs', options.connectTimeoutMs, Math.min(30_000, timeoutMs * 3));
  const retryInitial = positiveMs('retryInitialDelayMs', options.retryInitialDelayMs, Math.min(1_000, intervalMs));
  const retryMax = positiveMs('retryMaxDelayMs', options.retryMaxDelayMs, intervalMs);
  const warnEveryMs = positiveMs('warnEveryMs', options.warnEveryMs, 60_000);
  const stopTimeoutMs = positiveMs('stopTimeoutMs', options.stopTimeoutMs, 3_000);
  const port = options.port ?? options.arklet.port;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ERR_TUNNEL_INVALID_OPTIONS('port', `${port} is not a port number`);
  const logger = options.logger ?? silentLogger;
  const arklet = options.arklet;

  const { meta, statusOf } = announcedBase(options, arklet.baseIdentity, port, logger, 'the heartbeat announces');
  const url = `${endpoint}/heartbeat`;
  const baselineUrl = `${endpoint}/queryBaseline`;

  const { Agent, request } = createRequire(import.meta.url)('undici') as typeof Undici;
  const agent = new Agent({
    connect: { timeout: connectTimeoutMs },
    keepAliveTimeout: Math.max(1_000, intervalMs * 2),
  });
  const stats: HeartbeatStats = {
    delivered: 0,
    failed: 0,
    consecutiveFailures: 0,
    lastDeliveredAt: undefined,
    baselineFetched: false,
  };
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let inflight: Promise<boolean> | undefined;
  let lastWarnAt = 0;
  let baselineRunning = false;

  const post = async (target: string, body: unknown): Promise<{ status: number; text: string }> => {
    const res = await request(target, {
      method: 'POST',
      dispatcher: agent,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      signal: AbortSignal.timeout(timeoutMs + connectTimeoutMs),
    });
    const text = await res.body.text();
    return { status: res.statusCode, text };
  };

  const send = async (state: BaseState): Promise<boolean> => {
    const payload = statusOf(state);
    try {
      const res = await post(url, payload);
      if (res.status < 200 || res.status >= 300) {
        throw new Error(`module-controller answered HTTP ${res.status}${res.text ? `: ${res.text.slice(0, 200)}` : ''}`);
      }
      if (state !== 'activated') return true;
      const failures = stats.consecutiveFailures;
      stats.delivered++;
      stats.consecutiveFailures = 0;
      stats.lastDeliveredAt = Date.now();
      if (stats.delivered === 1) logger.info({ url, identity: meta.identity, port }, 'heartbeat: registered with module-controller');
      else if (failures > 0) logger.info({ url, failures }, 'heartbeat: module-controller reachable again');
      else logger.debug({ url }, 'heartbeat delivered');
      if (options.queryBaseline && !stats.baselineFetched && !baselineRunning && !stopped) void fetchBaseline();
      return true;
    } catch (err) {
      if (state !== 'activated') throw err;
      stats.failed++;
      stats.consecutiveFailures++;
      const now = Date.now();
      const detail = { url, err: errInfo(err), failures: stats.consecutiveFailures, retryInMs: retryDelay() };
      if (stats.consecutiveFailures === 1 || now - lastWarnAt >= warnEveryMs) {
        lastWarnAt = now;
        logger.warn(detail, 'heartbeat: module-controller unreachable, retrying with backoff');
      } else {
        logger.debug(detail, 'heartbeat failed');
      }
      return false;
    }
  };

  const retryDelay = (): number =>
    Math.min(retryMax, retryInitial * 2 ** Math.max(0, Math.min(30, stats.consecutiveFailures - 1)));

  const fetchBaseline = async (): Promise<void> => {
    baselineRunning = true;
    try {
      const res = await post(baselineUrl, meta);
      if (res.status !== 200) throw new Error(`module-controller answered HTTP ${res.status}`);
      const parsed: unknown = JSON.parse(res.text);
      if (!Array.isArray(parsed)) throw new Error('queryBaseline did not answer a JSON array');
      const models = parsed.filter((m): m is BizModel => typeof m === 'object' && m !== null) as BizModel[];
      stats.baselineFetched = true;
      logger.info({ count: models.length }, 'heartbeat: baseline received from module-controller');
      if (stopped) return;
      if (options.onBaseline) await options.onBaseline(models);
      else if (models.length > 0) {
        const out = await arklet.execute('batchInstallBiz', { bizList: models });
        const level = out.code === 'SUCCESS' ? 'info' : 'warn';
        logger[level]({ code: out.code, message: out.message }, 'heartbeat: baseline installed through batchInstallBiz');
      }
    } catch (err) {
      logger.warn({ url: baselineUrl, err: errInfo(err) }, 'heartbeat: queryBaseline failed; retried after the next heartbeat');
    } finally {
      baselineRunning = false;
    }
  };

  const tick = (): void => {
    timer = undefined;
    if (stopped) return;
    const started = Date.now();
    const p = send('activated');
    inflight = p;
    void p.then((ok) => {
      if (inflight === p) inflight = undefined;
      if (stopped) return;
      const delay = ok ? Math.max(0, intervalMs - (Date.now() - started)) : retryDelay();
      schedule(delay);
    });
  };

  const schedule = (delay: number): void => {
    if (stopped) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(tick, delay);
    timer.unref();
  };

  let stopping: Promise<void> | undefined;
  const tunnel: HeartbeatTunnel = {
    url,
    identity: meta.identity,
    baseMetadata: { ...meta },
    status: (state = 'activated') => statusOf(state),
    get stats() {
      return { ...stats };
    },
    async beat() {
      if (stopped) return false;
      return send('activated');
    },
    stop(opts = {}) {
      stopping ??= (async () => {
        stopped = true;
        if (timer) clearTimeout(timer);
        timer = undefined;
        const graceful = opts.graceful ?? true;
        if (inflight) await Promise.race([inflight, sleep(stopTimeoutMs)]);
        if (graceful) {
          try {
            await Promise.race([
              send('deactivated'),
              sleep(stopTimeoutMs).then(() => {
                throw new Error(`no answer within ${stopTimeoutMs} ms`);
              }),
            ]);
            logger.info({ url, identity: meta.identity }, 'heartbeat: deactivated heartbeat sent');
          } catch (err) {
            logger.warn({ url, err: errInfo(err) }, 'heartbeat: the final deactivated heartbeat failed');
          }
        }
        await agent.destroy().catch(() => undefined);
      })();
      return stopping;
    },
  };

  tick();
  return tunnel;
}

/** Validates the endpoint (scheme required, like Java's `new URL(endpoint + "/heartbeat")`); strips trailing `/`. */
export function checkEndpoint(endpoint: unknown): string {
  if (typeof endpoint !== 'string' || endpoint.trim() === '') {
    throw new ERR_TUNNEL_INVALID_OPTIONS('endpoint', 'the module-controller URL is required (koupleless.arklet.http.heartbeat.endpoint)');
  }
  const text = endpoint.trim().replace(/\/+$/, '');
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    throw new ERR_TUNNEL_INVALID_OPTIONS('endpoint', `"${endpoint}" is not a URL; include the scheme, e.g. http://module-controller:7777`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new ERR_TUNNEL_INVALID_OPTIONS('endpoint', `"${endpoint}" must start with http:// or https://, e.g. http://module-controller:7777`);
  }
  return text;
}
