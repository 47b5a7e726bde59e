/**
 * The web console (docs/console.md), mounted on the base's fastify app when `nodeark.console.enabled` is
 * true; this module is imported only then, so a base without the console loads none of it.
 *
 * Under the console path (`nodeark.console.path`, `/nodeark/console` by default):
 *
 * | route | what |
 * |---|---|
 * | `GET <path>/`, `console.js`, `console.css` | the page, its script and style sheet (no data in them) |
 * | `GET <path>/api/state` | the console state as JSON ({@link ConsoleState}) |
 * | `GET <path>/api/events` | the same state as Server-Sent Events: at once, every 2 s and after each transition |
 * | `POST <path>/api/arklet/<command>` | installBiz, switchBiz, uninstallBiz relayed to the Arklet (arklet-relay.ts) |
 *
 * `api/*` is checked by console-access.ts before anything else is read.
 */
import type { ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { BODY_LIMIT } from '@nodeark/arklet';
import {
  redactUrl,
  type BizHealth,
  type BizRuntime,
  type BizTransitionEvent,
  type RuntimeMetricsSnapshot,
} from '@nodeark/runtime';
import { ERR_CONFIG_INVALID_VALUE } from '../errors.js';
import type { Logger } from '../logger.js';
import { ActivityLog } from './activity-log.js';
import { envelopeSummary, relayToArklet } from './arklet-relay.js';
import { loadConsoleAssets, type ConsoleAsset } from './console-assets.js';
import { consoleAccess } from './console-access.js';
import { isLoopbackAddress } from '../loopback.js';
import { consoleState } from './console-state.js';
import { HISTORY_INTERVAL_MS, MetricsHistory } from './metrics-history.js';

/** What {@link mountConsole} needs. */
export interface MountConsoleOptions {
  app: FastifyInstance;
  runtime: BizRuntime;
  logger: Logger;
  /** `nodeark.console.path`. */
  path: string;
  /** `nodeark.arklet.auth.token`: required on `api/*` when set. */
  token: string | undefined;
  /** `server.address`, to tell the operator who can use a console without a token. */
  serverAddress: string | undefined;
  /** The base itself (shown in the header). */
  masterBiz: { bizName: string; bizVersion: string };
  /** The Arklet's URL once it listens. */
  arkletUrl(): string | undefined;
}

/** Security headers of every console answer; the page loads only its own files (docs/console.md § Security). */
const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cache-control': 'no-store',
};
const PAGE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; " +
  "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** A module's health is refreshed at most this often, ms (it asks the module's own indicators). */
const HEALTH_INTERVAL_MS = 4_000;
/** After a transition the page is updated within this delay, ms (transitions come in bursts). */
const TRANSITION_PUSH_DELAY_MS = 50;

/** `nodeark.console.path` normalised: a leading `/`, no trailing one, path-safe segments. */
export function normaliseConsolePath(raw: string): string {
  const p = `/${raw.trim().replace(/^\/+|\/+$/g, '')}`;
  if (p === '/' || !/^(\/[A-Za-z0-9._~-]+)+$/.test(p) || p.split('/').some((s) => s === '.' || s === '..')) {
    throw new ERR_CONFIG_INVALID_VALUE(
      JSON.stringify(raw),
      'nodeark.console.path',
      'configuration',
      'use an absolute path of one or more segments (letters, digits, . _ ~ -), such as /nodeark/console',
    );
  }
  return p;
}

