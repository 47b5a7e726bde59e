/**
 * `createBase()`: a standalone nodeark base — one fastify server on `server.port` that serves modules
 * under their context paths and `/actuator/*`, the Arklet API on its own port, static deployment at
 * startup and graceful shutdown (docs/module-contract.md;).
 *
 * Module traffic is routed before fastify sees it: the connection relay sends requests for serving
 * modules from the client connection to the module's own server byte for byte (relay/ in the runtime),
 * and what it hands to the server is checked by a `serverFactory` wrapper first (a module that is
 * starting or broken, or with `nodeark.server.relay=false`), so module requests pay no framework cost.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { fastify, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { ERR_ROUTE_NOT_FOUND } from '@nodeark/runtime';
import { assemble } from './assemble.js';
import { lazySchemaController, restoreDefaultCompilerFlags } from '@nodeark/arklet/lazy-schema-compilers';
import type { NodearkConfig } from './config/load-config.js';
import type { NodearkLogger } from './logger.js';
import type { ReplayStore } from './replay.js';
import { runStartup } from './startup.js';
import { attachServices, type BaseServices } from './services.js';
import { routeUpgrades } from './upgrade-routing.js';

/** Options of {@link createBase}. */
export interface CreateBaseOptions {
  /** Configuration values by dotted key (`{ 'server.port': 0 }`), applied after a config file. */
  config?: Record<string, unknown>;
  /** A JSON config file. */
  configFile?: string;
  /** CLI arguments (`--key=value`, `--config file`). */
  argv?: string[];
  /** Environment to read configuration from. Default `process.env`; `{}` ignores it. */
  env?: Record<string, string | undefined>;
  /** A logger to use instead of creating one: any pino logger, or fastify's `app.log`. */
  logger?: NodearkLogger;
}

/** A running (or ready to run) base. */
export interface NodearkBase extends BaseServices {
  /** Resolved configuration. */
  readonly config: NodearkConfig;
  /** The base's fastify instance: add your own routes before {@link NodearkBase.listen}. */
  readonly app: FastifyInstance;
  /** The base's root logger (lines without a `component`; bind your own with `child`). */
  readonly logger: NodearkLogger;
  /** Starts the Arklet API, listens on `server.port`, deploys static modules, marks the base ready. */
  listen(): Promise<{ url: string; arkletUrl: string }>;
  /** Graceful shutdown: readiness down, stop accepting, drain, stop modules in reverse priority, close. */
  close(): Promise<void>;
  /** The base URL once listening (`http://127.0.0.1:8080`). */
  readonly url: string | undefined;
}

/** Creates a standalone base from configuration. Nothing listens until `listen()`. */
export async function createBase(options: CreateBaseOptions = {}): Promise<NodearkBase> {
  const { config, logger, baseLog, runtime } = assemble(options);

  let moduleHandler: (req: IncomingMessage, res: ServerResponse) => boolean = () => false;
  const app: FastifyInstance = fastify({
    loggerInstance: logger.child({ component: 'http' }, { level: 'warn' }) as unknown as FastifyBaseLogger,
    serverFactory: (handler) =>
      createServer((req, res) => {
        if (!moduleHandler(req, res)) handler(req, res);
      }),
    schemaController: lazySchemaController(),
  });
  restoreDefaultCompilerFlags(app);
  moduleHandler = (req, res) => runtime.handle(req, res);
  routeUpgrades(app.server, runtime);
  // Module requests skip the server's parsing altogether: the relay reads each request head and sends the
  // bytes to the module's own server; what it does not relay still reaches the handler above.
  const relay = config.get('nodeark.server.relay') ? runtime.relayConnections(app.server) : undefined;

  const services = await attachServices({ app, runtime, config, logger });

  app.setNotFoundHandler((request, reply) => {
    runtime.countEdgeError(ERR_ROUTE_NOT_FOUND.code);
    void reply.code(404).send({
      statusCode: 404,
      code: ERR_ROUTE_NOT_FOUND.code,
      error: 'Not Found',
      message: `No module is served at "${request.url.split('?')[0]}"`,
    });
  });

  let url: string | undefined;
  let startedBefore = false;
  let replay: ReplayStore | undefined;
  let closing: Promise<void> | undefined;

  const base: NodearkBase = {
    runtime,
    actuator: services.actuator,
    get arklet() {
      return services.arklet;
    },
    startArklet: () => services.startArklet(),
    markStarted: () => services.markStarted(),
    markReady: () => services.markReady(),
    markFailed: (err) => services.markFailed(err),
    markShuttingDown: () => services.markShuttingDown(),
    closeServices: () => services.closeServices(),
    config,
    app,
    logger,
    get url() {
      return url;
    },
    async listen() {
      if (startedBefore) throw new Error('listen() was already called');
      startedBefore = true;
      const arkletUrl = await services.startArklet();
      const address = await app.listen({
        port: config.get('server.port'),
        host: config.get('server.address'),
      });
      url = address.replace('0.0.0.0', '127.0.0.1').replace('[::]', '127.0.0.1');
      baseLog.info({ url, arkletUrl }, 'base listening');
      services.markStarted();
      replay = await runStartup(runtime, config, baseLog, services);
      // Ready: load the install path now, while nothing waits for it (it is not loaded at start).
      void runtime.warmUp();
      return { url, arkletUrl };
    },
    close() {
      closing ??= (async () => {
        services.markShuttingDown();
        const delay = config.get('nodeark.shutdown.readiness-delay');
        if (delay > 0 && url) await new Promise((r) => setTimeout(r, delay));
        // Idle client connections close now, busy ones after their response (the server waits for them).
        relay?.shutdown();
        // Modules drain (bounded by nodeark.biz.drain-timeout) and stop while the server closes: the server
        // waits for every request in flight, and a module's long poll or live stream would hold it open.
        await Promise.all([
          app.close(),
          (async () => {
            await replay?.close();
            await runtime.close();
          })(),
        ]);
        await services.closeServices();
        baseLog.info('base stopped');
      })();
      return closing;
    },
  };
  return base;
}
