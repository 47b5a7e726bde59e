/**
 * `nodeark start`: runs a standalone base until SIGTERM/SIGINT (graceful shutdown, then exit).
 */
import { createBase } from '../../create-base.js';
import { ACTUATOR_CONFIG_SCHEMA, CONFIG_KEY_PATTERNS, CONFIG_SCHEMA } from '../../config/config-schema.js';
import { renderConfigHelp } from '../../config/config-reference.js';
import type { CliCommand } from '../command.js';
import { extractConfigArgs, OptionError, parseOptions, unknownOptionMessage, type OptionDefs } from '../parse-options.js';

const OPTIONS: OptionDefs = {
  config: { type: 'string' },
  'help-config': { type: 'boolean' },
};

/**
 * What an unknown option is compared with for "did you mean": the configuration keys, so `--port` suggests
 * `--server.port`. Open key families are shown with a placeholder (`--info.<key>`).
 */
function configCandidates(): string[] {
  return [
    ...Object.keys(CONFIG_SCHEMA),
    ...Object.keys(ACTUATOR_CONFIG_SCHEMA),
    ...CONFIG_KEY_PATTERNS.map((p) => `${p.prefix}<key>`),
  ];
}

/**
 * Splits `nodeark start`'s arguments into the argv for the configuration loader (`--key=value` pairs and
 * `--config=<file>`) and `--help-config`. Throws {@link OptionError} for anything else.
 */
export function parseStartArgs(argv: readonly string[]): { configArgv: string[]; helpConfig: boolean } {
  const { config, rest } = extractConfigArgs(argv);
  // The configuration loader reads every argument starting with `--config` as the file option, so a
  // `--config.x=…` key would be dropped without a word; no key starts with `config.`.
  const shadowed = config.find((a) => a.startsWith('--config.'));
  if (shadowed) throw new OptionError(unknownOptionMessage(shadowed.slice(0, shadowed.indexOf('=')), ['config', ...configCandidates()]));
  const { positionals, values } = parseOptions(rest, OPTIONS, configCandidates());
  if (positionals.length > 0) throw new OptionError(`unexpected argument ${positionals[0]}`);
  const file = values['config'];
  return { configArgv: [...config, ...(typeof file === 'string' ? [`--config=${file}`] : [])], helpConfig: values['help-config'] === true };
}

/** The `start` command. */
export const startCommand: CliCommand = {
  name: 'start',
  summary: 'Run a base: modules on server.port, the Arklet API on 1238',
  usage: `Usage: nodeark start [--config <base.json>] [--<key>=<value> | --<key> <value> ...] [--help-config]

Runs a nodeark base in the foreground. Configuration is read from defaults, then the --config JSON file,
then the environment (relaxed names, e.g. SERVER_PORT), then --key=value arguments (later wins).
Configuration keys are dotted (--server.port); an unknown option or key is refused with exit 1.

Examples:
  nodeark start --server.port=8080
  nodeark start --server.port 8080 --config base.json --com.alipay.sofa.ark.static.biz.dir=./modules
  SERVER_PORT=9090 KOUPLELESS_ARKLET_HTTP_PORT=1239 nodeark start

Logs are JSON lines on stdout, among them "nodeark base ready" (with url and arkletUrl) once the base
serves. Stops gracefully on SIGTERM or SIGINT: readiness goes OUT_OF_SERVICE, new connections are refused,
in-flight requests drain, modules stop in reverse priority, then the process exits
(0 = clean, 1 = startup failed or bad arguments, 2 = shutdown timed out).

Options:
  --config <file>   a JSON configuration file (nested or dotted keys)
  --help-config     list every configuration key (base, tunnels, actuator) with its kind, default and
                    environment name
  -h, --help        show this help
`,
  async run(argv, io) {
    let parsed: ReturnType<typeof parseStartArgs>;
    try {
      parsed = parseStartArgs(argv);
    } catch (err) {
      if (!(err instanceof OptionError)) throw err;
      io.stderr.write(`nodeark start: ${err.message}\nRun \`nodeark start --help\` for the options, \`nodeark start --help-config\` for the configuration keys.\n`);
      return 1;
    }
    if (parsed.helpConfig) {
      // The same rows docs/configuration.md is generated from: the base's, the tunnels' and the actuator's keys.
      io.stdout.write(renderConfigHelp());
      return 0;
    }
    let base;
    try {
      base = await createBase({ argv: parsed.configArgv });
    } catch (err) {
      const e = err as { code?: string; message: string };
      io.stderr.write(`nodeark start: ${e.message}${e.code ? ` [${e.code}]` : ''}\n`);
      return 1;
    }
    // The base's own lines carry component "base" (docs/operations.md, Logs).
    const logger = base.logger.child({ component: 'base' });
    try {
      const { url, arkletUrl } = await base.listen();
      logger.info({ url, arkletUrl }, 'nodeark base ready');
    } catch (err) {
      const e = err as { code?: string; message: string };
      io.stderr.write(`nodeark start: ${e.message}${e.code ? ` [${e.code}]` : ''}\n`);
      await base.close().catch(() => {});
      return 1;
    }
    const timeoutMs = base.config.get('nodeark.shutdown.timeout');
    return new Promise<number>((resolve) => {
      let stopping = false;
      const stop = (signal: string): void => {
        if (stopping) {
          logger.warn({ signal }, 'signal received again, exiting now');
          resolve(2);
          return;
        }
        stopping = true;
        logger.info({ signal }, 'signal received, shutting down gracefully');
        const timer = setTimeout(() => {
          logger.error({ timeoutMs }, 'shutdown did not finish in time, exiting');
          resolve(2);
        }, timeoutMs);
        timer.unref();
        base.close().then(
          () => {
            clearTimeout(timer);
            resolve(0);
          },
          (err: unknown) => {
            clearTimeout(timer);
            logger.error({ err }, 'shutdown failed');
            resolve(2);
          },
        );
      };
      // `on`, not `once`: a second signal must reach `stop` (exit 2 at once) instead of killing the process.
      process.on('SIGTERM', () => stop('SIGTERM'));
      process.on('SIGINT', () => stop('SIGINT'));
    });
  },
};
