/**
 * What `createBase()` and `nodearkPlugin` share: configuration → logger → runtime, in one place so the two
 * entry points can never read configuration differently.
 */
import { BizRuntime } from '@nodeark/runtime';
import { loadConfig, type LoadConfigInput, type NodearkConfig } from './config/load-config.js';
import { createLogger, type Logger } from './logger.js';
import { runtimeOptionsFrom } from './runtime-options.js';

/** Configuration sources and an optional logger. */
export interface AssembleInput {
  config?: Record<string, unknown>;
  configFile?: string;
  argv?: string[];
  env?: Record<string, string | undefined>;
  logger?: Logger;
}

/** Loads configuration (throws naming a bad key), creates the logger and the runtime. */
export function assemble(options: AssembleInput): { config: NodearkConfig; logger: Logger; runtime: BizRuntime } {
  const input: LoadConfigInput = {};
  if (options.config) input.values = options.config;
  if (options.configFile) input.file = options.configFile;
  if (options.argv) input.argv = options.argv;
  if (options.env) input.env = options.env;
  const config = loadConfig(input);
  const logger = options.logger ?? createLogger(config.get('logging.level.root') ?? 'info', 'nodeark');
  return { config, logger, runtime: new BizRuntime(runtimeOptionsFrom(config, logger)) };
}
