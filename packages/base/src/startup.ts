/**
 * What a base does once it is listening: static deployment, then module replay, then "ready" (the
 * actuator's masterBizStartUp turns UP). Shared by `createBase()` and `nodearkPlugin`.
 */
import { join, resolve } from 'node:path';
import type { BizRuntime } from '@nodeark/runtime';
import type { NodearkConfig } from './config/load-config.js';
import type { Logger } from './logger.js';
import { ReplayStore } from './replay.js';
import type { BaseServices } from './services.js';
import { deployStatic } from './static-deploy.js';

/** Runs static deployment and replay; marks the base ready or failed. Returns the replay store, if any. */
export async function runStartup(
  runtime: BizRuntime,
  config: NodearkConfig,
  logger: Logger,
  services: BaseServices,
): Promise<ReplayStore | undefined> {
  let replay: ReplayStore | undefined;
  try {
    const staticDir = config.get('com.alipay.sofa.ark.static.biz.dir');
    if (staticDir) await deployStatic(runtime, staticDir, logger);
    if (config.get('nodeark.replay.enabled')) {
      const file = resolve(config.get('nodeark.replay.file') ?? join(runtime.options.storeDir, '..', 'installed.json'));
      replay = new ReplayStore(file, runtime, logger);
      const record = await replay.load();
      if (record) await replay.replay(record);
      replay.watch();
    }
    services.markReady();
    return replay;
  } catch (err) {
    services.markFailed(err as Error);
    throw err;
  }
}
