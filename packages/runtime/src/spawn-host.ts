/**
 * Builds the worker of one module version from its record and the runtime's options: the entry URL, the
 * boot data, the worker's whole environment, its limits, its log sink and its meter.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BizRecord } from './biz-record.js';
import type { MetricsRegistry } from './metrics/module-metrics.js';
import { SILENT_LOGGER, type ResolvedRuntimeOptions } from './runtime-options.js';
import { bizLogSink } from './worker/biz-log-sink.js';
import type { SpareWorkers } from './worker/spare-workers.js';
import { WorkerHost } from './worker/worker-host.js';

/**
 * A new (not yet started) worker for a module version: a spare from `spares` when one is waiting and the
 * module's environment allows it (see {@link spareAllowed}), else a freshly spawned one.
 */
export function spawnHost(
  rec: BizRecord,
  options: ResolvedRuntimeOptions,
  meters: MetricsRegistry,
  spares?: SpareWorkers,
): WorkerHost {
  const processEnv = workerEnv(rec.envs, options.nodeEnv);
  const spare = spares !== undefined && spareAllowed(processEnv) ? spares.take() : undefined;
  return new WorkerHost({
    identity: rec.identity,
    processEnv,
    spare,
    boot: {
      entryUrl: pathToFileURL(join(rec.dir, rec.mainClass)).href,
      bizName: rec.bizName,
      bizVersion: rec.bizVersion,
      webContextPath: rec.webContextPath,
      args: rec.args,
      env: rec.envs,
      logLevel: options.moduleLogLevel,
      healthTimeoutMs: options.healthTimeoutMs,
      childProcesses: options.childProcesses,
    },
    startTimeoutMs: options.startTimeoutMs,
    requestTimeoutMs: options.requestTimeoutMs,
    idleTimeoutMs: options.idleTimeoutMs,
    trustProxy: options.trustProxy,
    rewriteMount: rec.mountRewrite,
    ...(options.resourceLimits ? { resourceLimits: options.resourceLimits } : {}),
    execArgv: options.workerExecArgv,
    onLog: bizLogSink(
      options.logger === SILENT_LOGGER ? undefined : options.logger,
      rec.identity,
      options.moduleLogLevel,
    ),
    meter: meters.of(rec.identity),
  });
}

/**
 * A spare's environment is set after its thread started, which is the same for the module unless it sets a
 * variable Node reads while a thread starts (`NODE_DEBUG`, `NODE_PENDING_DEPRECATION`, …): any `NODE_*`
 * but `NODE_ENV` gets a fresh worker (docs/operations.md § Start-up and install speed).
 */
function spareAllowed(env: Record<string, string>): boolean {
  return !Object.keys(env).some((k) => k.startsWith('NODE_') && k !== 'NODE_ENV');
}

/**
 * The worker's whole `process.env`: the install's `envs`, plus `NODE_ENV` (the configured one, else the
 * base's own) unless they set it. Nothing else of the base's environment reaches a module.
 */
function workerEnv(envs: Record<string, string>, configured: string | undefined): Record<string, string> {
  const nodeEnv = configured ?? process.env['NODE_ENV'];
  if (nodeEnv === undefined || Object.prototype.hasOwnProperty.call(envs, 'NODE_ENV')) return envs;
  return { NODE_ENV: nodeEnv, ...envs };
}
