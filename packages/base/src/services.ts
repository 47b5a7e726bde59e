/**
 * Wires the Arklet API and the actuator onto a base (shared by `createBase()` and the fastify plugin):
 * configuration keys → `createArklet` / `createActuator` options, and the startup/shutdown signals.
 */
import type { FastifyInstance } from 'fastify';
import type { BizRuntime } from '@nodeark/runtime';
import { createArklet, type Arklet } from '@nodeark/arklet';
import {
  actuatorConfigFromProperties,
  actuatorKeyOf,
  createActuator,
  type Actuator,
} from '@nodeark/actuator';
// Only the tunnels' configuration at start; the tunnels themselves load when one is configured.
import { heartbeatOptionsFromConfig, mqttOptionsFromConfig } from '@nodeark/tunnels/config';
import { CONFIG_SCHEMA, type ConfigKey } from './config/config-schema.js';
import type { NodearkConfig } from './config/load-config.js';
import type { Logger } from './logger.js';
import { isLoopbackAddress } from './loopback.js';
import { pathReservation } from './path-guard.js';

/** What {@link attachServices} needs. */
export interface ServiceContext {
  app: FastifyInstance;
  runtime: BizRuntime;
  config: NodearkConfig;
  logger: Logger;
}

/** The services of a base, beyond the runtime. */
export interface BaseServices {
  /** The module host. */
  readonly runtime: BizRuntime;
  /** `/actuator/*`: register base health indicators, info contributors and plugins here. */
  readonly actuator: Actuator;
  /** The Arklet server once started (register custom commands and health indicators on it). */
  readonly arklet: Arklet | undefined;
  /** Starts the Arklet API server; resolves with its URL. */
  startArklet(): Promise<string>;
  /** The base port is listening (liveness CORRECT; static modules may still be deploying). */
  markStarted(): void;
  /** Startup finished (static modules deployed). */
  markReady(): void;
  /** Startup failed. */
  markFailed(err: Error): void;
  /** Shutdown began: readiness goes OUT_OF_SERVICE first. */
  markShuttingDown(): void;
  /** Closes the Arklet server and detaches listeners. */
  closeServices(): Promise<void>;
}

/** The master biz (the base itself) as configured. */
export function masterBizOf(config: NodearkConfig): { bizName: string; bizVersion: string } {
  return {
    bizName: config.get('spring.application.name'),
    bizVersion: config.get('nodeark.base.version'),
  };
}

/** Registers actuator routes on `app` and prepares the Arklet server. */
export async function attachServices(ctx: ServiceContext): Promise<BaseServices> {
  const { app, runtime, config, logger } = ctx;
  const masterBiz = masterBizOf(config);
  // The loader has typed and validated every value against the actuator's declarations; the actuator maps
  // them onto its option fields (its own defaults apply to the rest).
  const actuatorProps = Object.fromEntries(config.explicitEntries().filter(([k]) => actuatorKeyOf(k) !== undefined));
  const actuatorConfig = actuatorConfigFromProperties(actuatorProps);
  // Subscribed to the runtime now, before any static module installs.
  const actuator = createActuator({
    runtime,
    masterBiz,
    config: actuatorConfig,
    logger: logger.child({ component: 'actuator' }),
  });
  runtime.beforeUninstall((biz) => actuator.prepareUninstall(biz.bizName, biz.bizVersion));
  await app.register(actuator.plugin);
  // A module never shadows the host's own routes, the actuator or a reserved prefix (docs/embedding.md).
  const reserved = config.get('nodeark.biz.reserved-paths');
  runtime.admit(({ webContextPath }) =>
    pathReservation(webContextPath, {
      app,
      // The resolved path the actuator's routes use (its default applied, trailing slashes removed).
      actuatorBasePath: actuator.config.basePath,
      reserved,
    }),
  );

  let arklet: Arklet | undefined;
  const tunnels: Array<{ stop(options?: { graceful?: boolean }): Promise<void> }> = [];
  let tunnelsStopping: Promise<void> | undefined;
  const stopTunnels = (): Promise<void> =>
    (tunnelsStopping ??= Promise.all(
      tunnels.splice(0).map((t) => t.stop({ graceful: true }).catch(() => {})),
    ).then(() => {}));
  const services: BaseServices = {
    runtime,
    actuator,
    get arklet() {
      return arklet;
    },
    async startArklet() {
      const identity = config.get('koupleless.arklet.base.identity');
      const token = config.get('nodeark.arklet.auth.token');
      const host = arkletHostOf(config);
      arklet = await createArklet({
        runtime,
        masterBiz,
        port: config.get('koupleless.arklet.http.port'),
        portExplicit: config.isExplicit('koupleless.arklet.http.port'),
        host,
        ...(identity !== undefined ? { baseIdentity: identity } : {}),
        ...(token ? { authToken: token } : {}),
        logger: logger.child({ component: 'arklet' }),
      });
      if (!token && !isLoopbackAddress(host)) {
        // ModuleController must reach the Arklet, hence the 0.0.0.0 default; anyone else who can reach it
        // can install code into this process (docs/security.md § Who may drive the base).
        logger.warn(
          { component: 'arklet', host, url: arklet.url },
          'the Arklet API listens beyond loopback without authentication: set nodeark.arklet.auth.token, ' +
            'or koupleless.arklet.http.host=127.0.0.1 when only local tools drive this base',
        );
      }
      // ModuleController v2 tunnels, when configured (docs/kubernetes.md).
      const get = (key: string): unknown => config.get(key as ConfigKey);
      const wiring = { arklet, logger: logger.child({ component: 'tunnel' }) };
      const heartbeat = heartbeatOptionsFromConfig(get, wiring);
      const mqtt = mqttOptionsFromConfig(get, wiring);
      if (heartbeat || mqtt) {
        const { startHeartbeat, startMqttTunnel } = await import('@nodeark/tunnels');
        if (heartbeat) tunnels.push(startHeartbeat(heartbeat));
        if (mqtt) tunnels.push(startMqttTunnel(mqtt));
      }
      return arklet.url;
    },
    markStarted() {
      actuator.markBaseStarted();
    },
    markReady() {
      actuator.markBaseReady();
    },
    markFailed(err) {
      actuator.markBaseFailed(err);
    },
    markShuttingDown() {
      actuator.markShuttingDown();
      // Tell the controller first (final `deactivated` heartbeat) so it stops sending installs here.
      void stopTunnels();
    },
    async closeServices() {
      await stopTunnels();
      await arklet?.close();
      actuator.close();
    },
  };
  if (config.get('nodeark.console.enabled')) {
    // Imported only when enabled: a base without the console loads none of it (docs/console.md).
    const { mountConsole } = await import('./console/mount-console.js');
    await mountConsole({
      app,
      runtime,
      logger: logger.child({ component: 'console' }),
      path: config.get('nodeark.console.path'),
      token: config.get('nodeark.arklet.auth.token') || undefined,
      serverAddress: config.get('server.address'),
      masterBiz,
      arkletUrl: () => arklet?.url,
    });
  }
  return services;
}

/**
 * The Arklet's bind address: `koupleless.arklet.http.host`, else its older name `…address`, else the
 * documented default (the key's declared `docDefault`: it has no loader default, so `address` can apply).
 */
export function arkletHostOf(config: NodearkConfig): string {
  return (
    config.get('koupleless.arklet.http.host') ??
    config.get('koupleless.arklet.http.address') ??
    CONFIG_SCHEMA['koupleless.arklet.http.host'].docDefault
  );
}

/** True for an address only this machine can reach. */
