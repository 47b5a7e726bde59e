/**
 * Maps resolved configuration onto {@link RuntimeOptions} (one place, so the CLI, `createBase()` and the
 * fastify plugin agree). Every value is already typed and defaulted by the loader from the declarations
 * (`config/config-schema.ts`, whose runtime defaults are the runtime's own `RUNTIME_DEFAULTS`), so no
 * default is written here.
 */
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import type { ResourceLimits } from 'node:worker_threads';
import type { RuntimeLogger, RuntimeOptions } from '@nodeark/runtime';
import type { NodearkConfig } from './config/load-config.js';

/**
 * This package's own version, which modules' `peerDependencies.nodeark` / `nodeark.requires` ranges are
 * checked against. Read from its package.json (one directory up from both `src/` and `dist/`) rather than
 * written into the code, so a release cannot forget to bump it.
 */
export const NODEARK_VERSION: string = (createRequire(import.meta.url)('../package.json') as { version: string }).version;

/** Builds runtime options from configuration. */
export function runtimeOptionsFrom(config: NodearkConfig, logger: RuntimeLogger): RuntimeOptions {
  const limits: ResourceLimits = {};
  const oldGen = config.get('nodeark.worker.max-old-generation-size-mb');
  const youngGen = config.get('nodeark.worker.max-young-generation-size-mb');
  const stack = config.get('nodeark.worker.stack-size-mb');
  if (oldGen !== undefined) limits.maxOldGenerationSizeMb = oldGen;
  if (youngGen !== undefined) limits.maxYoungGenerationSizeMb = youngGen;
  if (stack !== undefined) limits.stackSizeMb = stack;
  const nm = config.get('nodeark.base.node-modules');
  const user = config.get('nodeark.download.basic-auth.username');
  const password = config.get('nodeark.download.basic-auth.password');
  return {
    storeDir: resolve(config.get('nodeark.store.dir')),
    baseNodeModules: nm === 'none' ? null : nm === undefined ? undefined : resolve(nm),
    logger,
    moduleLogLevel: config.get('nodeark.biz.log-level'),
    startTimeoutMs: config.get('nodeark.biz.start-timeout'),
    stopTimeoutMs: config.get('nodeark.biz.stop-timeout'),
    drainTimeoutMs: config.get('nodeark.biz.drain-timeout'),
    requestTimeoutMs: config.get('nodeark.biz.request-timeout'),
    idleTimeoutMs: config.get('nodeark.biz.idle-timeout'),
    trustProxy: config.get('nodeark.biz.trust-proxy'),
    healthTimeoutMs: config.get('nodeark.biz.health-timeout'),
    keepBrokenBiz: config.get('nodeark.biz.keep-broken'),
    spareWorkers: config.get('nodeark.worker.spares'),
    childProcesses: config.get('nodeark.biz.child-processes'),
    watchdog: {
      intervalMs: config.get('nodeark.watchdog.interval'),
      maxEventLoopUtilization: Math.min(1, config.get('nodeark.watchdog.max-event-loop-utilization') / 100),
      maxUnhealthyChecks: config.get('nodeark.watchdog.max-unhealthy-checks'),
      action: config.get('nodeark.watchdog.action'),
    },
    ...(Object.keys(limits).length > 0 ? { resourceLimits: limits } : {}),
    bundleLimits: {
      maxArchiveBytes: config.get('nodeark.bundle.max-archive-size'),
      maxUnpackedBytes: config.get('nodeark.bundle.max-unpacked-size'),
      maxEntries: config.get('nodeark.bundle.max-entries'),
    },
    download: {
      connectTimeoutMs: config.get('nodeark.download.connect-timeout'),
      bodyTimeoutMs: config.get('nodeark.download.body-timeout'),
      totalTimeoutMs: config.get('nodeark.download.total-timeout'),
      maxRedirections: config.get('nodeark.download.max-redirections'),
      ...(user !== undefined ? { basicAuth: { username: user, password: password ?? '' } } : {}),
    },
    bundlePolicy: {
      allowedHosts: config.get('nodeark.bundle.allowed-hosts'),
      allowedRoots: config.get('nodeark.bundle.allowed-roots').map((r) => resolve(r)),
      requireIntegrity: config.get('nodeark.bundle.require-integrity'),
    },
    hostVersions: { nodeark: NODEARK_VERSION },
    allowedSchemes: config.get('nodeark.bundle.allowed-schemes').map((s) => (s.endsWith(':') ? s : `${s}:`)),
  };
}
