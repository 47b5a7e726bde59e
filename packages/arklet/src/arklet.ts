/**
 * `createArklet`: the Arklet command server of a base (docs/reference/arklet-protocol.md). It owns the
 * command registry (the built-ins of § Commands plus custom commands), the health indicators
 * (§ System indicators), the per-identity coordinator (§ Concurrency) and the async operation records
 * (§ Async operations), and the HTTP tunnel (§ Transport).
 */
import { createRequire } from 'node:module';
import type { TSchema } from '@sinclair/typebox';
import { silentLogger, type BizRuntime, type BizTransitionEvent } from '@nodeark/runtime';
import { defaultBaseIdentity } from './base-identity.js';
import { CommandRegistry, type AnyObjectSchema, type CommandDefinition } from './command-registry.js';
import { batchInstallBizCommand } from './commands/batch-install-biz.js';
import { helpCommand } from './commands/help.js';
import { installBizCommand } from './commands/install-biz.js';
import { queryAllBizCommand } from './commands/query-all-biz.js';
import { queryBizOpsCommand } from './commands/query-biz-ops.js';
import { switchBizCommand } from './commands/switch-biz.js';
import { uninstallBizCommand } from './commands/uninstall-biz.js';
import { internalErrorResponse } from './envelope.js';
import { ERR_ARKLET_CLOSED, ERR_ARKLET_INVALID_OPTIONS } from './errors.js';
import { createHealthCommand } from './health-command.js';
import { createCpuIndicator } from './health/cpu-indicator.js';
import { IndicatorRegistry } from './health/indicator-registry.js';
import { createJvmIndicator } from './health/jvm-indicator.js';
import { ProcessSampler } from './health/process-sampler.js';
import { startHttpServer, type HttpServer } from './http-server.js';
import { buildOpenApi } from './openapi.js';
import { OpRecordStore, type OpRecordLimits } from './op-records.js';
import { assertPort, DEFAULT_ARKLET_PORT } from './port-select.js';
import type { ArkletLogger, ArkletResponse, HealthIndicatorFn, MasterBizInfo } from './types.js';

/** Options of {@link createArklet}. */
export interface ArkletOptions {
  /** The biz host the commands drive. Required. */
  runtime: BizRuntime;
  /** The base itself: reported `activated` by `health`, refused by `uninstallBiz`. Required. */
  masterBiz: MasterBizInfo;
  /**
   * `koupleless.arklet.http.port`. Default 1238. Unless `portExplicit`, the first free port of
   * `[port, port + 100)` is used (1238..1337 by default); `0` picks an ephemeral port.
   */
  port?: number;
  /** True when the port was configured explicitly: it is used as is, and a busy port fails startup. Default false. */
  portExplicit?: boolean;
  /** Interface to bind. Default `0.0.0.0` (Java binds all interfaces). */
  host?: string;
  /** `baseIdentity` of every envelope. Default: the first non-internal IPv4 address, else the host name. */
  baseIdentity?: string;
  /** Log sink (pino-compatible). Default: silent. */
  logger?: ArkletLogger;
  /** Bounds of the async operation records (default 1000 records, finished ones kept 1 h). */
  opRecords?: OpRecordLimits;
  /** `jvm["java max metaspace"]`: the memory budget in bytes. Default: cgroup limit, else total memory. */
  memoryCapacityBytes?: number;
  /** Require `Authorization: Bearer <token>` on every request (docs/security.md). Default: no authentication. */
  authToken?: string;
  /** Timeout of each custom health indicator. Default 3000 ms. */
  healthIndicatorTimeoutMs?: number;
}

/** A running Arklet. */
export interface Arklet {
  /** The port the HTTP tunnel listens on. */
  readonly port: number;
  /** The interface it is bound to (the `host` option). */
  readonly address: string;
  /** `http://<host>:<port>`, with a wildcard host replaced by 127.0.0.1 (for local clients). */
  readonly url: string;
  /** The `baseIdentity` of the envelopes. */
  readonly baseIdentity: string;
  /**
   * Registers a custom command, routable at `POST /<id>` and listed by `help`.
   * A blank id or description, or an id already registered, is refused.
   */
  registerCommand<S extends TSchema = AnyObjectSchema>(def: CommandDefinition<S, unknown>): void;
  /**
   * Registers a custom health indicator: its map appears in `healthData` under `id` and can be
   * selected through `metrics`. A blank or taken id (`cpu`, `jvm`, …) is refused.
   */
  registerHealthIndicator(id: string, fn: HealthIndicatorFn): void;
  /** Runs a command without HTTP (the core the tunnels share); resolves with its envelope, never rejects. */
  execute(commandId: string, input?: unknown): Promise<ArkletResponse>;
  /** Resolves when every async operation started so far has finished, or after `timeoutMs` (default 10 s). */
  idle(timeoutMs?: number): Promise<void>;
  /** Stops listening (idle keep-alive connections are closed). Running operations continue in the runtime. */
  close(): Promise<void>;
}

