/**
 * Request routing into module workers: which module version serves each context path (the routing
 * table, changed only through the intent-named methods below), and the dispatch of requests and
 * `Upgrade`s by the first path segment, with the edge answers the runtime gives itself for a module that
 * is starting, broken, serves no HTTP or accepts no upgrades (docs/errors.md).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { BizRecord } from './biz-record.js';
import {
  ERR_ROUTE_NO_HANDLER,
  ERR_ROUTE_STARTING,
  ERR_ROUTE_UPGRADE_UNSUPPORTED,
  ERR_ROUTE_WORKER_GONE,
} from './errors.js';
import { sendEdgeError } from './http/edge-errors.js';
import { sendRawEdgeError } from './http/raw-response.js';
import { RoutingTable, type RouteEntry } from './http/routing-table.js';
import type { MetricsRegistry } from './metrics/module-metrics.js';
import type { RelayRoute } from './relay/connection-relay.js';
import { isModuleHealthPath, writeModuleHealth } from './module-health.js';
import type { BizHealth } from './types.js';
import type { WorkerHost } from './worker/worker-host.js';

/** A request URL's route: its entry, the URL without the prefix, and the prefix. */
interface RouteMatch {
  route: RouteEntry;
  rest: string;
  prefix: string;
}

/** The routing table of one runtime and the dispatch of requests through it. */
export class ModuleRouter {
  private readonly routes = new RoutingTable();

  /**
   * @param meters Counts the edge answers given here.
   * @param healthOf A module version's health, for `<path>/actuator/health`.
   */
  constructor(
    private readonly meters: MetricsRegistry,
    private readonly healthOf: (identity: string) => Promise<BizHealth>,
  ) {}

  /* ------------------------------------------------------------------------------------- route changes */

  /** Holds a free context path for a version being installed (requests get 503 until it is served). */
  claim(rec: BizRecord): void {
    if (!this.routes.get(rec.webContextPath)) this.starting(rec);
  }

  /** Points the path at a version whose worker is (re)starting: requests get 503 meanwhile. */
  starting(rec: BizRecord): void {
    this.routes.set(rec.webContextPath, { identity: rec.identity, bizName: rec.bizName, host: undefined, status: 'starting' });
  }

  /** Points the path at a version's worker in one `Map.set`: later requests go there, in-flight ones finish. */
  serve(rec: BizRecord, host: WorkerHost | undefined): void {
    this.routes.set(rec.webContextPath, { identity: rec.identity, bizName: rec.bizName, host, status: 'serving' });
  }

  /** Requests to a version whose worker crashed get 502, if the path is still that version's. */
  markBroken(rec: BizRecord): void {
    const route = this.routes.get(rec.webContextPath);
    if (route?.identity === rec.identity) {
      this.routes.set(rec.webContextPath, { ...route, host: undefined, status: 'broken' });
    }
  }

  /** Frees the path, only if it is still this version's (a switch may have given it to another). */
  unroute(rec: BizRecord): void {
    this.routes.delete(rec.webContextPath, rec.identity);
  }

  /** Every context path currently routed. */
  paths(): string[] {
    return this.routes.paths();
  }

  /* ------------------------------------------------------------------------------------------ dispatch */

  /** True when a request URL lies under a module's context path (installed, starting or broken). */
  isModulePath(url: string | undefined): boolean {
    return this.match(url) !== undefined;
  }

