/**
 * What `createBase()` and `nodearkPlugin` share: configuration → logger → runtime, in one place so the two
 * entry points can never read configuration differently.
 */
import { BizRuntime } from '@nodeark/runtime';
import { loadConfig, type LoadConfigInput, type NodearkConfig } from './config/load-config.js';
import { createLogger, type NodearkLogger } from './logger.js';
import { runtimeOptionsFrom } from './runtime-options.js';

/** Configuration sources and an optional logger. */
export interface AssembleInput {
  config?: Record<string, unknown>;
  configFile?: string;
  argv?: string[];
  env?: Record<string, string | undefined>;
  logger?: NodearkLogger;
}

/** What {@link assemble} builds. */
export interface Assembled {
  config: NodearkConfig;
  /**
   * The root logger (the given one, or a new one from `logging.*`), without a `component`: each part
   * binds its own (`arklet`, `actuator`, `http`, `tunnel`, `runtime`, `module`). pino repeats a key bound
   * twice, so nothing is bound here that a part would bind again.
   */
  logger: NodearkLogger;
  /** The base's own lines (listening, startup, static deployment, replay): `component: 'base'`. */
  baseLog: NodearkLogger;
  runtime: BizRuntime;
}

/** Loads configuration (throws naming a bad key), creates the logger and the runtime. */
export function assemble(options: AssembleInput): Assembled {
  const input: LoadConfigInput = {};
  if (options.config) input.values = options.config;
  if (options.configFile) input.file = options.configFile;
  if (options.argv) input.argv = options.argv;
  if (options.env) input.env = options.env;
  const config = loadConfig(input);
  // Typed by the declarations: `logging.format` is one of its enum's values, and both keys have defaults.
  const logger =
    options.logger ??
    createLogger({ level: config.get('logging.level.root'), name: 'nodeark', format: config.get('logging.format') });
  return {
    config,
    logger,
    baseLog: logger.child({ component: 'base' }),
    // The runtime binds `component: 'runtime'` for its own lines and `'module'` + `biz` for module lines.
    runtime: new BizRuntime(runtimeOptionsFrom(config, logger)),
  };
}
