/**
 * `nodearkPlugin`: embed nodeark into an existing fastify app. Module traffic is taken in an `onRequest`
 * hook (before body parsing, so the raw request stream is intact) and the reply is hijacked; every other
 * request continues through the app. The Arklet API still gets its own port.
 *
 * Prefer `createBase()` for a dedicated base: it routes module traffic before fastify's router at all.
 */
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { assemble } from './assemble.js';
import type { NodearkConfig } from './config/load-config.js';
import type { NodearkLogger } from './logger.js';
import type { ReplayStore } from './replay.js';
import { runStartup } from './startup.js';
import { attachServices, type BaseServices } from './services.js';
import { routeUpgrades } from './upgrade-routing.js';

/** Options of {@link nodearkPlugin}. */
export interface NodearkPluginOptions {
  /** Configuration by dotted key (see docs/configuration.md); `server.*` keys are ignored (the app listens). */
  config?: Record<string, unknown>;
  /** A JSON config file. */
  configFile?: string;
  /** Environment to read configuration from. Default `process.env`. */
  env?: Record<string, string | undefined>;
  /** A logger, such as the app's own (`app.log`) or any pino logger; default: a new one from `logging.*`. */
  logger?: NodearkLogger;
}

/** What the plugin decorates the app with, as `app.nodeark`. */
export interface NodearkDecoration extends BaseServices {
  readonly config: NodearkConfig;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** nodeark's runtime and services (added by `nodearkPlugin`). */
    nodeark: NodearkDecoration;
  }
}

const plugin: FastifyPluginAsync<NodearkPluginOptions> = async (app: FastifyInstance, options) => {
  const { config, logger, baseLog, runtime } = assemble(options);
  const services = await attachServices({ app, runtime, config, logger });
  let replay: ReplayStore | undefined;
  app.decorate('nodeark', Object.assign(Object.create(services) as BaseServices, { config }) as NodearkDecoration);

  routeUpgrades(app.server, runtime);
  app.addHook('onRequest', async (request, reply) => {
    if (isUpgrade(request.raw)) {
      // An upgrade reaches the hooks only when another 'upgrade' listener (such as @fastify/websocket) routes
      // it through fastify. nodeark's own listener relays those under a module's path: leave them alone.
      if (runtime.isModulePath(request.raw.url)) {
        reply.hijack();
        return reply;
      }
      return undefined;
    }
    if (runtime.handle(request.raw, reply.raw)) {
      reply.hijack();
      return reply;
    }
    return undefined;
  });

  // Start the Arklet API and static modules once the app is listening; close everything with the app.
  app.addHook('onListen', async () => {
    await services.startArklet();
    services.markStarted();
    try {
      replay = await runStartup(runtime, config, baseLog, services);
    } catch (err) {
      baseLog.error({ err: (err as Error).message }, 'base startup failed');
    }
    // Ready: load the install path now, while nothing waits for it (it is not loaded at start).
    void runtime.warmUp();
  });
  // Modules drain (bounded by nodeark.biz.drain-timeout) and stop while the server closes: the server waits
  // for every request in flight, and a module's long poll or live stream would otherwise hold it open.
  let stopping: Promise<void> | undefined;
  const stopModules = (): Promise<void> =>
    (stopping ??= (async () => {
      await replay?.close();
      await runtime.close();
    })());
  app.addHook('preClose', async () => {
    services.markShuttingDown();
    // Not awaited here (a hook has a time limit); onClose waits for it.
    stopModules().catch((err: unknown) => baseLog.error({ err: (err as Error).message }, 'stopping modules failed'));
  });
  app.addHook('onClose', async () => {
    await stopModules();
    await services.closeServices();
  });
};

/** An HTTP `Upgrade` request (`Connection: upgrade` and an `Upgrade` header). */
function isUpgrade(req: IncomingMessage): boolean {
  const connection = req.headers.connection;
  return req.headers.upgrade !== undefined && connection !== undefined && /(^|,)\s*upgrade\s*(,|$)/i.test(connection);
}

/**
 * The fastify plugin: `await app.register(nodearkPlugin, { config: { … } })`. Not encapsulated: its
 * onRequest hook must see every request of the app. fastify-plugin also refuses, with a clear message, a
 * fastify outside the supported major.
 */
export const nodearkPlugin = fp(plugin, { fastify: '5.x', name: 'nodeark' });