  /** Routes a request; false (and nothing touched) when no module owns its path. */
  handle(req: IncomingMessage, res: ServerResponse): boolean {
    const m = this.match(req.url);
    if (!m) return false;
    const { route, rest, prefix } = m;
    if ((req.method === 'GET' || req.method === 'HEAD') && isModuleHealthPath(rest)) {
      req.resume();
      void this.healthOf(route.identity).then((h) => writeModuleHealth(h, res));
      return true;
    }
    const host = route.host;
    if (route.status === 'starting' || !host) {
      req.resume();
      if (route.status === 'broken') {
        sendEdgeError(res, 502, ERR_ROUTE_WORKER_GONE.code, `Module ${route.identity} is broken`);
        this.meters.answered(route.identity, req.method, 502, ERR_ROUTE_WORKER_GONE.code);
      } else {
        sendEdgeError(res, 503, ERR_ROUTE_STARTING.code, `Module ${route.identity} is starting`, { 'retry-after': '1' });
        this.meters.answered(route.identity, req.method, 503, ERR_ROUTE_STARTING.code);
      }
      return true;
    }
    if (host.started?.serves === 'none') {
      req.resume();
      sendEdgeError(res, 404, ERR_ROUTE_NO_HANDLER.code, `Module ${route.identity} serves no HTTP`);
      this.meters.answered(route.identity, req.method, 404, ERR_ROUTE_NO_HANDLER.code);
      return true;
    }
    host.forward(req, res, rest, prefix);
    return true;
  }

  /**
   * The module version a request can be relayed to directly (relay/connection-relay.ts): its path is
   * served by a started worker that serves HTTP (and accepts upgrades, for an upgrade). Anything else
   * (unknown path, starting, broken, the module's health path) is left to {@link ModuleRouter.handle}.
   */
  relayRoute(target: string, method: string, upgrade: boolean): RelayRoute | undefined {
    const m = this.match(target);
    if (!m) return undefined;
    const host = m.route.host;
    if (m.route.status !== 'serving' || !host || host.proxy.isClosed) return undefined;
    const started = host.started;
    if (started === undefined || started.serves === 'none' || (upgrade && !started.upgrade)) return undefined;
    if (method === 'CONNECT' || ((method === 'GET' || method === 'HEAD') && isModuleHealthPath(m.rest))) return undefined;
    return { module: host.proxy, rest: m.rest, prefix: m.prefix };
  }

  /** Routes an `Upgrade` request; false (and nothing touched) when no module owns its path. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const m = this.match(req.url);
    if (!m) return false;
    const { route, rest, prefix } = m;
    const host = route.host;
    if (route.status === 'starting' || !host) {
      if (route.status === 'broken') {
        sendRawEdgeError(socket, 502, ERR_ROUTE_WORKER_GONE.code, `Module ${route.identity} is broken`);
        this.meters.answered(route.identity, req.method, 502, ERR_ROUTE_WORKER_GONE.code);
      } else {
        const message = `Module ${route.identity} is starting`;
        sendRawEdgeError(socket, 503, ERR_ROUTE_STARTING.code, message, ['retry-after', '1']);
        this.meters.answered(route.identity, req.method, 503, ERR_ROUTE_STARTING.code);
      }
      return true;
    }
    if (!host.started?.upgrade) {
      sendRawEdgeError(
        socket,
        400,
        ERR_ROUTE_UPGRADE_UNSUPPORTED.code,
        `Module ${route.identity} does not accept "${req.headers.upgrade ?? ''}" upgrades (it exports neither upgrade nor server)`,
      );
      this.meters.answered(route.identity, req.method, 400, ERR_ROUTE_UPGRADE_UNSUPPORTED.code);
      return true;
    }
    host.upgrade(req, socket, head, rest, prefix);
    return true;
  }

  /** The route of a request URL, by its first path segment. */
  private match(url: string | undefined): RouteMatch | undefined {
    if (url === undefined || url.charCodeAt(0) !== 47 /* / */) return undefined;
    let end = 1;
    while (end < url.length) {
      const c = url.charCodeAt(end);
      if (c === 47 || c === 63 /* ? */) break;
      end++;
    }
    const route = this.routes.get(url.slice(1, end));
    if (!route) return undefined;
    let rest = url.slice(end);
    if (rest.length === 0 || rest.charCodeAt(0) === 63) rest = `/${rest}`;
    return { route, rest, prefix: url.slice(0, end) };
  }
}
