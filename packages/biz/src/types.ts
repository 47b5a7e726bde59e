/**
 * The module (biz) contract, as fixed by docs/module-contract.md.
 *
 * Everything here is structural: a module that never imports `@nodeark/biz` and exports a plain object with
 * the same members works identically (the runtime duck-types the default export).
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';

/** Health status vocabulary shared with Spring Boot Actuator (docs/reference/health-semantics.md § Status model). */
export type HealthStatus = 'UP' | 'DOWN' | 'OUT_OF_SERVICE' | 'UNKNOWN' | (string & {});

/** What a health indicator returns. `details` is free-form JSON. */
export interface HealthResult {
  status: HealthStatus;
  details?: Record<string, unknown>;
}

/** A health indicator: sync or async, returning a {@link HealthResult}. Throwing means `DOWN` with the error. */
export type HealthIndicator = () => HealthResult | Promise<HealthResult>;

/** Minimal structured logger handed to modules (pino-compatible call shapes). */
export interface BizLogger {
  trace(msg: string, ...args: unknown[]): void;
  debug(msg: string, ...args: unknown[]): void;
  info(msg: string, ...args: unknown[]): void;
  warn(msg: string, ...args: unknown[]): void;
  error(msg: string, ...args: unknown[]): void;
  fatal(msg: string, ...args: unknown[]): void;
}

/** The context passed to every lifecycle hook and request handler. */
export interface BizContext {
  /** The module's name (`bizName`). */
  readonly bizName: string;
  /** The module's version (`bizVersion`). */
  readonly bizVersion: string;
  /** The context path the module is served under, without slashes (e.g. `biz1`). */
  readonly webContextPath: string;
  /** `args` from the install request (Arklet `installBiz.args`). */
  readonly args: readonly string[];
  /** `envs` from the install request; also the worker's whole `process.env`. */
  readonly env: Readonly<Record<string, string>>;
  /** A logger whose lines are tagged with the module identity. */
  readonly logger: BizLogger;
  /** Aborted when the module is being stopped (uninstall, base shutdown). */
  readonly signal: AbortSignal;
}

/** A web-standard fetch handler (Hono-style apps). The URL has the context prefix stripped. */
export type BizFetchHandler = (request: Request, ctx: BizContext) => Response | Promise<Response>;

/** A Node `(req, res)` listener (Express, Koa's `callback()`, a plain `http` handler). */
export type BizNodeHandler = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * An HTTP `Upgrade` listener (WebSocket): the signature of node:http's `'upgrade'` event. `socket` is a
 * real Duplex relayed to the client connection, `head` the bytes the client sent after its request head.
 */
export type BizUpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;

/** The object a module's entry exports as default (or returns from its default-exported function). */
export interface BizDefinition {
  /** Called once after the worker loads the module; the module is `activated` when it resolves. */
  start?(ctx: BizContext): void | Promise<void>;
  /** Called on uninstall or shutdown: finish in-flight work and close resources. Bounded by a timeout. */
  stop?(ctx: BizContext): void | Promise<void>;
  /** Web-standard request handler. Takes precedence over `handler` when both exist. */
  fetch?: BizFetchHandler;
  /** Node `(req, res)` request listener (Express, Koa's `callback()`). */
  handler?: BizNodeHandler;
  /**
   * An `http.Server` the module created and never listens on (`http.createServer(app)`, NestJS's
   * `app.getHttpServer()`, the server socket.io attaches to). The base hands it its connections, so its
   * `'request'`, `'upgrade'` and `'checkContinue'` listeners run as on a listening server. Takes
   * precedence over `fetch` and `handler`.
   */
  server?: Server;
  /** `Upgrade` requests (WebSocket) for a `fetch` or `handler` module; with `server`, its `'upgrade'` event. */
  upgrade?: BizUpgradeHandler;
  /** Named health indicators, reported under the module in `/actuator/health`. */
  health?: Record<string, HealthIndicator>;
}

/** What the entry may default-export: the definition or a (possibly async) factory of it. */
export type BizModuleExport = BizDefinition | (() => BizDefinition | Promise<BizDefinition>);

/** The `nodeark` section of a module's `package.json`. Every field is optional. */
export interface BizManifest {
  /** Defaults to the package name without its scope. */
  bizName?: string;
  /** Defaults to the package version. */
  bizVersion?: string;
  /** Defaults to `bizName`. */
  webContextPath?: string;
  /** Lower installs first in batch and static deployment. Defaults to 100. */
  priority?: number;
  /**
   * Rewrite what the module aims at its own root (`Location: /x`, cookie `Path=/x`) to its mount point
   * `/<webContextPath>/x`. Defaults to true; set false for an app that builds its URLs from
   * `x-forwarded-prefix` in ways the rewrite cannot recognise.
   */
  mountRewrite?: boolean;
}