/** This package's version: the `info.version` of the OpenAPI document (read when the document is first asked for). */
function arkletVersion(): string {
  return (createRequire(import.meta.url)('../package.json') as { version: string }).version;
}

/** Creates the Arklet and starts its HTTP tunnel. */
export async function createArklet(options: ArkletOptions): Promise<Arklet> {
  const opts = checkOptions(options);
  const logger = opts.logger ?? silentLogger;
  const runtime = opts.runtime;
  const baseIdentity = opts.baseIdentity ?? defaultBaseIdentity();
  const masterBiz: MasterBizInfo = { bizName: opts.masterBiz.bizName, bizVersion: opts.masterBiz.bizVersion };

  const registry = new CommandRegistry({ records: new OpRecordStore(opts.opRecords) });
  registry.bind({ baseIdentity, runtime, masterBiz, logger });

  let unloaded = 0;
  const onTransition = (e: BizTransitionEvent): void => {
    if (e.to === 'stopped') unloaded++;
  };
  runtime.on('transition', onTransition);

  const indicators = new IndicatorRegistry(opts.healthIndicatorTimeoutMs ?? 3000);
  const sampler = new ProcessSampler();
  indicators.register('cpu', createCpuIndicator(sampler));
  indicators.register(
    'jvm',
    createJvmIndicator(
      { loaded: () => runtime.list().length, unloaded: () => unloaded },
      sampler,
      opts.memoryCapacityBytes,
    ),
  );

  for (const def of [
    helpCommand,
    installBizCommand,
    batchInstallBizCommand,
    uninstallBizCommand,
    switchBizCommand,
    queryAllBizCommand,
    createHealthCommand(indicators),
    queryBizOpsCommand,
  ] as CommandDefinition<TSchema, unknown>[]) {
    registry.register(def);
  }

  let closed = false;
  const execute = (commandId: string, input?: unknown): Promise<ArkletResponse> => {
    if (closed) return Promise.resolve(internalErrorResponse(new ERR_ARKLET_CLOSED()));
    return registry.execute(commandId, input);
  };

  const host = opts.host ?? '0.0.0.0';
  let server: HttpServer;
  try {
    server = await startHttpServer({
      host,
      port: opts.port ?? DEFAULT_ARKLET_PORT,
      portExplicit: opts.portExplicit ?? false,
      logger,
      execute,
      ...(opts.authToken ? { authToken: opts.authToken } : {}),
      openapi: async () => buildOpenApi(registry.describe(), (await import('./schemas.js')).BUILTIN_SCHEMAS, arkletVersion()),
    });
  } catch (err) {
    sampler.stop();
    runtime.off('transition', onTransition);
    throw err;
  }
  const localHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  logger.info({ port: server.port, host, baseIdentity }, 'arklet listening');

  return {
    port: server.port,
    address: host,
    url: `http://${localHost}:${server.port}`,
    baseIdentity,
    registerCommand: (def) => registry.register(def),
    registerHealthIndicator: (id, fn) => indicators.register(id, fn),
    execute,
    idle: (timeoutMs) => registry.idle(timeoutMs),
    async close() {
      if (closed) return;
      closed = true;
      sampler.stop();
      runtime.off('transition', onTransition);
      await server.close();
    },
  };
}

function checkOptions(options: ArkletOptions): ArkletOptions {
  if (typeof options !== 'object' || options === null) throw new ERR_ARKLET_INVALID_OPTIONS('options', 'must be an object');
  const rt = options.runtime as unknown as Record<string, unknown> | undefined;
  if (!rt || typeof rt['install'] !== 'function' || typeof rt['list'] !== 'function' || typeof rt['on'] !== 'function') {
    throw new ERR_ARKLET_INVALID_OPTIONS('runtime', 'a BizRuntime is required');
  }
  const m = options.masterBiz as unknown as Record<string, unknown> | undefined;
  if (!m || typeof m['bizName'] !== 'string' || m['bizName'].trim() === '' || typeof m['bizVersion'] !== 'string' || m['bizVersion'].trim() === '') {
    throw new ERR_ARKLET_INVALID_OPTIONS('masterBiz', 'use { bizName: string; bizVersion: string } with non-blank values');
  }
  if (options.port !== undefined) assertPort(options.port);
  if (options.baseIdentity !== undefined && (typeof options.baseIdentity !== 'string' || options.baseIdentity.trim() === '')) {
    throw new ERR_ARKLET_INVALID_OPTIONS('baseIdentity', 'must be a non-blank string');
  }
  if (
    options.memoryCapacityBytes !== undefined &&
    (typeof options.memoryCapacityBytes !== 'number' || !Number.isFinite(options.memoryCapacityBytes) || options.memoryCapacityBytes <= 0)
  ) {
    throw new ERR_ARKLET_INVALID_OPTIONS('memoryCapacityBytes', 'must be a positive number of bytes');
  }
  return options;
}