/** Registers the console's routes on `app` and starts its 2-second sampler; both end when `app` closes. */
export async function mountConsole(o: MountConsoleOptions): Promise<{ path: string }> {
  const path = normaliseConsolePath(o.path);
  const assets = await loadConsoleAssets();
  const log = o.logger;
  const history = new MetricsHistory();
  const activity = new ActivityLog();
  const health = new Map<string, BizHealth>();
  const clients = new Set<ServerResponse>();
  const tokenRequired = Boolean(o.token);

  const state = (snapshot?: RuntimeMetricsSnapshot): string =>
    JSON.stringify(
      consoleState({
        runtime: o.runtime,
        history,
        health,
        activity,
        masterBiz: o.masterBiz,
        tokenRequired,
        ...(snapshot ? { snapshot } : {}),
      }),
    );
  const broadcast = (snapshot?: RuntimeMetricsSnapshot): void => {
    if (clients.size === 0) return;
    const frame = `event: state\ndata: ${state(snapshot)}\n\n`;
    for (const res of clients) res.write(frame);
  };

  let healthAt = 0;
  let healthRunning = false;
  const refreshHealth = async (force = false): Promise<void> => {
    if (healthRunning || (!force && Date.now() - healthAt < HEALTH_INTERVAL_MS)) return;
    healthRunning = true;
    try {
      const live = o.runtime.list().filter((b) => b.bizState === 'activated' || b.bizState === 'deactivated');
      const results = await Promise.all(
        live.map(async (b) => [b.identity, await o.runtime.health(b.identity)] as const),
      );
      health.clear();
      for (const [id, h] of results) health.set(id, h);
      healthAt = Date.now();
    } catch (err) {
      log.debug({ err: (err as Error).message }, 'console health refresh failed');
    } finally {
      healthRunning = false;
    }
  };

  history.add(o.runtime.metrics());
  const sampler = setInterval(() => {
    // One snapshot per tick, for the history and the pages (each reads every worker's CPU time from /proc).
    const snapshot = o.runtime.metrics();
    history.add(snapshot);
    if (clients.size === 0) return;
    void refreshHealth().finally(() => broadcast(snapshot));
  }, HISTORY_INTERVAL_MS);
  sampler.unref();

  let pushTimer: NodeJS.Timeout | undefined;
  const onTransition = (e: BizTransitionEvent): void => {
    activity.transition(e);
    if (clients.size === 0 || pushTimer) return;
    pushTimer = setTimeout(() => {
      pushTimer = undefined;
      void refreshHealth(true).finally(() => broadcast());
    }, TRANSITION_PUSH_DELAY_MS);
  };
  const onCrash = (e: { identity: string; error: Error }): void =>
    activity.operation({ time: Date.now(), operation: 'crash', target: e.identity, outcome: 'crashed', message: e.error.message });
  const onStuck = (e: { identity: string; utilization: number; action: string }): void =>
    activity.operation({
      time: Date.now(),
      operation: 'watchdog',
      target: e.identity,
      outcome: e.action,
      message: `event loop ${Math.round(e.utilization * 100)} % busy`,
    });
  o.runtime.on('transition', onTransition);
  o.runtime.on('crash', onCrash);
  o.runtime.on('stuck', onStuck);

  const sendAsset = (reply: FastifyReply, asset: ConsoleAsset, extra: Record<string, string> = {}): FastifyReply =>
    reply.headers({ ...SECURITY_HEADERS, ...extra, 'content-type': asset.contentType }).send(asset.body);
  const sendError = (reply: FastifyReply, err: Error & { code?: string; statusCode?: number }): FastifyReply => {
    const statusCode = err.statusCode ?? 500;
    if (statusCode === 401) reply.header('www-authenticate', 'Bearer realm="nodeark console"');
    return reply
      .code(statusCode)
      .headers(SECURITY_HEADERS)
      .send({ statusCode, code: err.code, error: statusText(statusCode), message: err.message });
  };

  await o.app.register(async (scope) => {
    // Action bodies go to the Arklet unparsed; twice its limit, so that an oversized body gets the Arklet's 413.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: 2 * BODY_LIMIT }, (_req, body, done) =>
      done(null, body),
    );
    scope.get(path, async (request, reply) => {
      const query = request.url.slice(path.length);
      return reply.headers(SECURITY_HEADERS).redirect(`${path}/${query}`, 308);
    });
    scope.get(`${path}/`, async (_req, reply) => sendAsset(reply, assets['index.html'], { 'content-security-policy': PAGE_CSP }));
    scope.get(`${path}/console.js`, async (_req, reply) => sendAsset(reply, assets['console.js']));
    scope.get(`${path}/console.css`, async (_req, reply) => sendAsset(reply, assets['console.css']));

    // The data and the actions, in a scope of their own whose every request passes the access check: the
    // check does not depend on reading the URL (fastify routes on the decoded path, `%61pi/` reaches `api/`).
    await scope.register(async (api) => {
      api.addHook('onRequest', async (request, reply) => {
        const denied = consoleAccess(request.raw, o.token);
        if (denied) return sendError(reply, denied);
        return undefined;
      });

      api.get(`${path}/api/state`, async (_req, reply) => {
        await refreshHealth();
        return reply.headers({ ...SECURITY_HEADERS, 'content-type': 'application/json; charset=utf-8' }).send(state());
      });

      api.get(`${path}/api/events`, async (request, reply) => {
        reply.hijack();
        const res = reply.raw;
        res.writeHead(200, {
          ...SECURITY_HEADERS,
          'content-type': 'text/event-stream; charset=utf-8',
          'x-accel-buffering': 'no',
        });
        // Registered before the health refresh below: a client that leaves meanwhile is removed, and a close
        // meanwhile ends this stream too.
        clients.add(res);
        res.on('close', () => clients.delete(res));
        request.raw.socket?.setNoDelay(true);
        res.write(`retry: ${HISTORY_INTERVAL_MS}\n\n`);
        await refreshHealth();
        if (!res.destroyed && !res.writableEnded) res.write(`event: state\ndata: ${state()}\n\n`);
      });

      api.post<{ Params: { command: string } }>(`${path}/api/arklet/:command`, async (request, reply) => {
        const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
        const command = request.params.command;
        let answer;
        try {
          answer = await relayToArklet({ arkletUrl: o.arkletUrl, token: o.token }, command, body);
        } catch (err) {
          return sendError(reply, err as Error);
        }
        const { outcome, message } = envelopeSummary(answer);
        activity.operation({ time: Date.now(), operation: command, target: targetOf(body), outcome, message });
        log.info({ command, outcome }, 'console action relayed to the Arklet');
        broadcast();
        return reply.code(answer.status).headers(SECURITY_HEADERS).header('content-type', answer.contentType).send(answer.body);
      });
    });
  });

  // Open event streams would hold the server's close forever: end them first.
  o.app.addHook('preClose', async () => {
    clearInterval(sampler);
    if (pushTimer) clearTimeout(pushTimer);
    o.runtime.off('transition', onTransition);
    o.runtime.off('crash', onCrash);
    o.runtime.off('stuck', onStuck);
    for (const res of clients) res.end();
    clients.clear();
  });

  const address = o.serverAddress ?? '0.0.0.0';
  log.info(
    { path, access: tokenRequired ? 'token' : 'loopback' },
    tokenRequired
      ? 'console enabled: its data and actions need the Arklet token'
      : isLoopbackAddress(address) || address === 'localhost'
        ? 'console enabled on loopback'
        : 'console enabled for clients on this machine only: set nodeark.arklet.auth.token to use it from elsewhere',
  );
  return { path };
}

/** What the module the action names: the bizUrl of an install (credentials redacted), else `name:version`. */
function targetOf(body: Buffer): string {
  try {
    const input = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
    if (typeof input['bizUrl'] === 'string') return redactUrl(input['bizUrl']);
    const name = typeof input['bizName'] === 'string' ? input['bizName'] : '?';
    const version = typeof input['bizVersion'] === 'string' ? input['bizVersion'] : '?';
    return `${name}:${version}`;
  } catch {
    return '(not JSON)';
  }
}

function statusText(status: number): string {
  return ({ 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 503: 'Service Unavailable' } as Record<number, string>)[status] ?? 'Error';
}
