/**
 * `nodeark start`: runs a standalone base until SIGTERM/SIGINT (graceful shutdown, then exit).
 */
import { createBase } from '../../create-base.js';
import { CONFIG_SCHEMA } from '../../config/config-schema.js';
import type { CliCommand } from '../command.js';

/** The `start` command. */
export const startCommand: CliCommand = {
  name: 'start',
  summary: 'Run a base: modules on server.port, the Arklet API on 1238',
  usage: `Usage: nodeark start [--config base.json] [--<key>=<value> ...] [--help-config]

Runs a nodeark base in the foreground. Configuration is read from defaults, then the --config JSON file,
then the environment (relaxed names, e.g. SERVER_PORT), then --key=value arguments (later wins).

Examples:
  nodeark start --server.port=8080
  nodeark start --config base.json --com.alipay.sofa.ark.static.biz.dir=./modules
  SERVER_PORT=9090 KOUPLELESS_ARKLET_HTTP_PORT=1239 nodeark start

Stops gracefully on SIGTERM or SIGINT: readiness goes OUT_OF_SERVICE, new connections are refused,
in-flight requests drain, modules stop in reverse priority, then the process exits
(0 = clean, 1 = startup failed, 2 = shutdown timed out).

  --help-config   list every configuration key with its default and environment name
`,
  async run(argv, io) {
    if (argv.includes('--help-config')) {
      for (const [key, def] of Object.entries(CONFIG_SCHEMA)) {
        const env = key.replace(/\./g, '_').replace(/-/g, '').toUpperCase();
        io.stdout.write(`${key}\n  default: ${JSON.stringify(def.default)}  env: ${env}\n  ${def.description}\n`);
      }
      return 0;
    }
    let base;
    try {
      base = await createBase({ argv });
    } catch (err) {
      const e = err as { code?: string; message: string };
      io.stderr.write(`nodeark start: ${e.message}${e.code ? ` [${e.code}]` : ''}\n`);
      return 1;
    }
    try {
      const { url, arkletUrl } = await base.listen();
      io.stderr.write(`nodeark base ready on ${url}${arkletUrl ? ` (Arklet API ${arkletUrl})` : ''}\n`);
    } catch (err) {
      const e = err as { code?: string; message: string };
      io.stderr.write(`nodeark start: ${e.message}${e.code ? ` [${e.code}]` : ''}\n`);
      await base.close().catch(() => {});
      return 1;
    }
    const timeoutMs = base.config.get('nodeark.shutdown.timeout') ?? 30_000;
    return new Promise<number>((resolve) => {
      let stopping = false;
      const stop = (signal: string): void => {
        if (stopping) {
          io.stderr.write(`nodeark: ${signal} again, exiting now\n`);
          resolve(2);
          return;
        }
        stopping = true;
        io.stderr.write(`nodeark: ${signal} received, shutting down gracefully\n`);
        const timer = setTimeout(() => {
          io.stderr.write(`nodeark: shutdown did not finish within ${timeoutMs} ms\n`);
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
            io.stderr.write(`nodeark: shutdown failed: ${(err as Error).message}\n`);
            resolve(2);
          },
        );
      };
      process.once('SIGTERM', () => stop('SIGTERM'));
      process.once('SIGINT', () => stop('SIGINT'));
    });
  },
};
